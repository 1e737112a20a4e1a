"""What processing a batch of notifications will do, decided in Python from batch lookups.

The same decisions as ``services.process`` one notification at a time: the
organisation by ODS code (or the one the helpdesk linked), ``cases.needs_review``,
one open case per organisation that a republication joins and flags, a new case
otherwise, a reason per application (each once), the due date in working days,
and a newer assessment joining a case sets aside the findings on requirements
whose level it changed (``reviews.rules.findings_to_set_aside``) and the plan
decisions on items it changed (``reviews.rules.plan_decisions_to_set_aside``).
Nothing is written here; ``writing`` turns a plan into a few statements. Both
run on PostgreSQL (SQLite goes through ``services.process``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import NamedTuple

from psycopg.rows import namedtuple_row
from sqlalchemy.orm import Session

from backoffice.cases import services as cases
from backoffice.core.db import driver_cursor
from backoffice.core.workingdays import add_working_days
from backoffice.notifications.models import NotificationStatus
from backoffice.notifications.schemas import NotificationIn
from backoffice.reviews import rules
from backoffice.reviews.models import PlanDecision, finding_label

OPEN_CASE = "status <> 'closed'"  # as Case.open_condition(), so the partial index applies


@dataclass
class PlannedFinding:
    """A finding on a case the batch joins, as loaded, and whether the batch sets it aside."""

    id: int
    requirement_id: str
    label: str  # the audit row's summary, as str(Finding)
    changed_from: str | None
    set_aside: bool = False


@dataclass
class PlannedDecision:
    """A plan decision on a case the batch joins, as loaded, and whether the batch sets it
    aside."""

    id: int
    item_index: int
    label: str  # the audit row's summary, as the model writes it
    changed_from: str | None
    set_aside: bool = False


class Latest(NamedTuple):
    """The assessment a joined case's review reads: what its findings and decisions were on."""

    published_at: datetime
    requirements: list[dict]
    plan: list[dict]


def _mark_set_aside(records: dict, changed: dict[object, str]) -> None:
    """Findings or plan decisions a newer assessment changed: set aside, as they read then."""
    for key, changed_from in changed.items():
        records[key].changed_from, records[key].set_aside = changed_from, True


@dataclass
class PlannedCase:
    """A case the batch opens (``id`` reserved later) or an open case it joins."""

    organisation_id: int
    opened_at: datetime
    due_date: date
    id: int | None = None
    reference: str | None = None
    is_new: bool = True
    republished: bool = False
    was_republished: bool = False
    known_reasons: set[tuple[str, str]] = field(default_factory=set)
    new_reasons: list[tuple[str, str, str]] = field(default_factory=list)
    reason_ids: list[int] = field(default_factory=list)
    # a joined case: the assessment its review reads, its findings and plan decisions
    latest: Latest | None = None
    findings: dict[str, PlannedFinding] = field(default_factory=dict)
    decisions: dict[int, PlannedDecision] = field(default_factory=dict)

    def add_reasons(self, applications: list) -> None:
        """Each application becomes a reason naming its approval group, once."""
        for application in applications:
            key = (application.type, application.reference)
            if key not in self.known_reasons:
                self.known_reasons.add(key)
                self.new_reasons.append((*key, application.approval_group))

    @property
    def newly_republished(self) -> bool:
        return not self.is_new and self.republished and not self.was_republished

    def assessed(self, joined: Latest) -> None:
        """An assessment joined; a newer one sets aside the findings and plan decisions on
        what it changed."""
        if self.latest is not None and not rules.supersedes(joined.published_at,
                                                            self.latest.published_at):
            return
        if self.latest is not None:
            _mark_set_aside(self.findings, rules.findings_to_set_aside(
                {key: f.changed_from for key, f in self.findings.items()},
                self.latest.requirements, joined.requirements))
            _mark_set_aside(self.decisions, rules.plan_decisions_to_set_aside(
                {key: d.changed_from for key, d in self.decisions.items()},
                self.latest.plan, joined.plan))
        self.latest = joined

    @property
    def set_aside(self) -> list[PlannedFinding]:
        return [f for f in self.findings.values() if f.set_aside]

    @property
    def decisions_set_aside(self) -> list[PlannedDecision]:
        return [d for d in self.decisions.values() if d.set_aside]


@dataclass
class Item:
    """One accepted notification to process, and what processing decided for it."""

    parsed: NotificationIn
    pk: int | None = None
    organisation_id: int | None = None
    status: str = NotificationStatus.ACCEPTED
    case: PlannedCase | None = None
    processed_at: datetime | None = None


@dataclass
class Plan:
    items: list[Item]
    opened: list[PlannedCase] = field(default_factory=list)
    joined: dict[int, PlannedCase] = field(default_factory=dict)  # open cases, by id


@cache
def due_date(opened_on: date, sla_days: int) -> date:
    return add_working_days(opened_on, sla_days)


class _Lookups:
    """The batch's organisations and their open cases (both locked) and reasons, in three queries.

    Plain SQL with array parameters: one short statement each, prepared once,
    whatever the batch's size (an ``IN`` list would be a new statement each time).
    """

    def __init__(self, session: Session, items: list[Item]):
        codes = {i.parsed.organisation.ods_code.upper() for i in items if not i.organisation_id}
        linked = {i.organisation_id for i in items if i.organisation_id}
        cursor = driver_cursor(session, row_factory=namedtuple_row)
        cursor.execute("SELECT id, ods_code, org_type FROM organisations"
                       " WHERE ods_code = ANY(%s) OR id = ANY(%s)"
                       " ORDER BY id FOR NO KEY UPDATE",  # as cases.lock_organisations
                       (sorted(codes), sorted(linked)))
        rows = cursor.fetchall()
        self.by_code = {row.ods_code: row for row in rows}
        self.by_id = {row.id: row for row in rows}
        self.open_cases = self._open_cases(cursor, sorted(self.by_id))
        self.cursor = cursor
        self.session = session
        self._rules = None

    @staticmethod
    def _open_cases(cursor, organisation_ids: list[int]) -> dict[int, PlannedCase]:
        cursor.execute("SELECT id, organisation_id, opened_at, due_date, republished, reference"
                       f" FROM cases WHERE organisation_id = ANY(%s) AND {OPEN_CASE}"
                       " ORDER BY id FOR UPDATE", (organisation_ids,))
        found = {row.organisation_id: PlannedCase(
            organisation_id=row.organisation_id, opened_at=row.opened_at, due_date=row.due_date,
            id=row.id, reference=row.reference, is_new=False, republished=row.republished,
            was_republished=row.republished) for row in cursor.fetchall()}
        by_id = {case.id: case for case in found.values()}
        cursor.execute("SELECT case_id, application_type, reference FROM case_reasons"
                       " WHERE case_id = ANY(%s)", (sorted(by_id),))
        for case_id, kind, reference in cursor.fetchall():
            by_id[case_id].known_reasons.add((kind, reference))
        return found

    def load_reviews(self, joined: dict[int, PlannedCase]) -> list[PlannedCase]:
        """The joined cases that have findings or plan decisions, with those and their latest
        assessment, in three queries (a case nobody has reviewed yet has nothing to set
        aside, and loads nothing more)."""
        if not joined:
            return []
        self._load_findings(joined)
        self._load_decisions(joined)
        reviewed = sorted(case_id for case_id, case in joined.items()
                          if case.findings or case.decisions)
        if reviewed:
            self.cursor.execute(
                "SELECT DISTINCT ON (case_id) case_id, published_at, requirements,"
                " improvement_plan FROM assessments WHERE case_id = ANY(%s)"
                " ORDER BY case_id, published_at DESC, id DESC", (reviewed,))
            for case_id, published_at, requirements, plan in self.cursor.fetchall():
                joined[case_id].latest = Latest(published_at, requirements, plan)
        return [joined[case_id] for case_id in reviewed]

    def _load_findings(self, joined: dict[int, PlannedCase]) -> None:
        self.cursor.execute("SELECT id, case_id, requirement_id, agreed, level, changed_from"
                            " FROM findings WHERE case_id = ANY(%s) ORDER BY id",
                            (sorted(joined),))
        for row in self.cursor.fetchall():
            joined[row.case_id].findings[row.requirement_id] = PlannedFinding(
                id=row.id, requirement_id=row.requirement_id,
                label=finding_label(row.requirement_id, row.agreed, row.level),
                changed_from=row.changed_from)

    def _load_decisions(self, joined: dict[int, PlannedCase]) -> None:
        self.cursor.execute("SELECT id, case_id, item_index, requirement_id, accepted, comment,"
                            " changed_from FROM plan_decisions WHERE case_id = ANY(%s)"
                            " ORDER BY id", (sorted(joined),))
        for row in self.cursor.fetchall():
            joined[row.case_id].decisions[row.item_index] = PlannedDecision(
                id=row.id, item_index=row.item_index, label=_decision_label(row),
                changed_from=row.changed_from)

    def organisation(self, item: Item):
        if item.organisation_id:
            return self.by_id.get(item.organisation_id)
        return self.by_code.get(item.parsed.organisation.ods_code.upper())

    def rules(self):
        """The review rules, read only when a publication without applications needs them."""
        if self._rules is None:
            self._rules = cases.active_rules(self.session)
        return self._rules


def plan_batch(session: Session, items: list[Item], *, sla_days: int, now: datetime,
               backdate: bool = False) -> Plan:
    """Decide every item's final state; the open cases of its organisations stay locked."""
    lookups = _Lookups(session, items)
    plan = Plan(items)
    for item in items:
        _decide(plan, lookups, item, sla_days,
                item.parsed.published_at if backdate else now)
    reviewed = {case.id for case in lookups.load_reviews(plan.joined)}
    for item in items:
        if item.case is not None and not item.case.is_new and item.case.id in reviewed:
            item.case.assessed(_joining(item))
    return plan


def _joining(item: Item) -> Latest:
    """The item's assessment as stored (``services._record_assessment``), in the parts a joined
    case compares: the requirements if it has findings, the plan if it has decisions."""
    assessment, case = item.parsed.assessment, item.case
    return Latest(
        item.parsed.published_at,
        [r.model_dump(exclude_none=True) for r in assessment.requirements]
        if case.findings else [],
        [p.model_dump(mode="json") for p in assessment.improvement_plan]
        if case.decisions else [])


def _decision_label(row) -> str:
    """A plan decision as the model names it (the audit row adds the case's reference)."""
    return str(PlanDecision(id=row.id, case_id=row.case_id, item_index=row.item_index,
                            requirement_id=row.requirement_id, accepted=row.accepted,
                            comment=row.comment, changed_from=row.changed_from))


def _decide(plan: Plan, lookups: _Lookups, item: Item, sla_days: int, now: datetime) -> None:
    organisation = lookups.organisation(item)
    if organisation is None:
        item.status = NotificationStatus.UNMATCHED
        return
    item.organisation_id = organisation.id
    item.status = NotificationStatus.PROCESSED
    item.processed_at = now
    parsed = item.parsed
    if not cases.needs_review(lookups.rules, organisation=organisation,
                              applications=parsed.applications,
                              toolkit_version=parsed.assessment.toolkit_version):
        return
    case = lookups.open_cases.get(organisation.id)
    if case is None:
        case = PlannedCase(organisation_id=organisation.id, opened_at=now,
                           due_date=due_date(now.date(), sla_days))
        lookups.open_cases[organisation.id] = case
        plan.opened.append(case)
    else:
        if not case.is_new:
            plan.joined[case.id] = case
        case.republished = True
    case.add_reasons(parsed.applications)
    item.case = case
