"""The annual compliance report: who published in a reporting year by its 31 March, and at
what level.

Everything is bounded by the year's deadline (the end of 31 March, UK time:
``cases.calendar.deadline``). Part (a), for CQC and Monitor: each organisation that published
by then, with its attainment level per requirement from its latest publication before the
deadline, the requirements grouped by the toolkit's six initiatives
(``core.requirements.initiative``); organisations whose first publication of the year came
after the deadline are listed apart, as late, with their latest publication. Part (b), for the
Cabinet Office: per organisation category, how many organisations published by 31 March
(each counted once), how many publications there were by then (republications included), and
how many organisations published late. Rows are streamed from the database, never held at
once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backoffice.cases import calendar
from backoffice.cases.models import Assessment
from backoffice.cases.publications import PublicationYear, Status
from backoffice.core.errors import InvalidInput, ServiceError
from backoffice.core.requirements import in_initiative_order
from backoffice.core.vocabulary import ORGANISATION_CATEGORY
from backoffice.organisations.models import Organisation

YEAR_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")
LAST_START_YEAR = date.max.year - 2  # its year's dates (to 31 March after the next) exist
STREAM_BATCH = 1000
NOT_RELEVANT = "Not relevant"
ATTAINMENT_HEADINGS = ("ODS code", "Organisation", ORGANISATION_CATEGORY, "Toolkit version",
                       "Published")
COUNT_HEADINGS = (ORGANISATION_CATEGORY, "Organisations that published by 31 March",
                  "Publications by 31 March (including republications)",
                  "Organisations that published late")


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

    @property
    def deadline(self) -> datetime:
        """The first moment that is late (``cases.calendar.deadline``)."""
        return calendar.deadline(self.label)


def require_available(year: ReportingYear, *, today: date) -> None:
    """The report for a year exists once its 31 March has passed; before, say when."""
    if today < year.available_from:
        raise ReportNotYetAvailable(
            f"The {year.label} compliance report is available from "
            f"{year.available_from:%-d %B %Y}, once the year has ended on "
            f"{year.ends:%-d %B %Y}.", field="year")


def _in_time(year: ReportingYear, *, late: bool):
    """By 31 March: published before the deadline. Late: of an organisation whose first
    publication of the year came after it (its year's status is late)."""
    if not late:
        return Assessment.published_at < year.deadline
    return Assessment.organisation_id.in_(select(PublicationYear.organisation_id).where(
        PublicationYear.reporting_year == year.label,
        PublicationYear.status == Status.LATE.value))


def _latest_publications(year: ReportingYear, *, late: bool = False):
    """Each organisation's latest assessment of the year, by 31 March (or, ``late``, of the
    organisations that published late), as a subquery."""
    ranked = (select(Assessment.organisation_id, Assessment.toolkit_version,
                     Assessment.published_at, Assessment.requirements,
                     func.row_number().over(
                         partition_by=Assessment.organisation_id,
                         order_by=(Assessment.published_at.desc(), Assessment.id.desc())
                     ).label("rank"))
              .where(Assessment.reporting_year == year.label, _in_time(year, late=late))
              .subquery("ranked"))
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


def count_publishers(session: Session, *, year: ReportingYear, late: bool = False) -> int:
    """How many organisations published by 31 March (the rows of part (a)), or late."""
    return session.scalar(select(func.count(func.distinct(Assessment.organisation_id)))
                          .where(Assessment.reporting_year == year.label,
                                 _in_time(year, late=late))) or 0


def requirement_ids(session: Session, *, year: ReportingYear) -> list[str]:
    """Every requirement any latest publication of the year (by 31 March or late) answers,
    grouped by initiative, in numeric order within each."""
    found: set[str] = set()
    _reading_everything(session)
    for late in (False, True):
        latest = _latest_publications(year, late=late)
        rows = session.execute(select(latest.c.requirements).where(latest.c.rank == 1)
                               .execution_options(yield_per=STREAM_BATCH))
        for (requirements,) in rows:
            found.update(str(r["id"]) for r in requirements)
    return in_initiative_order(found)


def attainment_rows(session: Session, *, year: ReportingYear,
                    late: bool = False) -> Iterator[AttainmentRow]:
    """Part (a): one row per organisation that published by 31 March (or, ``late``, after
    it), its latest such publication's levels, by ODS code."""
    latest = _latest_publications(year, late=late)
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


def counts_by_type(session: Session, *,
                   year: ReportingYear) -> list[tuple[str, int, int, int]]:
    """Part (b): per organisation category, the organisations that published by 31 March,
    their publications by then, and the organisations that published late."""
    in_time = {org_type: (organisations, publications) for org_type, organisations,
               publications in session.execute(
        select(Organisation.org_type, func.count(func.distinct(Assessment.organisation_id)),
               func.count(Assessment.id))
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(Assessment.reporting_year == year.label, _in_time(year, late=False))
        .group_by(Organisation.org_type))}
    late = dict(session.execute(
        select(Organisation.org_type, func.count(PublicationYear.id))
        .join(Organisation, Organisation.id == PublicationYear.organisation_id)
        .where(PublicationYear.reporting_year == year.label,
               PublicationYear.status == Status.LATE.value)
        .group_by(Organisation.org_type)).tuples().all())
    return [(org_type, *in_time.get(org_type, (0, 0)), late.get(org_type, 0))
            for org_type in sorted(set(in_time) | set(late))]


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
