"""Tickets: contact-us queries, their thread of messages, status and assignee."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.cases.models import Case
from backoffice.core.audit import Audited
from backoffice.core.db import Base, Timestamps, utcnow
from backoffice.core.display import day
from backoffice.exemptions.models import Exemption
from backoffice.mail.models import OutboxMessage
from backoffice.organisations.models import Organisation, OrganisationAdministrator
from backoffice.users.models import User


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting_for_customer"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class TicketCategory(StrEnum):
    LOG_IN = "log_in"
    REGISTRATION = "registration"
    EXEMPTIONS = "exemptions"
    PUBLISHING = "publishing"
    REVIEW = "review"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    TicketCategory.LOG_IN: "Log-in problems",
    TicketCategory.REGISTRATION: "Registration",
    TicketCategory.EXEMPTIONS: "Exemptions",
    TicketCategory.PUBLISHING: "Publishing an assessment",
    TicketCategory.REVIEW: "A review or its outcome",
    TicketCategory.OTHER: "Other",
}


class MessageKind(StrEnum):
    CUSTOMER = "customer"
    REPLY = "reply"
    NOTE = "note"
    PHONE = "phone"  # a phone call, as the officer who took it summed it up


class Channel(StrEnum):
    """How a query reached the helpdesk."""

    WEB = "web"
    PHONE = "phone"

    @property
    def label(self) -> str:
        return {Channel.WEB: "Contact form", Channel.PHONE: "Phone call"}[self]


class Ticket(Audited, Timestamps, Base):
    __tablename__ = "tickets"
    # Each message is audited itself; its time on the ticket would only repeat it.
    __audit_ignored__ = frozenset({"created_at", "updated_at", "last_activity_at"})
    __table_args__ = (Index("ix_tickets_queue", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(30), default=TicketStatus.NEW.value)
    category: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(255), index=True)
    organisation_name: Mapped[str] = mapped_column(String(255), default="")
    ods_code: Mapped[str] = mapped_column(String(10), default="", index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    exemption_id: Mapped[int | None] = mapped_column(ForeignKey("exemptions.id"), index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    channel: Mapped[str] = mapped_column(String(10), default=Channel.WEB.value,
                                         server_default=Channel.WEB.value)
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")

    organisation: Mapped[Organisation | None] = relationship()
    case: Mapped[Case | None] = relationship()
    exemption: Mapped[Exemption | None] = relationship()
    assigned_to: Mapped[User | None] = relationship()
    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by=lambda: [TicketMessage.created_at, TicketMessage.id],
        cascade="all, delete-orphan")

    @property
    def is_resolved(self) -> bool:
        return self.status == TicketStatus.RESOLVED

    @property
    def is_phone_call(self) -> bool:
        return self.channel == Channel.PHONE

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label

    @property
    def category_label(self) -> str:
        return TicketCategory(self.category).label

    @property
    def status_label(self) -> str:
        return TicketStatus(self.status).label

    def audit_label(self) -> str:
        return self.reference

    def __str__(self) -> str:
        return self.reference


class TicketMessage(Audited, Base):
    """One entry of a ticket's thread: the customer's message, a reply (e-mailed) or a note."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The e-mail that carries a reply (or acknowledges the first message); notes have none.
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    outbox_message: Mapped[OutboxMessage | None] = relationship()

    def audit_label(self) -> str:
        return f"{self.kind} on {self.ticket.reference if self.ticket else self.ticket_id}"

    def __str__(self) -> str:
        return f"{self.kind} {day(self.created_at)}"


class TicketCounter(Base):
    """The last ticket number used in each year, for references like T-2026-000123."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class EmailTemplate(Audited, Timestamps, Base):
    """An e-mail's wording as the helpdesk edited it; a key with no row uses the default."""

    __tablename__ = "email_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)

    def audit_label(self) -> str:
        return self.key


class InvitationWay(StrEnum):
    """What the helpdesk sends a newly registered Organisation Administrator (SCCI0086 §4)."""

    LOG_IN_DETAILS = "log_in_details"
    SELF_REGISTRATION = "self_registration"

    @property
    def label(self) -> str:
        return {InvitationWay.LOG_IN_DETAILS: "Log-in details (two e-mails: the user name, "
                                              "and a link to set a password)",
                InvitationWay.SELF_REGISTRATION: "Instructions to register themselves"}[self]


class AdministratorInvitation(Audited, Base):
    """One invitation sent to an Organisation Administrator. A log-in invitation's
    set-password link is good once, until ``expires_at``, and only while it is the latest."""

    __tablename__ = "administrator_invitations"
    __audit_masked__ = frozenset({"nonce"})

    id: Mapped[int] = mapped_column(primary_key=True)
    administrator_id: Mapped[int] = mapped_column(
        ForeignKey("organisation_administrators.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    way: Mapped[str] = mapped_column(String(20))
    # Signed with the secret key into the link; the link itself is never stored.
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]

    administrator: Mapped[OrganisationAdministrator] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def way_label(self) -> str:
        return InvitationWay(self.way).label

    def audit_label(self) -> str:
        return f"invitation of {self.administrator.email if self.administrator else ''}"
