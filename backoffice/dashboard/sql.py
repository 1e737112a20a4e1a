"""Portable SQL pieces for the dashboard's aggregates: day numbers, weeks, working days.

Dates are counted as whole days since Monday 3 January 2000 (``EPOCH``), so a week is
``day // 7`` and starts on a Monday on both PostgreSQL and SQLite. Working days follow
``backoffice.core.workingdays``: weekdays, less England and Wales bank holidays, which
are written into the query as a CASE over their day numbers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import DateTime, Float, Integer, case, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from backoffice.core.workingdays import bank_holiday

EPOCH = date(2000, 1, 3)  # a Monday
EPOCH_JULIAN = 2451546.5  # SQLite's julianday('2000-01-03')
DAYS_IN_WEEK = 7
WEEKDAYS = 5
HOLIDAY_YEARS_BACK = 15  # bank holidays counted this far back when timing outcomes


class day_number(FunctionElement):  # named like the SQL function it stands for
    """Whole days from EPOCH to the UTC date of a date or timestamp column."""

    type = Integer()
    inherit_cache = True


@compiles(day_number, "postgresql")
def _day_number_postgresql(element, compiler, **kw):
    (argument,) = list(element.clauses)
    value = compiler.process(argument, **kw)
    if isinstance(argument.type, DateTime):
        value = f"CAST(({value} AT TIME ZONE 'UTC') AS DATE)"
    return f"({value} - DATE '{EPOCH.isoformat()}')"


@compiles(day_number)
def _day_number_default(element, compiler, **kw):
    (argument,) = list(element.clauses)
    value = compiler.process(argument, **kw)
    return f"CAST(julianday(date({value})) - {EPOCH_JULIAN} AS INTEGER)"


def day_of(day: date) -> int:
    """The same number in Python."""
    return (day - EPOCH).days


def week_of(day: date) -> int:
    return day_of(day) // DAYS_IN_WEEK


def week_start(week: int) -> date:
    return EPOCH + timedelta(weeks=week)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def weekdays_through(day_no: ColumnElement) -> ColumnElement:
    """Weekdays from EPOCH up to and including this day number."""
    weeks = day_no // DAYS_IN_WEEK
    rest = day_no - weeks * DAYS_IN_WEEK
    return weeks * WEEKDAYS + case((rest >= WEEKDAYS - 1, WEEKDAYS), else_=rest + 1)


def holidays_through(day_no: ColumnElement, first_year: int, last_year: int) -> ColumnElement:
    """Bank holidays on weekdays from ``first_year`` up to and including this day number.

    A CASE over the holidays, latest first: recent dates (the usual ones) match in a few
    comparisons, and the literal numbers keep the statement free of hundreds of parameters.
    """
    days = [day_of(day) for year in range(first_year, last_year + 1)
            for day in sorted(_bank_holidays_of(year)) if day.weekday() < WEEKDAYS]
    if not days:
        return literal_column("0")
    whens = [(day_no >= literal_column(str(number)), literal_column(str(count)))
             for count, number in sorted(enumerate(days, start=1), reverse=True)]
    return case(*whens, else_=literal_column("0"))


@cache
def _bank_holidays_of(year: int) -> tuple[date, ...]:
    return tuple(day for day in (date(year, 1, 1) + timedelta(days=n) for n in range(366))
                 if day.year == year and bank_holiday(day) is not None)


def median(value: ColumnElement, dialect: str):
    """percentile_cont(0.5) where the database has it (PostgreSQL); None elsewhere."""
    if dialect == "postgresql":
        return func.percentile_cont(0.5).within_group(value).cast(Float)
    return None
