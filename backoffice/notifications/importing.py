"""Bulk back-fill: JSON Lines or CSV records, stored and processed a batch at a time.

Each batch is one transaction, and goes through the engine (``engine``) as the
worker's does: on PostgreSQL each record is written once, final, by COPY (its
notification row with its status, organisation and case); elsewhere the records
are stored through the ORM and then processed as stored notifications are.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.core.db import driver_cursor, utcnow
from backoffice.notifications import batch as batches
from backoffice.notifications import services, writing
from backoffice.notifications.engine import Item
from backoffice.notifications.models import Notification, NotificationStatus
from backoffice.notifications.records import with_row_reason

BATCH_SIZE = 500
IMPORT_HEADERS = {"User-Agent": "backoffice notifications import"}
IMPORT_HEADERS_JSON = json.dumps(IMPORT_HEADERS)


@dataclass
class ImportSummary:
    accepted: int = 0
    repeats: int = 0
    conflicts: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    cases_opened: int = 0
    unmatched: int = 0

    def add(self, other: ImportSummary) -> None:
        self.accepted += other.accepted
        self.repeats += other.repeats
        self.conflicts += other.conflicts
        self.rejected += other.rejected
        self.cases_opened += other.cases_opened
        self.unmatched += other.unmatched

    @property
    def read(self) -> int:
        return self.accepted + self.repeats + self.conflicts + len(self.rejected)


def _store_batch(session, batch, summary) -> list[tuple[int, Notification, object]]:
    """The batch's new records as rows with their checked status; repeats are counted."""
    checked = [(line, raw, with_row_reason(services.check(raw))) for line, raw in batch]
    identities = [(line, raw, result, services.identity(result.payload)["notification_id"],
                   hashlib.sha256(raw).hexdigest()) for line, raw, result in checked]
    known = {nid: n.body_sha256 for nid, n in services.known_notifications(
        session, [nid for _, _, _, nid, _ in identities]).items()}
    stored = []
    for line, raw, result, nid, sha in identities:
        if nid and known.get(nid) == sha:
            summary.repeats += 1
            continue
        conflict = f"an earlier record of {nid}" if nid and nid in known else None
        notification = services.new_notification(raw, IMPORT_HEADERS, "import",
                                                 checked=result, conflicts_with=conflict)
        if nid and nid not in known:
            known[nid] = sha
        session.add(notification)
        stored.append((line, notification, result.model))
    return stored


def _count(summary: ImportSummary, stored) -> list:
    accepted = []
    for line, notification, parsed in stored:
        if notification.status == NotificationStatus.CONFLICT:
            summary.conflicts += 1
        elif parsed is None:
            summary.rejected.append((line, "; ".join(
                f"{e['field']}: {e['message']}" for e in notification.errors)))
        else:
            accepted.append((notification, parsed))
    return accepted


def store_batch(session: Session, batch: list[tuple[int, bytes]], summary: ImportSummary,
                sla_days: int, backdate: bool = False) -> None:
    """Store, check and process one batch through the ORM (any database)."""
    accepted = _count(summary, _store_batch(session, batch, summary))
    session.flush()
    items = [Item(parsed, pk=notification.id) for notification, parsed in accepted]
    plan = batches.process_items(session, items, sla_days=sla_days, now=utcnow(),
                                 backdate=backdate)
    summary.accepted += len(items)
    summary.unmatched += sum(item.status == NotificationStatus.UNMATCHED for item in items)
    summary.cases_opened += len(plan.opened)


def import_records(session: Session, records: Iterable[tuple[int, bytes]], *, sla_days: int,
                   progress: Callable[[int], None] = lambda n: None,
                   batch_size: int = BATCH_SIZE, backdate: bool = False,
                   workers: int = 1) -> ImportSummary:
    """Import every record; each batch commits on its own, so a rerun skips what is done.

    With ``backdate`` a case counts as opened when its publication was published.
    With ``workers`` > 1 (PostgreSQL only) the batches are shared among that many
    processes, each organisation's records in one of them and in file order.
    """
    options = {"sla_days": sla_days, "backdate": backdate}
    if workers > 1 and batches.on_postgresql(session):
        from backoffice.notifications.parallel import import_in_workers

        return import_in_workers(session, records, workers=workers, batch_size=batch_size,
                                 progress=progress, **options)
    summary = ImportSummary()
    for batch in in_batches(records, batch_size):
        summary.add(commit_batch(session, batch, **options))
        progress(len(batch))
    summary.rejected.sort()
    return summary


def in_batches(records: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def _no_cyclic_gc():
    """Pause the cyclic garbage collector for one batch.

    A batch keeps thousands of small parsed objects alive at once, which makes the
    collector walk every long-lived object over and over (it cost more than the
    parsing itself); they are freed by reference counting when the batch ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def commit_batch(session: Session, batch: list[tuple[int, bytes]], *, sla_days: int,
                 backdate: bool = False) -> ImportSummary:
    """One batch, committed whole; on any error nothing of it stays.

    Tried a second time when another process wrote one of its notification ids or
    opened one of its organisations' cases at the same moment (a unique index).
    """
    try:
        return _try_batch(session, batch, sla_days, backdate)
    except IntegrityError:
        return _try_batch(session, batch, sla_days, backdate)


def _try_batch(session, batch, sla_days, backdate) -> ImportSummary:
    summary = ImportSummary()
    try:
        if batches.on_postgresql(session):
            with _no_cyclic_gc():
                copy_batch(session, batch, summary, sla_days=sla_days, backdate=backdate)
        else:
            store_batch(session, batch, summary, sla_days, backdate)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return summary


@dataclass
class _Record:
    """A record of the batch to store: its identity, status and errors, its item."""

    line: int
    raw: bytes
    sha: str
    identity: dict[str, str | None]
    status: str
    errors: list
    item: Item | None = None
    pk: int | None = None


def _conflict_errors(notification_id: str) -> list[dict[str, str]]:
    return [{"field": "notification_id", "message": "this notification_id was received "
             f"before with a different body (an earlier record of {notification_id})"}]


def _known(session: Session, notification_ids: list[str]) -> dict[str, str]:
    """Body checksums of the counted notifications with these ids."""
    cursor = driver_cursor(session)
    cursor.execute("SELECT notification_id, body_sha256 FROM notifications"
                   " WHERE notification_id = ANY(%s) AND status NOT IN ('rejected', 'conflict')",
                   (notification_ids,))
    return dict(cursor.fetchall())


def _new_records(session: Session, batch, summary: ImportSummary) -> list[_Record]:
    """The batch's records to store, each checked once; repeats are only counted."""
    checked = [(line, raw, with_row_reason(batches.parse(raw))) for line, raw in batch]
    identities = [batches.identity(result) for _, _, result in checked]
    known = _known(session, sorted({i["notification_id"] for i in identities
                                    if i["notification_id"]}))
    records = []
    for (line, raw, result), who in zip(checked, identities, strict=True):
        nid, sha = who["notification_id"], batches.sha256(raw)
        if nid and known.get(nid) == sha:
            summary.repeats += 1
            continue
        records.append(_record(line, raw, sha, result, who,
                               conflict=bool(nid and nid in known)))
        if nid:
            known.setdefault(nid, sha)
    return records


def _record(line: int, raw: bytes, sha: str, checked: services.Checked, who: dict, *,
            conflict: bool) -> _Record:
    if conflict:
        return _Record(line, raw, sha, who, NotificationStatus.CONFLICT,
                       _conflict_errors(who["notification_id"]))
    if checked.model is None:
        return _Record(line, raw, sha, who, NotificationStatus.REJECTED, checked.errors)
    return _Record(line, raw, sha, who, NotificationStatus.ACCEPTED, [],
                   item=Item(checked.model))


def _notification_row(record: _Record, received_at: datetime) -> tuple:
    """The record's notification row, final: as stored and processed."""
    item = record.item
    return writing.NOTIFICATIONS.row({
        "id": record.pk, **record.identity, "source": batches.IMPORT_SOURCE,
        "received_at": received_at, "raw_body": record.raw, "body_sha256": record.sha,
        "headers": IMPORT_HEADERS_JSON, "status": str(item.status if item else record.status),
        "errors": json.dumps(record.errors),
        "organisation_id": item.organisation_id if item else None,
        "case_id": item.case.id if item and item.case else None,
        "processed_at": item.processed_at if item else None})


def copy_batch(session: Session, batch: list[tuple[int, bytes]], summary: ImportSummary, *,
               sla_days: int, backdate: bool = False) -> None:
    """Store and process one batch on PostgreSQL: each notification written once, final."""
    now = utcnow()
    records = _new_records(session, batch, summary)
    items = [r.item for r in records if r.item]

    def write_notifications(cursor) -> None:  # once the batch's cases have their ids
        for record, pk in zip(records, writing.reserve_ids(cursor, "notifications",
                                                           len(records)), strict=True):
            record.pk = pk
            if record.item:
                record.item.pk = pk
        writing.copy_rows(cursor, writing.NOTIFICATIONS,
                          (_notification_row(r, now) for r in records), binary=True)

    plan = batches.process_items(session, items, sla_days=sla_days, now=now, backdate=backdate,
                                 new_notifications=write_notifications)
    _summarise(summary, records, len(plan.opened))


def _summarise(summary: ImportSummary, records: list[_Record], opened: int) -> None:
    for record in records:
        if record.status == NotificationStatus.CONFLICT:
            summary.conflicts += 1
        elif record.item is None:
            summary.rejected.append((record.line, "; ".join(
                f"{e['field']}: {e['message']}" for e in record.errors)))
        else:
            summary.accepted += 1
            summary.unmatched += record.item.status == NotificationStatus.UNMATCHED
    summary.cases_opened += opened


