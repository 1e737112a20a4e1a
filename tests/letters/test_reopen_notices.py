"""A closed case reopened: each group that had a letter is sent a short notice (a new version
of its letter), the portal shows the case as reopened with the reason, and the case is due
again in working days from the day it was reopened."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import select

from backoffice.cases.models import CaseStatus
from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, services
from backoffice.letters.models import Letter
from backoffice.reviews.outcomes import reopen
from tests.letters.test_delivery import _addresses, _deliver_all
from tests.portal.conftest import member_client  # noqa: F401 (fixture)

REASON = "The letter named the wrong study"


def _closed(session, case_in_sending_letters, people):
    _addresses(session, people)
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    _deliver_all(session)
    session.expire_all()
    assert case.status == CaseStatus.CLOSED
    return case


def test_a_reopened_case_is_due_again_and_each_group_gets_a_notice_once(
        session, case_in_sending_letters, people, smtp_server):
    case = _closed(session, case_in_sending_letters, people)
    sent_before = len(smtp_server.inbox.messages)
    with time_machine.travel(datetime(2016, 5, 23, 9, tzinfo=UTC), tick=False):
        reopen(session, actor=people["senior"][1], case=case, reason=REASON, sla_days=10)
        session.commit()
    assert case.due_date == date(2016, 6, 7)  # 10 working days, Spring bank holiday between
    assert (jobs.make_notices(case.id), jobs.make_notices(case.id)) == (1, 0)
    session.expire_all()
    current = {lt.recipient: lt for lt in services.current_letters(session, case)}
    notice = current["CAG"]
    assert (notice.outcome, notice.version, notice.data["reason"]) == ("reopened", 2, REASON)
    assert current["organisation"].version == 1  # the organisation hears from its reviewer
    assert _deliver_all(session).count("sent") == 1
    recipients, message = smtp_server.inbox.messages[sent_before]
    assert recipients == ["cag@groups.example.org"]
    assert "Reopened" in message["Subject"]
    assert REASON in message.get_body().get_content()
    assert session.scalar(select(Letter).where(Letter.id == notice.id)).delivery_status == "sent"


def test_the_portal_shows_the_case_reopened_with_the_reason(
        session, case_in_sending_letters, people, smtp_server, member_client):  # noqa: F811
    case = _closed(session, case_in_sending_letters, people)
    reopen(session, actor=people["senior"][1], case=case, reason=REASON)
    session.commit()
    jobs.make_notices(case.id)
    client, _ = member_client("CAG")
    page = client.get("/portal/").get_data(as_text=True)
    row = page[page.index(case.reference):]
    row = row[:row.index("</tr>")]
    assert "Reopened: under review again" in row
    assert REASON in row
    assert "Satisfactory" not in row


def test_the_public_report_says_a_reopened_outcome_is_under_review_again(
        client, session, case_in_sending_letters, people, smtp_server):
    case = _closed(session, case_in_sending_letters, people)
    assert case.reference in client.get("/reports/outcomes").get_data(as_text=True)
    reopen(session, actor=people["senior"][1], case=case, reason=REASON)
    session.commit()
    listing = client.get("/reports/outcomes").get_data(as_text=True)
    assert "Under review again" in listing and case.reference in listing
    assert REASON not in listing  # the reason is for the groups, not the public
    detail = client.get(f"/reports/outcomes/{case.reference}")
    assert detail.status_code == 200
    assert "under review again" in detail.get_data(as_text=True)


def test_the_reviewer_is_told_of_the_reopening_by_e_mail_and_on_the_case(
        client, session, case_in_sending_letters, people, smtp_server):
    from backoffice.mail.models import OutboxMessage
    from tests.conftest import log_in

    case = _closed(session, case_in_sending_letters, people)
    reopen(session, actor=people["senior"][1], case=case, reason=REASON)
    session.commit()
    reviewer = people["reviewer"][0]
    [told] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_reopened"))
    assert told.recipients == [reviewer.email] and REASON in told.body
    log_in(client, reviewer.email)
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    banner = page[page.index('data-testid="back-in-review"'):][:600]
    assert "Reopened by" in banner and REASON in banner
