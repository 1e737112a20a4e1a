"""A reviewer works only the cases they hold; a senior reviewer may act on another's, audited."""

import pytest
from sqlalchemy import func, select

from backoffice.cases.models import Case
from backoffice.core.audit import AuditEvent
from backoffice.core.vocabulary import Outcome
from backoffice.reviews.findings import FindingInput, record_findings
from backoffice.reviews.guards import NotYourCase
from backoffice.reviews.information import request_information
from backoffice.reviews.models import Finding
from backoffice.reviews.outcomes import record_outcome
from backoffice.reviews.taking import assign_cases
from tests.conftest import form_token

AGREE_ALL = {"agree-114": "agree", "agree-115": "agree", "agree-117": "agree"}


@pytest.fixture
def ritas_case(session, open_case, people):
    """A case assigned to Rita, a reviewer."""
    case = open_case({"114": 2, "115": 3, "117": 2}, plan=[])
    rita, _ = people["reviewer"]
    assign_cases(session, actor=people["senior"][1], cases=[case], reviewer=rita)
    session.commit()
    return case


def test_another_reviewer_is_refused_saving_findings_naming_the_assignee(
        client, login, session, ritas_case, people):
    rita, _ = people["reviewer"]
    login("reviewer")
    url = f"/admin/case/review/{ritas_case.id}"
    page = client.get(url).get_data(as_text=True)
    assert (f"This case is assigned to <strong>{rita}</strong>: only they or a senior "
            "reviewer can record findings") in page
    assert "Save findings" not in page and "Record outcome" not in page
    response = client.post(f"/admin/case/findings/{ritas_case.id}", data={
        "csrf_token": form_token(client, url), **AGREE_ALL, "comment-114": "Seen it"})
    text = response.get_data(as_text=True)
    assert response.status_code == 403
    assert (f"{ritas_case.reference} is assigned to {rita}: recording findings on it is for "
            "them or a senior reviewer; ask a senior reviewer to assign it to you") in text
    assert '>Seen it<' in text  # what was typed is kept
    assert session.scalar(select(func.count(Finding.id))) == 0


def test_another_reviewer_is_refused_recording_the_outcome(client, login, session, ritas_case,
                                                           people):
    rita, rita_actor = people["reviewer"]
    record_findings(session, actor=rita_actor, case=ritas_case, findings=[
        FindingInput(rid, True) for rid in ("114", "115", "117")])
    session.commit()
    login("reviewer")
    response = client.post(f"/admin/case/outcome/{ritas_case.id}", data={
        "csrf_token": form_token(client, f"/admin/case/review/{ritas_case.id}"),
        "outcome": "satisfactory"})
    assert response.status_code == 403
    assert f"is assigned to {rita}: recording an outcome on it" in \
        response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Case, ritas_case.id).outcome is None


def test_another_reviewer_cannot_request_information_on_it(session, ritas_case, people):
    from backoffice.core.audit import Actor
    from tests.factories import UserFactory

    other = UserFactory(role="reviewer", email="olly@example.org")
    session.commit()
    with pytest.raises(NotYourCase) as refused:
        request_information(session, actor=Actor.of(other), case=ritas_case,
                            message="Send the log", recipients=[])
    assert f"is assigned to {people['reviewer'][0]}: requesting information" in \
        refused.value.message


def test_a_senior_reviewer_may_act_on_it_warned_and_audited(client, login, session,
                                                            ritas_case, people):
    rita, _ = people["reviewer"]
    senior = login("senior_reviewer")
    url = f"/admin/case/review/{ritas_case.id}"
    page = client.get(url).get_data(as_text=True)
    assert "As a senior reviewer you may work it" in page and "Save findings" in page
    response = client.post(f"/admin/case/findings/{ritas_case.id}", data={
        "csrf_token": form_token(client, url), **AGREE_ALL}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Findings saved." in page
    assert f"senior reviewer acting: recording findings on a case assigned to {rita}" in page
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "act_for"))
    assert (event.actor, event.entity_type, event.summary) == (
        senior.email, "cases", ritas_case.reference)
    assert event.changes == {"acting_for": [
        None, f"recording findings on a case assigned to {rita}"]}
    assert session.scalar(select(func.count(Finding.id))) == 3


def test_the_assignee_works_it_without_an_override_row(session, ritas_case, people):
    rita, actor = people["reviewer"]
    record_findings(session, actor=actor, case=ritas_case, findings=[
        FindingInput(rid, True) for rid in ("114", "115", "117")])
    record_outcome(session, actor=actor, case=ritas_case, outcome=Outcome.SATISFACTORY)
    session.commit()
    assert ritas_case.status == "sending_letters"
    assert session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "act_for")) == 0
