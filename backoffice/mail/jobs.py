"""RQ jobs for the outbox. Each takes an id, re-reads the row and does nothing twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app

from backoffice.core.jobs import queue
from backoffice.extensions import db
from backoffice.mail import delivery
from backoffice.mail.dispatch import DELIVER_OUTBOX_JOB
from backoffice.mail.models import OutboxMessage

log = logging.getLogger(__name__)


def mail_settings() -> delivery.MailSettings:
    settings = current_app.extensions["settings"]
    return delivery.MailSettings(smtp_url=settings.smtp_url, mail_from=settings.mail_from)


def retry_later(func: str, pk: int, model, attempts: int) -> None:
    """Schedule the next try of a failed delivery with backoff, within the automatic ones."""
    row = db.session.get(model, pk)
    if row is None or row.sent_at is not None or attempts >= delivery.MAX_AUTOMATIC_ATTEMPTS:
        return
    delay = delivery.backoff_seconds(attempts)
    try:
        queue().enqueue_in(timedelta(seconds=delay), func, pk,
                           job_id=f"{func.rsplit('.', 1)[-1]}-{pk}-{attempts}")
    except Exception:  # Redis away: the sweeper retries it when it is due
        log.warning("retry not scheduled; left for the sweeper", extra={"id": pk})


def deliver_outbox(message_pk: int, force: bool = False) -> str:
    """Send one outbox message; on failure schedule the next try with backoff."""
    result = delivery.deliver_outbox(db.session, message_pk, mail_settings(), force=force)
    if result == "failed":
        message = db.session.get(OutboxMessage, message_pk)
        retry_later(DELIVER_OUTBOX_JOB, message_pk, OutboxMessage, message.attempts)
    return result


def sweep_outbox(now: datetime, limit: int) -> int:
    """Outbox messages due but not sent (their job lost, or their retry due): send them."""
    return sum(deliver_outbox(message_pk) == "sent"
               for message_pk in delivery.outbox_to_deliver(db.session, now, limit))
