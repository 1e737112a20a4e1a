"""The reviewer hears why a case is back: a send-back or a reopening is e-mailed to them once
and shown as a banner on the case; a bulk assignment is e-mailed to the assignee."""

from sqlalchemy import select

from backoffice.mail import jobs as mail_jobs
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.outcomes import send_back
from backoffice.reviews.taking import assign_cases
from tests.conftest import log_in
from tests.reviews.test_sign_off_summary import _proposed


def _mail(session, kind):
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_a_send_back_is_e_mailed_once_and_shown_to_the_reviewer(client, session, open_case,
                                                                people, smtp_server):
    case = _proposed(session, open_case, people)
    second, actor = people["senior2"]
    send_back(session, actor=actor, case=case, signer=second,
              comment="Requirement 117: the log was uploaded on Monday")
    session.commit()
    [message] = _mail(session, "sent_back")
    assert message.recipients == ["sam@example.org"]
    assert [mail_jobs.deliver_outbox(message.id), mail_jobs.deliver_outbox(message.id)] == \
        ["sent", "skipped"]
    assert len(smtp_server.inbox.messages) == 1
    log_in(client, "sam@example.org")
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    banner = page[page.index('data-testid="back-in-review"'):]
    assert "Sent back by" in banner[:300]
    assert "Requirement 117: the log was uploaded on Monday" in banner[:600]


def test_a_bulk_assignment_is_e_mailed_to_the_assignee(session, open_case, people):
    first, second = open_case(ods_code="8HV01"), open_case(ods_code="8HV02")
    reviewer, _ = people["reviewer"]
    assign_cases(session, actor=people["senior"][1], cases=[first, second], reviewer=reviewer)
    session.commit()
    [message] = _mail(session, "cases_assigned")
    assert message.recipients == ["rita@example.org"]
    assert "2 case(s) assigned to you" in message.subject
    assert first.reference in message.body and second.reference in message.body


def test_nobody_is_e_mailed_for_taking_cases_themselves(session, open_case, people):
    case = open_case()
    senior, actor = people["senior"]
    assign_cases(session, actor=actor, cases=[case], reviewer=senior)
    assert _mail(session, "cases_assigned") == []
