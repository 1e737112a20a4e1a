"""A republication joining an open case: the findings on the levels it changed must be
answered again, on both processing paths."""

import pytest
from sqlalchemy import select

from backoffice.core.audit import AuditEvent
from backoffice.notifications import batch
from backoffice.reviews.models import Finding
from tests.conftest import form_token
from tests.payloads import body, post_processed

FIRST = {"114": 1, "115": 3, "117": 1}
RAISED = {"114": 2, "115": 3, "117": 2}


def _republish(client, levels: dict, notification_id: str,
               published_at: str = "2016-03-31T09:00:00Z") -> dict:
    payload = body(notification_id=notification_id, published_at=published_at)
    payload["assessment"]["requirements"] = [{"id": rid, "level": level}
                                             for rid, level in levels.items()]
    payload["assessment"]["improvement_plan"] = []
    return post_processed(client, payload)


def _take_and_agree_with_all(client, case) -> str:
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    token = form_token(client, f"/admin/case/review/{case.id}")
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, **{f"agree-{rid}": "agree" for rid in FIRST}})
    return token


def _changed_from(session, case) -> dict:
    session.expire_all()
    return dict(session.execute(select(Finding.requirement_id, Finding.changed_from)
                                .where(Finding.case_id == case.id)).all())


@pytest.fixture(params=["copy", "portable"])
def path(request, monkeypatch):
    """The engine with its PostgreSQL writer (COPY), or with its portable (ORM) writer."""
    if request.param == "portable":
        monkeypatch.setattr(batch, "on_postgresql", lambda session: False)
    return request.param


def test_raised_levels_set_aside_the_agreements_and_satisfactory_waits_for_new_findings(
        client, login, session, open_case, path):
    case = open_case(FIRST, plan=[])
    login("reviewer")
    token = _take_and_agree_with_all(client, case)
    assert _republish(client, RAISED, "IGT-2")["case_reference"] == case.reference

    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert "Republished since your findings" in page
    assert "114 (level 1 → level 2), 117 (level 1 → level 2)" in page
    assert 'data-testid="changed-115"' not in page
    token = form_token(client, f"/admin/case/review/{case.id}")
    refused = client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": token, "outcome": "satisfactory"}, follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert ("requirement 114 was republished at level 2 (level 1 when you found it): "
            "answer it again") in text
    assert "requirement 117 was republished at level 2" in text
    assert "requirement 115" not in text
    assert _changed_from(session, case) == {"114": "level 1", "115": None, "117": "level 1"}

    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, "agree-114": "agree", "agree-115": "agree", "agree-117": "agree"})
    assert _changed_from(session, case) == {"114": None, "115": None, "117": None}
    done = client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": token, "outcome": "satisfactory"}, follow_redirects=True)
    assert "Outcome recorded: Satisfactory" in done.get_data(as_text=True)


def test_setting_aside_is_audited_as_the_toolkit(client, login, session, open_case, path):
    case = open_case(FIRST, plan=[])
    login("reviewer")
    _take_and_agree_with_all(client, case)
    _republish(client, RAISED, "IGT-2")
    rows = session.execute(select(AuditEvent.actor, AuditEvent.summary, AuditEvent.changes)
                           .where(AuditEvent.entity_type == "findings",
                                  AuditEvent.actor == "toolkit")
                           .order_by(AuditEvent.summary)).all()
    assert [tuple(row) for row in rows] == [
        ("toolkit", f"{case.reference} requirement {rid}: agreed",
         {"changed_from": [None, "level 1"]}) for rid in ("114", "117")]


def test_a_requirement_newly_marked_not_relevant_is_set_aside_too(client, login, session,
                                                                  open_case, path):
    case = open_case(FIRST, plan=[])
    login("reviewer")
    _take_and_agree_with_all(client, case)
    payload = body(notification_id="IGT-2", published_at="2016-03-31T09:00:00Z")
    payload["assessment"]["requirements"] = [{"id": "114", "not_relevant": True},
                                             {"id": "115", "level": 3},
                                             {"id": "117", "level": 1}]
    post_processed(client, payload)
    assert _changed_from(session, case) == {"114": "level 1", "115": None, "117": None}


def test_an_older_publication_arriving_late_sets_nothing_aside(client, login, session,
                                                               open_case, path):
    case = open_case(FIRST, plan=[])
    login("reviewer")
    _take_and_agree_with_all(client, case)
    _republish(client, RAISED, "IGT-0", published_at="2016-01-04T09:00:00Z")
    assert _changed_from(session, case) == {"114": None, "115": None, "117": None}


def test_a_page_loaded_before_the_republication_cannot_answer_for_it(client, login, session,
                                                                     open_case, path):
    case = open_case(FIRST, plan=[])
    login("reviewer")
    _take_and_agree_with_all(client, case)
    _republish(client, FIRST, "IGT-2")  # already flagged republished before the page loads
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    seen_version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    _republish(client, RAISED, "IGT-3", published_at="2016-04-01T09:00:00Z")
    response = client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": form_token(client, f"/admin/case/review/{case.id}"),
        "version": seen_version, **{f"agree-{rid}": "agree" for rid in FIRST}},
        follow_redirects=True)
    assert "was changed by someone else" in response.get_data(as_text=True)
    assert _changed_from(session, case) == {"114": "level 1", "115": None, "117": "level 1"}
