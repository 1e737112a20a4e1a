from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.core.audit import Audited
from backoffice.core.db import Base, Timestamps
from backoffice.organisations.models import Organisation
from backoffice.users.models import User


class ExemptionStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class Exemption(Audited, Timestamps, Base):
    __tablename__ = "exemptions"
    __table_args__ = (
        Index("ix_exemptions_lookup", "organisation_id", "toolkit_version", "requirement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    toolkit_version: Mapped[int]
    requirement_id: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ExemptionStatus.REQUESTED.value,
                                        index=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __str__(self) -> str:
        return (f"Exemption of {self.requirement_id} for {self.organisation.ods_code} "
                f"v{self.toolkit_version} ({self.status})")
