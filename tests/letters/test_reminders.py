"""SLA reminders and held letters: the daily reminder goes to the assignee through the mail path."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.core.audit import Actor
from backoffice.core.db import utcnow
from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, reminders, services
from backoffice.letters.models import DeliveryStatus
from backoffice.mail import jobs as mail_jobs
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.findings import FindingInput, record_findings
from backoffice.reviews.outcomes import sign_off
from backoffice.reviews.taking import assign_cases
from tests.factories import OrganisationFactory, UserFactory
from tests.payloads import body, post_processed


def _case_assigned_to(client, session, reviewer, ods_code: str, due_in_days: int):
    OrganisationFactory(ods_code=ods_code)
    session.commit()
    payload = body(notification_id=f"IGT-REMIND-{ods_code}")
    payload["organisation"]["ods_code"] = ods_code
    reference = post_processed(client, payload)["case_reference"]
    session.expire_all()
    case = session.scalar(select(Case).where(Case.reference == reference))
    assign_cases(session, actor=Actor.of(reviewer), cases=[case],
                 reviewer=reviewer)
    case.due_date = utcnow().date() + timedelta(days=due_in_days)
    session.commit()
    return case


def test_the_assignee_is_reminded_once_a_day_of_overdue_and_due_cases(client, session,
                                                                      smtp_server):
    rita = UserFactory(role="reviewer", email="rita@example.org")
    session.commit()
    overdue = _case_assigned_to(client, session, rita, "8RM01", -3)
    far = _case_assigned_to(client, session, rita, "8RM02", 30)
    assert jobs.sla_reminders() == 1
    assert jobs.sla_reminders() == 0, "a second run the same day writes nothing"
    message = session.scalar(select(OutboxMessage).where(
        OutboxMessage.kind == reminders.REMINDER_KIND))
    assert message.recipients == ["rita@example.org"]
    assert overdue.reference in message.body and "OVERDUE" in message.body
    assert far.reference not in message.body
    assert mail_jobs.deliver_outbox(message.id) == "sent"
    ((to, received),) = smtp_server.inbox.messages
    assert to == ["rita@example.org"] and "1 overdue" in received["Subject"]


def test_letters_wait_while_a_voided_sign_off_is_signed_again(session, case_in_sending_letters,
                                                              people, smtp_server):
    services.set_group_address(session, actor=people["admin"][1], group="CAG",
                               email="cag@groups.example.org")
    case = case_in_sending_letters(Outcome.NOT_SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    first = services.current_letters(session, case)
    reviewer, actor = people["reviewer"]
    record_findings(session, actor=actor, case=case, findings=[
        FindingInput("115", False, 1, "no policy after all")])
    session.commit()
    assert case.status == "awaiting_sign_off"
    assert [jobs.deliver_letter(letter.id) for letter in first] == ["skipped", "skipped"]
    sign_off(session, actor=people["senior"][1], case=case, signer=people["senior"][0])
    session.commit()
    jobs.generate_letters(case.id)
    second = services.current_letters(session, case)
    assert [lt.version for lt in second] == [2, 2]
    assert [jobs.deliver_letter(letter.id) for letter in first] == ["skipped", "skipped"]
    assert [jobs.deliver_letter(letter.id) for letter in second] == ["sent", "sent"]
    session.expire_all()
    assert all(lt.delivery_status == DeliveryStatus.PENDING for lt in first)
    assert case.status == "closed" and len(smtp_server.inbox.messages) == 2


def test_a_case_sending_its_letters_is_on_the_clock_and_in_its_reviewers_reminder(
        session, case_in_sending_letters):
    """The clock stops only while the organisation is asked for information."""
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    case.due_date = utcnow().date() - timedelta(days=1)
    session.commit()
    assert jobs.sla_reminders() == 1
    message = session.scalar(select(OutboxMessage).where(
        OutboxMessage.kind == reminders.REMINDER_KIND))
    assert f"{case.reference} " in message.body and "(sending letters)" in message.body
