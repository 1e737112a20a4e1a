"""Standing applications: an organisation whose case named an application (N3 and the other
IGSoC services, S251, DARS, PCMD) holds it, by type and reference, until the helpdesk or an
admin marks it ended, saying why. A holder must publish every reporting year (000 §2).

- A case naming an application makes (or renews) its holder: ``hold`` runs on every path
  that writes cases (``notifications.engine.process``); the migration filled in the holders
  of the cases before it.
- After 31 March of a reporting year, a holder that has not published for that year is
  *lapsed*: ``find_lapses`` (the daily job) writes one lapse per holder and year, exactly
  once (a unique constraint). The letter telling the approval group is the letters
  package's (``letters.lapses``).
- A later publication for that year clears the lapse, dated by that publication
  (``clear_lapses``, on the same path as ``hold``, and again in the daily job).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    exists,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship

from backoffice.cases import calendar
from backoffice.cases.models import Assessment, Case, CaseReason
from backoffice.core.audit import Actor, Audited, set_actor
from backoffice.core.db import Base, Timestamps, get_or_not_found, utcnow
from backoffice.core.display import day
from backoffice.core.errors import Conflict, InvalidInput
from backoffice.core.vocabulary import APPROVAL_GROUP_OF, ApplicationType
from backoffice.organisations.models import Organisation
from backoffice.users.models import User

END_REASON_LENGTH = 2000
_NOT_CLEARED = "cleared_at IS NULL"


class StandingApplication(Audited, Timestamps, Base):
    """An application an organisation holds, as a case named it (type and reference)."""

    __tablename__ = "standing_applications"
    __table_args__ = (UniqueConstraint("organisation_id", "application_type", "reference",
                                       name="uq_standing_applications_application"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    application_type: Mapped[str] = mapped_column(String(20), index=True)
    reference: Mapped[str] = mapped_column(String(500))
    # the latest case that named it (its letters are where the lapse letter goes)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    held_since: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    organisation: Mapped[Organisation] = relationship()
    case: Mapped[Case] = relationship()
    ended_by: Mapped[User | None] = relationship()
    lapses: Mapped[list[StandingLapse]] = relationship(
        back_populates="standing", order_by="StandingLapse.reporting_year.desc()")

    @property
    def approval_group(self) -> str:
        """The group told of it, as the vocabulary says today."""
        try:
            return APPROVAL_GROUP_OF[ApplicationType(self.application_type)].value
        except (ValueError, KeyError):
            return ""

    @property
    def is_held(self) -> bool:
        return self.ended_at is None

    @property
    def open_lapse(self) -> StandingLapse | None:
        return next((lapse for lapse in self.lapses if lapse.cleared_at is None), None)

    def audit_label(self) -> str:
        return f"{self.organisation.ods_code if self.organisation else ''} {self}".strip()

    def __str__(self) -> str:
        return f"{self.application_type} {self.reference}"


class StandingLapse(Audited, Base):
    """A holder that had not published for a reporting year after its 31 March: one per
    holder and year; cleared by a later publication for that year."""

    __tablename__ = "standing_lapses"
    __table_args__ = (
        UniqueConstraint("standing_application_id", "reporting_year",
                         name="uq_standing_lapses_year"),
        # the dashboard's lapsed holders: the few not cleared
        Index("ix_standing_lapses_open", "lapsed_on", "id",
              postgresql_where=text(_NOT_CLEARED), sqlite_where=text(_NOT_CLEARED)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standing_application_id: Mapped[int] = mapped_column(
        ForeignKey("standing_applications.id"), index=True)
    reporting_year: Mapped[str] = mapped_column(String(7))
    lapsed_on: Mapped[date] = mapped_column(Date)
    cleared_at: Mapped[datetime | None]
    # the letter telling the approval group (letters.lapses makes it, once)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))

    standing: Mapped[StandingApplication] = relationship(back_populates="lapses")

    @property
    def cleared(self) -> bool:
        return self.cleared_at is not None

    def audit_label(self) -> str:
        standing = self.standing
        who = f"{standing.organisation.ods_code} {standing}" if standing else ""
        return f"{who} lapsed {self.reporting_year}".strip()

    def __str__(self) -> str:
        state = f"cleared {day(self.cleared_at)}" if self.cleared_at else "lapsed"
        return f"{self.reporting_year}: {state}"


# Holding -------------------------------------------------------------------------------


def hold(session: Session, case_ids: Iterable[int]) -> list[StandingApplication]:
    """Each application the cases name is held by its organisation: a new holder from the
    case's opening, or an existing one renewed (the latest case; held again if it had
    ended)."""
    case_ids = sorted(set(case_ids))
    if not case_ids:
        return []
    named = session.execute(
        select(Case.organisation_id, CaseReason.application_type, CaseReason.reference,
               Case.id, Case.opened_at)
        .join(Case, Case.id == CaseReason.case_id).where(Case.id.in_(case_ids))
        .order_by(Case.opened_at, Case.id)).all()
    keys = {(row[0], row[1], row[2]) for row in named}
    known = {(s.organisation_id, s.application_type, s.reference): s
             for s in session.scalars(select(StandingApplication).where(
                 tuple_(StandingApplication.organisation_id,
                        StandingApplication.application_type,
                        StandingApplication.reference).in_(list(keys))))} if keys else {}
    touched = []
    for organisation_id, kind, reference, case_id, opened_at in named:
        standing = known.get((organisation_id, kind, reference))
        if standing is None:
            standing = StandingApplication(
                organisation_id=organisation_id, application_type=kind, reference=reference,
                case_id=case_id, held_since=opened_at)
            session.add(standing)
            known[(organisation_id, kind, reference)] = standing
        elif standing.case_id != case_id and case_id > standing.case_id:
            standing.case_id = case_id
            if standing.ended_at is not None and opened_at > standing.ended_at:
                standing.ended_at, standing.ended_by_id = None, None
                standing.end_reason, standing.held_since = "", opened_at
        touched.append(standing)
    session.flush()
    return touched


def hold_open_cases_of(session: Session, organisation_ids: Iterable[int]
                       ) -> list[StandingApplication]:
    """The applications the organisations' open cases name are held (a batch's cases: each
    organisation has at most one open case, the one the batch opened or joined)."""
    organisation_ids = sorted(set(organisation_ids))
    if not organisation_ids:
        return []
    return hold(session, session.scalars(select(Case.id).where(
        Case.organisation_id.in_(organisation_ids), Case.open_condition())))


def end(session: Session, *, actor: Actor, standing_id: int, reason: str,
        at: datetime | None = None) -> StandingApplication:
    """The helpdesk or an admin marks a standing application ended, saying why (audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why the application has ended", field="reason")
    if len(reason) > END_REASON_LENGTH:
        raise InvalidInput(f"keep the reason within {END_REASON_LENGTH} characters",
                           field="reason")
    standing = get_or_not_found(session, StandingApplication, standing_id,
                                what="standing application")
    if standing.ended_at is not None:
        raise Conflict(f"{standing} of {standing.organisation.name} already ended on "
                       f"{day(standing.ended_at)}")
    set_actor(session, actor)
    standing.ended_at = at or utcnow()
    standing.ended_by_id = actor.user_id
    standing.end_reason = reason
    session.flush()
    return standing


def standing_of(session: Session, organisation_id: int) -> list[StandingApplication]:
    """An organisation's standing applications, held first, with their lapses."""
    found = session.scalars(select(StandingApplication).where(
        StandingApplication.organisation_id == organisation_id)
        .options(joinedload(StandingApplication.lapses), joinedload(StandingApplication.case))
        .order_by(StandingApplication.ended_at.is_not(None), StandingApplication.application_type,
                  StandingApplication.reference)).unique()
    return list(found)


# Lapses --------------------------------------------------------------------------------


def last_closed_year(today: date) -> str:
    """The latest reporting year whose 31 March has passed: on 1 April 2016, 2015/16."""
    end = today.year if (today.month, today.day) >= (4, 1) else today.year - 1
    return f"{end - 1}/{end % 100:02d}"


def _published_for(year: str):
    return exists(select(Assessment.id).where(
        Assessment.organisation_id == StandingApplication.organisation_id,
        Assessment.reporting_year == year))


def find_lapses(session: Session, *, today: date) -> list[StandingLapse]:
    """Holders (held since before the deadline, not ended) that have not published for the
    last closed reporting year: each gets its lapse for that year, once."""
    year = last_closed_year(today)
    already = exists(select(StandingLapse.id).where(
        StandingLapse.standing_application_id == StandingApplication.id,
        StandingLapse.reporting_year == year))
    holders = session.scalars(select(StandingApplication).where(
        StandingApplication.ended_at.is_(None),
        StandingApplication.held_since < calendar.deadline(year),
        ~already, ~_published_for(year)).order_by(StandingApplication.id))
    lapses = [StandingLapse(standing=standing, reporting_year=year, lapsed_on=today)
              for standing in holders]
    session.add_all(lapses)
    session.flush()
    return lapses


def clear_lapses(session: Session, organisation_ids: Iterable[int] | None = None
                 ) -> list[StandingLapse]:
    """Lapses whose organisation has since published for their year: cleared, dated by
    that year's first publication (all organisations when none are named)."""
    query = (select(StandingLapse).join(StandingLapse.standing)
             .where(StandingLapse.cleared_at.is_(None)))
    if organisation_ids is not None:
        organisation_ids = sorted(set(organisation_ids))
        if not organisation_ids:
            return []
        query = query.where(StandingApplication.organisation_id.in_(organisation_ids))
    cleared = []
    for lapse in session.scalars(query.order_by(StandingLapse.id)):
        first = session.scalar(select(Assessment.published_at).where(
            Assessment.organisation_id == lapse.standing.organisation_id,
            Assessment.reporting_year == lapse.reporting_year)
            .order_by(Assessment.published_at).limit(1))
        if first is not None:
            lapse.cleared_at = first
            cleared.append(lapse)
    session.flush()
    return cleared


@dataclass(frozen=True)
class LapsedHolder:
    """A lapse not cleared, as the dashboard lists it."""

    lapse: StandingLapse
    standing: StandingApplication
    organisation: Organisation


def _open_lapses():
    """Lapses not cleared, of applications still held."""
    return (StandingLapse.cleared_at.is_(None)) & (StandingApplication.ended_at.is_(None))


def lapsed_holders(session: Session, limit: int | None = None) -> list[LapsedHolder]:
    """Lapses not cleared, oldest first, with their holder and organisation."""
    query = (select(StandingLapse, StandingApplication, Organisation)
             .join(StandingApplication, StandingApplication.id
                   == StandingLapse.standing_application_id)
             .join(Organisation, Organisation.id == StandingApplication.organisation_id)
             .where(_open_lapses())
             .order_by(StandingLapse.lapsed_on, StandingLapse.id))
    if limit is not None:
        query = query.limit(limit)
    return [LapsedHolder(*row) for row in session.execute(query).all()]


def count_lapsed(session: Session) -> int:
    """How many holders are lapsed now (the dashboard's figure)."""
    return session.scalar(select(func.count()).select_from(StandingLapse).join(
        StandingLapse.standing).where(_open_lapses())) or 0
