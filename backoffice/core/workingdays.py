"""Working days in England and Wales: weekends and bank holidays do not count.

Every deadline in the back office is counted here, so that a due date can be
explained day by day (``explain_due_date``) and never differs between screens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

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
