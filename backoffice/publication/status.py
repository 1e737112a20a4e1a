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

from sqlalchemy import Select, and_, exists, null, select
from sqlalchemy.orm import Session

from backoffice.cases import calendar
from backoffice.cases.models import Case, CaseReason
from backoffice.cases.publications import PublicationYear, Status
from backoffice.cases.standing import StandingApplication
from backoffice.core.errors import NotFound
from backoffice.core.keyset import decode_cursor, encode_cursor
from backoffice.core.spreadsheets import neutralised
from backoffice.core.vocabulary import outcome_label
from backoffice.organisations.models import Organisation

PAGE_SIZE = 50
# organisations a filtered page searches at most (so a page's work stays bounded)
SEARCH_WINDOW = 2_000
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
    searched_to: str | None = None  # a filtered page that stopped searching at this ODS code


KEYSET = (Organisation.ods_code,)
YEAR_COLUMNS = ("first_published_at", "toolkit_version", "latest_outcome", "status")


def _year_row(year: str):
    return and_(PublicationYear.organisation_id == Organisation.id,
                PublicationYear.reporting_year == year)


def query(filters: Filters) -> Select:
    """Every registered organisation matching the filters with its year, by ODS code."""
    if filters.status is Status.NOT_PUBLISHED:  # an anti-join: no row for the year
        found = (select(Organisation.ods_code, Organisation.name, Organisation.org_type,
                        *(null().label(name) for name in YEAR_COLUMNS))
                 .where(~exists(select(PublicationYear.id)
                                .where(_year_row(filters.reporting_year)))))
    else:
        found = (select(Organisation.ods_code, Organisation.name, Organisation.org_type,
                        *(getattr(PublicationYear, name) for name in YEAR_COLUMNS))
                 .outerjoin(PublicationYear, _year_row(filters.reporting_year)))
    if filters.status in (Status.ON_TIME, Status.LATE):
        found = found.where(PublicationYear.status == filters.status.value)
    if filters.org_type:
        found = found.where(Organisation.org_type == filters.org_type)
    if filters.application_type:
        found = found.where(exists(  # it holds one now (not ended)
            select(StandingApplication.id)
            .where(StandingApplication.organisation_id == Organisation.id,
                   StandingApplication.application_type == filters.application_type,
                   StandingApplication.ended_at.is_(None))))
    return found.order_by(Organisation.ods_code)


def _row(row, year: str) -> Row:
    return Row(row.ods_code, row.name, row.org_type, year, row.first_published_at,
               row.toolkit_version, row.latest_outcome, row.status)


def _searched_up_to(session: Session, filters: Filters, after: str | None) -> str | None:
    """The last ODS code of the stretch a filtered page searches (``SEARCH_WINDOW``
    organisations after the cursor), or None when the stretch reaches the last one."""
    found = select(Organisation.ods_code).order_by(Organisation.ods_code)
    if filters.org_type:
        found = found.where(Organisation.org_type == filters.org_type)
    if after is not None:
        found = found.where(Organisation.ods_code > after)
    last_and_next = session.scalars(found.offset(SEARCH_WINDOW - 1).limit(2)).all()
    return last_and_next[0] if len(last_and_next) == 2 else None


def _narrowed(filters: Filters) -> bool:
    return filters.status is not None or filters.application_type is not None


def page(session: Session, filters: Filters, *, after: str | None = None,
         size: int = PAGE_SIZE) -> Page:
    """A page of organisations after the cursor ``after`` (keyset paging on the ODS code).

    A status or application filter searches at most ``SEARCH_WINDOW`` organisations per
    page (when few match, as "not published" after a year most published, a page would
    otherwise read every organisation): fewer rows than a page then come with the ODS code
    the search reached and a cursor to go on from there.
    """
    found = query(filters)
    key = decode_cursor(after, KEYSET)
    start = key[0] if key is not None else None
    if start is not None:
        found = found.where(Organisation.ods_code > start)
    searched_to = _searched_up_to(session, filters, start) if _narrowed(filters) else None
    if searched_to is not None:
        found = found.where(Organisation.ods_code <= searched_to)
    rows = session.execute(found.limit(size + 1)).all()
    more = len(rows) > size
    rows = [_row(row, filters.reporting_year) for row in rows[:size]]
    if more:
        return Page(rows, encode_cursor((rows[-1].ods_code,)))
    return Page(rows, encode_cursor((searched_to,)) if searched_to else None, searched_to)


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
