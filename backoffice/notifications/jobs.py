"""RQ jobs for notifications. Each takes an id and re-reads the row, so a retry is harmless."""

from __future__ import annotations

from backoffice.extensions import db
from backoffice.notifications import handling

SWEEP_GRACE_SECONDS = 30


def process_notification(notification_pk: int) -> None:
    """Process one stored notification; nothing happens if it was processed already."""
    handling.process_one(db.session, notification_pk)


def sweep() -> int:
    """Scheduled every minute: process notifications a crash or an outage left behind."""
    return handling.sweep(db.session, grace_seconds=SWEEP_GRACE_SECONDS)
