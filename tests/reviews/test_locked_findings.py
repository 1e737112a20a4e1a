"""What may change while a case waits: findings are locked while a Not Satisfactory outcome
awaits sign-off (a send-back unlocks them), but stay open while the clock is paused for
information; a finding switched back to agree drops the old differ comment."""

import pytest

from backoffice.cases.models import Case
from backoffice.core.vocabulary import CaseStatus, Outcome
from backoffice.reviews.findings import FindingInput as F
from backoffice.reviews.findings import findings_of, record_findings, review_of
from backoffice.reviews.guards import WrongState
from backoffice.reviews.information import request_information
from backoffice.reviews.outcomes import record_outcome, send_back
from backoffice.reviews.taking import assign_cases, take_next_case
from tests.conftest import form_token, log_in


def _awaiting_sign_off(session, case, people):
    author, actor = people["senior"]
    assign_cases(session, actor=actor, cases=[case], reviewer=author)
    review = review_of(session, case)
    record_findings(session, actor=actor, case=case,
                    findings=[F(r.id, True) for r in review.requirements if r.applicable])
    record_outcome(session, actor=actor, case=case, outcome=Outcome.NOT_SATISFACTORY,
                   reasons="No training programme at all")
    session.commit()
    assert case.status == CaseStatus.AWAITING_SIGN_OFF
    return actor


def test_findings_are_locked_while_awaiting_sign_off_and_a_send_back_unlocks_them(
        session, open_case, people):
    case = open_case(plan=[])
    actor = _awaiting_sign_off(session, case, people)
    with pytest.raises(WrongState) as locked:
        record_findings(session, actor=actor, case=case,
                        findings=[F("115", False, 1, "No policy")])
    assert "awaits sign-off" in locked.value.message
    assert "locked" in locked.value.message
    session.rollback()
    assert findings_of(session, case)["115"].agreed
    second, second_actor = people["senior2"]
    send_back(session, actor=second_actor, case=case, signer=second, comment="Look at 115")
    record_findings(session, actor=actor, case=case, findings=[F("115", False, 1, "No policy")])
    assert not findings_of(session, case)["115"].agreed


def test_the_case_page_offers_no_save_while_awaiting_sign_off(client, session, open_case,
                                                             people):
    case = open_case(plan=[])
    _awaiting_sign_off(session, case, people)
    log_in(client, "sam@example.org")
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert "Save findings" not in page
    assert "locked while the outcome awaits sign-off" in page


def test_switching_a_finding_to_agree_drops_the_old_differ_comment(session, open_case, people):
    case = open_case()
    reviewer, actor = people["reviewer"]
    take_next_case(session, actor=actor, reviewer=reviewer)
    record_findings(session, actor=actor, case=case, findings=[F("115", False, 1, "No policy")])
    record_findings(session, actor=actor, case=case,
                    findings=[F("115", True, comment="No policy")])
    assert findings_of(session, case)["115"].comment == ""


def test_the_form_does_not_carry_a_differ_comment_into_an_agreement(client, login, session,
                                                                     open_case):
    case = open_case()
    login("reviewer")
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    token = form_token(client, f"/admin/case/review/{case.id}")
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, "agree-115": "differ", "level-115": "1",
        "comment-115": "No policy"})
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, "agree-115": "agree", "level-115": "1",
        "comment-115": "No policy"})
    session.expire_all()
    finding = findings_of(session, session.get(Case, case.id))["115"]
    assert (finding.agreed, finding.comment) == (True, "")


def test_findings_go_on_while_the_clock_is_paused_for_information(session, open_case, people):
    case = open_case()
    reviewer, actor = people["reviewer"]
    take_next_case(session, actor=actor, reviewer=reviewer)
    request_information(session, actor=actor, case=case, message="Send the training log",
                        recipients=["pat@example.org"])
    record_findings(session, actor=actor, case=case, findings=[F("114", True)])
    assert findings_of(session, case)["114"].agreed
    with pytest.raises(WrongState) as waits:
        record_outcome(session, actor=actor, case=case, outcome=Outcome.SATISFACTORY)
    assert "awaiting information" in waits.value.message.lower()


LONG = ("The training log uploaded covers only the kitchen staff; the care staff, who handle "
        "records every day, have no training recorded for this year at all")


def test_comments_are_text_that_wraps_where_read_only_and_a_textarea_where_editable(
        client, session, open_case, people):
    case = open_case(plan=[])
    author, actor = people["senior"]
    assign_cases(session, actor=actor, cases=[case], reviewer=author)
    record_findings(session, actor=actor, case=case, findings=[
        F("114", True), F("115", True), F("117", False, 0, LONG)])
    session.commit()
    log_in(client, "sam@example.org")
    editable = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert '<textarea name="comment-117"' in editable and f">{LONG}</textarea>" in editable
    record_outcome(session, actor=actor, case=case, outcome=Outcome.NOT_SATISFACTORY,
                   reasons="No training for care staff")
    session.commit()
    read_only = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert 'name="comment-117"' not in read_only
    assert f'<p class="finding-comment mb-0" data-testid="comment-117">{LONG}</p>' in read_only
