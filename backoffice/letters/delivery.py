"""Delivering letters exactly once, with retries and backoff, by the shared mail path
(``backoffice.mail.delivery``: claim, send, mark sent); a delivered case closes."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseStatus
from backoffice.letters.lapses import LAPSED
from backoffice.letters.models import ORGANISATION, DeliveryStatus, Letter
from backoffice.letters.notices import REOPENED
from backoffice.letters.rendering import DOCX_MIMETYPE
from backoffice.letters.services import close_if_delivered, group_address
from backoffice.mail import smtp
from backoffice.mail.delivery import MAX_AUTOMATIC_ATTEMPTS, MailSettings, deliver_once

log = logging.getLogger(__name__)
DELIVERABLE = (CaseStatus.SENDING_LETTERS, CaseStatus.CLOSED)
# notices go whatever the case's status: its reopening, a standing application's lapse
NOTICES = (REOPENED, LAPSED)


def _letter_mail(session: Session, letter: Letter) -> smtp.Mail:
    case = letter.case
    if letter.recipient == ORGANISATION:
        to = [admin.email for admin in case.organisation.administrators]
        if not to:
            raise smtp.MailError(f"{case.organisation} has no Organisation Administrator "
                                 "to write to")
    else:
        address = group_address(session, letter.recipient)
        if not address:
            raise smtp.MailError(f"no e-mail address is set for {letter.recipient} "
                                 "(Administration → Group addresses)")
        to = [address]
    label = letter.data.get("outcome_label", "")
    if letter.data.get("kind") == LAPSED:
        return _lapse_mail(letter, to, label)
    if letter.data.get("kind") == REOPENED:
        return smtp.Mail(
            message_id=letter.message_id, to=to,
            subject=f"IG Toolkit review {case.reference}: {case.organisation.name} — {label}",
            body=(f"The review of {case.organisation.name} ({case.organisation.ods_code}), "
                  f"case {case.reference}, has been reopened: {letter.data.get('reason')}\n\n"
                  f"The outcome sent in letter {letter.data.get('earlier_letter_reference')} "
                  "no longer stands; a new letter follows when the review ends. The notice "
                  f"is attached (letter {letter.data.get('letter_reference')}, SHA-256 "
                  f"{letter.sha256}).\n\nExternal IG Delivery\n"),
            attachments=[smtp.Attachment(letter.filename, letter.content, DOCX_MIMETYPE)])
    return smtp.Mail(
        message_id=letter.message_id, to=to,
        subject=f"IG Toolkit review {case.reference}: {case.organisation.name} — {label}",
        body=(f"Please find attached the outcome letter for {case.organisation.name} "
              f"({case.organisation.ods_code}), case {case.reference}: {label}.\n\n"
              f"Letter {letter.data.get('letter_reference')}, version {letter.version}, "
              f"SHA-256 {letter.sha256}.\n\nExternal IG Delivery\n"),
        attachments=[smtp.Attachment(letter.filename, letter.content, DOCX_MIMETYPE)])


def _lapse_mail(letter: Letter, to: list[str], label: str) -> smtp.Mail:
    data = letter.data
    return smtp.Mail(
        message_id=letter.message_id, to=to,
        subject=f"IG Toolkit: {data.get('organisation_name')} — {label}",
        body=(f"{data.get('organisation_name')} ({data.get('ods_code')}) holds the "
              f"{data.get('application_type')} application {data.get('application_reference')} "
              f"and had not published an IG Toolkit assessment for "
              f"{data.get('reporting_year')} by {data.get('deadline')}. The letter is "
              f"attached (letter {data.get('letter_reference')}, SHA-256 {letter.sha256})."
              "\n\nExternal IG Delivery\n"),
        attachments=[smtp.Attachment(letter.filename, letter.content, DOCX_MIMETYPE)])


def _letter_mail_to(session: Session, letter: Letter) -> smtp.Mail:
    message = _letter_mail(session, letter)
    letter.to_address = ", ".join(message.to)[:1000]
    return message


def _mark_status(letter: Letter, sent: bool) -> None:
    letter.delivery_status = (DeliveryStatus.SENT if sent else DeliveryStatus.FAILED).value


def deliver_letter(session: Session, letter_id: int, settings: MailSettings, *,
                   now: datetime | None = None, force: bool = False) -> str:
    """E-mail one letter version once: 'sent', 'failed' (retried later) or 'skipped'.

    A letter waits while its case's outcome is not final (a sign-off voided after it was
    made); the new sign-off then makes new versions.
    """
    letter = session.get(Letter, letter_id)
    if letter is None or letter.sent_at is not None or letter.superseded_at is not None \
            or (letter.case.status not in DELIVERABLE and letter.outcome not in NOTICES):
        session.rollback()
        return "skipped"
    case_id = letter.case_id
    session.rollback()
    result = deliver_once(session, Letter, letter_id, _letter_mail_to, settings, now=now,
                          force=force, recorded=_mark_status)
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


def letters_to_deliver(session: Session, now: datetime, limit: int) -> list[int]:
    """Current letters not sent, due, not leased, within the automatic attempts."""
    deliverable = select(Case.id).where(Case.status.in_([s.value for s in DELIVERABLE]))
    return list(session.scalars(select(Letter.id).where(
        Letter.superseded_at.is_(None), Letter.sent_at.is_(None),
        or_(Letter.case_id.in_(deliverable), Letter.outcome.in_(NOTICES)),
        Letter.attempts < MAX_AUTOMATIC_ATTEMPTS,
        or_(Letter.next_attempt_at.is_(None), Letter.next_attempt_at <= now),
        or_(Letter.claimed_until.is_(None), Letter.claimed_until < now),
    ).order_by(Letter.id).limit(limit)))


def failed_letters(session: Session) -> list[Letter]:
    return list(session.scalars(select(Letter).where(
        Letter.superseded_at.is_(None), Letter.delivery_status == DeliveryStatus.FAILED.value)
        .order_by(Letter.id)))
