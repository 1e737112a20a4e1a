"""A case's lifecycle: the one table of allowed status changes, and the one way to make one.

``unassigned`` → ``in_review`` (a reviewer holds it) ⇄ ``awaiting_information`` (clock
paused) → ``awaiting_sign_off`` (Not Satisfactory only) → ``sending_letters`` → ``closed``;
a senior reviewer can send a closed case back to ``in_review`` with a reason.

Every service that changes a case's status calls ``move`` (or, for a set-based claim
that updates the row in SQL, ``audited_change``); a change the table does not list is
refused with ``TransitionRefused``, whatever the caller checked before.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from backoffice.cases import publications
from backoffice.core.audit import Actor, set_actor
from backoffice.core.db import utcnow
from backoffice.core.errors import Conflict
from backoffice.core.vocabulary import CaseStatus, listed, status_label

if TYPE_CHECKING:
    from backoffice.cases.models import Assessment, Case

S = CaseStatus
INITIAL = S.UNASSIGNED
# (from, to): when it happens
TRANSITIONS: dict[tuple[CaseStatus, CaseStatus], str] = {
    (S.UNASSIGNED, S.IN_REVIEW): "a reviewer takes the case, or is assigned it",
    (S.IN_REVIEW, S.AWAITING_INFORMATION): "the reviewer asks the organisation for information",
    (S.AWAITING_INFORMATION, S.IN_REVIEW): "the information arrives",
    (S.IN_REVIEW, S.AWAITING_SIGN_OFF): "a Not Satisfactory outcome is recorded",
    (S.IN_REVIEW, S.SENDING_LETTERS): "a Satisfactory outcome, with or without an "
                                      "improvement plan, is recorded",
    (S.AWAITING_SIGN_OFF, S.SENDING_LETTERS): "a second senior reviewer signs the outcome off",
    (S.AWAITING_SIGN_OFF, S.IN_REVIEW): "the second senior reviewer sends it back",
    (S.SENDING_LETTERS, S.AWAITING_SIGN_OFF): "findings changed after sign-off void it",
    (S.SENDING_LETTERS, S.CLOSED): "every letter is delivered",
    (S.CLOSED, S.IN_REVIEW): "a senior reviewer reopens it, saying why",
}


class TransitionRefused(Conflict):
    """The lifecycle has no such status change."""


def next_statuses(current: str) -> list[CaseStatus]:
    """Where a case in this status may go."""
    return [to for (start, to) in TRANSITIONS if start == current]


def check(current: str, to: CaseStatus, reference: str = "the case") -> None:
    """Refuse a change the table does not list."""
    if (current, to) in TRANSITIONS:
        return
    allowed = next_statuses(current)
    then = f"; from there it may become {listed(s.label for s in allowed)}" if allowed else ""
    raise TransitionRefused(f"{reference} is {status_label(current)} and cannot become "
                            f"{to.label}{then}")


def move(session: Session, *, actor: Actor, case: Case, to: CaseStatus) -> None:
    """The case's status becomes ``to`` if the table allows it; the change is flushed, so its
    audit row (with every other change made to the case so far) is written now, in the
    caller's transaction."""
    check(case.status, to, case.reference)
    set_actor(session, actor)
    case.status = to.value
    session.flush()


def audited_change(current: CaseStatus, to: CaseStatus) -> dict[str, list[str]]:
    """The audit row's ``status`` entry for a change a set-based UPDATE makes itself (a take
    claims the row in SQL and writes its audit row in the same transaction)."""
    check(current, to)
    return {"status": [current.value, to.value]}


def confirm(session: Session, *, actor: Actor, case: Case, latest: Assessment | None,
            at: datetime | None = None) -> None:
    """The outcome is confirmed (recorded, and signed off where sign-off applies): it is
    published with its latest assessment's version and year, and its letters are due. A
    letter not delivered never holds the outcome back: delivery is the staff's to follow."""
    case.publish(latest, at)
    move(session, actor=actor, case=case, to=S.SENDING_LETTERS)
    publications.refresh_outcomes(session, case)


def withdraw(session: Session, *, actor: Actor, case: Case) -> None:
    """The sign-off of a confirmed outcome is voided (its findings changed): off the public
    report until a second senior reviewer signs it off again."""
    case.withdraw()
    move(session, actor=actor, case=case, to=S.AWAITING_SIGN_OFF)
    publications.refresh_outcomes(session, case)


def close(session: Session, *, actor: Actor, case: Case, at: datetime | None = None) -> None:
    """Closed: every letter is delivered (the outcome was published when confirmed)."""
    case.closed_at = at or utcnow()
    move(session, actor=actor, case=case, to=S.CLOSED)
    publications.refresh_outcomes(session, case)


def reopen(session: Session, *, actor: Actor, case: Case) -> None:
    """Back in review: nothing of it is published until an outcome is confirmed again."""
    case.unpublish()
    move(session, actor=actor, case=case, to=S.IN_REVIEW)
    publications.refresh_outcomes(session, case)
