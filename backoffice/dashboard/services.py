"""The SLA dashboard's figures: one aggregate SQL statement each, never rows in Python.

Every function takes ``today`` so the figures can be computed for any day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Float, and_, case, func, literal, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.permissions import Role
from backoffice.core.vocabulary import CLOCK_PAUSED, OPEN_STATUSES, CaseStatus
from backoffice.core.workingdays import (
    DEFAULT_OPENING_HOURS,
    SECONDS_AN_HOUR,
    OpeningHours,
    add_working_days,
    parse_opening_hours,
    working_seconds_between,
)
from backoffice.dashboard import sql
from backoffice.helpdesk.models import CATEGORY_LABELS, Ticket, TicketCategory, TicketStatus
from backoffice.organisations.models import Organisation
from backoffice.users.models import User

# (label, first day, first day of the next band) of a case's age in calendar days
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under 1 week", 0, 7),
    ("1–2 weeks", 7, 14),
    ("2–4 weeks", 14, 28),
    ("4–8 weeks", 28, 56),
    ("8 weeks or more", 56, None),
)
NOON = time(12)
WEEKS_SHOWN = 26
DUE_SOON_WORKING_DAYS = 2
BREACH_LIST_LIMIT = 12
HELD_STATUSES = tuple(s.value for s in OPEN_STATUSES if s is not CaseStatus.UNASSIGNED)

# A literal (not a bound parameter) so PostgreSQL matches the partial index on open cases.
_IS_OPEN = Case.open_condition()


@dataclass
class OpenCases:
    """Open cases counted by status × age band."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def by_status(self) -> list[tuple[str, int]]:
        return [(status.value, sum(self.counts.get((status.value, band), 0)
                                   for band, _, _ in AGE_BANDS))
                for status in OPEN_STATUSES]

    @property
    def by_band(self) -> list[tuple[str, int]]:
        return [(band, sum(self.counts.get((status.value, band), 0) for status in OPEN_STATUSES))
                for band, _, _ in AGE_BANDS]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _age_band(age_days):
    whens = [(age_days < upper, label) for label, _, upper in AGE_BANDS if upper is not None]
    return case(*whens, else_=AGE_BANDS[-1][0])


def open_cases(session: Session, *, today: date) -> OpenCases:
    """Open cases by status and by age band (calendar days since opening)."""
    band = _age_band(sql.day_of(today) - sql.day_number(Case.opened_at)).label("band")
    rows = session.execute(
        select(Case.status, band, func.count()).where(_IS_OPEN).group_by(Case.status, band))
    return OpenCases({(status, label): count for status, label, count in rows})


@dataclass
class BreachedCase:
    id: int
    reference: str
    organisation: str
    status: str
    reviewer: str | None
    due_date: date


@dataclass
class Breaches:
    breached: int
    due_soon: int
    due_soon_until: date
    cases: list[BreachedCase]


def breaches(session: Session, *, today: date,
             soon: int = DUE_SOON_WORKING_DAYS) -> Breaches:
    """Open cases past their due date, and those due within ``soon`` working days; not those
    awaiting information, whose clock is stopped (the queue's Overdue rule)."""
    until = add_working_days(today, soon)
    breached = Case.due_date < today
    counts = session.execute(
        select(func.count().filter(breached),
               func.count().filter(and_(Case.due_date >= today, Case.due_date <= until)))
        .where(Case.clock_running_condition(), Case.due_date <= until)).one()
    listed = session.execute(
        select(Case.id, Case.reference, Organisation.name, Case.status, User.name, Case.due_date)
        .join(Organisation, Organisation.id == Case.organisation_id)
        .outerjoin(User, User.id == Case.assigned_to_id)
        .where(Case.clock_running_condition(), Case.due_date <= until)
        .order_by(Case.due_date, Case.opened_at, Case.id).limit(BREACH_LIST_LIMIT))
    return Breaches(counts[0], counts[1], until, [BreachedCase(*row) for row in listed])


@dataclass
class Week:
    start: date
    opened: int = 0
    closed: int = 0
    outcomes: int = 0
    median_working_days: float | None = None


def _working_days_to_outcome(first_year: int, last_year: int):
    """Working days on the SLA clock from opening to outcome (pauses excluded)."""
    opened, decided = sql.day_number(Case.opened_at), sql.day_number(Case.outcome_at)
    skipped = (sql.holidays_through(decided, first_year, last_year)
               - sql.holidays_through(opened, first_year, last_year))
    return (sql.weekdays_through(decided) - sql.weekdays_through(opened) - skipped
            - Case.paused_working_days)


def _median_by_week(session: Session, since, today: date):
    """(kind, week, outcomes, median) rows: percentile_cont, or a window-function median."""
    days = _working_days_to_outcome(today.year - sql.HOLIDAY_YEARS_BACK, today.year)
    week = (sql.day_number(Case.outcome_at) // sql.DAYS_IN_WEEK).label("week")
    recent = Case.outcome_at >= since
    median = sql.median(days, session.get_bind().dialect.name)
    if median is not None:
        return (select(literal("median"), week, func.count(), median)
                .where(recent).group_by(week))
    ranked = select(
        week, days.label("days"),
        func.row_number().over(partition_by=week, order_by=days).label("rank"),
        func.count().over(partition_by=week).label("outcomes")).where(recent).subquery()
    middle = ranked.c.rank.in_([(ranked.c.outcomes + 1) // 2, (ranked.c.outcomes + 2) // 2])
    return (select(literal("median"), ranked.c.week, func.max(ranked.c.outcomes),
                   func.avg(ranked.c.days * 1.0))
            .where(middle).group_by(ranked.c.week))


def weekly_throughput(session: Session, *, today: date, weeks: int = WEEKS_SHOWN) -> list[Week]:
    """Per week (Monday to Sunday) of the last ``weeks``: opened, closed, median to outcome."""
    first_week = sql.week_of(today) - weeks + 1
    since = sql.start_of_day(sql.week_start(first_week))
    by_week = {}
    for column, kind in ((Case.opened_at, "opened"), (Case.closed_at, "closed")):
        week = (sql.day_number(column) // sql.DAYS_IN_WEEK).label("week")
        by_week[kind] = (select(literal(kind), week, func.count(), null().cast(Float))
                         .where(column >= since).group_by(week))
    statement = union_all(by_week["opened"], by_week["closed"],
                          _median_by_week(session, since, today))
    result = {first_week + n: Week(sql.week_start(first_week + n)) for n in range(weeks)}
    for kind, week_number, count, median in session.execute(statement):
        week = result.get(week_number)
        if week is None:
            continue
        if kind == "median":
            week.outcomes = count
            week.median_working_days = None if median is None else round(float(median), 1)
        else:
            setattr(week, kind, count)
    return list(result.values())


@dataclass
class ReviewerLoad:
    reviewer: str
    role: str
    held: int
    by_status: dict[str, int]
    overdue: int


def reviewer_load(session: Session, *, today: date) -> list[ReviewerLoad]:
    """Open cases each active reviewer holds, by status, and how many are overdue (a case
    awaiting information is not: its clock is stopped)."""
    held = and_(Case.assigned_to_id == User.id, _IS_OPEN)
    per_status = [func.count(Case.id).filter(Case.status == status) for status in HELD_STATUSES]
    late = and_(Case.due_date < today, Case.status != CLOCK_PAUSED.value)
    rows = session.execute(
        select(User.name, User.role, func.count(Case.id), *per_status,
               func.count(Case.id).filter(late))
        .outerjoin(Case, held)
        .where(User.active, User.role.in_([Role.REVIEWER.value, Role.SENIOR_REVIEWER.value]))
        .group_by(User.id, User.name, User.role)
        .order_by(func.count(Case.id).desc(), User.name))
    return [ReviewerLoad(name, Role(role).label, total, dict(zip(HELD_STATUSES, counts,
                                                                  strict=True)), overdue)
            for name, role, total, *counts, overdue in rows]


def week_label(start: date) -> str:
    end = start + timedelta(days=6)
    return f"{start:%d %b}–{end:%d %b %Y}"


# (label, first working day, first working day of the next band) of a ticket's age, counted
# in working hours within the helpdesk's opening hours (a working day: one day's opening hours)
TICKET_AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under 1 working day", 0, 1),
    ("1–2 working days", 1, 2),
    ("2–5 working days", 2, 5),
    ("5–10 working days", 5, 10),
    ("10 working days or more", 10, None),
)


@dataclass
class OpenTickets:
    """Open helpdesk tickets counted by category × age band (labels as the helpdesk reads them)."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    bands: tuple[str, ...] = tuple(label for label, _, _ in TICKET_AGE_BANDS)

    @property
    def by_category(self) -> list[tuple[str, int]]:
        return [(label, sum(self.counts.get((label, band), 0) for band in self.bands))
                for label in CATEGORY_LABELS.values()]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _ticket_band(working_seconds: int, hours: OpeningHours) -> str:
    days = working_seconds / (hours.hours_a_day * SECONDS_AN_HOUR)
    for label, _, upper in TICKET_AGE_BANDS:
        if upper is None or days < upper:
            return label
    return TICKET_AGE_BANDS[-1][0]


def open_tickets(session: Session, *, today: date, hours: OpeningHours | None = None,
                 now: datetime | None = None) -> OpenTickets:
    """Tickets not yet resolved, by category and age band in working hours (opening hours on
    working days). The calendar is not SQL's, so the open tickets' times are read (a
    helpdesk's open tickets are hundreds, not millions)."""
    hours = hours or parse_opening_hours(DEFAULT_OPENING_HOURS)
    now = now or datetime.combine(today, NOON, UTC)
    rows = session.execute(
        select(Ticket.category, Ticket.created_at)
        .where(Ticket.status != literal_column(f"'{TicketStatus.RESOLVED.value}'")))
    counts: dict[tuple[str, str], int] = {}
    for category, created_at in rows:
        band = _ticket_band(working_seconds_between(created_at, now, hours), hours)
        key = (_category_label(category), band)
        counts[key] = counts.get(key, 0) + 1
    return OpenTickets(counts)


def _category_label(category: str) -> str:
    try:
        return TicketCategory(category).label
    except ValueError:
        return CATEGORY_LABELS[TicketCategory.OTHER]
