"""Every case status change goes through one table of allowed transitions: the brief's
lifecycle. A change it does not list is refused and leaves no trace; an allowed one is
written with its audit row in the same transaction."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.cases import lifecycle
from backoffice.cases.lifecycle import TRANSITIONS, TransitionRefused
from backoffice.core.audit import Actor, AuditEvent
from backoffice.core.vocabulary import CaseStatus as S
from tests.factories import CaseFactory, UserFactory

BRIEF = {
    (S.UNASSIGNED, S.IN_REVIEW), (S.IN_REVIEW, S.AWAITING_INFORMATION),
    (S.AWAITING_INFORMATION, S.IN_REVIEW), (S.IN_REVIEW, S.AWAITING_SIGN_OFF),
    (S.IN_REVIEW, S.SENDING_LETTERS), (S.AWAITING_SIGN_OFF, S.SENDING_LETTERS),
    (S.AWAITING_SIGN_OFF, S.IN_REVIEW), (S.SENDING_LETTERS, S.AWAITING_SIGN_OFF),
    (S.SENDING_LETTERS, S.CLOSED), (S.CLOSED, S.IN_REVIEW),
}
PACKAGE = Path(lifecycle.__file__).resolve().parents[1]


def test_the_table_is_the_briefs_lifecycle():
    """Sign-off is only for Not Satisfactory; a change after sign-off voids it (back to
    awaiting sign-off); only letters delivered close a case; only a reopen leaves closed."""
    assert set(TRANSITIONS) == BRIEF
    assert lifecycle.INITIAL is S.UNASSIGNED


def _status_rows(session, case_id):
    return [row.changes["status"] for row in session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "cases", AuditEvent.entity_id == str(case_id),
        AuditEvent.action == "update"))
        if "status" in row.changes]


@pytest.mark.parametrize(("start", "to"), list(itertools.product(S, S)),
                         ids=lambda s: s.value)
def test_each_change_is_allowed_only_if_the_table_lists_it(session, start, to):
    actor = Actor.of(UserFactory(role="senior_reviewer", email="sam@example.org"))
    case = CaseFactory(status=start.value)
    session.commit()
    if (start, to) in TRANSITIONS:
        lifecycle.move(session, actor=actor, case=case, to=to)
        assert case.status == to
        assert _status_rows(session, case.id) == [[start.value, to.value]]
        session.rollback()  # the row and its audit row go together
        assert _status_rows(session, case.id) == []
        assert session.get(type(case), case.id).status == start
    else:
        with pytest.raises(TransitionRefused) as refused:
            lifecycle.move(session, actor=actor, case=case, to=to)
        assert f"{case.reference} is {start.label} and cannot become {to.label}" in (
            refused.value.message)
        assert case.status == start
        assert _status_rows(session, case.id) == []


def test_a_refusal_says_where_the_case_may_go_instead(session):
    case = CaseFactory(status=S.AWAITING_INFORMATION.value)
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.move(session, actor=Actor("system"), case=case, to=S.CLOSED)
    assert refused.value.message.endswith("from there it may become in review")
    assert refused.value.status == 409


def test_no_product_module_sets_a_case_status_itself():
    """Only the lifecycle writes ``case.status``; the demo writes its made-up past as is."""
    assignment = re.compile(r"\bcase\.status\s*=[^=]|\.status\s*=\s*CaseStatus\.")
    found = [f"{path.relative_to(PACKAGE)}:{number}"
             for path in PACKAGE.rglob("*.py")
             if path.name != "lifecycle.py" and "demo" not in path.parts
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if assignment.search(line)]
    assert found == []
