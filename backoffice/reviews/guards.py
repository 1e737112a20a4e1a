"""What every review step checks first: the case's state and version, who holds it, and that
it has an assessment to review. Each refusal is a typed error saying why.
"""

from __future__ import annotations

from http import HTTPStatus

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Assessment, Case
from backoffice.core.audit import Actor, record_event
from backoffice.core.errors import Conflict, ServiceError
from backoffice.core.permissions import Role
from backoffice.core.vocabulary import CaseStatus, status_label
from backoffice.users.models import User

REVIEWING = (CaseStatus.IN_REVIEW,)
# Findings stay open while the clock is paused for information (only the outcome waits) and
# after a sign-off (a change voids it); they are locked while an outcome awaits sign-off.
EDITABLE = (CaseStatus.IN_REVIEW, CaseStatus.AWAITING_INFORMATION, CaseStatus.SENDING_LETTERS)
REVIEWER_ROLES = (Role.REVIEWER, Role.SENIOR_REVIEWER)


class WrongState(Conflict):
    """The case is not in a state this step may start from."""


class StaleCase(Conflict):
    """Someone else changed the case since it was loaded."""


class NotYourCase(ServiceError):
    """A reviewer tried to work a case another reviewer holds."""

    status = HTTPStatus.FORBIDDEN


def require_state(case: Case, allowed: tuple[CaseStatus, ...], doing: str) -> None:
    if case.status not in allowed:
        names = " or ".join(status.label for status in allowed)
        raise WrongState(f"{case.reference} is {status_label(case.status)}; "
                         f"{doing} needs it {names}")


def require_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise StaleCase(f"{case.reference} was changed by someone else while you were "
                        "working; here it is as it is now")


def held_by_another(case: Case, user_id: int | None) -> bool:
    """Someone else holds the case (a case nobody holds is anyone's to work)."""
    return case.assigned_to_id is not None and case.assigned_to_id != user_id


def may_work_on(case: Case, user: User) -> bool:
    """A reviewer works the cases they hold; a senior reviewer may act on anyone's."""
    return not held_by_another(case, user.id) or user.role == Role.SENIOR_REVIEWER


def require_holder(session: Session, case: Case, actor: Actor, doing: str) -> None:
    """Refuse a reviewer working another's case; a senior reviewer doing so is audited."""
    if not held_by_another(case, actor.user_id):
        return
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not may_work_on(case, user):
        raise NotYourCase(f"{case.reference} is assigned to {case.assigned_to}: {doing} on it "
                          "is for them or a senior reviewer; ask a senior reviewer to assign "
                          "it to you")
    record_event(session, actor, "act_for", Case.__tablename__, case.id, case.reference,
                 {"acting_for": [None, f"{doing} on a case assigned to {case.assigned_to}"]})


def latest_assessment(session: Session, case: Case) -> Assessment | None:
    query = (select(Assessment).where(Assessment.case_id == case.id)
             .order_by(Assessment.published_at.desc(), Assessment.id.desc()).limit(1))
    return session.scalar(query)


def require_assessment(session: Session, case: Case, doing: str) -> None:
    """An outcome is recorded on a published assessment, whose version and year its letters
    name; a case with none (the demo's made-up history) has nothing to review."""
    if latest_assessment(session, case) is None:
        raise WrongState(f"{case.reference} has no published assessment; {doing} needs one "
                         "to review")
