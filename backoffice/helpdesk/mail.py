"""The e-mails a ticket sends, as outbox rows the mail sender delivers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import flask

from backoffice.config import DEFAULT_SITE_URL
from backoffice.helpdesk.models import Ticket
from backoffice.mail.models import OutboxMessage

ACKNOWLEDGEMENT = "ticket_ack"
REPLY = "ticket_reply"
SIGNATURE = "External IG Delivery helpdesk"
DEFAULT_PHONE = "0300 303 4034"
DEFAULT_HOURS = "9am–5pm Monday to Friday"


@dataclass(frozen=True)
class HelpdeskContact:
    """How the e-mails tell people to reach the National Helpdesk, and where the site is."""

    phone: str = DEFAULT_PHONE
    hours: str = DEFAULT_HOURS
    site_url: str = DEFAULT_SITE_URL

    def url(self, path: str) -> str:
        return self.site_url.rstrip("/") + path

    @classmethod
    def of(cls, settings) -> HelpdeskContact:
        return cls(phone=settings.helpdesk_phone, hours=settings.opening_hours.label,
                   site_url=settings.site_url or site_root() or DEFAULT_SITE_URL)


GREETING = re.compile(r"^\s*(dear|hello|hi|good (morning|afternoon|evening))\b", re.IGNORECASE)


def site_root() -> str:
    """Where the staff member reached the site, for links when BACKOFFICE_SITE_URL is unset."""
    return flask.request.url_root if flask.has_request_context() else ""


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines())


def acknowledgement(ticket: Ticket, message: str, at: datetime,
                    contact: HelpdeskContact | None = None) -> OutboxMessage:
    """Tells the sender we have their query, under which reference, and how to call us."""
    contact = contact or HelpdeskContact()
    body = (f"Dear {ticket.name},\n\n"
            f"Thank you for contacting us. Your query has the reference {ticket.reference}; "
            "please quote it if you write to us about it again.\n\n"
            f"Organisation: {ticket.organisation_name}\n"
            f"Category: {ticket.category_label}\n"
            f"Your message:\n{_quoted(message)}\n\n"
            "We will reply to this address. To talk to us, call the National Helpdesk on "
            f"{contact.phone} ({contact.hours}, not bank holidays) and quote "
            f"{ticket.reference}.\n\n{SIGNATURE}\n")
    return OutboxMessage(kind=ACKNOWLEDGEMENT, recipients=[ticket.email],
                         subject=f"We have your query {ticket.reference}", body=body,
                         data={"ticket": ticket.reference}, created_at=at)


def _greeted(ticket: Ticket, text: str) -> str:
    """The reply with one greeting: the officer's own, or ours when they wrote none."""
    if GREETING.match(text):
        return text
    return f"Dear {ticket.name},\n\n{text}"


def _thread(ticket: Ticket) -> list[list]:
    """The e-mails already sent on the ticket (the acknowledgement, earlier replies), oldest
    first, as [outbox id, kind]: a reply names them in In-Reply-To and References."""
    return [[m.outbox_message.id, m.outbox_message.kind]
            for m in sorted(ticket.messages, key=lambda m: (m.created_at, m.id or 0))
            if m.outbox_message is not None and m.outbox_message.id is not None]


def reply(ticket: Ticket, text: str, at: datetime) -> OutboxMessage:
    """A helpdesk reply, sent to the customer with the ticket reference in the subject and
    threaded with what we sent before."""
    body = (f"{_greeted(ticket, text)}\n\n"
            f"If you write to us about this, please quote {ticket.reference}.\n\n{SIGNATURE}\n")
    return OutboxMessage(kind=REPLY, recipients=[ticket.email],
                         subject=f"Re: We have your query {ticket.reference}", body=body,
                         data={"ticket": ticket.reference, "thread": _thread(ticket)},
                         created_at=at)
