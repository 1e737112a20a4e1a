"""Processing notifications a batch at a time: the import's path, and the stored ones' path.

Each body is parsed and checked once; every decision is made in Python from a
few batch lookups (``planning``); then the batch is written with a handful of
statements (``writing``) in the caller's transaction, which the caller commits,
so a batch is stored and processed atomically or not at all.

On PostgreSQL the rows go in by COPY; on SQLite (the embedded default) the same
rules run through the ORM one notification at a time (``services.process``).

For a job processing what the webhook stored::

    rows = lock_accepted(session, limit=500)          # FOR UPDATE SKIP LOCKED
    done = process_stored(session, rows, sla_days=settings.review_sla_days)
    session.commit()
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.core.db import utcnow
from backoffice.notifications import services, writing
from backoffice.notifications.models import FINAL_STATUSES, Notification, NotificationStatus
from backoffice.notifications.planning import Item, Plan, plan_batch
from backoffice.notifications.schemas import NotificationIn

__all__ = ["ProcessedBatch", "StoredNotification", "lock_accepted", "parse", "process_stored"]
IMPORT_SOURCE = "import"


class StoredNotification(Protocol):
    """What ``process_stored`` reads of a stored notification (a row or a ``Notification``)."""

    id: int
    raw_body: bytes
    status: str
    organisation_id: int | None


@dataclass
class ProcessedBatch:
    """What processing a batch of stored notifications did."""

    processed: int = 0
    unmatched: int = 0
    rejected: int = 0
    cases_opened: int = 0
    case_ids: dict[int, int | None] = field(default_factory=dict)  # notification pk -> case id


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def parse(raw_body: bytes) -> services.Checked:
    """The body checked once; a rejected one is read again as JSON for its identity and errors."""
    try:
        return services.Checked(None, NotificationIn.model_validate_json(raw_body), [])
    except ValidationError:
        return services.check(raw_body)


def identity(checked: services.Checked) -> dict[str, str | None]:
    """The stored identity columns, as ``services.identity`` reads them from the JSON."""
    model = checked.model
    if model is None:
        return services.identity(checked.payload)
    return services.identity({"notification_id": model.notification_id, "organisation": {
        "ods_code": model.organisation.ods_code, "name": model.organisation.name}})


def write_cases(cursor, plan: Plan, now: datetime) -> None:
    """The batch's new cases and reasons, first: its notifications and assessments name them."""
    writing.reserve_case_ids(cursor, plan)
    writing.write_cases(cursor, plan, now)


def finish(session: Session, cursor, plan: Plan, now: datetime) -> None:
    """Last, just before the commit: the case numbers (a row lock until then), the audit."""
    writing.name_cases(session, cursor, plan.opened)
    writing.write_audit(cursor, plan, now)


def process_stored(session: Session, notifications: Sequence[StoredNotification], *,
                   sla_days: int, now: datetime | None = None) -> ProcessedBatch:
    """Process stored notifications (status ``accepted``) as one batch, in the caller's transaction.

    The decisions are those of ``services.process``: the assessment is recorded, a
    case opens (or an open case is joined and flagged republished) where review is
    due, an unknown organisation leaves the notification ``unmatched``. Those
    already processed, rejected or conflicting are left alone, so a retry is
    harmless. The caller locks the rows first (``lock_accepted``) and commits after.
    """
    now = now or utcnow()
    waiting = [n for n in notifications if n.status not in FINAL_STATUSES]
    if not on_postgresql(session):
        return _process_one_by_one(session, [n.id for n in waiting], sla_days, now)
    session.flush()
    items, rejected = [], []
    for notification in waiting:
        checked = parse(notification.raw_body)
        if checked.model is None:
            rejected.append((notification.id, checked.errors))
            continue
        items.append(Item(checked.model, pk=notification.id,
                          organisation_id=notification.organisation_id))
    plan = plan_batch(session, items, sla_days=sla_days, now=now)
    cursor = writing.cursor_of(session)
    write_cases(cursor, plan, now)
    writing.update_notifications(cursor, items)
    writing.write_assessments(cursor, items)
    _mark_rejected(cursor, rejected)
    finish(session, cursor, plan, now)
    session.expire_all()
    return _processed(plan, len(rejected))


def _processed(plan: Plan, rejected: int) -> ProcessedBatch:
    done = ProcessedBatch(rejected=rejected, cases_opened=len(plan.opened))
    for item in plan.items:
        done.unmatched += item.status == NotificationStatus.UNMATCHED
        done.processed += item.status == NotificationStatus.PROCESSED
        done.case_ids[item.pk] = item.case.id if item.case else None
    return done


def _mark_rejected(cursor, rejected: list[tuple[int, list]]) -> None:
    for pk, errors in rejected:
        cursor.execute("UPDATE notifications SET status = %s, errors = %s WHERE id = %s",
                       (NotificationStatus.REJECTED.value, json.dumps(errors), pk))


class _CountingLookups(services.Lookups):
    opened_count = 0

    def opened(self, case) -> None:
        self.opened_count += 1


def _process_one_by_one(session: Session, pks: list[int], sla_days: int,
                        now: datetime) -> ProcessedBatch:
    """The same rules through the ORM, flushed after each so the next sees its case."""
    done, lookups = ProcessedBatch(), _CountingLookups(session)
    for pk in pks:
        notification = session.get(Notification, pk)
        services.process(session, notification, sla_days=sla_days, lookups=lookups, now=now)
        session.flush()
        done.processed += notification.status == NotificationStatus.PROCESSED
        done.unmatched += notification.status == NotificationStatus.UNMATCHED
        done.rejected += notification.status == NotificationStatus.REJECTED
        done.case_ids[pk] = notification.case_id
    done.cases_opened = lookups.opened_count
    return done


def lock_accepted(session: Session, *, limit: int) -> list[StoredNotification]:
    """Up to ``limit`` stored notifications waiting to be processed, oldest first, locked.

    ``FOR UPDATE SKIP LOCKED``: workers running at once take different notifications.
    """
    query = (select(Notification.id, Notification.raw_body, Notification.status,
                    Notification.organisation_id)
             .where(Notification.status == NotificationStatus.ACCEPTED)
             .order_by(Notification.id).limit(limit).with_for_update(skip_locked=True))
    return list(session.execute(query))


def sha256(raw_body: bytes) -> str:
    return hashlib.sha256(raw_body).hexdigest()
