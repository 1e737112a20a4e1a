"""A year's compliance report as it was sent: the file, its checksum and the counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.core.db import Base
from backoffice.users.models import User


class SentComplianceReport(Base):
    """The compliance report of a reporting year, once an admin sent it: exactly the XLSX
    sent to CQC and Monitor (the Publications page serves these bytes) and the Cabinet
    Office's counts per organisation category. One per year: sending again sends nothing."""

    __tablename__ = "compliance_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    reporting_year: Mapped[str] = mapped_column(String(7), unique=True)
    sent_at: Mapped[datetime]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    # [[category, published by 31 March, publications by 31 March, published late], ...]
    counts: Mapped[list[list[Any]]] = mapped_column(JSON)
    report_to: Mapped[list[str]] = mapped_column(JSON)
    summary_to: Mapped[list[str]] = mapped_column(JSON)

    sent_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"{self.reporting_year} compliance report"
