from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.core.audit import Audited
from backoffice.core.db import Base, Timestamps, utcnow
from backoffice.core.display import day
from backoffice.core.vocabulary import CLOCK_PAUSED, CLOCK_RUNNING, CaseStatus
from backoffice.organisations.models import Organisation
from backoffice.users.models import User

_OPEN = f"status != '{CaseStatus.CLOSED.value}'"
_PUBLISHED = "published_at IS NOT NULL AND outcome IS NOT NULL"


class Case(Audited, Timestamps, Base):
    __tablename__ = "cases"
    __audit_ignored__ = frozenset({"created_at", "updated_at", "version"})
    __table_args__ = (
        # One open case per organisation: a republication attaches to it.
        Index("uq_cases_open_per_organisation", "organisation_id", unique=True,
              postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
        # The queue's orders (see reviews/admin.py keyset_sorts), each with the id last. The
        # open cases' one also carries status and assignee, so that the dashboard's
        # aggregates over open cases (a small part of all) read the index alone.
        Index("ix_cases_queue", "status", "due_date", "opened_at", "id"),
        Index("ix_cases_urgency", "due_date", "opened_at", "id"),
        Index("ix_cases_open_urgency", "due_date", "opened_at", "id", "status", "assigned_to_id",
              postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
        Index("ix_cases_assignee_queue", "assigned_to_id", "due_date", "opened_at", "id",
              postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
        # The public outcomes report pages through published outcomes, newest first, also
        # those of one toolkit version or one reporting year (an old year is a short walk).
        Index("ix_cases_published", "published_at", "id",
              postgresql_where=text(_PUBLISHED), sqlite_where=text(_PUBLISHED)),
        Index("ix_cases_published_version", "toolkit_version", "published_at", "id",
              postgresql_where=text(_PUBLISHED), sqlite_where=text(_PUBLISHED)),
        Index("ix_cases_published_year", "reporting_year", "published_at", "id",
              postgresql_where=text(_PUBLISHED), sqlite_where=text(_PUBLISHED)),
        # The dashboard's last weeks of openings, outcomes and closures.
        Index("ix_cases_opened_at", "opened_at"),
        Index("ix_cases_outcome_at", "outcome_at"),
        Index("ix_cases_closed_at", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(30), default=CaseStatus.UNASSIGNED.value)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_date: Mapped[date]
    republished: Mapped[bool] = mapped_column(default=False)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(40))
    outcome_reasons: Mapped[str] = mapped_column(Text, default="", server_default="")
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome_at: Mapped[datetime | None]
    plan_accepted: Mapped[bool] = mapped_column(default=False, server_default=false())
    paused_working_days: Mapped[int] = mapped_column(default=0, server_default="0")
    closed_at: Mapped[datetime | None]
    # When the outcome was confirmed (recorded; signed off where sign-off applies) and so
    # published on the public report; its letters go out behind it. None: not published.
    published_at: Mapped[datetime | None]
    # Of the assessment the outcome was published with (the latest), set as it is published.
    toolkit_version: Mapped[int | None]
    reporting_year: Mapped[str | None] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    organisation: Mapped[Organisation] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    outcome_by: Mapped[User | None] = relationship(foreign_keys=[outcome_by_id])
    reasons: Mapped[list[CaseReason]] = relationship(
        back_populates="case", order_by="CaseReason.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED

    def publish(self, latest_assessment: Assessment | None, at: datetime | None = None) -> None:
        """As its outcome is confirmed (``lifecycle.confirm``): the outcome is published with
        its latest assessment's version and year, whether or not its letters are delivered."""
        self.published_at = at or utcnow()
        self.toolkit_version = latest_assessment.toolkit_version if latest_assessment else None
        self.reporting_year = latest_assessment.reporting_year if latest_assessment else None

    def withdraw(self) -> None:
        """Its outcome is no longer confirmed (a sign-off voided): off the public report until
        it is confirmed again; the outcome stays on the case."""
        self.published_at = None
        self.toolkit_version = self.reporting_year = None

    def unpublish(self) -> None:
        """As it reopens (``lifecycle.reopen``): nothing of it is published until an outcome
        is confirmed again."""
        self.closed_at = self.outcome = None
        self.withdraw()

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.outcome is not None

    @property
    def clock_paused(self) -> bool:
        """Awaiting information from the organisation: the SLA clock is stopped."""
        return self.status == CLOCK_PAUSED

    @property
    def clock_running(self) -> bool:
        """Open and not awaiting information: the SLA clock runs (see the vocabulary)."""
        return self.status in CLOCK_RUNNING

    def is_overdue(self, today: date) -> bool:
        """Its SLA clock running, and past its due date."""
        return self.clock_running and self.due_date < today

    @classmethod
    def in_status(cls, status: CaseStatus):
        """``status = '<status>'`` written out, so a prepared statement's plan uses the index."""
        return cls.status == literal_column(f"'{CaseStatus(status).value}'")

    @classmethod
    def open_condition(cls):
        """``is_open`` as a query condition, written out so the partial indexes apply."""
        return cls.status.op("<>")(literal_column(f"'{CaseStatus.CLOSED.value}'"))

    @classmethod
    def clock_running_condition(cls):
        """``clock_running`` as a query condition: open and not paused, written out so the
        partial indexes apply."""
        return cls.open_condition() & cls.status.op("<>")(
            literal_column(f"'{CLOCK_PAUSED.value}'"))

    @classmethod
    def overdue(cls, today: date):
        """``is_overdue`` as a query condition."""
        return (cls.due_date < today) & cls.clock_running_condition()

    def audit_label(self) -> str:
        return self.reference

    def __str__(self) -> str:
        return self.reference


class CaseReason(Audited, Base):
    """An application the case must answer, naming the approval group to inform."""

    __tablename__ = "case_reasons"
    __table_args__ = (UniqueConstraint("case_id", "application_type", "reference",
                                       name="uq_case_reasons_application"),
                      # the queue's approval-group filter: its cases from the index alone
                      Index("ix_case_reasons_group_case", "approval_group", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    application_type: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(500))
    approval_group: Mapped[str] = mapped_column(String(10))

    case: Mapped[Case] = relationship(back_populates="reasons")

    def audit_label(self) -> str:
        return f"{self.case.reference} {self}" if self.case else str(self)

    def __str__(self) -> str:
        return f"{self.application_type} {self.reference} → {self.approval_group}"


class ReviewRule(Audited, Timestamps, Base):
    """Whether a publication with no application opens a case, by organisation type/version."""

    __tablename__ = "review_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=100)
    org_type: Mapped[str | None] = mapped_column(String(60))
    toolkit_version: Mapped[int | None]
    opens_case: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(String(255), default="")

    def __str__(self) -> str:
        who = self.org_type or "any category"
        version = f"v{self.toolkit_version}" if self.toolkit_version else "any version"
        return f"{who}, {version}: {'open a case' if self.opens_case else 'record only'}"


class ReferenceCounter(Base):
    """The last case number used in each year, for references like R-2016-000123."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Statement(NamedTuple):
    """A requirement's comment and evidence, as the organisation gave them."""

    comment: str
    evidence: list[dict[str, Any]]


class Assessment(Base):
    """A published self-assessment, as the notification gave it; a case may review it."""

    __tablename__ = "assessments"
    # A case's latest assessment (republications) by one index lookup.
    __table_args__ = (Index("ix_assessments_case_latest", "case_id", "published_at", "id"),
                      # an organisation's publications in a year (publication status)
                      Index("ix_assessments_organisation_year", "organisation_id",
                            "reporting_year", "published_at", "id"),
                      # the public score report's pages, newest first, by year or version
                      Index("ix_assessments_published", "published_at", "id"),
                      Index("ix_assessments_year_published", "reporting_year",
                            "published_at", "id"),
                      Index("ix_assessments_version_published", "toolkit_version",
                            "published_at", "id"))

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
    # what the engine noticed (``cases.calendar.FLAG_LABELS``): against the version calendar,
    # the organisation's first publication, covers that miss an application's reference
    flags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # requirement id -> {"comment": str, "evidence": [...]}, only for requirements that have
    # either (contract v1.1); never public, so kept apart from ``requirements``
    statements: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    # the head office's batch this branch's publication came in (contract v1.1)
    publication_batch: Mapped[str | None] = mapped_column(String(64))

    organisation: Mapped[Organisation] = relationship()
    # ``notification`` (where it came from) is declared by Notification.assessment, so
    # that cases need not know the notifications package, which writes assessments.
    case: Mapped[Case | None] = relationship(foreign_keys=[case_id])

    def statement(self, requirement_id: str) -> Statement:
        """What the organisation wrote for a requirement: its comment ("" if none) and its
        evidence (a list of {name, uploaded_at, description?, sha256?, size_bytes?, url?})."""
        found = (self.statements or {}).get(requirement_id) or {}
        return Statement(found.get("comment") or "", list(found.get("evidence") or []))

    def __str__(self) -> str:
        published = day(self.published_at)
        return f"v{self.toolkit_version} {self.reporting_year} published {published}"
