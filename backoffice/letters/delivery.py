"""Delivering letters and outbox messages exactly once, with retries and backoff.

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
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseStatus
from backoffice.core.db import utcnow
from backoffice.letters import mail, requests_mail
from backoffice.letters.models import ORGANISATION, DeliveryStatus, Letter
from backoffice.letters.rendering import DOCX_MIMETYPE
from backoffice.letters.services import close_if_delivered, group_address
from backoffice.reviews.models import OutboxMessage

log = logging.getLogger(__name__)
LEASE_SECONDS = 120
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
MAX_AUTOMATIC_ATTEMPTS = 10
INTERNAL_KINDS = frozenset({"letters_due"})  # marks for the letters job, not e-mails
ERROR_LENGTH = 2000
DELIVERABLE = (CaseStatus.SENDING_LETTERS, CaseStatus.CLOSED)


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


def _letter_mail(session: Session, letter: Letter) -> mail.Mail:
    case = letter.case
    if letter.recipient == ORGANISATION:
        to = [admin.email for admin in case.organisation.administrators]
        if not to:
            raise mail.MailError(f"{case.organisation} has no Organisation Administrator "
                                 "to write to")
    else:
        address = group_address(session, letter.recipient)
        if not address:
            raise mail.MailError(f"no e-mail address is set for {letter.recipient} "
                                 "(Administration → Group addresses)")
        to = [address]
    label = letter.data.get("outcome_label", "")
    return mail.Mail(
        message_id=letter.message_id, to=to,
        subject=f"IG Toolkit review {case.reference}: {case.organisation.name} — {label}",
        body=(f"Please find attached the outcome letter for {case.organisation.name} "
              f"({case.organisation.ods_code}), case {case.reference}: {label}.\n\n"
              f"Letter {letter.data.get('letter_reference')}, version {letter.version}, "
              f"SHA-256 {letter.sha256}.\n\nExternal IG Delivery\n"),
        attachments=[mail.Attachment(letter.filename, letter.content, DOCX_MIMETYPE)])


def outbox_message_id(message: OutboxMessage, mail_from: str) -> str:
    domain = mail_from.rpartition("@")[2] or "localhost"
    return f"<outbox.{message.id}.{message.kind}@{domain}>"


def _outbox_mail(session: Session, message: OutboxMessage, mail_from: str) -> mail.Mail:
    headers = requests_mail.thread_headers(
        message, lambda row: outbox_message_id(row, mail_from))
    body = message.body
    if message.kind == requests_mail.INFORMATION_REQUEST:
        composed = requests_mail.information_request(session, message)
        body = composed.body
        if composed.reply_to:
            headers["Reply-To"] = composed.reply_to
    return mail.Mail(message_id=outbox_message_id(message, mail_from),
                     to=list(message.recipients or []), subject=message.subject,
                     body=body, headers=headers)


def _record_failure(row, error: str, now: datetime) -> None:
    row.attempts += 1
    row.last_error = error[:ERROR_LENGTH]
    row.claimed_until = None
    row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))
    if isinstance(row, Letter):
        row.delivery_status = DeliveryStatus.FAILED.value


def _record_sent(row, refused: list[str], now: datetime) -> None:
    row.attempts += 1
    row.sent_at = now
    row.claimed_until = None
    row.next_attempt_at = None
    row.last_error = f"refused by the server: {', '.join(refused)}" if refused else None
    if isinstance(row, Letter):
        row.delivery_status = DeliveryStatus.SENT.value


def _deliver(session: Session, model, pk: int, build: Callable, settings: MailSettings, *,
             now: datetime | None, force: bool) -> str:
    now = now or utcnow()
    if not _claim(session, model, pk, now, force=force):
        return "skipped"
    row = session.get(model, pk)
    try:
        message = build(session, row)
        if isinstance(row, Letter):
            row.to_address = ", ".join(message.to)[:1000]
        refused = mail.send(message, smtp_url=settings.smtp_url, mail_from=settings.mail_from)
    except mail.MailError as error:
        _record_failure(row, str(error), now)
        session.commit()
        log.warning("delivery of %s %s failed (attempt %s): %s", model.__tablename__, pk,
                    row.attempts, error, extra={"model": model.__tablename__, "id": pk,
                                                "attempts": row.attempts, "error": str(error)})
        return "failed"
    _record_sent(row, refused, utcnow())
    session.commit()
    log.info("delivered", extra={"model": model.__tablename__, "id": pk})
    return "sent"


def deliver_letter(session: Session, letter_id: int, settings: MailSettings, *,
                   now: datetime | None = None, force: bool = False) -> str:
    """E-mail one letter version once: 'sent', 'failed' (retried later) or 'skipped'.

    A letter waits while its case's outcome is not final (a sign-off voided after it was
    made); the new sign-off then makes new versions.
    """
    letter = session.get(Letter, letter_id)
    if letter is None or letter.sent_at is not None or letter.superseded_at is not None \
            or letter.case.status not in DELIVERABLE:
        session.rollback()
        return "skipped"
    case_id = letter.case_id
    session.rollback()
    result = _deliver(session, Letter, letter_id, _letter_mail, settings, now=now, force=force)
    if result == "sent":
        close_case_after_delivery(session, case_id)
    return result


def close_case_after_delivery(session: Session, case_id: int) -> None:
    """In a fresh transaction, so the last of concurrent deliveries sees every letter sent."""
    from sqlalchemy.orm.exc import StaleDataError

    try:
        close_if_delivered(session, case_id)
        session.commit()
    except StaleDataError:  # another delivery closed it at the same moment
        session.rollback()


def deliver_outbox(session: Session, message_pk: int, settings: MailSettings, *,
                   now: datetime | None = None, force: bool = False) -> str:
    """Send one outbox message once (information requests, reminders, tickets…)."""
    message = session.get(OutboxMessage, message_pk)
    if message is None or message.sent_at is not None or message.kind in INTERNAL_KINDS:
        session.rollback()
        return "skipped"
    session.rollback()
    return _deliver(session, OutboxMessage, message_pk,
                    lambda s, row: _outbox_mail(s, row, settings.mail_from), settings,
                    now=now, force=force)


def letters_to_deliver(session: Session, now: datetime, limit: int) -> list[int]:
    """Current letters not sent, due, not leased, within the automatic attempts."""
    deliverable = select(Case.id).where(Case.status.in_([s.value for s in DELIVERABLE]))
    return list(session.scalars(select(Letter.id).where(
        Letter.superseded_at.is_(None), Letter.sent_at.is_(None),
        Letter.case_id.in_(deliverable),
        Letter.attempts < MAX_AUTOMATIC_ATTEMPTS,
        or_(Letter.next_attempt_at.is_(None), Letter.next_attempt_at <= now),
        or_(Letter.claimed_until.is_(None), Letter.claimed_until < now),
    ).order_by(Letter.id).limit(limit)))


def outbox_to_deliver(session: Session, now: datetime, limit: int) -> list[int]:
    return list(session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.kind.not_in(INTERNAL_KINDS),
        OutboxMessage.attempts < MAX_AUTOMATIC_ATTEMPTS,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    ).order_by(OutboxMessage.id).limit(limit)))


def failed_letters(session: Session) -> list[Letter]:
    return list(session.scalars(select(Letter).where(
        Letter.superseded_at.is_(None), Letter.delivery_status == DeliveryStatus.FAILED.value)
        .order_by(Letter.id)))


def failed_outbox(session: Session) -> list[OutboxMessage]:
    """E-mails (information requests, reminders, tickets…) the server has not accepted yet."""
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.attempts > 0,
        OutboxMessage.kind.not_in(INTERNAL_KINDS)).order_by(OutboxMessage.id)))
