"""A refused outcome is summarised: the requirements with no finding yet in one clause, once,
with a link to the first of them, then the other reasons as a short list."""

from backoffice.core.vocabulary import Outcome
from backoffice.reviews.findings import FindingInput as F
from backoffice.reviews.findings import record_findings
from backoffice.reviews.outcomes import OutcomeRefused, record_outcome
from backoffice.reviews.rules import BASELINE_RULE
from backoffice.reviews.taking import take_next_case
from tests.conftest import form_token

LEVELS = {str(rid): 2 for rid in range(100, 137)} | {"117": 1}


def test_the_service_names_the_unanswered_requirements_in_one_clause(session, open_case,
                                                                     people):
    case = open_case(levels=LEVELS, plan=[])
    reviewer, actor = people["reviewer"]
    take_next_case(session, actor=actor, reviewer=reviewer)
    record_findings(session, actor=actor, case=case, findings=[F("117", True)])
    try:
        record_outcome(session, actor=actor, case=case, outcome=Outcome.SATISFACTORY)
    except OutcomeRefused as refused:
        message = refused.message
    # (the organisation's first publication: the baseline rule is named too)
    assert message == ("Satisfactory refused: 36 requirements have no finding yet: 100, 101, "
                       "102, 103, 104, 105, 106, 107, 108, 109, …; requirement 117 is at "
                       "level 1, below level 2; this is a baseline assessment: "
                       f"{BASELINE_RULE}, so the outcome may be Satisfactory with Improvement "
                       "Plan")


def test_the_case_page_shows_the_summary_once_with_a_link_to_the_first_row(client, login,
                                                                           session, open_case):
    case = open_case(levels=LEVELS, plan=[])
    login("reviewer")
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    token = form_token(client, f"/admin/case/review/{case.id}")
    client.post(f"/admin/case/findings/{case.id}", data={"csrf_token": token,
                                                          "agree-117": "agree"})
    response = client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": token, "outcome": "satisfactory"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("have no finding yet") == 1
    assert "36 requirements have no finding yet: 100, 101" in page
    assert "has no finding yet" not in page
    assert 'href="#req-100"' in page and 'id="req-100"' in page
    assert "<li>requirement 117 is at level 1, below level 2</li>" in page
