"""Tickets: open one from the contact form, take, assign, reply, note, link, resolve, reopen.

Each transition names the states it may start from and refuses others in plain
words; tickets and their messages are audited (the Audited mixin) and every
e-mail to the customer is an outbox row written in the same transaction.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import and_, false, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.audit import Actor, set_actor
from backoffice.core.db import get_or_not_found, utcnow
from backoffice.core.errors import Conflict, InvalidInput
from backoffice.core.permissions import ROLE_PERMISSIONS, Permission
from backoffice.core.workingdays import (
    SECONDS_AN_HOUR,
    OpeningHours,
    working_age_label,
    working_seconds_between,
)
from backoffice.exemptions.models import Exemption
from backoffice.helpdesk import mail
from backoffice.helpdesk.models import (
    Channel,
    MessageKind,
    Ticket,
    TicketCategory,
    TicketCounter,
    TicketMessage,
    TicketStatus,
)
from backoffice.organisations.models import Organisation
from backoffice.organisations.services import find_by_ods, normalise_ods_code
from backoffice.users.models import User
from backoffice.users.services import normalise_email

REFERENCE_FORMAT = "T-{year}-{number:06d}"
EXEMPTION_ID = re.compile(r"[0-9]{1,9}")  # ASCII digits that fit the column
MAX_MESSAGE_LENGTH = 10_000
MAX_NAME_LENGTH = 200
PHONE_NUMBER = re.compile(r"\+?[0-9][0-9 ()-]{5,30}")
SEARCH_LIMIT = 50
UNRESOLVED = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)
HELPDESK_ROLES = tuple(role.value for role, granted in ROLE_PERMISSIONS.items()
                       if Permission.MANAGE_TICKETS in granted)


class WrongTicketState(Conflict):
    """The ticket is not in a state this step may start from."""


def contact_form_actor(email: str) -> Actor:
    """Who the audit trail names for a member of the public writing in."""
    return Actor(f"contact form <{email}>")


def _require_state(ticket: Ticket, allowed: tuple[TicketStatus, ...], doing: str) -> None:
    if ticket.status not in allowed:
        names = " or ".join(s.label for s in allowed)
        raise WrongTicketState(f"{ticket.reference} is {ticket.status_label}; "
                               f"{doing} needs it {names}")


def _text(raw: str | None, field: str, what: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise InvalidInput(f"write {what}", field=field)
    if len(text) > MAX_MESSAGE_LENGTH:
        raise InvalidInput(f"keep {what} under {MAX_MESSAGE_LENGTH:,} characters", field=field)
    return text


def allocate_reference(session: Session, year: int) -> str:
    """The next ticket number of this year; the counter row's lock serialises callers."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(TicketCounter).values(year=year, last_number=0)
                    .on_conflict_do_nothing(index_elements=["year"]))
    number = session.execute(
        update(TicketCounter).where(TicketCounter.year == year)
        .values(last_number=TicketCounter.last_number + 1)
        .returning(TicketCounter.last_number)).scalar_one()
    return REFERENCE_FORMAT.format(year=year, number=number)


def _organisation_for(session: Session, ods_code: str | None) -> Organisation | None:
    if not (ods_code or "").strip():
        return None
    code = normalise_ods_code(ods_code)
    organisation = find_by_ods(session, code)
    if organisation is None:
        raise InvalidInput(f"{code} is not a registered organisation's ODS code; check it, or "
                           "leave it empty", field="ods_code")
    return organisation


def _add_message(session: Session, ticket: Ticket, kind: MessageKind, body: str,
                 author_id: int | None, at: datetime) -> TicketMessage:
    message = TicketMessage(kind=kind.value, body=body, author_id=author_id, created_at=at)
    ticket.messages.append(message)
    ticket.last_activity_at = at
    session.add(message)
    return message


def create_ticket(session: Session, *, name: str, email: str, category: str, message: str,
                  organisation_name: str = "", ods_code: str = "",
                  at: datetime | None = None, contact: mail.HelpdeskContact | None = None
                  ) -> Ticket:
    """A contact-us query becomes a new ticket, and its acknowledgement is queued to the sender.

    The sender names their organisation or gives its ODS code; a given ODS code must be a
    registered organisation's, and the ticket is then linked to it.
    """
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInput("give your name", field="name")
    email = normalise_email(email or "")
    if category not in set(TicketCategory):
        raise InvalidInput("choose what your query is about", field="category")
    body = _text(message, "message", "your message")
    organisation = _organisation_for(session, ods_code)
    organisation_name = " ".join((organisation_name or "").split())
    if organisation is None and not organisation_name:
        raise InvalidInput("give your organisation's name or its ODS code",
                           field="organisation_name")
    if len(organisation_name) > MAX_NAME_LENGTH:
        raise InvalidInput("shorten the organisation's name", field="organisation_name")
    at = at or utcnow()
    set_actor(session, contact_form_actor(email))
    ticket = Ticket(reference=allocate_reference(session, at.year), name=name, email=email,
                    category=category, status=TicketStatus.NEW.value,
                    organisation_name=organisation_name or organisation.name,
                    ods_code=organisation.ods_code if organisation else "",
                    organisation=organisation, created_at=at, updated_at=at)
    session.add(ticket)
    first = _add_message(session, ticket, MessageKind.CUSTOMER, body, None, at)
    first.outbox_message = mail.acknowledgement(ticket, body, at, contact)
    session.flush()
    return ticket


def _caller_organisation(session: Session, ods_code: str, organisation_name: str
                         ) -> tuple[Organisation | None, str]:
    organisation = _organisation_for(session, ods_code)
    name = " ".join((organisation_name or "").split())
    if organisation is None and not name:
        raise InvalidInput("give the caller's organisation or its ODS code",
                           field="organisation_name")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput("shorten the organisation's name", field="organisation_name")
    return organisation, name or organisation.name


def _phone_number(raw: str) -> str:
    number = " ".join((raw or "").split())
    if not PHONE_NUMBER.fullmatch(number):
        raise InvalidInput("give the caller's phone number, e.g. 01392 251289",
                           field="phone")
    return number


def create_phone_ticket(session: Session, *, actor: Actor, name: str, phone: str,
                        category: str, summary: str, email: str = "", ods_code: str = "",
                        organisation_name: str = "", at: datetime | None = None,
                        contact: mail.HelpdeskContact | None = None) -> Ticket:
    """Staff record a phone call as a ticket, theirs and open; the caller's e-mail is optional
    (given: they get the acknowledgement and can be replied to)."""
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInput("give the caller's name", field="name")
    number = _phone_number(phone)
    email = normalise_email(email) if (email or "").strip() else ""
    if category not in set(TicketCategory):
        raise InvalidInput("choose what the call was about", field="category")
    body = _text(summary, "summary", "a summary of the call")
    organisation, organisation_name = _caller_organisation(session, ods_code,
                                                           organisation_name)
    at = at or utcnow()
    set_actor(session, actor)
    ticket = Ticket(reference=allocate_reference(session, at.year), name=name, email=email,
                    phone=number, channel=Channel.PHONE.value, category=category,
                    status=TicketStatus.OPEN.value, organisation_name=organisation_name,
                    ods_code=organisation.ods_code if organisation else "",
                    organisation=organisation, assigned_to_id=actor.user_id,
                    created_at=at, updated_at=at)
    session.add(ticket)
    first = _add_message(session, ticket, MessageKind.PHONE, body, actor.user_id, at)
    if email:
        first.outbox_message = mail.acknowledgement(ticket, body, at, contact)
    session.flush()
    return ticket


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    return get_or_not_found(session, Ticket, ticket_id)


def helpdesk_officers(session: Session) -> list[User]:
    """Active users whose role works tickets, by name."""
    return list(session.scalars(select(User).where(User.active, User.role.in_(HELPDESK_ROLES))
                                .order_by(User.name, User.email)))


def _hand_to(session: Session, ticket: Ticket, officer: User, actor: Actor) -> None:
    if not officer.active or officer.role not in HELPDESK_ROLES:
        raise InvalidInput(f"{officer} does not work helpdesk tickets", field="officer")
    set_actor(session, actor)
    ticket.assigned_to = officer
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN.value
    session.flush()


def take(session: Session, *, actor: Actor, ticket: Ticket, officer: User) -> None:
    """The officer takes an unresolved ticket; a new one becomes open."""
    _require_state(ticket, UNRESOLVED, "taking it")
    _hand_to(session, ticket, officer, actor)


def assign(session: Session, *, actor: Actor, ticket: Ticket, officer: User) -> None:
    """Give an unresolved ticket to a helpdesk officer; reassigning is audited."""
    _require_state(ticket, UNRESOLVED, "assigning it")
    _hand_to(session, ticket, officer, actor)


def reply(session: Session, *, actor: Actor, ticket: Ticket, body: str,
          at: datetime | None = None) -> TicketMessage:
    """E-mail a reply to the customer, keep it in the thread; the ticket waits for them.

    An unassigned ticket becomes the replier's.
    """
    _require_state(ticket, UNRESOLVED, "replying")
    if not ticket.email:
        raise InvalidInput(f"{ticket.name} gave no e-mail address; call them back on "
                           f"{ticket.phone or 'their number'} and add a note", field="body")
    body = _text(body, "body", "the reply")
    at = at or utcnow()
    set_actor(session, actor)
    message = _add_message(session, ticket, MessageKind.REPLY, body, actor.user_id, at)
    if ticket.assigned_to_id is None and actor.user_id is not None:
        ticket.assigned_to_id = actor.user_id
    ticket.status = TicketStatus.WAITING.value
    message.outbox_message = mail.reply(ticket, body, at)
    session.flush()
    return message


def add_note(session: Session, *, actor: Actor, ticket: Ticket, body: str,
             at: datetime | None = None) -> TicketMessage:
    """An internal note in the thread; never e-mailed, allowed in any state."""
    body = _text(body, "body", "the note")
    set_actor(session, actor)
    message = _add_message(session, ticket, MessageKind.NOTE, body, actor.user_id,
                           at or utcnow())
    session.flush()
    return message


def customer_message(session: Session, *, ticket: Ticket, body: str,
                     at: datetime | None = None) -> TicketMessage:
    """The customer writes again: kept in the thread, and a waiting or resolved ticket reopens."""
    body = _text(body, "body", "the message")
    set_actor(session, contact_form_actor(ticket.email))
    message = _add_message(session, ticket, MessageKind.CUSTOMER, body, None, at or utcnow())
    if ticket.status in (TicketStatus.WAITING, TicketStatus.RESOLVED):
        ticket.status = TicketStatus.OPEN.value
        ticket.resolved_at = None
    session.flush()
    return message


def _case_by_reference(session: Session, reference: str) -> Case:
    case = session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None:
        raise InvalidInput(f"there is no case {reference.strip()}", field="case_reference")
    return case


def _exemption_by_id(session: Session, raw: str) -> Exemption:
    exemption = session.get(Exemption, int(raw)) if EXEMPTION_ID.fullmatch(raw.strip()) else None
    if exemption is None:
        raise InvalidInput(f"there is no exemption {raw.strip()}", field="exemption_id")
    return exemption


def link(session: Session, *, actor: Actor, ticket: Ticket, ods_code: str = "",
         case_reference: str = "", exemption_id: str = "") -> None:
    """Link the ticket to an organisation, a case and/or an exemption (empty: unchanged).

    A case or exemption also links its organisation when the ticket names none.
    """
    organisation = _organisation_for(session, ods_code)
    case = _case_by_reference(session, case_reference) if case_reference.strip() else None
    exemption = _exemption_by_id(session, exemption_id) if exemption_id.strip() else None
    if not (organisation or case or exemption):
        raise InvalidInput("give an ODS code, a case reference or an exemption to link",
                           field="ods_code")
    linked_organisation = (organisation or ticket.organisation
                           or (case.organisation if case else None)
                           or (exemption.organisation if exemption else None))
    _require_same_organisation(linked_organisation, case, exemption)
    set_actor(session, actor)
    ticket.case = case or ticket.case
    ticket.exemption = exemption or ticket.exemption
    ticket.organisation = linked_organisation
    session.flush()


def _require_same_organisation(organisation: Organisation, case: Case | None,
                               exemption: Exemption | None) -> None:
    """A ticket's case and exemption belong to its organisation."""
    named = []
    if case is not None:
        named.append((case, f"case {case.reference}", "case_reference"))
    if exemption is not None:
        named.append((exemption, f"exemption #{exemption.id}", "exemption_id"))
    for linked, label, field in named:
        if linked.organisation_id != organisation.id:
            raise InvalidInput(
                f"{label} is for {linked.organisation.ods_code}, but the ticket is about "
                f"{organisation.ods_code}; link the right organisation first", field=field)


def resolve(session: Session, *, actor: Actor, ticket: Ticket, at: datetime | None = None
            ) -> None:
    """Close an unresolved ticket; the customer writing again reopens it."""
    _require_state(ticket, UNRESOLVED, "resolving it")
    set_actor(session, actor)
    ticket.status = TicketStatus.RESOLVED.value
    ticket.resolved_at = at or utcnow()
    session.flush()


def reopen(session: Session, *, actor: Actor, ticket: Ticket, reason: str) -> None:
    """Staff reopen a resolved ticket, saying why (kept as a note)."""
    _require_state(ticket, (TicketStatus.RESOLVED,), "reopening it")
    reason = _text(reason, "reason", "why the ticket is reopened")
    add_note(session, actor=actor, ticket=ticket, body=f"Reopened: {reason}")
    ticket.status = TicketStatus.OPEN.value
    ticket.resolved_at = None
    session.flush()


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_condition(text: str):
    """Tickets whose reference, e-mail, name, organisation or ODS code match, or whose
    messages hold every word."""
    words = text.split()
    if not words:
        return false()
    whole = " ".join(words)
    code = whole.upper()
    in_messages = and_(*(Ticket.messages.any(TicketMessage.body.ilike(_like(word), escape="\\"))
                         for word in words))
    return or_(
        Ticket.reference.ilike(_like(whole), escape="\\"),
        Ticket.email.ilike(_like(whole), escape="\\"),
        Ticket.name.ilike(_like(whole), escape="\\"),
        Ticket.phone.ilike(_like(whole), escape="\\"),
        Ticket.organisation_name.ilike(_like(whole), escape="\\"),
        Ticket.ods_code == code,
        Ticket.organisation.has(Organisation.ods_code == code),
        in_messages,
    )


def search(session: Session, text: str, limit: int = SEARCH_LIMIT) -> list[Ticket]:
    """Tickets matching the search text, most recently active first."""
    query = (select(Ticket).where(search_condition(text))
             .order_by(Ticket.last_activity_at.desc(), Ticket.id.desc()).limit(limit))
    return list(session.scalars(query))


def working_age_seconds(ticket: Ticket, hours: OpeningHours, now: datetime | None = None
                        ) -> int:
    """Working seconds (opening hours on working days) since the ticket was opened, until it
    was resolved."""
    return working_seconds_between(ticket.created_at, ticket.resolved_at or now or utcnow(),
                                   hours)


def age_label(ticket: Ticket, hours: OpeningHours, now: datetime | None = None) -> str:
    return working_age_label(working_age_seconds(ticket, hours, now), hours)


def first_answer_at(ticket: Ticket) -> datetime | None:
    """When the helpdesk first answered: its first e-mailed reply, or resolving the ticket."""
    replies = [m.created_at for m in ticket.messages if m.kind == MessageKind.REPLY]
    return min(replies, default=None) or ticket.resolved_at


def over_sla(ticket: Ticket, hours: OpeningHours, sla_hours: int,
             now: datetime | None = None) -> bool:
    """Unanswered for longer than the SLA's working hours (or answered after that)."""
    end = first_answer_at(ticket) or now or utcnow()
    return working_seconds_between(ticket.created_at, end, hours) > sla_hours * SECONDS_AN_HOUR
