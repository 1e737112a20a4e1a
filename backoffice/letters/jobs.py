"""RQ jobs for letters and mail. Each takes an id, re-reads the row and does nothing twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from backoffice.core.db import utcnow
from backoffice.core.jobs import queue
from backoffice.extensions import db
from backoffice.letters import delivery, reminders, services
from backoffice.letters.dispatch import DELIVER_LETTER_JOB, DELIVER_OUTBOX_JOB
from backoffice.letters.models import Letter
from backoffice.letters.wording import Letterhead
from backoffice.reviews.models import OutboxMessage

log = logging.getLogger(__name__)
SWEEP_BATCH = 200


def mail_settings() -> delivery.MailSettings:
    settings = current_app.extensions["settings"]
    return delivery.MailSettings(smtp_url=settings.smtp_url, mail_from=settings.mail_from)


def generate_letters(case_id: int) -> int:
    """Make the letters a case in sending_letters is due; a second run finds nothing due."""
    session = db.session
    try:
        letters = services.generate_due(
            session, case_id=case_id, mail_from=mail_settings().mail_from,
            letterhead=Letterhead.of(current_app.extensions["settings"]))
        session.commit()
    except IntegrityError:  # another worker made this version at the same moment
        session.rollback()
        return 0
    return len(letters)


def _retry_later(func: str, pk: int, model, attempts: int) -> None:
    row = db.session.get(model, pk)
    if row is None or row.sent_at is not None or attempts >= delivery.MAX_AUTOMATIC_ATTEMPTS:
        return
    delay = delivery.backoff_seconds(attempts)
    try:
        queue().enqueue_in(timedelta(seconds=delay), func, pk,
                           job_id=f"{func.rsplit('.', 1)[-1]}-{pk}-{attempts}")
    except Exception:  # Redis away: the sweeper retries it when it is due
        log.warning("retry not scheduled; left for the sweeper", extra={"id": pk})


def deliver_letter(letter_id: int, force: bool = False) -> str:
    """E-mail one letter version; on failure schedule the next try with backoff."""
    result = delivery.deliver_letter(db.session, letter_id, mail_settings(), force=force)
    if result == "failed":
        letter = db.session.get(Letter, letter_id)
        _retry_later(DELIVER_LETTER_JOB, letter_id, Letter, letter.attempts)
    return result


def deliver_outbox(message_pk: int, force: bool = False) -> str:
    """Send one outbox message; on failure schedule the next try with backoff."""
    result = delivery.deliver_outbox(db.session, message_pk, mail_settings(), force=force)
    if result == "failed":
        message = db.session.get(OutboxMessage, message_pk)
        _retry_later(DELIVER_OUTBOX_JOB, message_pk, OutboxMessage, message.attempts)
    return result


def sweep() -> dict[str, int]:
    """Every minute: letters due but not made, mail due but not sent, cases ready to close."""
    session = db.session
    done = {"generated": 0, "delivered": 0, "closed": 0}
    for case_id in services.cases_due_letters(session, SWEEP_BATCH):
        done["generated"] += generate_letters(case_id)
    now = utcnow()
    for letter_id in delivery.letters_to_deliver(session, now, SWEEP_BATCH):
        done["delivered"] += deliver_letter(letter_id) == "sent"
    for message_pk in delivery.outbox_to_deliver(session, now, SWEEP_BATCH):
        done["delivered"] += deliver_outbox(message_pk) == "sent"
    for case_id in services.cases_ready_to_close(session, SWEEP_BATCH):
        delivery.close_case_after_delivery(session, case_id)
        done["closed"] += 1
    session.rollback()
    return done


def sla_reminders() -> int:
    """Daily: each assignee is told of their cases due within two working days or overdue."""
    written = reminders.write_reminders(db.session, today=utcnow().date())
    db.session.commit()
    return written
