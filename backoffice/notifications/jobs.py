"""RQ jobs for notifications. Each takes an id and re-reads the row, so a retry is harmless."""

from __future__ import annotations

from flask import current_app

from backoffice.extensions import db
from backoffice.notifications import handling, wakeup

SWEEP_GRACE_SECONDS = 30


def process_pending() -> int:
    """Woken by the webhook: process every accepted notification, each exactly once.

    The wake-up key is cleared first, so a notification committed after this
    job has read the pending rows wakes another job; the last read waits for what
    requests that relied on this job stored (see ``wakeup``).
    """
    cleared_at = wakeup.start_processing(current_app)
    done = handling.process_pending(db.session)
    wakeup.linger(cleared_at)
    return done + handling.process_pending(db.session)


def sweep() -> int:
    """Scheduled every minute: process notifications a crash or an outage left behind."""
    return handling.sweep(db.session, grace_seconds=SWEEP_GRACE_SECONDS)
