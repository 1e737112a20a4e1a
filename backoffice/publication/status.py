"""Publication status per organisation and reporting year: published on time (before the
end of 31 March of the year's end year, UK time), published late, or not published; the
toolkit version of its latest publication that year; the latest outcome of a closed case
that reviewed one of them.

Read from the per-organisation-per-year summary rows (``cases.publications``), which the
notification engine and the case lifecycle keep: a page is the organisations in ODS code
order after a keyset cursor (``core.keyset``), left-joined to their year's row by its unique
index; "not published" is the anti-join (no row for the year).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import Session

from backoffice.cases import calendar
from backoffice.cases.models import Case, CaseReason
from backoffice.cases.publications import PublicationYear, Status
from backoffice.core.errors import NotFound
from backoffice.core.keyset import decode_cursor, encode_cursor
from backoffice.core.spreadsheets import neutralised
from backoffice.core.vocabulary import outcome_label
from backoffice.organisations.models import Organisation

PAGE_SIZE = 50
CSV_BATCH = 2_000
CSV_HEADER = ("ods_code", "organisation", "organisation_type", "reporting_year", "status",
              "first_published", "toolkit_version", "latest_outcome")


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
    stored_status: str | None = None  # None: no publication that year

    @property
    def status(self) -> Status:
        return Status(self.stored_status) if self.stored_status else Status.NOT_PUBLISHED

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


KEYSET = (Organisation.ods_code,)


def _year_row(year: str):
    return and_(PublicationYear.organisation_id == Organisation.id,
                PublicationYear.reporting_year == year)


def query(filters: Filters) -> Select:
    """Every registered organisation matching the filters with its year, by ODS code."""
    found = (select(Organisation.ods_code, Organisation.name, Organisation.org_type,
                    PublicationYear.first_published_at, PublicationYear.toolkit_version,
                    PublicationYear.latest_outcome, PublicationYear.status)
             .outerjoin(PublicationYear, _year_row(filters.reporting_year)))
    if filters.org_type:
        found = found.where(Organisation.org_type == filters.org_type)
    if filters.application_type:
        found = found.where(exists(
            select(CaseReason.id).join(Case, Case.id == CaseReason.case_id)
            .where(Case.organisation_id == Organisation.id,
                   CaseReason.application_type == filters.application_type)))
    if filters.status is Status.NOT_PUBLISHED:
        found = found.where(PublicationYear.id.is_(None))
    elif filters.status:
        found = found.where(PublicationYear.status == filters.status.value)
    return found.order_by(Organisation.ods_code)


def _row(row, year: str) -> Row:
    return Row(row.ods_code, row.name, row.org_type, year, row.first_published_at,
               row.toolkit_version, row.latest_outcome, row.status)


def page(session: Session, filters: Filters, *, after: str | None = None,
         size: int = PAGE_SIZE) -> Page:
    """A page of organisations after the cursor ``after`` (keyset paging on the ODS code)."""
    found = query(filters)
    key = decode_cursor(after, KEYSET)
    if key is not None:
        found = found.where(Organisation.ods_code > key[0])
    rows = session.execute(found.limit(size + 1)).all()
    more = len(rows) > size
    rows = [_row(row, filters.reporting_year) for row in rows[:size]]
    return Page(rows, encode_cursor((rows[-1].ods_code,)) if more and rows else None)


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
    stored = {row.reporting_year: row for row in session.scalars(
        select(PublicationYear).where(PublicationYear.organisation_id == organisation.id))}
    years = set(stored) | set(calendar.load(session).values())
    rows = [_stored_row(organisation, year, stored.get(year)) for year in sorted(years)]
    types = sorted(set(session.scalars(
        select(CaseReason.application_type).join(Case, Case.id == CaseReason.case_id)
        .where(Case.organisation_id == organisation.id))))
    return OrganisationYears(organisation.ods_code, organisation.name, organisation.org_type,
                             rows, types)


def _stored_row(organisation: Organisation, year: str, stored: PublicationYear | None) -> Row:
    if stored is None:
        return Row(organisation.ods_code, organisation.name, organisation.org_type, year,
                   None, None, None)
    return Row(organisation.ods_code, organisation.name, organisation.org_type, year,
               stored.first_published_at, stored.toolkit_version, stored.latest_outcome,
               stored.status)
