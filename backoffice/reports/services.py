"""The public outcomes report: the confirmed outcomes, and nothing the review wrote.

An outcome is published as soon as it is confirmed (recorded; signed off where sign-off
applies), whether or not its letters are delivered yet (000 §6: "once confirmed is
displayed"); reopening a case, or a sign-off voided, takes it off the report until an
outcome is confirmed again. Each row shows the case's latest
assessment (the one a republication attached). Only these columns are ever read:
organisation name and ODS code, toolkit version, reporting year, the published
self-assessed levels, the outcome and the date the case closed — never findings,
comments, reasons, information requests, evidence or letters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, and_, exists, func, or_, select, text, tuple_
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, aliased

from backoffice.cases.models import Assessment, Case
from backoffice.core.errors import NotFound, ServiceError
from backoffice.core.requirements import requirement_title
from backoffice.core.spreadsheets import neutralise
from backoffice.core.vocabulary import outcome_label
from backoffice.organisations.models import Organisation

PAGE_SIZE = 50
REFERENCE_MAX = 20
PAGE_TIME_LIMIT_MS = 3_000
CSV_BATCH = 2_000
CSV_HEADER = ("organisation", "ods_code", "toolkit_version", "reporting_year", "outcome",
              "outcome_date", "reference")
NOT_RELEVANT = "Not Relevant"


class SearchTooBroad(ServiceError):
    """A page of the public report took longer than anyone should wait (or make us work)."""


@dataclass(frozen=True)
class OutcomeFilters:
    """What the public may narrow the report by; None or "" means any."""

    search: str = ""
    outcome: str | None = None
    toolkit_version: int | None = None
    reporting_year: str | None = None


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after this (published_at, case id), newest first."""

    published_at: datetime
    case_id: int

    def token(self) -> str:
        return f"{int(_utc(self.published_at).timestamp() * 1_000_000)}.{self.case_id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """A cursor from a page link; anything else is the first page."""
        micros, _, case_id = (token or "").partition(".")
        if not (micros.isascii() and micros.isdigit() and case_id.isascii()
                and case_id.isdigit() and len(micros) <= 20 and len(case_id) <= 18):
            return None
        try:
            moment = datetime.fromtimestamp(int(micros) / 1_000_000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return cls(moment, int(case_id))


@dataclass(frozen=True)
class PublishedOutcome:
    reference: str
    organisation: str
    ods_code: str
    toolkit_version: int
    reporting_year: str
    outcome: str
    published_at: datetime

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome)

    @property
    def outcome_date(self) -> str:
        return f"{_utc(self.published_at):%Y-%m-%d}"


@dataclass(frozen=True)
class PublishedScore:
    requirement_id: str
    title: str
    level: str


@dataclass
class OutcomePage:
    """One page of published outcomes, and the cursor of the next (None: the last page)."""

    rows: list[PublishedOutcome]
    next_cursor: Cursor | None


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _published():
    """Confirmed and published (the partial indexes ix_cases_published* say the same)."""
    return and_(Case.published_at.is_not(None), Case.outcome.is_not(None))


def _is_latest_assessment():
    """No later assessment of the same case (written as NOT EXISTS so the planner's
    estimates hold and a page is an index walk, not a sort of every outcome)."""
    later = aliased(Assessment)
    return ~exists().where(
        later.case_id == Assessment.case_id,
        or_(later.published_at > Assessment.published_at,
            and_(later.published_at == Assessment.published_at, later.id > Assessment.id)))


def _base_query() -> Select:
    return (select(Case.reference, Organisation.name, Organisation.ods_code,
                   Assessment.toolkit_version, Assessment.reporting_year, Case.outcome,
                   Case.published_at, Case.id)
            .join(Organisation, Organisation.id == Case.organisation_id)
            .join(Assessment, Assessment.case_id == Case.id)
            .where(_published(), _is_latest_assessment()))


def _search_condition(search: str):
    matching = select(Organisation.id).where(or_(
        Organisation.ods_code == search.upper(),
        Organisation.name.icontains(search, autoescape=True)))
    return Case.organisation_id.in_(matching)


def published_outcomes(filters: OutcomeFilters) -> Select:
    """Published outcomes matching the filters, newest first (published_at, then case id)."""
    query = _base_query()
    if filters.search:
        query = query.where(_search_condition(filters.search))
    if filters.outcome:
        query = query.where(Case.outcome == filters.outcome)
    if filters.toolkit_version is not None:  # the case's copy: its index leads to the page
        query = query.where(Case.toolkit_version == filters.toolkit_version)
    if filters.reporting_year:
        query = query.where(Case.reporting_year == filters.reporting_year)
    return query.order_by(Case.published_at.desc(), Case.id.desc())


def _row(row) -> PublishedOutcome:
    return PublishedOutcome(*row[:7])


def _limit_time(session: Session) -> None:
    """On PostgreSQL a public page may use the database for PAGE_TIME_LIMIT_MS at most."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL statement_timeout = {PAGE_TIME_LIMIT_MS}"))


def outcomes_page(session: Session, filters: OutcomeFilters, *, after: Cursor | None = None,
                  size: int = PAGE_SIZE) -> OutcomePage:
    """A page of published outcomes after the cursor: keyset paging, as fast on page 1,000.

    A search that matches only old or no outcomes can still make the walk long; a page
    that runs out of time is refused with SearchTooBroad."""
    query = published_outcomes(filters)
    if after is not None:
        query = query.where(tuple_(Case.published_at, Case.id) < tuple_(after.published_at,
                                                                          after.case_id))
    _limit_time(session)
    try:
        rows = session.execute(query.limit(size + 1)).all()
    except OperationalError as error:
        session.rollback()
        raise SearchTooBroad("That search took too long. Add an organisation name or ODS "
                             "code, or download the CSV.") from error
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = Cursor(rows[-1].published_at, rows[-1].id) if more else None
    return OutcomePage([_row(row) for row in rows], next_cursor)


def count_outcomes(session: Session, filters: OutcomeFilters) -> int | None:
    """How many published outcomes match; None when counting would take too long."""
    matching = published_outcomes(filters).order_by(None).subquery()
    _limit_time(session)
    try:
        return session.scalar(select(func.count()).select_from(matching))
    except OperationalError:
        session.rollback()
        return None


def published_outcome(session: Session, reference: str) -> tuple[PublishedOutcome,
                                                                  list[PublishedScore]]:
    """One published outcome and its published scores; not published (yet or now): NotFound."""
    query = _base_query().add_columns(Assessment.requirements).where(
        Case.reference == reference)
    storable = len(reference) <= REFERENCE_MAX and reference.isprintable()
    row = session.execute(query).first() if storable else None
    if row is None:
        raise NotFound(f"no published outcome {reference}")
    return _row(row), [_score(item, row.toolkit_version) for item in row.requirements]


def _score(item: dict, version: int) -> PublishedScore:
    requirement_id = str(item.get("id", ""))
    level = NOT_RELEVANT if item.get("not_relevant") else f"Level {item.get('level')}"
    return PublishedScore(requirement_id, requirement_title(requirement_id, version), level)


def _cell(value) -> str:
    """Text a spreadsheet would run as a formula is quoted."""
    return neutralise("" if value is None else str(value))


def csv_lines(session: Session, filters: OutcomeFilters) -> Iterator[str]:
    """The header, then every matching published outcome, read from a server-side cursor
    in batches, so memory stays flat however many rows there are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()
    result = session.execute(published_outcomes(filters).execution_options(
        yield_per=CSV_BATCH))
    try:
        for batch in result.partitions():
            buffer.seek(0)
            buffer.truncate()
            for row in batch:
                item = _row(row)
                writer.writerow((_cell(item.organisation), _cell(item.ods_code),
                                 item.toolkit_version, _cell(item.reporting_year),
                                 item.outcome_label, item.outcome_date, item.reference))
            yield buffer.getvalue()
    finally:
        result.close()
