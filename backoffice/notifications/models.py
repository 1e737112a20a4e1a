from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.core.db import Base, utcnow
from backoffice.core.display import day
from backoffice.organisations.models import Organisation


class NotificationStatus(StrEnum):
    ACCEPTED = "accepted"        # valid, stored, not processed yet
    PROCESSED = "processed"      # assessment recorded (and a case opened where due)
    UNMATCHED = "unmatched"      # organisation not registered: waits for the helpdesk
    REJECTED = "rejected"        # malformed: stored with its errors
    CONFLICT = "conflict"        # a known notification_id with a different body


FINAL_STATUSES = (NotificationStatus.PROCESSED, NotificationStatus.REJECTED,
                  NotificationStatus.CONFLICT)
# Rejected and conflicting copies do not count: one counted row per notification_id.
COUNTED = "status NOT IN ('rejected', 'conflict')"


class Notification(Base):
    """Every signed request (and every imported record), stored verbatim before anything else."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("uq_notifications_notification_id", "notification_id", unique=True,
              postgresql_where=text(COUNTED), sqlite_where=text(COUNTED)),
        Index("ix_notifications_pending", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20), default="webhook")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    raw_body: Mapped[bytes] = mapped_column(LargeBinary)
    body_sha256: Mapped[str] = mapped_column(String(64))
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20))
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    ods_code: Mapped[str | None] = mapped_column(String(10), index=True)
    organisation_name: Mapped[str | None] = mapped_column(String(255))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    processed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship()
    case = relationship("Case", foreign_keys=[case_id])

    @property
    def body_text(self) -> str:
        return self.raw_body.decode("utf-8", errors="replace")

    def __str__(self) -> str:
        return self.notification_id or f"notification #{self.id}"


class Assessment(Base):
    """A published self-assessment, as the notification gave it; a case may review it."""

    __tablename__ = "assessments"
    # A case's latest assessment (republications) by one index lookup.
    __table_args__ = (Index("ix_assessments_case_latest", "case_id", "published_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_pk: Mapped[int] = mapped_column(ForeignKey("notifications.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    toolkit_version: Mapped[int]
    reporting_year: Mapped[str] = mapped_column(String(7), index=True)
    published_at: Mapped[datetime]
    requirements: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    improvement_plan: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    covers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    applications: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    organisation: Mapped[Organisation] = relationship()
    notification: Mapped[Notification] = relationship()
    case = relationship("Case", foreign_keys=[case_id])

    def __str__(self) -> str:
        published = day(self.published_at)
        return f"v{self.toolkit_version} {self.reporting_year} published {published}"
