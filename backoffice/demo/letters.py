"""Demo letters: where each approval group's letters go, and the letters of past cases.

The group addresses are on the demo's own domain (``example.org`` is reserved, and the
embedded default hands mail to a local catcher). A past case's letters are made by the
letters service and left as delivery leaves a sent letter, so none is ever e-mailed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.vocabulary import ApprovalGroup
from backoffice.letters.models import ORGANISATION, DeliveryStatus, Letter
from backoffice.letters.services import generate_letters, group_address, set_group_address


def ensure_group_addresses(session: Session, domain: str) -> None:
    """cag@groups.<domain> and so on, unless an admin has set them already."""
    for group in ApprovalGroup:
        if group_address(session, group.value) is None:
            set_group_address(session, actor=SYSTEM_ACTOR, group=group.value,
                              email=f"{group.value.lower()}@groups.{domain}")


def _sent_to(session: Session, case: Case, recipient: str) -> str:
    """Where delivery sends a letter: its group's address, or the Organisation Administrators."""
    if recipient == ORGANISATION:
        return ", ".join(admin.email for admin in case.organisation.administrators)
    return group_address(session, recipient) or ""


def past_letters(session: Session, *, case: Case, made_at: datetime, sent_at: datetime,
                 mail_from: str) -> list[Letter]:
    """A closed case's letters as they were made and delivered back then.

    The letters service makes them (templates, data snapshot, checksum, Message-ID); they
    are marked sent, so the delivery job, which skips a sent letter, never e-mails them.
    """
    letters = generate_letters(session, actor=SYSTEM_ACTOR, case=case, mail_from=mail_from,
                               today=made_at.date())
    for letter in letters:
        letter.created_at = made_at
        letter.to_address = _sent_to(session, case, letter.recipient)
        letter.delivery_status = DeliveryStatus.SENT.value
        letter.attempts = 1
        letter.sent_at = sent_at
    return letters
