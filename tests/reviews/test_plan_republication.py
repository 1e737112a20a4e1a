"""A republication joining an open case: the plan decisions on items it changed must be made
again before Satisfactory with Improvement Plan, on both processing paths."""

import pytest
from sqlalchemy import select

from backoffice.core.audit import AuditEvent
from backoffice.core.db import utcnow
from backoffice.extensions import db
from backoffice.notifications import handling, services
from backoffice.reviews.models import PlanDecision
from tests import payloads
from tests.conftest import form_token
from tests.payloads import body, post_processed

LEVELS = {"114": 1, "115": 3, "117": 1}
TRAIN = {"requirement": "117", "action": "Train staff", "owner": "Manager",
         "target_date": "2017-03-31"}
AUDIT = {"requirement": "114", "action": "Audit access", "owner": "IG Lead",
         "target_date": "2017-01-31"}
TRAIN_AS_DECIDED = "117: Train staff; owner Manager; by 2017-03-31"
AUDIT_AS_DECIDED = "114: Audit access; owner IG Lead; by 2017-01-31"
SWIP = "satisfactory_with_improvement_plan"


def _one_at_a_time(app) -> int:
    """What the sweeper does, for each stored notification: each on its own."""
    with app.app_context():
        pks = services.pending_ids(db.session, older_than=utcnow(), limit=100)
        return sum(handling.process_one(db.session, pk) for pk in pks)


@pytest.fixture(params=["process_pending", "process_one"])
def processing(request, monkeypatch):
    """The webhook's worker job (batches), or ``handling.process_one`` (the sweeper's: each
    notification a batch of one)."""
    if request.param == "process_one":
        monkeypatch.setattr(payloads, "process_pending", _one_at_a_time)
    return request.param


def _republish(client, plan: list[dict], notification_id: str = "IGT-2",
               published_at: str = "2016-03-31T09:00:00Z") -> dict:
    payload = body(notification_id=notification_id, published_at=published_at)
    payload["assessment"]["requirements"] = [{"id": rid, "level": level}
                                             for rid, level in LEVELS.items()]
    payload["assessment"]["improvement_plan"] = plan
    return post_processed(client, payload)


def _review(client, case, plan: list[dict]) -> None:
    """Take the case, agree with every level and accept every plan item."""
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": form_token(client, f"/admin/case/review/{case.id}"),
        **{f"agree-{rid}": "agree" for rid in LEVELS},
        **{f"plan-{index}": "accept" for index in range(len(plan))}})


def _page(client, case) -> str:
    return client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)


def _record_swip(client, case) -> str:
    return client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": form_token(client, f"/admin/case/review/{case.id}"), "outcome": SWIP,
        "plan_accepted": "y"}, follow_redirects=True).get_data(as_text=True)


def _decisions(session, case) -> dict:
    session.expire_all()
    return {d.item_index: (d.accepted, d.changed_from) for d in session.scalars(
        select(PlanDecision).where(PlanDecision.case_id == case.id))}


def test_a_changed_plan_item_is_undecided_again_and_satisfactory_with_plan_waits_for_it(
        client, login, session, open_case, processing):
    case = open_case(LEVELS, plan=[TRAIN, AUDIT])
    login("reviewer")
    _review(client, case, [TRAIN, AUDIT])
    moved = {**TRAIN, "owner": "Deputy Manager"}
    assert _republish(client, [moved, AUDIT])["case_reference"] == case.reference

    page = _page(client, case)
    assert "Republished since your plan decisions" in page
    assert "1 item(s) of the improvement plan changed" in page
    assert "item 1 (requirement 117)." in page
    assert f"when you accepted it, item 1 read “{TRAIN_AS_DECIDED}” — decide again" in page
    assert 'data-testid="plan-changed-2"' not in page
    assert 'name="plan-0" value="accept" checked' not in page
    assert 'name="plan-1" value="accept" checked' in page
    refused = _record_swip(client, case)
    assert ("improvement plan item 1 (requirement 117) changed when republished (it read "
            f"“{TRAIN_AS_DECIDED}” when you decided it): decide it again") in refused
    assert "improvement plan item 2" not in refused
    assert "Outcome recorded" not in refused
    assert _decisions(session, case) == {0: (True, TRAIN_AS_DECIDED), 1: (True, None)}

    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": form_token(client, f"/admin/case/review/{case.id}"),
        "plan-0": "accept", "plan-1": "accept"})
    assert _decisions(session, case) == {0: (True, None), 1: (True, None)}
    assert "Republished since your plan decisions" not in _page(client, case)
    assert "Outcome recorded: Satisfactory with Improvement Plan" in _record_swip(client, case)


def test_an_unchanged_plan_keeps_its_decisions(client, login, session, open_case, processing):
    case = open_case(LEVELS, plan=[TRAIN, AUDIT])
    login("reviewer")
    _review(client, case, [TRAIN, AUDIT])
    _republish(client, [dict(TRAIN), dict(AUDIT)])

    page = _page(client, case)
    assert "Republished since your plan decisions" not in page
    assert 'name="plan-0" value="accept" checked' in page
    assert _decisions(session, case) == {0: (True, None), 1: (True, None)}
    assert "Outcome recorded: Satisfactory with Improvement Plan" in _record_swip(client, case)


def test_the_same_items_in_another_order_are_decided_again(client, login, session, open_case,
                                                           processing):
    case = open_case(LEVELS, plan=[TRAIN, AUDIT])
    login("reviewer")
    _review(client, case, [TRAIN, AUDIT])
    _republish(client, [AUDIT, TRAIN])

    assert "item 1 (requirement 114), item 2 (requirement 117)." in _page(client, case)
    refused = _record_swip(client, case)
    assert ("improvement plan item 1 (requirement 114) changed when republished "
            f"(it read “{TRAIN_AS_DECIDED}”") in refused
    assert ("improvement plan item 2 (requirement 117) changed when republished "
            f"(it read “{AUDIT_AS_DECIDED}”") in refused
    assert _decisions(session, case) == {0: (True, TRAIN_AS_DECIDED),
                                         1: (True, AUDIT_AS_DECIDED)}


def test_an_item_dropped_from_the_plan_is_named_and_its_decision_no_longer_counts(
        client, login, session, open_case, processing):
    case = open_case(LEVELS, plan=[TRAIN, AUDIT])
    login("reviewer")
    _review(client, case, [TRAIN, AUDIT])
    _republish(client, [TRAIN])

    page = _page(client, case)
    assert f"Item 2 is no longer in the plan (you accepted “{AUDIT_AS_DECIDED}”)." in page
    assert 'name="plan-0" value="accept" checked' in page
    assert _decisions(session, case) == {0: (True, None), 1: (True, AUDIT_AS_DECIDED)}
    refused = _record_swip(client, case)  # 114 is below level 2 and has no item now
    assert "requirement 114 is below level 2 and has no improvement plan item" in refused


def test_setting_aside_plan_decisions_is_audited_as_the_toolkit(client, login, session,
                                                                 open_case, processing):
    case = open_case(LEVELS, plan=[TRAIN, AUDIT])
    login("reviewer")
    _review(client, case, [TRAIN, AUDIT])
    _republish(client, [{**TRAIN, "target_date": "2017-02-28"}, AUDIT])
    decision = session.scalar(select(PlanDecision).where(PlanDecision.case_id == case.id,
                                                         PlanDecision.item_index == 0))
    rows = session.execute(select(AuditEvent.actor, AuditEvent.entity_id, AuditEvent.summary,
                                  AuditEvent.changes)
                           .where(AuditEvent.entity_type == "plan_decisions",
                                  AuditEvent.action == "update")).all()
    assert [tuple(row) for row in rows] == [
        ("toolkit", str(decision.id), f"{case.reference} {decision}",
         {"changed_from": [None, TRAIN_AS_DECIDED]})]


def test_an_older_plan_arriving_late_sets_no_decision_aside(client, login, session, open_case,
                                                            processing):
    case = open_case(LEVELS, plan=[TRAIN, AUDIT])
    login("reviewer")
    _review(client, case, [TRAIN, AUDIT])
    _republish(client, [AUDIT], notification_id="IGT-0", published_at="2016-01-04T09:00:00Z")
    assert _decisions(session, case) == {0: (True, None), 1: (True, None)}
