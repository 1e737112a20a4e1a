"""Demo tickets in every state, with threads, spread over the last four months."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.audit import Actor
from backoffice.core.db import utcnow
from backoffice.exemptions.models import Exemption
from backoffice.helpdesk import services
from backoffice.helpdesk.models import Ticket, TicketStatus
from backoffice.organisations.services import find_by_ods
from backoffice.users.services import find_user

SEED = 2026
OLDEST_DAYS = 120
# How many demo tickets end in each state, and how old (in days) they may be.
STATES = (
    (TicketStatus.NEW, 6, (0, 5)),
    (TicketStatus.OPEN, 8, (1, 45)),
    (TicketStatus.WAITING, 7, (2, 70)),
    (TicketStatus.RESOLVED, 17, (4, OLDEST_DAYS)),
)
CONTACTS = ("RH8", "8HV40", "8HV41", "8HV42", "L80001", "FWC01", "E10000008", "EE133", "99P",
            None, None, None)
# Exemption queries come from organisations with exemptions; reviews from ones with cases.
CONTACTS_BY_CATEGORY = {"exemptions": ("8HV40", "8HV41", "8HV42", "L80001"),
                        "review": ("RH8", "99P", "EE133", "E10000008")}
PUBLIC = (("Sam Carer", "sam.carer@example.com", "Meadow View Care Home"),
          ("Morgan Lee", "morgan.lee@example.net", "Lee Family Dental Practice"),
          ("Jordan Price", "jordan.price@example.com", "Northern Cohort Study"),
          ("Robin Shaw", "robin.shaw@example.net", "Shaw Community Pharmacy"))
# (category, the customer's message, the helpdesk's reply, the customer's answer)
QUERIES = (
    ("log_in", "I cannot log in to the IG Toolkit since my password reset last week.",
     "I have sent a new activation link to this address; it is valid for 24 hours.",
     "That worked, thank you."),
    ("log_in", "Our Organisation Administrator has left; nobody can log in for us now.",
     "Please ask your registered manager to e-mail us from the organisation's address and we "
     "will add a new administrator.", "Our manager has just sent the e-mail."),
    ("registration", "We are a new care home and need to register for the toolkit.",
     "Please send your ODS code and the name and e-mail of your Organisation Administrator.",
     "Our ODS code is on the CQC letter; I will send it tomorrow."),
    ("registration", "We opened a second branch; should it be registered under our head office?",
     "Yes: each branch is registered with your head office as its parent. Which ODS code does "
     "the branch have?", "It is FWC09."),
    ("exemptions", "Requirement 321 does not apply to us: all our records are on paper.",
     "We have recorded an exemption request for 321; we will confirm once it is decided.",
     "Thanks for sorting this."),
    ("exemptions", "We use no Smartcards. Can we be exempted from requirement 304?",
     "Could you confirm that no member of staff holds an NHS Smartcard?",
     "Confirmed, no Smartcards at all."),
    ("publishing", "We pressed publish but the assessment still shows as draft.",
     "Publishing can take a few minutes to show. Please check again and tell us if it is still "
     "draft.", "It shows as published now."),
    ("publishing", "Our improvement plan will not save when we publish at level 1.",
     "Each requirement below level 2 needs an action, an owner and a target date; the target "
     "date cannot be after 31 March next year.", "The date was the problem. Done."),
    ("review", "Our CAG application is waiting for the IG review. When will it be done?",
     "Your review is in progress; reviews take up to ten working days from publication.",
     "Thank you for the update."),
    ("review", "We disagree with the outcome of our desk review for requirement 117.",
     "A senior reviewer will look at the finding again; please send your training records.",
     "Training records attached to the toolkit now."),
    ("other", "Do you have guidance for a GP practice completing its first assessment?",
     "The first-assessment guide is on the toolkit's help pages; I have sent the link.",
     "Found it, thanks."),
    ("other", "Can we change the e-mail address our letters are sent to?",
     "Letters go to your Organisation Administrators; update them and we will use the new "
     "address.", "Updated."),
)
NOTES = ("Checked the toolkit: the account is locked after three attempts.",
         "Phoned the customer; they will send the details by e-mail.",
         "Asked the review team for the case status.")


def _who(session: Session, rng: random.Random, ods_code: str | None):
    organisation = find_by_ods(session, ods_code) if ods_code else None
    if organisation is not None and organisation.administrators:
        admin = rng.choice(organisation.administrators)
        return admin.name, admin.email, organisation.name, organisation
    return (*rng.choice(PUBLIC), None)


def _links(session: Session, ticket: Ticket, officer: Actor) -> None:
    organisation_id = ticket.organisation_id
    if organisation_id is None or ticket.category not in ("review", "exemptions"):
        return
    model = Case if ticket.category == "review" else Exemption
    found = session.scalar(select(model).where(model.organisation_id == organisation_id)
                           .order_by(model.id).limit(1))
    if found is None:
        return
    if model is Case:
        services.link(session, actor=officer, ticket=ticket, case_reference=found.reference)
    else:
        services.link(session, actor=officer, ticket=ticket, exemption_id=str(found.id))


def _work(session: Session, rng: random.Random, ticket: Ticket, state: TicketStatus,
          query: tuple, officer, opened: datetime) -> None:
    """Take the ticket as far as ``state``, with the thread a real one would have."""
    if state == TicketStatus.NEW:
        return
    actor = Actor.of(officer)
    services.take(session, actor=actor, ticket=ticket, officer=officer)
    _links(session, ticket, actor)
    if state == TicketStatus.OPEN:
        services.add_note(session, actor=actor, ticket=ticket, body=rng.choice(NOTES),
                          at=opened + timedelta(hours=3))
        return
    replied = opened + timedelta(hours=rng.randint(2, 30))
    services.reply(session, actor=actor, ticket=ticket, body=query[2], at=replied)
    if state == TicketStatus.WAITING:
        return
    answered = replied + timedelta(hours=rng.randint(3, 48))
    services.customer_message(session, ticket=ticket, body=query[3], at=answered)
    services.resolve(session, actor=actor, ticket=ticket, at=answered + timedelta(hours=2))


def ensure_tickets(session: Session, domain: str, now: datetime | None = None) -> int:
    """Only on a fresh demo: tickets new, open, waiting for the customer and resolved."""
    if session.scalar(select(Ticket.id).limit(1)) is not None:
        return 0
    rng = random.Random(SEED)
    now = now or utcnow()
    officers = [u for u in (find_user(session, f"{n}@{domain}") for n in ("helpdesk", "admin"))
                if u is not None]
    plan = [(state, rng.randint(*ages)) for state, count, ages in STATES for _ in range(count)]
    plan.sort(key=lambda item: -item[1])  # oldest first, so references follow dates
    for state, days in plan:
        query = rng.choice(QUERIES)
        contacts = CONTACTS_BY_CATEGORY.get(query[0], CONTACTS)
        name, email, organisation_name, organisation = _who(session, rng, rng.choice(contacts))
        opened = now - timedelta(days=days, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
        ticket = services.create_ticket(
            session, name=name, email=email, category=query[0], message=query[1],
            organisation_name=organisation_name,
            ods_code=organisation.ods_code if organisation else "", at=opened)
        _work(session, rng, ticket, state, query, rng.choice(officers[:1] * 3 + officers),
              opened)
    session.flush()
    return len(plan)
