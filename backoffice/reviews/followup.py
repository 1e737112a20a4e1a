"""Improvement plans followed up (000 §5): each item a reviewer accepted on a case whose outcome
is Satisfactory with Improvement Plan is kept as a ``PlanFollowUp``, with its target date (the
plan's, else 31 March at the end of the next reporting year).

- ``record_plan`` keeps a case's accepted items as they are when it closes (letters call it
  as the case closes; ``sync_plans`` in the daily job catches any closed without it);
- four weeks before an item's target date, the organisation's administrators get one
  e-mail naming the requirement and the action (``write_reminders``, daily; one outbox
  message per case and target date, written with the mark that it was sent, so a retried
  job writes nothing twice; the outbox delivers it once, with retries);
- the organisation's next publication (the first published after the plan's assessment,
  outside the plan's case) follows each item up: the requirement now reaches level 2
  (achieved), or not (``follow_up``, on the engine's path and again daily);
- an item whose target date has passed with no new publication is overdue (dashboard).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

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
)
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship

from backoffice.cases.models import Assessment, Case
from backoffice.core.audit import SYSTEM_ACTOR, set_actor
from backoffice.core.db import Base, utcnow
from backoffice.core.display import day
from backoffice.core.requirements import requirement_title
from backoffice.core.vocabulary import CaseStatus, Outcome
from backoffice.mail.models import OutboxMessage
from backoffice.reviews import rules
from backoffice.reviews.findings import plan_decisions_of
from backoffice.reviews.guards import latest_assessment
from backoffice.reviews.models import CaseRecord, PlanDecision

REMINDER_KIND = "plan_reminder"
REMINDER_WEEKS = 4
ACHIEVED_LEVEL = 2
_OPEN = "followed_up_at IS NULL"
WITH_PLAN = Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN.value


class Result(StrEnum):
    """What the next publication says of an item's requirement."""

    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"
    NOT_RELEVANT = "not_relevant"
    NOT_ASSESSED = "not_assessed"

    @property
    def label(self) -> str:
        return {"achieved": "Achieved", "not_achieved": "Not achieved",
                "not_relevant": "Marked not relevant", "not_assessed": "Not in the assessment"
                }[self.value]


class PlanFollowUp(CaseRecord, Base):
    """One accepted improvement-plan item of a case, its reminder and its follow-up."""

    __tablename__ = "plan_follow_ups"
    __table_args__ = (
        UniqueConstraint("case_id", "item_index", name="uq_plan_follow_ups_item"),
        # the dashboard's overdue items and the daily reminders: the items not followed up
        Index("ix_plan_follow_ups_open", "target_date", "id",
              postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    item_index: Mapped[int]
    requirement_id: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date] = mapped_column(Date)
    # when the plan's assessment was published: the next publication comes after it
    plan_published_at: Mapped[datetime]
    reminder_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    reminded_at: Mapped[datetime | None]
    followed_up_assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    followed_up_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    followed_up_at: Mapped[datetime | None]
    level_now: Mapped[int | None]
    result: Mapped[str | None] = mapped_column(String(20))

    case: Mapped[Case] = relationship(foreign_keys=[case_id])
    followed_up_case: Mapped[Case | None] = relationship(foreign_keys=[followed_up_case_id])
    reminder: Mapped[OutboxMessage | None] = relationship()

    @property
    def requirement_title(self) -> str:
        return requirement_title(self.requirement_id)

    @property
    def result_label(self) -> str:
        return Result(self.result).label if self.result else ""

    def reminder_due_on(self) -> date:
        return self.target_date - timedelta(weeks=REMINDER_WEEKS)

    def is_overdue(self, today: date) -> bool:
        return self.followed_up_at is None and self.target_date < today

    def __str__(self) -> str:
        return f"plan item {self.item_index + 1} ({self.requirement_id}) follow-up"


def _target(item: dict, reporting_year: str) -> date:
    if item.get("target_date"):
        return date.fromisoformat(str(item["target_date"]))
    return rules.plan_deadline(reporting_year)


# Keeping the accepted items ------------------------------------------------------------


def record_plan(session: Session, case: Case) -> list[PlanFollowUp]:
    """Keep the case's accepted plan items (a case closed with another outcome keeps none);
    an item no longer accepted goes, one still accepted keeps its reminder and follow-up."""
    kept = {row.item_index: row for row in session.scalars(
        select(PlanFollowUp).where(PlanFollowUp.case_id == case.id))}
    assessment = latest_assessment(session, case)
    accepted: dict[int, dict] = {}
    if case.outcome == WITH_PLAN and assessment is not None:
        decisions = plan_decisions_of(session, case)
        accepted = {index: item for index, item in enumerate(assessment.improvement_plan)
                    if (d := decisions.get(index)) is not None and d.stands and d.accepted}
    set_actor(session, SYSTEM_ACTOR)
    for index, row in kept.items():
        if index not in accepted:
            session.delete(row)
    rows = []
    for index, item in accepted.items():
        row = kept.get(index) or PlanFollowUp(case_id=case.id, item_index=index)
        row.organisation_id = case.organisation_id
        row.requirement_id = item["requirement"]
        row.action, row.owner = item.get("action", ""), item.get("owner", "")
        row.target_date = _target(item, assessment.reporting_year)
        row.plan_published_at = assessment.published_at
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def sync_plans(session: Session, limit: int = 500) -> int:
    """Closed cases with an accepted plan whose items are not kept yet: keep them."""
    kept = exists(select(PlanFollowUp.id).where(PlanFollowUp.case_id == Case.id))
    accepted = exists(select(PlanDecision.id).where(
        PlanDecision.case_id == Case.id, PlanDecision.accepted.is_(True),
        PlanDecision.changed_from.is_(None)))
    cases = list(session.scalars(select(Case).where(
        Case.status == CaseStatus.CLOSED.value, Case.outcome == WITH_PLAN, accepted, ~kept)
        .order_by(Case.id).limit(limit)))
    for case in cases:
        record_plan(session, case)
    return len(cases)


# Following up at the next publication --------------------------------------------------


def _result(requirements: list[dict], requirement_id: str) -> tuple[int | None, Result]:
    item = next((r for r in requirements if r.get("id") == requirement_id), None)
    if item is None:
        return None, Result.NOT_ASSESSED
    if item.get("not_relevant"):
        return None, Result.NOT_RELEVANT
    level = item.get("level")
    return level, Result.ACHIEVED if (level or 0) >= ACHIEVED_LEVEL else Result.NOT_ACHIEVED


def follow_up(session: Session, organisation_ids: Iterable[int] | None = None
              ) -> list[PlanFollowUp]:
    """Items not followed up whose organisation has published since their plan (outside the
    plan's case): each says what that publication gives its requirement."""
    query = (select(PlanFollowUp).join(Case, Case.id == PlanFollowUp.case_id)
             .where(PlanFollowUp.followed_up_at.is_(None), Case.outcome == WITH_PLAN))
    if organisation_ids is not None:
        organisation_ids = sorted(set(organisation_ids))
        if not organisation_ids:
            return []
        query = query.where(PlanFollowUp.organisation_id.in_(organisation_ids))
    done = []
    for row in session.scalars(query.order_by(PlanFollowUp.id)):
        following = session.scalar(select(Assessment).where(
            Assessment.organisation_id == row.organisation_id,
            Assessment.published_at > row.plan_published_at,
            (Assessment.case_id.is_(None)) | (Assessment.case_id != row.case_id))
            .order_by(Assessment.published_at, Assessment.id).limit(1))
        if following is None:
            continue
        row.level_now, result = _result(following.requirements, row.requirement_id)
        row.result = result.value
        row.followed_up_assessment_id = following.id
        row.followed_up_case_id = following.case_id
        row.followed_up_at = following.published_at
        done.append(row)
    session.flush()
    return done


def not_achieved_condition():
    """Cases that follow up an earlier accepted item whose requirement is still below
    level 2 (the queue's filter)."""
    return exists(select(PlanFollowUp.id).where(
        PlanFollowUp.followed_up_case_id == Case.id,
        PlanFollowUp.result == Result.NOT_ACHIEVED.value))


# Reminders -------------------------------------------------------------------------------


def _reminder_body(case: Case, rows: list[PlanFollowUp], target: date) -> str:
    lines = "\n".join(f"- Requirement {row.requirement_id} {row.requirement_title}: "
                      f"{row.action} (owner: {row.owner or 'not named'})" for row in rows)
    return (f"Dear Organisation Administrator,\n\n"
            f"The improvement plan accepted with the review of {case.organisation.name} "
            f"({case.organisation.ods_code}), case {case.reference}, is due by "
            f"{day(target)}:\n\n{lines}\n\n"
            f"Each requirement should reach level 2 by then. Your next IG Toolkit "
            f"publication shows whether it has; the reviewers will look at it.\n\n"
            f"External IG Delivery\n")


def write_reminders(session: Session, *, today: date) -> int:
    """One e-mail per case and target date to the organisation's administrators, four weeks
    before the date (or later, until the date), for items not reminded or followed up."""
    horizon = today + timedelta(weeks=REMINDER_WEEKS)
    rows = list(session.scalars(
        select(PlanFollowUp).join(Case, Case.id == PlanFollowUp.case_id)
        .where(PlanFollowUp.followed_up_at.is_(None), PlanFollowUp.reminder_message_id.is_(None),
               PlanFollowUp.target_date <= horizon, PlanFollowUp.target_date >= today,
               Case.outcome == WITH_PLAN)
        .options(joinedload(PlanFollowUp.case).joinedload(Case.organisation))
        .order_by(PlanFollowUp.case_id, PlanFollowUp.target_date, PlanFollowUp.item_index)
        .with_for_update(of=PlanFollowUp, skip_locked=True)))
    groups: dict[tuple[int, date], list[PlanFollowUp]] = defaultdict(list)
    for row in rows:
        groups[(row.case_id, row.target_date)].append(row)
    set_actor(session, SYSTEM_ACTOR)
    written = 0
    for (_case_id, target), items in groups.items():
        case = items[0].case
        to = [admin.email for admin in case.organisation.administrators]
        if not to:  # nobody to tell yet: tried again tomorrow
            continue
        message = OutboxMessage(
            kind=REMINDER_KIND, case_id=case.id, recipients=to,
            subject=f"IG Toolkit improvement plan due {day(target)}: "
                    f"{case.organisation.name} ({case.reference})",
            body=_reminder_body(case, items, target),
            data={"items": [row.item_index for row in items], "target_date": target.isoformat()})
        session.add(message)
        session.flush()
        now = utcnow()
        for row in items:
            row.reminder_message_id, row.reminded_at = message.id, now
        written += 1
    session.flush()
    return written


# What screens show -----------------------------------------------------------------------


@dataclass
class FollowUps:
    """The case page's panel: the earlier accepted items this case's publication follows up,
    and this case's own accepted items with their reminders and follow-up."""

    earlier: list[PlanFollowUp]
    own: list[PlanFollowUp]
    today: date

    def __bool__(self) -> bool:
        return bool(self.earlier or self.own)


def follow_ups_of(session: Session, case: Case, today: date | None = None) -> FollowUps:
    """The follow-up rows the case page shows."""
    options = (joinedload(PlanFollowUp.case), joinedload(PlanFollowUp.followed_up_case),
               joinedload(PlanFollowUp.reminder))
    earlier = list(session.scalars(select(PlanFollowUp).where(
        PlanFollowUp.followed_up_case_id == case.id).options(*options)
        .order_by(PlanFollowUp.case_id, PlanFollowUp.item_index)))
    own = list(session.scalars(select(PlanFollowUp).join(Case, Case.id == PlanFollowUp.case_id)
                               .where(PlanFollowUp.case_id == case.id, Case.outcome == WITH_PLAN)
                               .options(*options).order_by(PlanFollowUp.item_index)))
    return FollowUps(earlier, own, today or utcnow().date())


@dataclass(frozen=True)
class OverdueItem:
    row: PlanFollowUp
    case: Case

    @property
    def organisation(self):
        return self.case.organisation


def _overdue(today: date):
    return (PlanFollowUp.followed_up_at.is_(None)) & (PlanFollowUp.target_date < today) & (
        Case.outcome == WITH_PLAN)


def overdue_items(session: Session, *, today: date, limit: int | None = None
                  ) -> list[OverdueItem]:
    """Accepted items past their target date with no publication since their plan."""
    query = (select(PlanFollowUp, Case)
             .join(Case, Case.id == PlanFollowUp.case_id)
             .options(joinedload(Case.organisation))
             .where(_overdue(today))
             .order_by(PlanFollowUp.target_date, PlanFollowUp.id))
    if limit is not None:
        query = query.limit(limit)
    return [OverdueItem(*row) for row in session.execute(query).all()]


def count_overdue(session: Session, *, today: date) -> int:
    """How many accepted items are overdue (the dashboard's figure)."""
    return session.scalar(select(func.count()).select_from(PlanFollowUp).join(
        Case, Case.id == PlanFollowUp.case_id).where(_overdue(today))) or 0
