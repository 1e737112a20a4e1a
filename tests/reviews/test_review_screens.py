"""A reviewer works a case from the queue to its outcome through the screens."""

import re

from sqlalchemy import select

from backoffice.cases.models import Case
from tests.conftest import form_token


def _page(client, case) -> str:
    return client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)


def _findings(case, **overrides):
    data = {f"agree-{rid}": "agree" for rid in ("114", "115", "117")}
    data.update(overrides)
    return data


def test_take_next_then_findings_then_improvement_plan_outcome(client, login, session,
                                                               open_case):
    case = open_case()
    login("reviewer")
    response = client.post("/admin/case/take-next/", data={
        "csrf_token": form_token(client, "/admin/case/")}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"{case.reference} is yours" in page
    assert "Train staff" in page and "Why" in page
    token = form_token(client, f"/admin/case/review/{case.id}")
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, **_findings(case), "plan-0": "accept"})
    refused = client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": token, "outcome": "satisfactory"}, follow_redirects=True)
    assert "<li>requirement 117 is at level 1, below level 2</li>" in \
        refused.get_data(as_text=True)
    done = client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": token, "outcome": "satisfactory_with_improvement_plan",
        "plan_accepted": "y"}, follow_redirects=True)
    assert "Outcome recorded: Satisfactory with Improvement Plan" in done.get_data(as_text=True)
    session.expire_all()
    assert session.get(Case, case.id).status == "sending_letters"


def test_a_second_save_from_a_stale_page_is_told_the_case_changed(client, login, session,
                                                                  open_case):
    case = open_case()
    login("reviewer")
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    session.expire_all()
    stale_version = session.get(Case, case.id).version
    token = form_token(client, f"/admin/case/review/{case.id}")
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, "version": stale_version, **_findings(case)})
    response = client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, "version": stale_version, "agree-114": "differ",
        "level-114": "1", "comment-114": "No evidence"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "was changed by someone else" in page
    assert "No evidence" in page  # what was typed is shown again, not lost
    session.expire_all()
    current = session.get(Case, case.id).version
    shown = re.findall(r'name="version" type="hidden" value="(\d+)"', page)
    assert shown and set(shown) == {str(current)}  # saving again works


def test_request_information_stops_the_clock_and_received_resumes_it(client, login, session,
                                                                     open_case):
    case = open_case()
    login("reviewer")
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    token = form_token(client, f"/admin/case/review/{case.id}")
    page = client.post(f"/admin/case/request-information/{case.id}", data={
        "csrf_token": token, "message": "Please send the training log"},
        follow_redirects=True).get_data(as_text=True)
    assert "the SLA clock is stopped" in page and "awaiting information" in page
    page = client.post(f"/admin/case/information-received/{case.id}", data={
        "csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "Information received" in page
    assert session.scalar(select(Case.status).where(Case.id == case.id)) == "in_review"


def test_reviewers_cannot_assign_or_sign_off_and_helpdesk_reads_cases_without_recording(
        client, login, open_case):
    case = open_case()
    login("reviewer")
    assert client.get(f"/admin/case/assign/?ids={case.id}").status_code == 403
    token = form_token(client, f"/admin/case/review/{case.id}")
    assert client.post(f"/admin/case/sign-off/{case.id}", data={
        "csrf_token": token, "decision": "approve"}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login("helpdesk")
    assert client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": form_token(client, "/admin/"), "outcome": "satisfactory"}
    ).status_code == 403
    page = client.get(f"/admin/case/review/{case.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Read only: reviewers record the findings and the outcome." in html
    assert "Take this case" not in html


def test_a_senior_assigns_cases_in_bulk(client, login, session, open_case, people):
    first, second = open_case(ods_code="8HV01"), open_case(ods_code="8HV02")
    login("senior_reviewer")
    reviewer, _ = people["reviewer"]
    url = f"/admin/case/assign/?ids={first.id},{second.id}"
    response = client.post(url, data={"csrf_token": form_token(client, url),
                                      "ids": f"{first.id},{second.id}",
                                      "reviewer": reviewer.id}, follow_redirects=True)
    assert "2 case(s) assigned to" in response.get_data(as_text=True)
    session.expire_all()
    assert {c.assigned_to_id for c in session.scalars(select(Case))} == {reviewer.id}


def test_the_queue_has_saved_views(client, login, open_case, session):
    mine, other = open_case(ods_code="8HV01"), open_case(ods_code="8HV02")
    user = login("reviewer")
    mine.assigned_to_id = user.id
    mine.status = "in_review"
    session.commit()
    page = client.get("/admin/case/?view=mine").get_data(as_text=True)
    assert mine.reference in page and other.reference not in page
    page = client.get("/admin/case/?view=unassigned").get_data(as_text=True)
    assert other.reference in page and mine.reference not in page


def test_the_queue_filters_by_toolkit_version_without_repeating_republished_cases(
        app, client, login, session, open_case):
    from tests.factories import OrganisationFactory
    from tests.payloads import body, post_processed

    v13 = open_case(ods_code="8HV01")
    again = body(notification_id="IGT-8HV01-again")
    again["organisation"]["ods_code"] = "8HV01"
    assert post_processed(client, again)["case_reference"] == v13.reference
    OrganisationFactory(ods_code="8HV03")
    session.commit()
    v14 = body(notification_id="IGT-V14")
    v14["organisation"]["ods_code"] = "8HV03"
    v14["assessment"].update(toolkit_version=14, reporting_year="2016/17")
    v14_reference = post_processed(client, v14)["case_reference"]
    login("reviewer")
    view = app.extensions["admin_views"]["case"]
    index = next(i for i, f in enumerate(view._filters) if f.name == "Toolkit version")
    page = client.get(f"/admin/case/?flt0_{index}=13").get_data(as_text=True)
    assert page.count(f">{v13.reference}<") == 1
    assert v14_reference not in page
    page = client.get(f"/admin/case/?flt0_{index}=14").get_data(as_text=True)
    assert v14_reference in page and v13.reference not in page


def test_an_information_request_is_e_mailed_once_to_the_organisation_administrators(
        client, login, session, open_case, smtp_server):
    from backoffice.letters import jobs
    from tests.factories import AdministratorFactory

    case = open_case()
    AdministratorFactory(organisation=case.organisation, email="pat@rosewood.example.org")
    session.commit()
    login("reviewer")
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    client.post(f"/admin/case/request-information/{case.id}", data={
        "csrf_token": form_token(client, f"/admin/case/review/{case.id}"),
        "message": "Please send the training log"})
    assert jobs.sweep()["delivered"] == 1
    assert jobs.sweep()["delivered"] == 0
    ((to, received),) = smtp_server.inbox.messages
    assert "pat@rosewood.example.org" in to
    assert case.reference in received["Subject"]
    assert "Please send the training log" in received.get_content()


def test_a_long_requirement_title_is_cut_at_a_word_with_the_whole_title_in_a_tooltip(
        client, login, open_case):
    case = open_case(levels={"206": 2, "317": 2, "101": 2})
    login("reviewer")
    page = _page(client, case)
    whole = ("Staff access to confidential personal information is monitored and audited. "
             "Where care records are held electronically, audit trail details about access to "
             "a record can be made available to the individual concerned on request.")
    assert (f'<span title="{whole}">Staff access to confidential personal information is '
            'monitored and audited. Where care…</span>') in page
    short = "Unauthorised access to the premises, equipment, records and other assets is prevented"
    assert f'<span title="{short}">{short}</span>' in page
    assert ">Requirement 101</span>" in page
