"""The e-mails a ticket sends, as outbox rows the mail sender delivers."""

from __future__ import annotations

from datetime import datetime

from backoffice.helpdesk.models import Ticket
from backoffice.mail.models import OutboxMessage

ACKNOWLEDGEMENT = "ticket_ack"
REPLY = "ticket_reply"
SIGNATURE = "External IG Delivery helpdesk"


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines())


def acknowledgement(ticket: Ticket, message: str, at: datetime) -> OutboxMessage:
    """Tells the sender we have their query, under which reference."""
    body = (f"Dear {ticket.name},\n\n"
            f"Thank you for contacting us. Your query has the reference {ticket.reference}; "
            "please quote it if you write to us about it again.\n\n"
            f"Organisation: {ticket.organisation_name}\n"
            f"Category: {ticket.category_label}\n"
            f"Your message:\n{_quoted(message)}\n\n"
            f"We will reply to this address.\n\n{SIGNATURE}\n")
    return OutboxMessage(kind=ACKNOWLEDGEMENT, recipients=[ticket.email],
                         subject=f"We have your query {ticket.reference}", body=body,
                         data={"ticket": ticket.reference}, created_at=at)


def reply(ticket: Ticket, text: str, at: datetime) -> OutboxMessage:
    """A helpdesk reply, sent to the customer with the ticket reference in the subject."""
    body = (f"Dear {ticket.name},\n\n{text}\n\n"
            f"If you write to us about this, please quote {ticket.reference}.\n\n{SIGNATURE}\n")
    return OutboxMessage(kind=REPLY, recipients=[ticket.email],
                         subject=f"Re: your query {ticket.reference}", body=body,
                         data={"ticket": ticket.reference}, created_at=at)
