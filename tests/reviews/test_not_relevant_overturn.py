"""A requirement marked Not Relevant is the reviewer's to overturn: the form shows the
guidance's condition, takes "relevant, level N" with a reason, and the outcome rules then
count the requirement at that level. A finding on a Not Relevant row is never silently
ignored. Also: not accepting the plan as a whole leads to Not Satisfactory."""

from sqlalchemy import select

from backoffice.cases.calendar import BASELINE
from backoffice.core.audit import AuditEvent
from backoffice.exemptions.models import Exemption
from backoffice.reviews.guards import latest_assessment
from backoffice.reviews.models import Finding
from tests.conftest import form_token

LEVELS = {"114": 2, "115": 3, "209": None, "304": None}


def _take(client, case) -> str:
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    return form_token(client, f"/admin/case/review/{case.id}")


def _page(client, case) -> str:
    return client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)


def _outcome(client, case, token, outcome, **data) -> str:
    return client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": token, "outcome": outcome, **data},
        follow_redirects=True).get_data(as_text=True)


AGREED = {"agree-114": "agree", "agree-115": "agree"}


def test_the_form_shows_the_guidance_condition_on_a_not_relevant_row(client, login,
                                                                     open_case):
    case = open_case(LEVELS, plan=[])
    login("reviewer")
    _take(client, case)
    page = _page(client, case)
    assert ('The guidance lets it be marked Not Relevant only if no overseas processing '
            'takes place.') in page
    assert ("only if NHS national application Smartcards are not used by any of your "
            "staff.") in page
    assert "agree: not relevant" in page and "relevant, at level" in page


def test_an_overturned_not_relevant_counts_in_the_outcome_and_goes_on_the_timeline(
        client, login, session, open_case):
    case = open_case(LEVELS, plan=[])
    login("reviewer")
    token = _take(client, case)
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, **AGREED, "agree-209": "differ", "level-209": "1",
        "comment-209": "Payroll is processed in India by the bureau"})

    page = _page(client, case)
    assert "yes: you found it relevant, level 1" in page
    assert ("Not Relevant overturned: 209 relevant, level 1: Payroll is processed in India "
            "by the bureau") in page
    refused = _outcome(client, case, token, "satisfactory")
    assert ("requirement 209 is at level 1, below level 2 (marked Not Relevant; you found it "
            "relevant)") in refused
    refused = _outcome(client, case, token, "satisfactory_with_improvement_plan",
                       plan_accepted="y")
    assert "requirement 209 is below level 2 and has no improvement plan item" in refused
    done = _outcome(client, case, token, "not_satisfactory",
                    reasons="Overseas processing with no safeguards")
    assert "Outcome recorded: Not Satisfactory" in done
    trail = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "not_relevant")).all()
    assert [row.changes for row in trail] == [{"not_relevant_overturned": [
        None, "209 relevant, level 1: Payroll is processed in India by the bureau"]}]


def test_overturning_needs_a_level_and_a_reason(client, login, session, open_case):
    case = open_case(LEVELS, plan=[])
    login("reviewer")
    token = _take(client, case)
    page = client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, **AGREED, "agree-209": "differ", "level-209": ""}
    ).get_data(as_text=True)
    assert ("requirement 209: marked Not Relevant; choose the level at which you found it "
            "relevant, 0 to 3") in page
    page = client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, **AGREED, "agree-209": "differ", "level-209": "2",
        "comment-209": "  "}).get_data(as_text=True)
    assert "requirement 209: marked Not Relevant; say why it is relevant" in page
    assert session.scalar(select(Finding).where(Finding.requirement_id == "209")) is None


def test_agreeing_again_is_on_the_timeline_and_the_requirement_stops_counting(
        client, login, session, open_case):
    case = open_case(LEVELS, plan=[])
    login("reviewer")
    token = _take(client, case)
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, **AGREED, "agree-209": "differ", "level-209": "0",
        "comment-209": "Data goes abroad"})
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, **AGREED, "agree-209": "agree"})
    page = _page(client, case)
    assert "Not Relevant agreed again: 209 (was relevant, level 0: Data goes abroad)" in page
    assert "Outcome recorded: Satisfactory." in _outcome(client, case, token, "satisfactory")


def test_a_finding_on_a_not_relevant_row_under_an_exemption_says_it_does_not_count(
        client, login, session, open_case):
    case = open_case(LEVELS, plan=[])
    session.add(Exemption(organisation=case.organisation, requirement_id="304",
                          toolkit_version=13, status="approved", reason="No Smartcards"))
    session.commit()
    login("reviewer")
    token = _take(client, case)
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, **AGREED, "agree-304": "differ", "level-304": "0",
        "comment-304": "Two Smartcards seen at the desk"})
    page = _page(client, case)
    assert ("An approved exemption covers this requirement: your finding that it is relevant "
            "does not count in the outcome.") in page
    assert "Outcome recorded: Satisfactory." in _outcome(client, case, token, "satisfactory")


def test_a_plan_not_accepted_as_a_whole_leads_to_not_satisfactory(client, login, session,
                                                                  open_case):
    case = open_case()  # 117 at level 1, with a plan item
    login("reviewer")
    token = _take(client, case)
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, "agree-114": "agree", "agree-115": "agree", "agree-117": "agree",
        "plan-0": "accept"})
    refused = _outcome(client, case, token, "satisfactory_with_improvement_plan")
    assert ("you have not accepted the improvement plan as a whole: a plan the reviewer does "
            "not accept, taking into account any risks (000 §5), makes the outcome Not "
            "Satisfactory. Tick “I accept the improvement plan” if you accept it") in refused
    refused = _outcome(client, case, token, "not_satisfactory", reasons="Too risky",
                       plan_accepted="y")
    assert "Untick “I accept the improvement plan” if its risks are not acceptable" in refused
    done = _outcome(client, case, token, "not_satisfactory",
                    reasons="The plan leaves training until after the next inspection")
    assert "Outcome recorded: Not Satisfactory" in done


def test_a_baseline_assessment_names_its_rule_beside_the_outcome(client, login, session,
                                                                  open_case):
    case = open_case({"114": 0, "115": 3, "117": 1},
                     plan=[{"requirement": "114", "action": "Appoint an IG lead",
                            "owner": "Manager", "target_date": "2017-03-31"},
                           {"requirement": "117", "action": "Train staff",
                            "owner": "Manager", "target_date": "2017-03-31"}])
    latest_assessment(session, case).flags = [BASELINE]
    session.commit()
    login("reviewer")
    token = _take(client, case)
    assert "Baseline assessment: this is the organisation's first publication." in \
        _page(client, case)
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, "agree-114": "agree", "agree-115": "agree", "agree-117": "agree",
        "plan-0": "accept", "plan-1": "accept"})
    refused = _outcome(client, case, token, "satisfactory")
    assert "this is a baseline assessment: the baseline rule" in refused
    done = _outcome(client, case, token, "satisfactory_with_improvement_plan",
                    plan_accepted="y")
    assert "Outcome recorded: Satisfactory with Improvement Plan" in done
