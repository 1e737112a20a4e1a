"""The annual compliance report: who published in a reporting year, and at what level.

Part (a), for CQC and Monitor: each organisation that published an assessment in the
year, with its attainment level per requirement, from its latest publication that year.
Part (b), for the Cabinet Office: per organisation category, how many organisations published
(each counted once, by its latest publication) and how many publications there were in
all (republications included). Rows are streamed from the database, never held at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backoffice.cases.models import Assessment
from backoffice.core.errors import InvalidInput, ServiceError
from backoffice.core.vocabulary import ORGANISATION_CATEGORY
from backoffice.organisations.models import Organisation

YEAR_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")
LAST_START_YEAR = date.max.year - 2  # its year's dates (to 31 March after the next) exist
STREAM_BATCH = 1000
NOT_RELEVANT = "Not relevant"
ATTAINMENT_HEADINGS = ("ODS code", "Organisation", ORGANISATION_CATEGORY, "Toolkit version",
                       "Published")
COUNT_HEADINGS = (ORGANISATION_CATEGORY, "Organisations that published",
                  "Publications (including republications)")


class ReportNotYetAvailable(ServiceError):
    """The reporting year has not ended yet."""


@dataclass(frozen=True)
class ReportingYear:
    """A toolkit reporting year, 1 April to 31 March, e.g. 2015/16."""

    start: int

    @classmethod
    def parse(cls, text: str) -> ReportingYear:
        match = YEAR_PATTERN.match((text or "").strip())
        if not match or int(match.group(2)) != (int(match.group(1)) + 1) % 100 \
                or int(match.group(1)) > LAST_START_YEAR:
            raise InvalidInput(f"{text!r} is not a reporting year: write it like 2015/16",
                               field="year")
        return cls(int(match.group(1)))

    @property
    def label(self) -> str:
        return f"{self.start}/{(self.start + 1) % 100:02d}"

    @property
    def ends(self) -> date:
        return date(self.start + 1, 3, 31)

    @property
    def available_from(self) -> date:
        return date(self.start + 1, 4, 1)


def require_available(year: ReportingYear, *, today: date) -> None:
    """The report for a year exists once its 31 March has passed; before, say when."""
    if today < year.available_from:
        raise ReportNotYetAvailable(
            f"The {year.label} compliance report is available from "
            f"{year.available_from:%-d %B %Y}, once the year has ended on "
            f"{year.ends:%-d %B %Y}.", field="year")


def _latest_publications(year: ReportingYear):
    """Each organisation's latest assessment published in the year, as a subquery."""
    ranked = (select(Assessment.organisation_id, Assessment.toolkit_version,
                     Assessment.published_at, Assessment.requirements,
                     func.row_number().over(
                         partition_by=Assessment.organisation_id,
                         order_by=(Assessment.published_at.desc(), Assessment.id.desc())
                     ).label("rank"))
              .where(Assessment.reporting_year == year.label).subquery("ranked"))
    return ranked


@dataclass
class AttainmentRow:
    ods_code: str
    name: str
    org_type: str
    toolkit_version: int
    published: date
    levels: dict[str, int | str]

    def cells(self, requirement_ids: list[str]) -> list:
        return [self.ods_code, self.name, self.org_type, self.toolkit_version,
                self.published, *(self.levels.get(r) for r in requirement_ids)]


def _levels(requirements: list[dict]) -> dict[str, int | str]:
    return {str(r["id"]): NOT_RELEVANT if r.get("not_relevant") else r.get("level")
            for r in requirements}


def _published_date(moment: datetime) -> date:
    """The UTC date (PostgreSQL answers in the session's time zone, SQLite in UTC)."""
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


def _reading_everything(session: Session) -> None:
    """Tell PostgreSQL the streamed rows will all be read, so it plans for all of them.

    A server-side cursor otherwise plans for the first 10% (cursor_tuple_fraction), and
    picks a plan that re-runs the ranking for every organisation.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))


def count_publishers(session: Session, *, year: ReportingYear) -> int:
    """How many organisations published in the year (the rows of part (a))."""
    return session.scalar(select(func.count(func.distinct(Assessment.organisation_id)))
                          .where(Assessment.reporting_year == year.label)) or 0


def requirement_ids(session: Session, *, year: ReportingYear) -> list[str]:
    """Every requirement any latest publication of the year answers, in numeric order."""
    found: set[str] = set()
    latest = _latest_publications(year)
    _reading_everything(session)
    rows = session.execute(select(latest.c.requirements).where(latest.c.rank == 1)
                           .execution_options(yield_per=STREAM_BATCH))
    for (requirements,) in rows:
        found.update(str(r["id"]) for r in requirements)
    return sorted(found, key=lambda rid: (len(rid), rid))


def attainment_rows(session: Session, *, year: ReportingYear) -> Iterator[AttainmentRow]:
    """Part (a): one row per organisation, its latest publication's levels, by ODS code."""
    latest = _latest_publications(year)
    _reading_everything(session)
    rows = session.execute(
        select(Organisation.ods_code, Organisation.name, Organisation.org_type,
               latest.c.toolkit_version, latest.c.published_at, latest.c.requirements)
        .join(Organisation, Organisation.id == latest.c.organisation_id)
        .where(latest.c.rank == 1)
        .order_by(Organisation.ods_code)
        .execution_options(yield_per=STREAM_BATCH))
    for ods_code, name, org_type, version, published_at, requirements in rows:
        yield AttainmentRow(ods_code, name, org_type, version, _published_date(published_at),
                            _levels(requirements))


def counts_by_type(session: Session, *, year: ReportingYear) -> list[tuple[str, int, int]]:
    """Part (b): per organisation category, organisations that published and all publications."""
    rows = session.execute(
        select(Organisation.org_type, func.count(func.distinct(Assessment.organisation_id)),
               func.count(Assessment.id))
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(Assessment.reporting_year == year.label)
        .group_by(Organisation.org_type).order_by(Organisation.org_type))
    return [(org_type, organisations, publications)
            for org_type, organisations, publications in rows]


def reporting_years(session: Session) -> list[str]:
    """The years with at least one published assessment, latest first."""
    return list(session.scalars(select(Assessment.reporting_year).distinct()
                                .order_by(Assessment.reporting_year.desc())))


def reportable_years(session: Session, *, today: date) -> list[str]:
    """The years with a publication whose 31 March has passed: the ones a report exists for."""
    years = []
    for written in reporting_years(session):
        try:
            year = ReportingYear.parse(written)
        except InvalidInput:
            continue
        if year.available_from <= today:
            years.append(year.label)
    return years
