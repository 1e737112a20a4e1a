"""What needs each person now: the figures and lists on their home page (a read model)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from backoffice.cases import standing
from backoffice.cases.models import Case, CaseStatus
from backoffice.core.permissions import Permission, user_may
from backoffice.exemptions.models import Exemption, ExemptionStatus
from backoffice.helpdesk.models import Ticket, TicketStatus
from backoffice.letters.models import DeliveryStatus, Letter
from backoffice.notifications.models import Notification, NotificationStatus
from backoffice.reviews import followup

LISTED = 10  # rows shown in each list; the link opens the whole of it


@dataclass
class Figure:
    """One thing waiting: how many, in words, and where to see them all."""

    label: str
    count: int
    endpoint: str
    args: dict = field(default_factory=dict)
    urgent: bool = False
    key: str = ""


@dataclass
class Home:
    figures: list[Figure] = field(default_factory=list)
    my_cases: list[Case] = field(default_factory=list)
    my_tickets: list[Ticket] = field(default_factory=list)
    sign_offs: list[Case] = field(default_factory=list)
    failed_deliveries: list[Letter] = field(default_factory=list)
    lapsed: list[standing.LapsedHolder] = field(default_factory=list)
    overdue_plan_items: list[followup.OverdueItem] = field(default_factory=list)


def _count(session: Session, model, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def home_for(session: Session, user, today: date) -> Home:
    """The figures and lists for this person's home page, by what their role may do."""
    home = Home()
    if user_may(user, Permission.WORK_CASES):
        _reviewing(session, user, today, home)
    if user_may(user, Permission.SIGN_OFF):
        _signing_off(session, user, today, home)
    if user_may(user, Permission.MANAGE_TICKETS):
        _helpdesk(session, user, home)
    if user_may(user, Permission.MANAGE_LETTERS):
        _deliveries(session, home)
    if user_may(user, Permission.MANAGE_LETTERS) or user_may(user, Permission.TRIAGE_CASES):
        home.failed_deliveries = failed_deliveries(session)
    if user_may(user, Permission.SIGN_OFF) or user_may(user, Permission.MANAGE_ORGANISATIONS):
        _annual_cycle(session, today, home)
    return home


def failed_deliveries(session: Session, limit: int = LISTED) -> list[Letter]:
    """Current letters the SMTP server has not accepted, oldest first: a staff problem to
    follow (their outcomes are published whatever their delivery)."""
    return list(session.scalars(
        select(Letter).where(Letter.superseded_at.is_(None),
                             Letter.delivery_status == DeliveryStatus.FAILED.value)
        .options(joinedload(Letter.case).joinedload(Case.organisation))
        .order_by(Letter.id).limit(limit)))


def _annual_cycle(session: Session, today: date, home: Home) -> None:
    """Holders that have not published for the year, and accepted plan items past their date
    with no publication since (000 §2, §5)."""
    home.lapsed = standing.lapsed_holders(session, limit=LISTED)
    home.overdue_plan_items = followup.overdue_items(session, today=today, limit=LISTED)
    lapsed = standing.count_lapsed(session)
    overdue = followup.count_overdue(session, today=today)
    home.figures += [
        Figure("Lapsed standing applications", lapsed, "standing.index_view",
               {"flt0_0": "lapsed"}, urgent=True, key="lapsed"),
        Figure("Improvement plan items overdue", overdue, "admin.index",
               {"_anchor": "overdue-plan-items"}, urgent=True, key="plan-overdue"),
    ]


def _reviewing(session: Session, user, today: date, home: Home) -> None:
    mine = (Case.assigned_to_id == user.id) & Case.open_condition()
    home.my_cases = list(session.scalars(
        select(Case).where(mine).options(joinedload(Case.organisation))
        .order_by(Case.due_date, Case.id).limit(LISTED)))
    home.figures += [
        Figure("My open cases", _count(session, Case, mine), "case.index_view",
               {"view": "mine"}, key="my-cases"),
        Figure("My overdue cases", _count(session, Case, mine, Case.overdue(today)),
               "case.index_view", {"view": "mine"}, urgent=True, key="my-overdue"),
        Figure("Unassigned cases to take",
               _count(session, Case, Case.status == CaseStatus.UNASSIGNED.value),
               "case.index_view", {"view": "unassigned"}, key="unassigned"),
    ]


def _signing_off(session: Session, user, today: date, home: Home) -> None:
    waiting = ((Case.status == CaseStatus.AWAITING_SIGN_OFF.value)
               & (Case.outcome_by_id.is_(None) | (Case.outcome_by_id != user.id)))
    home.sign_offs = list(session.scalars(
        select(Case).where(waiting).options(joinedload(Case.organisation))
        .order_by(Case.outcome_at, Case.id).limit(LISTED)))
    home.figures += [
        Figure("Sign-offs waiting for you", _count(session, Case, waiting), "case.index_view",
               {"view": "awaiting_sign_off"}, urgent=True, key="sign-offs"),
        Figure("Overdue cases, all reviewers", _count(session, Case, Case.overdue(today)),
               "case.index_view", {"view": "overdue"}, urgent=True, key="all-overdue"),
    ]


def _helpdesk(session: Session, user, home: Home) -> None:
    unresolved = Ticket.status != TicketStatus.RESOLVED.value
    waiting_on_us = Ticket.status.in_((TicketStatus.NEW.value, TicketStatus.OPEN.value))
    home.my_tickets = list(session.scalars(
        select(Ticket).where(unresolved, (Ticket.assigned_to_id == user.id)
                             | Ticket.assigned_to_id.is_(None))
        .order_by(Ticket.created_at, Ticket.id).limit(LISTED)))
    home.figures += [
        Figure("New tickets nobody has taken",
               _count(session, Ticket, Ticket.status == TicketStatus.NEW.value,
                      Ticket.assigned_to_id.is_(None)),
               "ticket.index_view", {"view": "unassigned"}, urgent=True, key="new-tickets"),
        Figure("My tickets waiting for a reply",
               _count(session, Ticket, waiting_on_us, Ticket.assigned_to_id == user.id),
               "ticket.index_view", {"view": "mine"}, key="my-tickets"),
        Figure("Unmatched notifications",
               _count(session, Notification,
                      Notification.status == NotificationStatus.UNMATCHED.value),
               "unmatched.index_view", urgent=True, key="unmatched"),
        Figure("Exemption requests to decide",
               _count(session, Exemption,
                      Exemption.status == ExemptionStatus.REQUESTED.value),
               "exemption.index_view", key="exemptions"),
    ]


def _deliveries(session: Session, home: Home) -> None:
    home.figures.append(Figure(
        "Letters not delivered",
        _count(session, Letter, Letter.superseded_at.is_(None),
               Letter.delivery_status == DeliveryStatus.FAILED.value),
        "letter.index", urgent=True, key="failed-letters"))
