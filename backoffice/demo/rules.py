"""A demo case in review where the reviewer has found a requirement marked Not Relevant to be
relevant, so the overturn shows on the case page and its timeline at once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseStatus
from backoffice.core.audit import Actor, AuditEvent
from backoffice.core.requirements import not_relevant_condition
from backoffice.reviews.findings import OVERTURN_ACTION, FindingInput, record_findings
from backoffice.reviews.guards import latest_assessment
from backoffice.users.services import find_user

REASON = ("The information flow map lists payroll processed by a bureau outside the UK, so "
          "the condition for Not Relevant does not hold.")


def _not_relevant(case_assessment) -> str | None:
    """The case's requirement marked Not Relevant, one the guidance gives a condition for
    first."""
    marked = [item["id"] for item in case_assessment.requirements if item.get("not_relevant")]
    with_condition = [rid for rid in marked if not_relevant_condition(rid)]
    return (with_condition or marked or [None])[0]


def ensure_not_relevant_overturned(session: Session, domain: str) -> None:
    """Once: the demo reviewer's first case in review with a Not Relevant mark gets it
    overturned at level 1, with a reason."""
    reviewer = find_user(session, f"reviewer@{domain}")
    if reviewer is None or session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == OVERTURN_ACTION).limit(1)) is not None:
        return
    cases = session.scalars(select(Case).where(
        Case.status == CaseStatus.IN_REVIEW.value, Case.assigned_to_id == reviewer.id)
        .order_by(Case.id))
    for case in cases:
        assessment = latest_assessment(session, case)
        if assessment is None:
            continue
        requirement = _not_relevant(assessment)
        if requirement is not None:
            record_findings(session, actor=Actor.of(reviewer), case=case, findings=[
                FindingInput(requirement, False, 1, REASON)])
            return
