"""Letters: Word templates per recipient, generated letters and their delivery, group addresses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.cases.models import Case
from backoffice.core.audit import Audited
from backoffice.core.db import Base, utcnow
from backoffice.core.vocabulary import ApprovalGroup
from backoffice.users.models import User

ORGANISATION = "organisation"
RECIPIENTS: tuple[str, ...] = (*(group.value for group in ApprovalGroup), ORGANISATION)
# a standing application's lapse, told to its approval group (``letters.lapses``)
LAPSED = "lapsed"
# what an admin may upload a template for: each recipient's outcome letter, the lapse letter
TEMPLATE_KINDS: tuple[str, ...] = (*RECIPIENTS, LAPSED)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class LetterTemplate(Audited, Base):
    """One version of the Word template for one recipient; the newest version is used."""

    __tablename__ = "letter_templates"
    __audit_ignored__ = frozenset({"content"})
    __table_args__ = (UniqueConstraint("recipient", "version",
                                       name="uq_letter_templates_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    builtin: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(255), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"{self.recipient} template v{self.version}"


_CURRENT = "superseded_at IS NULL"


class Letter(Audited, Base):
    """A generated outcome letter: one version for one recipient of one case, and its delivery."""

    __tablename__ = "letters"
    __audit_ignored__ = frozenset({"content", "data", "claimed_until", "next_attempt_at"})
    __table_args__ = (
        UniqueConstraint("case_id", "recipient", "version", name="uq_letters_version"),
        # At most one current (not superseded) letter per case and recipient.
        Index("uq_letters_current", "case_id", "recipient", unique=True,
              postgresql_where=text(_CURRENT), sqlite_where=text(_CURRENT)),
        Index("ix_letters_delivery", "delivery_status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    template_version_id: Mapped[int] = mapped_column(ForeignKey("letter_templates.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    superseded_at: Mapped[datetime | None]
    to_address: Mapped[str] = mapped_column(String(1000), default="")
    delivery_status: Mapped[str] = mapped_column(String(20),
                                                 default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship()
    template_version: Mapped[LetterTemplate] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def audit_label(self) -> str:
        return f"{self.filename}"

    def __str__(self) -> str:
        return f"letter to {self.recipient} v{self.version}"


class GroupAddress(Audited, Base):
    """Where an approval group's letters are e-mailed."""

    __tablename__ = "group_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    group: Mapped[str] = mapped_column(String(10), unique=True)
    email: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        return f"{self.group}: {self.email}"
