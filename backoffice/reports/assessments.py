"""The public score report: every published assessment, reviewed or not, logged in or not.

Only these are ever read: the organisation's name, ODS code and type, the toolkit version,
reporting year and publication date, each requirement's published level (or Not Relevant),
and the outcome of a review once its case closed with one. Never comments, evidence,
improvement plans, findings or letters.

Pages are keyset-paged, newest publication first, on (published_at, id), so page 1,000
costs what page 1 does; indexes: ``ix_assessments_published``, and per year or version.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, and_, select, tuple_
from sqlalchemy.orm import Session

from backoffice.cases.models import Assessment, Case
from backoffice.core.errors import NotFound
from backoffice.core.requirements import requirement_title
from backoffice.core.spreadsheets import neutralised
from backoffice.core.vocabulary import outcome_label
from backoffice.organisations.models import Organisation

PAGE_SIZE = 50
CSV_BATCH = 2_000
NOT_RELEVANT = "Not Relevant"
CSV_HEADER = ("organisation", "ods_code", "organisation_type", "toolkit_version",
              "reporting_year", "published", "review_outcome", "requirement_levels")


@dataclass(frozen=True)
class Filters:
    search: str = ""
    org_type: str | None = None
    toolkit_version: int | None = None
    reporting_year: str | None = None


@dataclass(frozen=True)
class Cursor:
    """After this (published_at, assessment id), newest first."""

    published_at: datetime
    assessment_id: int

    def token(self) -> str:
        moment = self.published_at
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return f"{int(moment.timestamp() * 1_000_000)}.{self.assessment_id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        micros, _, ident = (token or "").partition(".")
        if not (micros.isascii() and micros.isdigit() and ident.isascii()
                and ident.isdigit() and len(micros) <= 17 and len(ident) <= 18):
            return None
        try:
            return cls(datetime.fromtimestamp(int(micros) / 1_000_000, UTC), int(ident))
        except (OverflowError, OSError, ValueError):
            return None


@dataclass(frozen=True)
class Score:
    requirement_id: str
    title: str
    level: str


@dataclass(frozen=True)
class Published:
    id: int
    organisation: str
    ods_code: str
    org_type: str
    toolkit_version: int
    reporting_year: str
    published_at: datetime
    outcome: str | None
    requirements: list

    @property
    def published(self) -> str:
        return f"{self.published_at:%Y-%m-%d}"

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome)

    @property
    def scores(self) -> list[Score]:
        return [_score(item, self.toolkit_version) for item in self.requirements]

    def csv_row(self) -> list:
        levels = "; ".join(f"{s.requirement_id}: {s.level}" for s in self.scores)
        return neutralised((self.organisation, self.ods_code, self.org_type,
                            self.toolkit_version, self.reporting_year, self.published,
                            self.outcome_label, levels))


def _score(item: dict, version: int | None = None) -> Score:
    requirement_id = str(item.get("id", ""))
    level = NOT_RELEVANT if item.get("not_relevant") else f"Level {item.get('level')}"
    return Score(requirement_id, requirement_title(requirement_id, version), level)


@dataclass
class Page:
    rows: list[Published]
    next_cursor: Cursor | None


def _confirmed():
    """The case's outcome once it is confirmed and published (whatever its letters)."""
    return and_(Case.id == Assessment.case_id, Case.published_at.is_not(None),
                Case.outcome.is_not(None))


def _searched(session: Session, search: str):
    """An organisation registered with exactly this ODS code (one index look-up); else
    every organisation whose name contains the words."""
    code = search.upper()
    found = session.scalar(select(Organisation.id).where(Organisation.ods_code == code)) \
        if len(code) <= 10 else None
    if found is not None:
        return Assessment.organisation_id == found
    return Assessment.organisation_id.in_(select(Organisation.id).where(
        Organisation.name.icontains(search, autoescape=True)))


def query(session: Session, filters: Filters) -> Select:
    found = (select(Assessment.id, Organisation.name, Organisation.ods_code,
                    Organisation.org_type, Assessment.toolkit_version,
                    Assessment.reporting_year, Assessment.published_at, Case.outcome,
                    Assessment.requirements)
             .join(Organisation, Organisation.id == Assessment.organisation_id)
             .outerjoin(Case, _confirmed()))
    if filters.search:
        found = found.where(_searched(session, filters.search))
    if filters.org_type:
        found = found.where(Organisation.org_type == filters.org_type)
    if filters.toolkit_version is not None:
        found = found.where(Assessment.toolkit_version == filters.toolkit_version)
    if filters.reporting_year:
        found = found.where(Assessment.reporting_year == filters.reporting_year)
    return found.order_by(Assessment.published_at.desc(), Assessment.id.desc())


def page(session: Session, filters: Filters, *, after: Cursor | None = None,
         size: int = PAGE_SIZE) -> Page:
    found = query(session, filters)
    if after is not None:
        found = found.where(tuple_(Assessment.published_at, Assessment.id)
                            < tuple_(after.published_at, after.assessment_id))
    rows = [Published(*row) for row in session.execute(found.limit(size + 1))]
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, Cursor(rows[-1].published_at, rows[-1].id) if more else None)


def one(session: Session, assessment_id: str) -> Published:
    if not (assessment_id.isascii() and assessment_id.isdigit() and len(assessment_id) < 18):
        raise NotFound(f"no published assessment {assessment_id}")
    found = query(session, Filters()).where(Assessment.id == int(assessment_id))
    row = session.execute(found).first()
    if row is None:
        raise NotFound(f"no published assessment {assessment_id}")
    return Published(*row)


def csv_lines(session: Session, filters: Filters) -> Iterator[str]:
    """The header, then every matching assessment, in batches from a server-side cursor."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()
    result = session.execute(query(session, filters).execution_options(yield_per=CSV_BATCH))
    try:
        for batch in result.partitions():
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(Published(*row).csv_row() for row in batch)
            yield buffer.getvalue()
    finally:
        result.close()
