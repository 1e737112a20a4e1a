"""Telling the reviewer: a send-back or a reopening is e-mailed to the case's reviewer (through
the outbox, exactly once) and shown as a banner on the case; a bulk assignment is e-mailed to
the assignee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.audit import AuditEvent
from backoffice.core.display import day
from backoffice.core.vocabulary import CaseStatus
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.models import SignOff
from backoffice.users.models import User

SHOWN_IN_MAIL = 50


def reviewer_of(case: Case) -> User | None:
    """Who works the case: its holder, or else who recorded its outcome."""
    return case.assigned_to or case.outcome_by


def tell_reviewer(session: Session, *, case: Case, kind: str, subject: str, body: str,
                  exclude_id: int | None = None) -> None:
    """One e-mail to the case's reviewer (none when nobody works it, or they did it)."""
    reviewer = reviewer_of(case)
    if reviewer is None or not reviewer.email or reviewer.id == exclude_id:
        return
    session.add(OutboxMessage(kind=kind, case_id=case.id, recipients=[reviewer.email],
                              subject=f"IG Toolkit review {case.reference}: {subject}",
                              body=body))


def tell_assignee(session: Session, *, reviewer: User, cases: list[Case], by: str) -> None:
    """One e-mail to the reviewer a senior assigned cases to, listing them."""
    if not cases or not reviewer.email:
        return
    listed = "\n".join(f"- {case.reference} {case.organisation.name}, due "
                       f"{day(case.due_date)}" for case in cases[:SHOWN_IN_MAIL])
    more = (f"\n… and {len(cases) - SHOWN_IN_MAIL} more" if len(cases) > SHOWN_IN_MAIL
            else "")
    session.add(OutboxMessage(
        kind="cases_assigned", case_id=cases[0].id if len(cases) == 1 else None,
        recipients=[reviewer.email],
        subject=f"IG Toolkit reviews: {len(cases)} case(s) assigned to you",
        body=f"{by} assigned these cases to you:\n\n{listed}{more}\n"))


@dataclass(frozen=True)
class Returned:
    """Why the case came back to review: sent back at sign-off, or reopened."""

    what: str  # "sent back" or "reopened"
    by: str
    at: datetime
    reason: str


def why_back_in_review(session: Session, case: Case) -> Returned | None:
    """The latest send-back or reopening, while the case is in review without an outcome."""
    if case.status != CaseStatus.IN_REVIEW or case.outcome is not None:
        return None
    sent_back = session.scalar(select(SignOff).where(
        SignOff.case_id == case.id, SignOff.decision == "sent_back")
        .order_by(SignOff.id.desc()).limit(1))
    reopened = session.scalar(select(AuditEvent).where(
        AuditEvent.entity_type == Case.__tablename__, AuditEvent.action == "reopen",
        AuditEvent.entity_id == cast(case.id, String)).order_by(AuditEvent.id.desc()).limit(1))
    found = []
    if sent_back is not None:
        found.append(Returned("sent back", str(sent_back.signed_by), sent_back.signed_at,
                              sent_back.comment))
    if reopened is not None:
        found.append(Returned("reopened", reopened.actor, reopened.occurred_at,
                              (reopened.changes.get("reason") or [None, ""])[1]))
    return max(found, key=lambda item: _naive(item.at)) if found else None


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)
