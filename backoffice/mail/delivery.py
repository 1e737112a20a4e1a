"""Delivering mail exactly once, with retries and backoff: outbox messages, and (through
``deliver_once``) any row that carries the same delivery columns, such as letters.

The order of steps is what makes a retried job harmless:

1. claim the message (a lease, committed) so no other worker sends it at the same time;
2. hand it to the SMTP server, with a Message-ID fixed for that message;
3. commit the sent marker.

A crash between the server's acceptance (2) and the commit (3) is the one window in
which a second copy can go out, once the lease expires; it carries the same Message-ID.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from backoffice.core.db import utcnow
from backoffice.mail import smtp
from backoffice.mail.models import OutboxMessage

log = logging.getLogger(__name__)
LEASE_SECONDS = 120
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
MAX_AUTOMATIC_ATTEMPTS = 10
INTERNAL_KINDS = frozenset({"letters_due", "notices_due"})  # marks for the letters job, not e-mails
ERROR_LENGTH = 2000


def backoff_seconds(attempts: int) -> int:
    """30 s, 1 min, 2 min, 4 min … capped at an hour."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str
    mail_from: str


def _claim(session: Session, model, pk: int, now: datetime, *, force: bool) -> bool:
    """Take the lease on one unsent message; False when it is sent, leased or not yet due."""
    conditions = [model.id == pk, model.sent_at.is_(None),
                  or_(model.claimed_until.is_(None), model.claimed_until < now)]
    if not force:
        conditions.append(or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now))
    claimed = session.execute(update(model).where(*conditions).values(
        claimed_until=now + timedelta(seconds=LEASE_SECONDS)).execution_options(
        synchronize_session=False)).rowcount
    session.commit()
    return claimed == 1


def _record_failure(row, error: str, now: datetime) -> None:
    row.attempts += 1
    row.last_error = error[:ERROR_LENGTH]
    row.claimed_until = None
    row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))


def _record_sent(row, refused: list[str], now: datetime) -> None:
    row.attempts += 1
    row.sent_at = now
    row.claimed_until = None
    row.next_attempt_at = None
    row.last_error = f"refused by the server: {', '.join(refused)}" if refused else None


def deliver_once(session: Session, model, pk: int, build: Callable, settings: MailSettings, *,
                 now: datetime | None, force: bool,
                 recorded: Callable[[object, bool], None] | None = None) -> str:
    """Claim, send and mark one row: 'sent', 'failed' (retried later) or 'skipped'.

    ``build(session, row)`` makes the ``smtp.Mail``; ``recorded(row, sent)``, if given, adds
    the caller's own marks to the row before each commit.
    """
    now = now or utcnow()
    if not _claim(session, model, pk, now, force=force):
        return "skipped"
    row = session.get(model, pk)
    try:
        message = build(session, row)
        refused = smtp.send(message, smtp_url=settings.smtp_url, mail_from=settings.mail_from)
    except smtp.MailError as error:
        _record_failure(row, str(error), now)
        if recorded:
            recorded(row, False)
        session.commit()
        log.warning("delivery of %s %s failed (attempt %s): %s", model.__tablename__, pk,
                    row.attempts, error, extra={"model": model.__tablename__, "id": pk,
                                                "attempts": row.attempts, "error": str(error)})
        return "failed"
    _record_sent(row, refused, utcnow())
    if recorded:
        recorded(row, True)
    session.commit()
    log.info("delivered", extra={"model": model.__tablename__, "id": pk})
    return "sent"


def outbox_message_id(message: OutboxMessage, mail_from: str) -> str:
    domain = mail_from.rpartition("@")[2] or "localhost"
    return f"<outbox.{message.id}.{message.kind}@{domain}>"


@dataclass
class Composed:
    """An outbox e-mail's body as its reader needs it, and where a reply should go."""

    body: str
    reply_to: str | None = None
    attachments: list[smtp.Attachment] = field(default_factory=list)


# Kinds of e-mail whose body a feature above the outbox writes when it is sent (the
# information request: letters.requests_mail); registered by that feature's init_app.
COMPOSERS: dict[str, Callable[[Session, OutboxMessage], Composed]] = {}


def thread_headers(message: OutboxMessage, message_id) -> dict[str, str]:
    """In-Reply-To and References for a reply in a ticket's thread (its acknowledgement and
    earlier replies), so a mail program shows one conversation."""
    earlier = [message_id(OutboxMessage(id=pk, kind=kind))
               for pk, kind in (message.data or {}).get("thread", [])]
    if not earlier:
        return {}
    return {"In-Reply-To": earlier[-1], "References": " ".join(earlier)}


def _outbox_mail(session: Session, message: OutboxMessage, mail_from: str) -> smtp.Mail:
    headers = thread_headers(message, lambda row: outbox_message_id(row, mail_from))
    body, attachments = message.body, []
    composer = COMPOSERS.get(message.kind)
    if composer is not None:
        composed = composer(session, message)
        body, attachments = composed.body, composed.attachments
        if composed.reply_to:
            headers["Reply-To"] = composed.reply_to
    return smtp.Mail(message_id=outbox_message_id(message, mail_from),
                     to=list(message.recipients or []), subject=message.subject,
                     body=body, attachments=attachments, headers=headers)


def deliver_outbox(session: Session, message_pk: int, settings: MailSettings, *,
                   now: datetime | None = None, force: bool = False) -> str:
    """Send one outbox message once (information requests, reminders, tickets…)."""
    message = session.get(OutboxMessage, message_pk)
    if message is None or message.sent_at is not None or message.kind in INTERNAL_KINDS:
        session.rollback()
        return "skipped"
    session.rollback()
    return deliver_once(session, OutboxMessage, message_pk,
                        lambda s, row: _outbox_mail(s, row, settings.mail_from), settings,
                        now=now, force=force)


def outbox_to_deliver(session: Session, now: datetime, limit: int) -> list[int]:
    return list(session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.kind.not_in(INTERNAL_KINDS),
        OutboxMessage.attempts < MAX_AUTOMATIC_ATTEMPTS,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    ).order_by(OutboxMessage.id).limit(limit)))


def failed_outbox(session: Session) -> list[OutboxMessage]:
    """E-mails (information requests, reminders, tickets…) the server has not accepted yet."""
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.attempts > 0,
        OutboxMessage.kind.not_in(INTERNAL_KINDS)).order_by(OutboxMessage.id)))
