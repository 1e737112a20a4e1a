"""Processing stored notifications: the worker's job, the sweeper, the helpdesk's link.

Each body is parsed and checked once; the engine (``engine``) decides the batch
from its lookups, and a writer carries out the plan in the caller's transaction,
which the caller commits, so a batch is processed atomically or not at all. On
PostgreSQL the lookups are plain SQL and the rows go in by COPY; elsewhere (SQLite,
the embedded default) both go through the ORM. One notification is a batch of one.

For a job processing what the webhook stored::

    rows = lock_accepted(session, limit=500)          # FOR UPDATE SKIP LOCKED
    done = process_stored(session, rows, sla_days=settings.review_sla_days)
    session.commit()
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice.cases import standing
from backoffice.core.db import utcnow
from backoffice.notifications import engine, services, writing
from backoffice.notifications.engine import Item, Plan
from backoffice.notifications.lookups import OrmLookups, PostgresLookups
from backoffice.notifications.models import FINAL_STATUSES, Notification, NotificationStatus
from backoffice.notifications.portable import PortableWriter
from backoffice.notifications.schemas import NotificationIn
from backoffice.reviews import followup

__all__ = ["ProcessedBatch", "StoredNotification", "lock_accepted", "parse", "process_items",
           "process_stored"]
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


def tools(session: Session, items: list[Item], new_notifications=None):
    """The lookups and the writer for this database."""
    if on_postgresql(session):
        return (PostgresLookups(session, items),
                writing.CopyWriter(session, new_notifications=new_notifications))
    return OrmLookups(session, items), PortableWriter(session)


def process_items(session: Session, items: list[Item], *, sla_days: int, now: datetime,
                  backdate: bool = False, new_notifications=None) -> Plan:
    """Decide and write a batch of accepted notifications (what is pending is flushed first)."""
    session.flush()
    lookups, writer = tools(session, items, new_notifications)
    plan = engine.process(session, items, lookups=lookups, writer=writer, sla_days=sla_days,
                          now=now, backdate=backdate)
    session.flush()
    answer_the_cycle(session, plan)
    return plan


def answer_the_cycle(session: Session, plan: Plan) -> None:
    """What the batch's publications answer in the annual cycle: the applications its cases
    name are held (``cases.standing``), and each organisation that published clears its
    lapses for that year and follows up its accepted plan items (``reviews.followup``)."""
    published = {item.organisation_id for item in plan.items
                 if item.status == NotificationStatus.PROCESSED}
    standing.hold_open_cases_of(session, {item.organisation_id for item in plan.items
                                          if item.case is not None})
    standing.clear_lapses(session, published)
    followup.follow_up(session, published)


def process_stored(session: Session, notifications: Sequence[StoredNotification], *,
                   sla_days: int, now: datetime | None = None) -> ProcessedBatch:
    """Process stored notifications (status ``accepted``) as one batch, in the caller's transaction.

    The engine's decisions (``engine``): the assessment is recorded, a case opens (or an
    open case is joined and flagged republished) where review is due, an unknown
    organisation leaves the notification ``unmatched``; a body the contract refuses is
    marked rejected. Those already processed, rejected or conflicting are left alone, so
    a retry is harmless. The caller locks the rows first (``lock_accepted``) and commits.
    """
    now = now or utcnow()
    items, rejected = [], []
    for notification in notifications:
        if notification.status in FINAL_STATUSES:
            continue
        checked = parse(notification.raw_body)
        if checked.model is None:
            rejected.append((notification.id, checked.errors))
            continue
        items.append(Item(checked.model, pk=notification.id,
                          organisation_id=notification.organisation_id))
    plan = process_items(session, items, sla_days=sla_days, now=now)
    for pk, errors in rejected:
        session.execute(update(Notification.__table__).where(Notification.id == pk).values(
            status=NotificationStatus.REJECTED.value, errors=errors))
    session.flush()
    session.expire_all()
    return _processed(plan, len(rejected))


def _processed(plan: Plan, rejected: int) -> ProcessedBatch:
    done = ProcessedBatch(rejected=rejected, cases_opened=len(plan.opened))
    for item in plan.items:
        done.unmatched += item.status == NotificationStatus.UNMATCHED
        done.processed += item.status == NotificationStatus.PROCESSED
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
