"""The demo gives a new user a lived-in register and a login per role."""

from sqlalchemy import func, select

from backoffice.cases.models import Case, CaseReason
from backoffice.core.audit import Actor
from backoffice.core.display import outcome_label
from backoffice.core.permissions import Role
from backoffice.core.vocabulary import ApprovalGroup, Outcome
from backoffice.demo.data import _plan, load_demo_data
from backoffice.demo.history import LETTERED_CASES
from backoffice.exemptions.models import Exemption
from backoffice.letters import jobs
from backoffice.letters.models import Letter
from backoffice.notifications.models import Notification
from backoffice.organisations.models import Organisation
from backoffice.reviews.findings import current_sign_off, review_of
from backoffice.reviews.guards import latest_assessment
from backoffice.reviews.outcomes import sign_off
from backoffice.reviews.rules import refusals
from backoffice.users.models import User
from tests.conftest import log_in


def test_demo_data_has_a_login_per_role_and_about_fifty_organisations(session, client):
    logins = load_demo_data(session)
    session.commit()
    roles = set(session.scalars(select(User.role)))
    assert roles == {role.value for role in Role}
    groups = set(session.scalars(select(User.approval_group).where(User.approval_group.is_not(
        None))))
    assert groups == {group.value for group in ApprovalGroup}
    named = session.scalar(select(func.count(Organisation.id)).where(
        Organisation.ods_code.in_([code for code, _, _, _ in _plan()])))
    assert 45 <= named <= 60
    branches = session.scalar(select(func.count(Organisation.id)).where(
        Organisation.parent_id.is_not(None)))
    assert branches >= 8
    statuses = set(session.scalars(select(Exemption.status)))
    assert statuses == {"requested", "approved", "rejected"}
    helpdesk = next(login for login in logins if login.email.startswith("helpdesk@"))
    assert log_in(client, helpdesk.email, helpdesk.password).status_code == 302


def test_loading_the_demo_again_adds_nothing_and_renews_the_passwords(session, client):
    first = load_demo_data(session)
    session.commit()
    counts = [session.scalar(select(func.count(model.id)))
              for model in (User, Organisation, Exemption)]
    second = load_demo_data(session)
    session.commit()
    assert [session.scalar(select(func.count(model.id)))
            for model in (User, Organisation, Exemption)] == counts
    assert log_in(client, first[0].email, first[0].password).status_code == 401
    assert log_in(client, second[0].email, second[0].password).status_code == 302


def test_the_demo_queue_has_cases_that_opened_by_themselves(session):
    load_demo_data(session)
    session.commit()
    statuses = dict(session.execute(select(Notification.status, func.count(Notification.id))
                                    .group_by(Notification.status)).all())
    assert statuses["processed"] >= 180
    assert statuses["unmatched"] >= 3 and statuses["rejected"] >= 3
    groups = set(session.scalars(select(CaseReason.approval_group)))
    assert groups == {"CAG", "DAAG", "IGSoC"}
    kinds = dict(session.execute(select(CaseReason.application_type,
                                        CaseReason.approval_group)).all())
    assert {kind: kinds[kind] for kind in ("CHOOSE_AND_BOOK", "E_REFERRALS", "NHS_MAIL",
                                           "PCMD")} == {
        "CHOOSE_AND_BOOK": "IGSoC", "E_REFERRALS": "IGSoC", "NHS_MAIL": "IGSoC",
        "PCMD": "DAAG"}
    version_12 = session.scalar(select(Case).join(CaseReason).where(
        CaseReason.reference == "PCMD-2015-0950"))
    assert latest_assessment(session, version_12).toolkit_version == 12
    assert session.scalar(select(func.count(Case.id)).where(Case.republished)) >= 3
    assert session.scalar(select(func.count(Case.id))) >= 150


def test_the_demo_has_cases_in_every_review_state(session):
    load_demo_data(session)
    session.commit()
    statuses = set(session.scalars(select(Case.status)))
    assert {"unassigned", "in_review", "awaiting_information", "awaiting_sign_off",
            "sending_letters"} <= statuses
    outcomes = set(session.scalars(select(Case.outcome).where(Case.outcome.is_not(None))))
    assert outcomes == {"satisfactory", "satisfactory_with_improvement_plan",
                        "not_satisfactory"}


def test_the_demo_has_half_a_year_of_throughput_and_an_ended_reporting_year(session):
    from backoffice.compliance import services as compliance
    from backoffice.core.db import utcnow
    from backoffice.dashboard import services as dashboard

    load_demo_data(session)
    session.commit()
    today = utcnow().date()
    weeks = dashboard.weekly_throughput(session, today=today)
    assert sum(1 for week in weeks if week.opened) >= 24
    assert sum(1 for week in weeks if week.closed) >= 20
    assert sum(1 for week in weeks if week.median_working_days) >= 20
    assert len({week.opened for week in weeks}) >= 6  # it has shape, not a flat line
    year = compliance.ReportingYear.parse(compliance.reporting_years(session)[1])
    compliance.require_available(year, today=today)
    assert compliance.count_publishers(session, year=year) >= 150
    load_demo_data(session)  # a rerun adds no history twice
    session.commit()
    assert dashboard.weekly_throughput(session, today=today) == weeks


def test_the_demo_has_tickets_in_every_state_with_threads_over_several_months(session):
    from datetime import UTC, datetime

    from backoffice.helpdesk.models import Ticket, TicketMessage

    load_demo_data(session)
    session.commit()
    tickets = list(session.scalars(select(Ticket)))
    assert {t.status for t in tickets} == {"new", "open", "waiting_for_customer", "resolved"}
    assert {t.category for t in tickets} >= {"log_in", "registration", "exemptions",
                                              "publishing", "review", "other"}
    kinds = set(session.scalars(select(TicketMessage.kind)))
    assert kinds == {"customer", "reply", "note", "phone"}  # phone: a call the helpdesk took
    opened = [t.created_at.replace(tzinfo=UTC) for t in tickets]
    assert (datetime.now(UTC) - min(opened)).days >= 60
    assert any(t.case_id for t in tickets) and any(t.exemption_id for t in tickets)
    assert any(t.organisation_id for t in tickets) and any(not t.organisation_id
                                                           for t in tickets)
    load_demo_data(session)
    session.commit()
    assert session.scalar(select(func.count(Ticket.id))) == len(tickets)


def _newest_closed_case_with_letters(session) -> Case:
    return session.scalars(select(Case).where(
        Case.status == "closed", Case.id.in_(select(Letter.case_id)))
        .order_by(Case.closed_at.desc())).first()


def _logged_in(app, login):
    client = app.test_client()
    assert log_in(client, login.email, login.password).status_code == 302
    return client


def test_the_public_report_lists_the_demo_outcomes_with_working_filters_and_details(
        session, client):
    load_demo_data(session)
    session.commit()
    html = client.get("/reports/outcomes").get_data(as_text=True)
    assert "No published outcomes match." not in html
    assert html.count('href="/reports/outcomes/R-') == 50 and 'rel="next"' in html
    case = _newest_closed_case_with_letters(session)
    found = client.get("/reports/outcomes", query_string={
        "q": case.organisation.ods_code, "outcome": case.outcome,
        "version": case.toolkit_version, "year": case.reporting_year}).get_data(as_text=True)
    assert f'href="/reports/outcomes/{case.reference}"' in found
    for outcome in Outcome:
        rows = client.get("/reports/outcomes", query_string={"outcome": outcome.value})
        assert outcome_label(outcome.value) in rows.get_data(as_text=True)
    none = client.get("/reports/outcomes", query_string={"year": "2015/16"})
    assert "No published outcomes match." in none.get_data(as_text=True)
    detail = client.get(f"/reports/outcomes/{case.reference}").get_data(as_text=True)
    assert case.organisation.name in detail and "Level 2" in detail
    assert len(client.get("/reports/outcomes.csv").get_data(as_text=True).splitlines()) >= 200


def test_a_closed_demo_case_shows_its_assessment_reasons_and_letters_and_each_portal_letters(
        app, session):
    logins = {login.email.split("@")[0]: login for login in load_demo_data(session)}
    session.commit()
    case = _newest_closed_case_with_letters(session)
    reviewer = _logged_in(app, logins["reviewer"])
    page = reviewer.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert f"Requirements — toolkit v{case.toolkit_version}, {case.reporting_year}" in page
    assert 'value="agree" checked' in page  # the reviewer's findings
    for reason in case.reasons:
        assert f"{reason.reference} → <strong>{reason.approval_group}</strong>" in page
    assert "No letters yet" not in page
    letters = page.split('data-testid="case-letters"')[1].split("</table>")[0]
    assert f"{case.reference}-organisation-v1.docx" in letters and ">sent<" in letters
    for group in ApprovalGroup:
        portal = _logged_in(app, logins[group.value.lower()]).get("/portal/")
        html = portal.get_data(as_text=True)
        assert 'data-testid="letters"' in html and f"-{group.value}-v1.docx" in html
    unlettered = session.scalar(select(Case).where(Case.status == "closed", ~Case.id.in_(
        select(Letter.case_id))).order_by(Case.id))
    older = reviewer.get(f"/admin/case/review/{unlettered.id}").get_data(as_text=True)
    assert "No letters are on record for this case." in older


def test_every_closed_demo_case_has_the_outcome_its_review_allows_and_its_letters_mail_nobody(
        session, smtp_server):
    load_demo_data(session)
    session.commit()
    closed = list(session.scalars(select(Case).where(Case.status == "closed")))
    assert len(closed) >= 200
    for case in closed:
        assessment = latest_assessment(session, case)
        assert case.reasons and assessment is not None
        assert (case.toolkit_version, case.reporting_year) == (assessment.toolkit_version,
                                                               assessment.reporting_year)
        assert refusals(review_of(session, case), Outcome(case.outcome),
                        plan_accepted=case.plan_accepted, reasons=case.outcome_reasons) == []
        if case.outcome == Outcome.NOT_SATISFACTORY:
            assert current_sign_off(session, case).signed_by_id != case.outcome_by_id
    letters = list(session.scalars(select(Letter).join(Letter.case).where(
        Case.status == "closed")))
    assert len({letter.case_id for letter in letters}) >= LETTERED_CASES
    assert {letter.delivery_status for letter in letters} == {"sent"}
    assert {jobs.deliver_letter(letter.id) for letter in letters} == {"skipped"}
    assert smtp_server.inbox.messages == []


def test_a_second_senior_can_sign_off_what_the_demos_senior_recorded(session, client):
    logins = {login.email.split("@")[0]: login for login in load_demo_data(session)}
    session.commit()
    waiting = session.scalar(select(Case).where(Case.status == "awaiting_sign_off"))
    other = session.scalar(select(User).where(User.email == logins["senior2"].email))
    assert waiting.outcome_by_id != other.id
    sign_off(session, actor=Actor.of(other), case=waiting, signer=other)
    assert waiting.status == "sending_letters"


def test_the_demo_has_information_requests_answered_through_the_link_and_by_post(session,
                                                                                 client):
    from backoffice.reviews.models import InformationReply

    logins = load_demo_data(session)
    session.commit()
    replies = session.scalars(select(InformationReply).order_by(InformationReply.id)).all()
    assert [reply.channel for reply in replies] == ["link", "post"]
    assert all(reply.documents and reply.request.received_at for reply in replies)
    assert replies[0].documents[0].content.startswith(b"%PDF-1.4")
    case = session.get(Case, replies[0].case_id)
    reviewer = next(login for login in logins if login.email.startswith("reviewer@"))
    assert log_in(client, reviewer.email, reviewer.password).status_code == 302
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert "information received from" in page and "IG policy.pdf" in page
