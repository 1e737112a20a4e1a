"""Standing applications: a holder that does not publish for a year lapses after 31 March, its
approval group gets one letter, a later publication clears it; ending one is audited."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from docx import Document
from sqlalchemy import select

from backoffice.cases import standing
from backoffice.cases.models import Case
from backoffice.core.audit import AuditEvent
from backoffice.core.db import utcnow
from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, services
from backoffice.letters.lapses import LAPSED
from backoffice.letters.models import Letter
from tests.conftest import csrf_token_from, log_in
from tests.factories import UserFactory
from tests.payloads import body, post_processed

DAAG_ADDRESS = "daag@groups.example.org"


def _next_deadline_year() -> tuple[str, int]:
    """The reporting year whose 31 March comes next (from the real clock: the cases open
    now), and the calendar year that 31 March falls in."""
    today = utcnow().date()
    end = today.year + 1 if (today.month, today.day) >= (4, 1) else today.year
    return f"{end - 1}/{end % 100:02d}", end


def _closed_dars_case(session, case_in_sending_letters, people) -> Case:
    services.set_group_address(session, actor=people["admin"][1], group="DAAG",
                               email=DAAG_ADDRESS)
    session.commit()
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("DAAG",), ods_code="8DA01")
    jobs.generate_letters(case.id)
    for letter in services.current_letters(session, case):
        assert jobs.deliver_letter(letter.id) == "sent"
    session.expire_all()
    assert session.get(Case, case.id).status == "closed"
    return case


def _publish(client, ods_code: str, year: str, published_at: str, number: int) -> dict:
    payload = body(notification_id=f"IGT-LAPSE-{number}", published_at=published_at)
    payload["organisation"]["ods_code"] = ods_code
    payload["assessment"]["reporting_year"] = year
    payload["assessment"]["improvement_plan"] = []
    payload["assessment"]["requirements"] = [{"id": "114", "level": 2}]
    payload["applications"] = [{"type": "DARS", "reference": "DARS-NIC-148533"}]
    return post_processed(client, payload)


def _lapse_mails(smtp_server) -> list:
    return [m for to, m in smtp_server.inbox.messages
            if to == [DAAG_ADDRESS] and "lapsed" in m["Subject"]]


def test_a_dars_holder_that_does_not_publish_lapses_daag_is_told_once_and_publishing_clears_it(
        client, session, case_in_sending_letters, people, smtp_server):
    case = _closed_dars_case(session, case_in_sending_letters, people)
    (holder,) = standing.standing_of(session, case.organisation_id)
    assert (holder.application_type, holder.reference, holder.approval_group) == (
        "DARS", "DARS-NIC-148533", "DAAG")
    year, end = _next_deadline_year()

    assert jobs.annual_cycle(today=date(end, 3, 31))["lapsed"] == 0, "not before 1 April"
    first = jobs.annual_cycle(today=date(end, 4, 1))
    again = jobs.annual_cycle(today=date(end, 4, 1))
    assert (first["lapsed"], first["letters"]) == (1, 1)
    assert (again["lapsed"], again["letters"]) == (0, 0), "a second run makes nothing again"

    session.expire_all()
    (lapse,) = session.get(standing.StandingApplication, holder.id).lapses
    assert (lapse.reporting_year, lapse.cleared_at) == (year, None)
    letter = session.get(Letter, lapse.letter_id)
    assert (letter.recipient, letter.outcome, letter.case_id) == ("DAAG", LAPSED, case.id)
    assert jobs.deliver_letter(letter.id) == "sent"
    assert jobs.deliver_letter(letter.id) == "skipped"
    jobs.annual_cycle(today=date(end, 4, 2))
    (mail,) = _lapse_mails(smtp_server)
    attachment = next(part for part in mail.iter_attachments())
    text = "\n".join(p.text for p in Document(io.BytesIO(attachment.get_content())).paragraphs)
    assert "Rosewood Care Home" in text and year in text and "DARS-NIC-148533" in text

    senior = UserFactory(role="senior_reviewer")
    session.commit()
    log_in(client, senior.email)
    home = client.get("/admin/").get_data(as_text=True)
    assert 'data-testid="home-lapsed"' in home and "8DA01" in home

    later = _publish(client, "8DA01", year, f"{end}-05-02T10:00:00Z", 2)
    assert later["status"] == "processed"
    session.expire_all()
    lapse = session.get(standing.StandingLapse, lapse.id)
    assert lapse.cleared_at == datetime(end, 5, 2, 10, tzinfo=UTC)
    assert session.get(standing.StandingApplication, holder.id).case.reference == \
        later["case_reference"], "the new case is the holder's latest"
    assert jobs.annual_cycle(today=date(end, 5, 3))["lapsed"] == 0
    assert len(_lapse_mails(smtp_server)) == 1
    assert 'data-testid="home-lapsed"' not in client.get("/admin/").get_data(as_text=True)
    page = client.get(f"/admin/standing/details/?id={holder.id}").get_data(as_text=True)
    assert "Cleared: published" in page


def test_the_group_portal_shows_the_lapse_letter(client, session, case_in_sending_letters,
                                                 people, smtp_server):
    _closed_dars_case(session, case_in_sending_letters, people)
    _year, end = _next_deadline_year()
    jobs.annual_cycle(today=date(end, 4, 1))
    member = UserFactory(role="approval_group", approval_group="DAAG")
    session.commit()
    log_in(client, member.email)
    page = client.get("/portal/").get_data(as_text=True)
    assert 'data-testid="lapsed"' in page and "Standing application lapsed" in page


def _end_form(client, holder_id: int) -> str:
    page = client.get(f"/admin/standing/details/?id={holder_id}")
    assert page.status_code == 200
    return csrf_token_from(page.get_data(as_text=True))


def test_ending_a_standing_application_needs_a_reason_is_audited_and_stops_lapses(
        client, session, case_in_sending_letters, people, smtp_server):
    case = _closed_dars_case(session, case_in_sending_letters, people)
    (holder,) = standing.standing_of(session, case.organisation_id)
    helpdesk = UserFactory(role="helpdesk", email="helen@helpdesk.example.org")
    session.commit()
    log_in(client, helpdesk.email)

    token = _end_form(client, holder.id)
    refused = client.post(f"/admin/standing/end/{holder.id}", data={"csrf_token": token,
                                                                   "reason": "  "})
    assert refused.status_code == 302
    session.expire_all()
    assert session.get(standing.StandingApplication, holder.id).ended_at is None

    reason = "DARS data destroyed; certificate of destruction received 3 May."
    client.post(f"/admin/standing/end/{holder.id}", data={"csrf_token": token,
                                                          "reason": reason})
    session.expire_all()
    ended = session.get(standing.StandingApplication, holder.id)
    assert ended.ended_at is not None and ended.end_reason == reason
    assert ended.ended_by_id == helpdesk.id
    (row,) = session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "standing_applications", AuditEvent.action == "update"))
    assert row.actor == "helen@helpdesk.example.org"
    assert row.changes["end_reason"] == ["", reason]
    organisation_page = client.get(f"/admin/organisation/details/?id={case.organisation_id}")
    assert "Ended" in organisation_page.get_data(as_text=True)

    _year, end = _next_deadline_year()
    assert jobs.annual_cycle(today=date(end, 4, 1))["lapsed"] == 0, "an ended one never lapses"


def test_only_the_helpdesk_and_admins_end_a_standing_application(
        client, session, case_in_sending_letters, people, smtp_server, login):
    case = _closed_dars_case(session, case_in_sending_letters, people)
    (holder,) = standing.standing_of(session, case.organisation_id)
    login("reviewer")
    page = client.get(f"/admin/standing/details/?id={holder.id}").get_data(as_text=True)
    assert 'data-testid="end-standing"' not in page
    token = csrf_token_from(page)
    answer = client.post(f"/admin/standing/end/{holder.id}",
                         data={"csrf_token": token, "reason": "no"})
    assert answer.status_code == 403
    session.expire_all()
    assert session.get(standing.StandingApplication, holder.id).ended_at is None


def test_the_api_gives_an_organisations_standing_applications(
        client, session, case_in_sending_letters, people, smtp_server):
    from backoffice.api.services import issue_token
    from backoffice.core.audit import Actor

    case = _closed_dars_case(session, case_in_sending_letters, people)
    _year, end = _next_deadline_year()
    jobs.annual_cycle(today=date(end, 4, 1))
    reviewer = UserFactory(role="reviewer")
    cag = UserFactory(role="approval_group", approval_group="CAG")
    session.commit()
    tokens = {}
    for user in (reviewer, cag):
        tokens[user.id] = issue_token(session, actor=Actor.of(user), user=user)[1]
    session.commit()
    answer = client.get("/api/v1/organisations/8DA01",
                        headers={"Authorization": f"Bearer {tokens[reviewer.id]}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    (held,) = answer.json["standing_applications"]
    assert (held["type"], held["approval_group"], held["lapsed"]) == ("DARS", "DAAG", True)
    assert held["lapses"][0]["cleared_at"] is None
    other = client.get("/api/v1/organisations/8DA01",
                       headers={"Authorization": f"Bearer {tokens[cag.id]}"})
    assert other.json["standing_applications"] == [], "a group sees its own applications only"
    assert case.organisation_id


def test_an_admin_replaces_the_lapse_template_and_the_next_lapse_letter_uses_it(
        session, case_in_sending_letters, people, smtp_server):
    from backoffice.letters.templates import builtin_template, upload_template

    template = upload_template(session, actor=people["admin"][1], recipient=LAPSED,
                               filename="our-lapse-letter.docx",
                               content=builtin_template(LAPSED), note="our wording")
    session.commit()
    _closed_dars_case(session, case_in_sending_letters, people)
    _year, end = _next_deadline_year()
    jobs.annual_cycle(today=date(end, 4, 1))
    letter = session.scalar(select(Letter).where(Letter.outcome == LAPSED))
    assert letter.template_version_id == template.id
