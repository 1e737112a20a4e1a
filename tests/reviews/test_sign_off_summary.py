"""The senior asked to sign off sees, at the top, what they sign: the proposed outcome, where
the reviewer differs, the plan decisions and the reasons, with the form beside it; the author
sees why there is no form for them."""

from backoffice.core.vocabulary import Outcome
from backoffice.reviews.findings import FindingInput as F
from backoffice.reviews.findings import record_findings
from backoffice.reviews.outcomes import record_outcome
from backoffice.reviews.taking import assign_cases
from tests.conftest import form_token, log_in


def _proposed(session, open_case, people):
    case = open_case(plan=[])
    author, actor = people["senior"]
    assign_cases(session, actor=actor, cases=[case], reviewer=author)
    record_findings(session, actor=actor, case=case, findings=[
        F("114", True), F("115", True), F("117", False, 0, "No training log at all")])
    record_outcome(session, actor=actor, case=case, outcome=Outcome.NOT_SATISFACTORY,
                   reasons="Staff handle records untrained")
    session.commit()
    return case


def test_the_second_senior_sees_the_summary_with_the_form_beside_it(client, session,
                                                                    open_case, people):
    case = _proposed(session, open_case, people)
    log_in(client, "sue@example.org")
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    summary = page[page.index('data-testid="sign-off-summary"'):]
    summary = summary[:summary.index("</section>")]
    assert "Not Satisfactory proposed" in summary
    assert "Staff handle records untrained" in summary
    assert "No training log at all" in summary and 'href="#req-117"' in summary
    assert "115" not in summary.split('data-testid="sign-off-differs"')[1]  # agreed: not listed
    assert 'data-testid="sign-off-form"' in summary
    assert page.index('data-testid="sign-off-summary"') < page.index('data-testid="findings-')


def test_the_author_sees_why_there_is_no_sign_off_form(client, session, open_case, people):
    case = _proposed(session, open_case, people)
    log_in(client, "sam@example.org")
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert 'data-testid="sign-off-form"' not in page
    assert "You recorded this outcome, so you cannot sign it off" in page


def test_outcome_recorded_says_what_happens_next(client, login, session, open_case):
    case = open_case(levels={"114": 2, "115": 3}, plan=[])
    login("reviewer")
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    token = form_token(client, f"/admin/case/review/{case.id}")
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, "agree-114": "agree", "agree-115": "agree"})
    done = client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": token, "outcome": "satisfactory"}, follow_redirects=True)
    assert ("Outcome recorded: Satisfactory. It is on the public report now. The letters to "
            "CAG, IGSoC and the organisation go within minutes") in done.get_data(as_text=True)


def test_a_not_satisfactory_outcome_recorded_says_it_awaits_another_senior(
        client, login, session, open_case):
    case = open_case(levels={"114": 0, "115": 3}, plan=[])
    login("senior_reviewer")
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    token = form_token(client, f"/admin/case/review/{case.id}")
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, "agree-114": "agree", "agree-115": "agree"})
    done = client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": token, "outcome": "not_satisfactory", "reasons": "No IG lead"},
        follow_redirects=True)
    assert "It now awaits sign-off by another senior reviewer" in done.get_data(as_text=True)
