"""Outcomes under review again: a closed case that is reopened withdraws its published
outcome until an outcome is confirmed again. The report says so rather than dropping it
silently: the first page lists them, and an old link to one explains why it shows no
outcome now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.audit import AuditEvent
from backoffice.organisations.models import Organisation

SHOWN = 20
REFERENCE_MAX = Case.__table__.c.reference.type.length


@dataclass(frozen=True)
class UnderReview:
    reference: str
    organisation: str
    ods_code: str
    reopened_at: datetime


def _query():
    reopened = func.max(AuditEvent.occurred_at).label("reopened_at")
    return (select(Case.reference, Organisation.name, Organisation.ods_code, reopened)
            .join(Organisation, Organisation.id == Case.organisation_id)
            .join(AuditEvent, (AuditEvent.entity_type == Case.__tablename__)
                  & (AuditEvent.action == "reopen")
                  & (AuditEvent.entity_id == cast(Case.id, String)))
            .where(Case.published_at.is_(None))
            .group_by(Case.id, Case.reference, Organisation.name, Organisation.ods_code))


def under_review_again(session: Session, limit: int = SHOWN) -> list[UnderReview]:
    """Reopened cases with no outcome confirmed again, most recently reopened first."""
    rows = session.execute(_query().order_by(func.max(AuditEvent.occurred_at).desc())
                           .limit(limit))
    return [UnderReview(*row) for row in rows]


def reopened_case(session: Session, reference: str) -> UnderReview | None:
    if len(reference) > REFERENCE_MAX or not reference.isprintable():
        return None
    row = session.execute(_query().where(Case.reference == reference)).first()
    return UnderReview(*row) if row is not None else None
