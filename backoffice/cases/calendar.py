"""The version calendar: which toolkit version serves which reporting year, and the
publication deadline of a year (31 March of its end year, end of day, UK time).

A publication is accepted whatever it says; ``publication_flags`` names what disagrees
with the calendar, for the engine's planner to record on the assessment (and so its case).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.core.audit import Audited
from backoffice.core.db import Base, Timestamps
from backoffice.core.vocabulary import FLAG_LABELS, CaseFlag

__all__ = ["BASELINE", "FLAG_LABELS", "LATE_PUBLICATION", "VERSION_YEAR_MISMATCH",
           "publication_flags"]

UK = ZoneInfo("Europe/London")

VERSION_YEAR_MISMATCH = CaseFlag.VERSION_YEAR_MISMATCH.value
LATE_PUBLICATION = CaseFlag.LATE_PUBLICATION.value
# The organisation's first publication (the engine writes it): its baseline assessment, where
# levels 0 and 1 could be regarded as acceptable with an improvement plan (001).
BASELINE = CaseFlag.BASELINE.value


class ToolkitVersion(Audited, Timestamps, Base):
    """A toolkit version, the reporting year it serves and when it was released."""

    __tablename__ = "toolkit_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    reporting_year: Mapped[str] = mapped_column(String(7))
    released_on: Mapped[date | None] = mapped_column(Date)

    def __str__(self) -> str:
        return f"v{self.version} ({self.reporting_year})"


def end_year(reporting_year: str) -> int:
    """``2015/16`` ends in 2016."""
    return int(reporting_year[:4]) + 1


def deadline(reporting_year: str) -> datetime:
    """The first moment (UTC, aware) that is late: 1 April of the end year, 00:00 UK time."""
    day_after = date(end_year(reporting_year), 3, 31) + timedelta(days=1)
    return datetime.combine(day_after, time(), tzinfo=UK).astimezone(UTC)


def is_late(reporting_year: str, published_at: datetime) -> bool:
    if published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=UTC)
    return published_at >= deadline(reporting_year)


def load(session: Session) -> dict[int, str]:
    """The calendar: each known version's reporting year."""
    return dict(session.execute(
        select(ToolkitVersion.version, ToolkitVersion.reporting_year)).tuples().all())


def publication_flags(calendar: dict[int, str], *, version: int, reporting_year: str,
                      published_at: datetime) -> list[str]:
    """What a publication does against the calendar: a version the calendar gives another
    year (a version it does not know is not flagged), and a publication after the deadline."""
    flags = []
    if calendar.get(version, reporting_year) != reporting_year:
        flags.append(VERSION_YEAR_MISMATCH)
    if is_late(reporting_year, published_at):
        flags.append(LATE_PUBLICATION)
    return flags
