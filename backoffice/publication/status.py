"""Publication status per organisation and reporting year: published on time (before the
end of 31 March of the year's end year, UK time), published late, or not published; the
toolkit version of its latest publication that year; the latest outcome recorded on a case
that reviewed one of them.

A page is one query: the organisations, in ODS code order from a keyset, each with three
correlated look-ups into its year's assessments (index ``ix_assessments_organisation_year``)
and the cases reviewing them; filters by type, standing application type and status.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import Session

from backoffice.cases import calendar
from backoffice.cases.models import Assessment, Case, CaseReason
from backoffice.core.errors import NotFound
from backoffice.core.spreadsheets import neutralised
from backoffice.core.vocabulary import outcome_label
from backoffice.organisations.models import Organisation

PAGE_SIZE = 50
CSV_BATCH = 2_000
CSV_HEADER = ("ods_code", "organisation", "organisation_type", "reporting_year", "status",
              "first_published", "toolkit_version", "latest_outcome")


class Status(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    NOT_PUBLISHED = "not_published"

    @property
    def label(self) -> str:
        return {"on_time": "Published on time", "late": "Published late",
                "not_published": "Not published"}[self.value]


@dataclass(frozen=True)
class Filters:
    reporting_year: str
    org_type: str | None = None
    application_type: str | None = None
    status: Status | None = None


@dataclass(frozen=True)
class Row:
    ods_code: str
    organisation: str
    org_type: str
    reporting_year: str
    first_published: datetime | None
    toolkit_version: int | None
    outcome: str | None

    @property
    def status(self) -> Status:
        if self.first_published is None:
            return Status.NOT_PUBLISHED
        late = calendar.is_late(self.reporting_year, self.first_published)
        return Status.LATE if late else Status.ON_TIME

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome)

    def as_dict(self) -> dict:
        return {"reporting_year": self.reporting_year, "status": self.status.value,
                "first_published": self.first_published, "toolkit_version": self.toolkit_version,
                "latest_outcome": self.outcome}

    def csv_row(self) -> list:
        published = f"{self.first_published:%Y-%m-%d %H:%M}" if self.first_published else ""
        return neutralised((self.ods_code, self.organisation, self.org_type,
                            self.reporting_year, self.status.label, published,
                            self.toolkit_version or "", self.outcome_label))


@dataclass
class Page:
    rows: list[Row]
    next_after: str | None


def _year(year: str):
    return and_(Assessment.organisation_id == Organisation.id,
                Assessment.reporting_year == year)


def _columns(year: str) -> list:
    first = (select(Assessment.published_at).where(_year(year))
             .order_by(Assessment.published_at).limit(1).scalar_subquery())
    version = (select(Assessment.toolkit_version).where(_year(year))
               .order_by(Assessment.published_at.desc(), Assessment.id.desc())
               .limit(1).scalar_subquery())
    outcome = (select(Case.outcome).join(Assessment, Assessment.case_id == Case.id)
               .where(_year(year), Case.outcome.is_not(None))
               .order_by(Case.outcome_at.desc(), Case.id.desc()).limit(1).scalar_subquery())
    return [first.label("first_published"), version.label("toolkit_version"),
            outcome.label("outcome")]


def _status_condition(status: Status, year: str):
    published = select(Assessment.id).where(_year(year))
    before = published.where(Assessment.published_at < calendar.deadline(year))
    if status is Status.NOT_PUBLISHED:
        return ~exists(published)
    if status is Status.ON_TIME:
        return exists(before)
    return and_(exists(published), ~exists(before))


def query(filters: Filters) -> Select:
    """Every registered organisation matching the filters with its year, by ODS code."""
    found = select(Organisation.ods_code, Organisation.name, Organisation.org_type,
                   *_columns(filters.reporting_year))
    if filters.org_type:
        found = found.where(Organisation.org_type == filters.org_type)
    if filters.application_type:
        found = found.where(exists(
            select(CaseReason.id).join(Case, Case.id == CaseReason.case_id)
            .where(Case.organisation_id == Organisation.id,
                   CaseReason.application_type == filters.application_type)))
    if filters.status:
        found = found.where(_status_condition(filters.status, filters.reporting_year))
    return found.order_by(Organisation.ods_code)


def _row(row, year: str) -> Row:
    return Row(row.ods_code, row.name, row.org_type, year, row.first_published,
               row.toolkit_version, row.outcome)


def page(session: Session, filters: Filters, *, after: str | None = None,
         size: int = PAGE_SIZE) -> Page:
    """A page of organisations after the ODS code ``after`` (keyset paging)."""
    found = query(filters)
    if after and _storable(after):
        found = found.where(Organisation.ods_code > after)
    rows = session.execute(found.limit(size + 1)).all()
    more = len(rows) > size
    rows = [_row(row, filters.reporting_year) for row in rows[:size]]
    return Page(rows, rows[-1].ods_code if more and rows else None)


def csv_lines(session: Session, filters: Filters) -> Iterator[str]:
    """The header, then every matching organisation, read in batches (memory stays flat)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()
    result = session.execute(query(filters).execution_options(yield_per=CSV_BATCH))
    try:
        for batch in result.partitions():
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(_row(row, filters.reporting_year).csv_row() for row in batch)
            yield buffer.getvalue()
    finally:
        result.close()


@dataclass(frozen=True)
class OrganisationYears:
    ods_code: str
    name: str
    org_type: str
    years: list[Row]
    application_types: list[str]


def _storable(ods_code: str) -> bool:
    return len(ods_code) <= 10 and ods_code.isprintable()


def organisation_years(session: Session, ods_code: str) -> OrganisationYears:
    """One organisation's publication status for every reporting year it published in, and
    each year of the calendar; the application types its cases named."""
    organisation = session.scalar(select(Organisation).where(
        Organisation.ods_code == ods_code.upper())) if _storable(ods_code) else None
    if organisation is None:
        raise NotFound(f"no organisation {ods_code}")
    years = set(session.scalars(select(Assessment.reporting_year).where(
        Assessment.organisation_id == organisation.id)))
    years |= set(calendar.load(session).values())
    rows = []
    for year in sorted(years):
        row = session.execute(query(Filters(year)).where(
            Organisation.id == organisation.id)).one()
        rows.append(_row(row, year))
    types = sorted(set(session.scalars(
        select(CaseReason.application_type).join(Case, Case.id == CaseReason.case_id)
        .where(Case.organisation_id == organisation.id))))
    return OrganisationYears(organisation.ods_code, organisation.name, organisation.org_type,
                             rows, types)
