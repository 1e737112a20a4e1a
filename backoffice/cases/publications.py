"""Each organisation's publication in each reporting year, kept as one summary row.

A row exists once the organisation published in the year: its first and latest
publication, on time (first one before the end of 31 March, UK time) or late, the toolkit
version of its latest publication, and the outcome of the latest closed case that reviewed
one of them. "Not published" is the absence of a row.

Two writers keep it: the notification engine (``notifications.engine`` plans a
``YearPublished`` per organisation and year of a batch; both of its writers merge it with
``merged``), and the case lifecycle (``refresh_outcomes`` as a case closes or reopens).
The publication status screen, its CSV, the API and the compliance report read it, so a
page is an index range scan however many assessments there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.cases import calendar
from backoffice.cases.models import Assessment, Case
from backoffice.core.db import Base


class Status(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    NOT_PUBLISHED = "not_published"

    @property
    def label(self) -> str:
        return {"on_time": "Published on time", "late": "Published late",
                "not_published": "Not published"}[self.value]


class PublicationYear(Base):
    """An organisation's publications in one reporting year, summed up."""

    __tablename__ = "publication_years"
    __table_args__ = (
        Index("uq_publication_years_organisation_year", "organisation_id", "reporting_year",
              unique=True),
        # a year's organisations by status: the filtered screen and the report's counts
        Index("ix_publication_years_year_status", "reporting_year", "status",
              "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    reporting_year: Mapped[str] = mapped_column(String(7))
    first_published_at: Mapped[datetime]
    last_published_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    toolkit_version: Mapped[int]
    publications: Mapped[int] = mapped_column(default=1, server_default="1")
    latest_outcome: Mapped[str | None] = mapped_column(String(40))
    outcome_at: Mapped[datetime | None]


@dataclass
class YearPublished:
    """What a batch of publications says of one organisation's year (or a row as stored)."""

    organisation_id: int
    reporting_year: str
    first_published_at: datetime
    last_published_at: datetime
    toolkit_version: int
    publications: int = 1

    @classmethod
    def of(cls, row: PublicationYear) -> YearPublished:
        return cls(row.organisation_id, row.reporting_year, row.first_published_at,
                   row.last_published_at, row.toolkit_version, row.publications)

    @property
    def key(self) -> tuple[int, str]:
        return self.organisation_id, self.reporting_year

    @property
    def status(self) -> Status:
        late = calendar.is_late(self.reporting_year, self.first_published_at)
        return Status.LATE if late else Status.ON_TIME

    def values(self) -> dict:
        """The row's columns this summary decides (the outcome is the lifecycle's)."""
        return {"organisation_id": self.organisation_id, "reporting_year": self.reporting_year,
                "first_published_at": self.first_published_at,
                "last_published_at": self.last_published_at, "status": self.status.value,
                "toolkit_version": self.toolkit_version, "publications": self.publications}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def merged(earlier: YearPublished | None, later: YearPublished) -> YearPublished:
    """The year with ``later``'s publications added: the earliest first, the latest last,
    the version of the latest (a tie goes to what came in later)."""
    if earlier is None:
        return later
    newer = _aware(later.last_published_at) >= _aware(earlier.last_published_at)
    return YearPublished(
        earlier.organisation_id, earlier.reporting_year,
        min(earlier.first_published_at, later.first_published_at, key=_aware),
        later.last_published_at if newer else earlier.last_published_at,
        later.toolkit_version if newer else earlier.toolkit_version,
        earlier.publications + later.publications)


def in_batch(published: list[tuple[int, str, datetime, int]]) -> list[YearPublished]:
    """Each organisation's years in a batch of (organisation, year, published at, version),
    in the batch's order, merged."""
    years: dict[tuple[int, str], YearPublished] = {}
    for organisation_id, year, published_at, version in published:
        one = YearPublished(organisation_id, year, published_at, published_at, version)
        years[one.key] = merged(years.get(one.key), one)
    return list(years.values())


def refresh_outcomes(session: Session, case) -> None:
    """The latest outcome of each year the case reviewed a publication of: that of the
    latest case whose outcome is confirmed (published) among those reviewing the year, as an
    outcome is confirmed, withdrawn, or its case closes or reopens."""
    session.flush()
    years = set(session.scalars(select(Assessment.reporting_year).where(
        Assessment.case_id == case.id)))
    for year in sorted(years):
        row = session.scalar(select(PublicationYear).where(
            PublicationYear.organisation_id == case.organisation_id,
            PublicationYear.reporting_year == year))
        if row is None:
            continue
        latest = session.execute(
            select(Case.outcome, Case.published_at)
            .join(Assessment, Assessment.case_id == Case.id)
            .where(Assessment.organisation_id == case.organisation_id,
                   Assessment.reporting_year == year, Case.published_at.is_not(None),
                   Case.outcome.is_not(None))
            .order_by(Case.published_at.desc(), Case.id.desc()).limit(1)).first()
        row.latest_outcome, row.outcome_at = latest if latest else (None, None)
