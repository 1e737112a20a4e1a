"""Working days in England and Wales: weekends and bank holidays do not count; and working
hours, the helpdesk's opening hours on those days.

Every deadline in the back office is counted here, so that a due date can be
explained day by day (``explain_due_date``) and never differs between screens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

COUNTRY = "GB"
SUBDIVISION = "ENG"  # England; Wales shares its bank holidays
SATURDAY = 5


@cache
def _bank_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION, years=[year]))


def bank_holiday(day: date) -> str | None:
    """The bank holiday's name, if this day is one."""
    return _bank_holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY and bank_holiday(day) is None


@dataclass
class DueDate:
    """A due date with the reasons for it: what was counted and what was skipped."""

    start: date
    working_days: int
    due: date
    counted: list[date] = field(default_factory=list)
    skipped: list[tuple[date, str]] = field(default_factory=list)


def explain_due_date(start: date, working_days: int) -> DueDate:
    """Count ``working_days`` working days after ``start``, noting each day skipped."""
    result = DueDate(start=start, working_days=working_days, due=start)
    day = start
    while len(result.counted) < working_days:
        day += timedelta(days=1)
        if is_working_day(day):
            result.counted.append(day)
        else:
            result.skipped.append((day, bank_holiday(day) or day.strftime("%A")))
    result.due = day
    return result


def add_working_days(start: date, working_days: int) -> date:
    """The day ``working_days`` working days after ``start``."""
    return explain_due_date(start, working_days).due


def working_days_between(start: date, end: date) -> int:
    """How many working days fall after ``start`` up to and including ``end``."""
    if end <= start:
        return -working_days_between(end, start) if end < start else 0
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


# Working hours: the helpdesk's opening hours on working days, in English local time. A
# ticket's age and the helpdesk's SLA count only these hours.
LOCAL_TIME = ZoneInfo("Europe/London")
DEFAULT_OPENING_HOURS = "9am-5pm"
_CLOCK = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)
_RANGE = re.compile(r"\s*(?:-|–|—|to)\s*")


@dataclass(frozen=True)
class OpeningHours:
    """When the helpdesk is staffed on a working day, e.g. 9am to 5pm."""

    opens: time
    closes: time

    @property
    def hours_a_day(self) -> float:
        return (_seconds(self.closes) - _seconds(self.opens)) / SECONDS_AN_HOUR

    @property
    def label(self) -> str:
        return f"{_clock_label(self.opens)}–{_clock_label(self.closes)} Monday to Friday"


SECONDS_AN_HOUR = 3600


def _seconds(moment: time) -> int:
    return moment.hour * SECONDS_AN_HOUR + moment.minute * 60


def _clock_label(moment: time) -> str:
    suffix = "am" if moment.hour < 12 else "pm"
    hour = moment.hour % 12 or 12
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def _clock(raw: str) -> time:
    match = _CLOCK.match(raw)
    if not match:
        raise ValueError(f"{raw!r} is not a time of day, e.g. 9am or 17:00")
    hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"{raw!r}: with am or pm the hour is 1 to 12")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{raw!r} is not a time of day")
    return time(hour, minute)


@cache
def parse_opening_hours(raw: str) -> OpeningHours:
    """'9am-5pm', '09:00-17:00' or '9am to 5:30pm' (Monday to Friday, not bank holidays)."""
    text = raw.lower().replace("monday to friday", "").strip()
    parts = _RANGE.split(text, maxsplit=1)
    if len(parts) != 2:
        raise ValueError(f"{raw!r} is not opening hours; write them like 9am-5pm")
    hours = OpeningHours(_clock(parts[0]), _clock(parts[1]))
    if hours.closes <= hours.opens:
        raise ValueError(f"{raw!r}: the helpdesk must close after it opens")
    return hours


def _local(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_TIME)


def working_seconds_between(start: datetime, end: datetime, hours: OpeningHours) -> int:
    """Seconds from ``start`` to ``end`` that fall within opening hours on working days."""
    start, end = _local(start), _local(end)
    if end <= start:
        return 0
    total, day = 0, start.date()
    while day <= end.date():
        if is_working_day(day):
            opens = datetime.combine(day, hours.opens, LOCAL_TIME)
            closes = datetime.combine(day, hours.closes, LOCAL_TIME)
            overlap = (min(closes, end) - max(opens, start)).total_seconds()
            total += max(int(overlap), 0)
        day += timedelta(days=1)
    return total


def working_hours_between(start: datetime, end: datetime, hours: OpeningHours) -> float:
    """Working hours (within opening hours) from ``start`` to ``end``."""
    return working_seconds_between(start, end, hours) / SECONDS_AN_HOUR


def working_age_label(seconds: int, hours: OpeningHours) -> str:
    """'under 1 working hour', '5 working hours', '2 working days 3 hours' (a working day is
    the opening hours of one day)."""
    whole_hours = seconds // SECONDS_AN_HOUR
    if whole_hours < 1:
        return "under 1 working hour"
    per_day = hours.hours_a_day
    if whole_hours < per_day:
        return f"{whole_hours} working hour{'s' if whole_hours != 1 else ''}"
    days, rest = divmod(whole_hours, int(per_day)) if per_day.is_integer() else (
        int(whole_hours // per_day), int(whole_hours % per_day))
    label = f"{days} working day{'s' if days != 1 else ''}"
    return f"{label} {rest} hour{'s' if rest != 1 else ''}" if rest else label
