"""A small, realistic register for the demo: users per role, organisations, exemptions."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice.config import DEFAULT_MAIL_FROM, DEFAULT_REVIEW_SLA_DAYS
from backoffice.core.audit import SYSTEM_ACTOR, Actor
from backoffice.demo.compliance import ensure_annual_cycle
from backoffice.demo.contract import ensure_baseline_publication
from backoffice.demo.cycle import ensure_cycle
from backoffice.demo.groups import ensure_group_examples
from backoffice.demo.helpdesk_duties import ensure_helpdesk_duties
from backoffice.demo.history import ensure_closed_history, load_last_year
from backoffice.demo.letters import ensure_group_addresses
from backoffice.demo.notifications import (
    ensure_extra_organisations,
    extra_organisations,
    load_demo_notifications,
)
from backoffice.demo.replies import ensure_answered_requests
from backoffice.demo.reviews import ensure_review_states
from backoffice.demo.rules import ensure_not_relevant_overturned
from backoffice.demo.tickets import ensure_tickets
from backoffice.exemptions import services as exemptions
from backoffice.exemptions.models import Exemption
from backoffice.mail.models import OutboxMessage
from backoffice.organisations import services as organisations
from backoffice.organisations.services import AdministratorDetails, OrganisationDetails
from backoffice.users import services as users

DEMO_DOMAIN = "demo.example.org"
SEED = 2016
DEMO_USERS = (
    ("admin", "admin", None, "Ada Admin"),
    ("senior", "senior_reviewer", None, "Sam Senior"),
    ("senior2", "senior_reviewer", None, "Sue Senior"),  # signs off what Sam recorded
    ("reviewer", "reviewer", None, "Rita Reviewer"),
    ("reviewer2", "reviewer", None, "Ravi Reviewer"),
    ("helpdesk", "helpdesk", None, "Hana Helpdesk"),
    ("cag", "approval_group", "CAG", "Carol of CAG"),
    ("daag", "approval_group", "DAAG", "Dev of DAAG"),
    ("igsoc", "approval_group", "IGSoC", "Ian of IGSoC"),
)
TOWNS = (("Exeter", "EX1"), ("Leeds", "LS1"), ("Bristol", "BS1"), ("Norwich", "NR1"),
         ("York", "YO1"), ("Derby", "DE1"), ("Truro", "TR1"), ("Bath", "BA1"),
         ("Lincoln", "LN1"), ("Carlisle", "CA1"), ("Preston", "PR1"), ("Durham", "DH1"))
FIRST = ("Alex", "Bea", "Chris", "Dana", "Eli", "Fran", "Gail", "Hugo", "Iris", "Jo", "Kit", "Lou")
LAST = ("Ahmed", "Brown", "Clarke", "Davies", "Evans", "Foster", "Green", "Hughes", "Khan",
        "Lewis", "Moore", "Patel")


@dataclass
class DemoLogin:
    email: str
    role: str
    password: str


def ensure_users(session: Session) -> list[DemoLogin]:
    """One account per role (and per approval group), with fresh passwords each run."""
    logins = []
    for local, role, group, name in DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        password = users.generate_password()
        user = users.find_user(session, email)
        if user is None:
            user = users.create_user(session, actor=SYSTEM_ACTOR, email=email, role=role,
                                     group=group, name=name, password=password)
        else:
            users.set_password(session, actor=SYSTEM_ACTOR, user=user, password=password)
        logins.append(DemoLogin(email, user.role_label, password))
    return logins


def _postcode(rng: random.Random, district: str) -> str:
    return f"{district} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
           f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


def _administrators(rng: random.Random, count: int) -> list[AdministratorDetails]:
    people = []
    for _ in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        people.append(AdministratorDetails(
            name=f"{first} {last}", email=f"{first}.{last}@example.org".lower(),
            phone=f"0300 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"))
    return people


def _plan() -> list[tuple[str, str, str, str | None]]:
    """(ODS code, name, type, parent ODS code) for about fifty organisations."""
    rows = [
        ("RH8", "Royal Devon and Exeter NHS Foundation Trust", "NHS Trust", None),
        ("RR8", "Leeds Teaching Hospitals NHS Trust", "NHS Trust", None),
        ("RVJ", "North Bristol NHS Trust", "NHS Trust", None),
        ("99P", "NHS Northern, Eastern and Western Devon CCG", "Clinical Commissioning Group",
         None),
        ("02V", "NHS Leeds North CCG", "Clinical Commissioning Group", None),
        ("0DE", "South, Central and West Commissioning Support Unit",
         "Commissioning Support Unit", None),
        ("X24", "NHS England", "NHS England", None),
        ("FWC00", "Wellcare Pharmacy Head Office", "Pharmacy Head Office", None),
        ("E10000008", "Devon County Council", "Local Authority", None),
        ("E08000035", "Leeds City Council", "Local Authority", None),
        ("EE133", "University of Exeter", "Research Organisation", None),
        ("EE135", "University of Leeds", "Research Organisation", None),
        ("8J123", "Northgate Analytics Ltd", "Commercial Third Party", None),
        ("8J456", "Carefile Systems Ltd", "Commercial Third Party", None),
    ]
    for i, (town, _) in enumerate(TOWNS[:8]):
        rows.append((f"FWC{i + 1:02d}", f"Wellcare Pharmacy, {town}", "Community Pharmacy",
                     "FWC00"))
    for i, (town, _) in enumerate(TOWNS[:11]):
        rows.append((f"8HV{i + 40:02d}", f"{LAST[i]} House Care Home, {town}",
                     "Voluntary Sector", None))
    for i, (town, _) in enumerate(TOWNS[:10]):
        rows.append((f"L8{i + 1:04d}", f"{town} Road Surgery", "GP Practice", None))
    rows += [
        ("E10PH1", "Devon Public Health Intelligence Team", "Hosted Secondary Use Team/Project",
         "E10000008"),
        ("E08PH1", "Leeds Public Health Analysts", "Hosted Secondary Use Team/Project",
         "E08000035"),
        ("EE13301", "Exeter Cohort Study Team", "Hosted Secondary Use Team/Project", "EE133"),
        ("EE13501", "Leeds Cancer Outcomes Research Group", "Hosted Secondary Use Team/Project",
         "EE135"),
        ("V12345", "Bright Smile Dental, York", "Dental Practice", None),
        ("V67890", "Clear View Opticians, Derby", "Eye Care Service", None),
        ("8J789", "Healthdata Insights Ltd", "Commercial Third Party", None),
    ]
    return rows


def ensure_organisations(session: Session) -> int:
    """Register the demo organisations that are not registered yet; returns how many."""
    rng = random.Random(SEED)
    created = 0
    for ods_code, name, org_type, parent in _plan():
        town, district = next(((t, d) for t, d in TOWNS if t in name), rng.choice(TOWNS))
        if organisations.find_by_ods(session, ods_code) is not None:
            continue
        details = OrganisationDetails(
            ods_code=ods_code, name=name, org_type=org_type, parent_ods_code=parent,
            postcode=_postcode(rng, district), address=f"{rng.randint(1, 120)} High Street, {town}",
            administrators=_administrators(rng, rng.choice((1, 1, 2))))
        organisations.register_organisation(session, actor=SYSTEM_ACTOR, details=details)
        created += 1
    return created


DEMO_EXEMPTIONS = (
    ("8HV40", 13, "321", "Records are held on paper only; no computer-based systems.", "approve"),
    ("8HV41", 13, "304", "No NHS Smartcards are used in the home.", "approve"),
    ("8HV42", 13, "304", "No NHS Smartcards are used in the home.", None),
    ("L80001", 13, "209", "No data processed outside the UK", "reject"),
    ("8HV41", 12, "304", "No NHS Smartcards were used in 2014/15.", "approve"),
)


def _has_exemption(session: Session, organisation, version: int, requirement: str) -> bool:
    return session.scalar(select(Exemption.id).where(
        Exemption.organisation_id == organisation.id, Exemption.toolkit_version == version,
        Exemption.requirement_id == requirement)) is not None


def ensure_exemptions(session: Session) -> None:
    helpdesk = users.find_user(session, f"helpdesk@{DEMO_DOMAIN}")
    actor = SYSTEM_ACTOR if helpdesk is None else Actor.of(helpdesk)
    for ods_code, version, requirement, reason, decision in DEMO_EXEMPTIONS:
        organisation = organisations.find_by_ods(session, ods_code)
        if organisation is None or _has_exemption(session, organisation, version, requirement):
            continue
        exemption = exemptions.request_exemption(
            session, actor=actor, organisation=organisation, toolkit_version=version,
            requirement_id=requirement, reason=reason)
        if decision == "approve":
            exemptions.approve_exemption(session, actor=actor, exemption=exemption,
                                         reason="Evidence checked by the helpdesk.")
        elif decision == "reject":
            exemptions.reject_exemption(session, actor=actor, exemption=exemption,
                                        reason="The practice shares data with a UK-only "
                                               "processor; the requirement applies.")


def publishers() -> list[tuple[str, str, str]]:
    """Every demo organisation that publishes: the named register and the extra ones."""
    named = [(code, name, kind) for code, name, kind, _ in _plan()]
    extra = [(d.ods_code, d.name, d.org_type) for d in extra_organisations()]
    return named + extra


def load_demo_data(session: Session, *, sla_days: int = DEFAULT_REVIEW_SLA_DAYS,
                   mail_from: str = DEFAULT_MAIL_FROM) -> list[DemoLogin]:
    """Users, the register, exemptions, last year's publications, about two hundred
    publications this year and half a year of closed cases, published with their
    assessments, the latest with their letters; safe to rerun."""
    logins = ensure_users(session)
    ensure_organisations(session)
    ensure_extra_organisations(session)
    ensure_exemptions(session)
    ensure_group_addresses(session, DEMO_DOMAIN)
    session.commit()
    # Last year's first: published while no case is open, they are recorded, not joined.
    load_last_year(session, publishers(), sla_days=sla_days)
    load_demo_notifications(session, publishers(), sla_days=sla_days)
    ensure_group_examples(session, sla_days=sla_days)
    ensure_baseline_publication(session, sla_days=sla_days)
    ensure_review_states(session, DEMO_DOMAIN)
    ensure_not_relevant_overturned(session, DEMO_DOMAIN)
    ensure_answered_requests(session, DEMO_DOMAIN)
    ensure_closed_history(session, DEMO_DOMAIN, sla_days=sla_days, mail_from=mail_from)
    ensure_tickets(session, DEMO_DOMAIN)
    logins += ensure_helpdesk_duties(session, DEMO_DOMAIN)
    ensure_cycle(session, DEMO_DOMAIN, sla_days=sla_days, mail_from=mail_from)
    session.commit()
    ensure_annual_cycle(session, DEMO_DOMAIN, sla_days=sla_days)
    _history_was_sent(session)
    return logins


def _history_was_sent(session: Session) -> None:
    """The e-mails the demo's made-up history wrote count as sent when they were written: the
    demo mails nobody, and its log stays quiet without a mail catcher. What a person does in
    the demo (an outcome, a reply, an invitation) is e-mailed as usual."""
    session.execute(update(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).values(
        sent_at=OutboxMessage.created_at))
    session.commit()
