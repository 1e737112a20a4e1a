"""What processing a batch of notifications will do, decided in Python from batch lookups.

The same decisions as ``services.process`` one notification at a time: the
organisation by ODS code (or the one the helpdesk linked), ``cases.needs_review``,
one open case per organisation that a republication joins and flags, a new case
otherwise, a reason per application (each once), the due date in working days,
and a newer assessment joining a case sets aside the findings on requirements
whose level it changed (``reviews.rules.findings_to_set_aside``).
Nothing is written here; ``writing`` turns a plan into a few statements. Both
run on PostgreSQL (SQLite goes through ``services.process``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from psycopg.rows import namedtuple_row
from sqlalchemy.orm import Session

from backoffice.cases import services as cases
from backoffice.core.db import driver_cursor
from backoffice.core.workingdays import add_working_days
from backoffice.notifications.models import NotificationStatus
from backoffice.notifications.schemas import NotificationIn
from backoffice.reviews import rules
from backoffice.reviews.models import finding_label

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
    # a joined case: the assessment its review reads (published at, requirements), findings
    latest: tuple[datetime, list[dict]] | None = None
    findings: dict[str, PlannedFinding] = field(default_factory=dict)

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

    def assessed(self, published_at: datetime, requirements: list[dict]) -> None:
        """An assessment joined; a newer one sets aside the findings on what it changed."""
        if self.latest is not None and not rules.supersedes(published_at, self.latest[0]):
            return
        if self.latest is not None:
            standing = {f.requirement_id: f.changed_from for f in self.findings.values()}
            for requirement, changed_from in rules.findings_to_set_aside(
                    standing, self.latest[1], requirements).items():
                finding = self.findings[requirement]
                finding.changed_from, finding.set_aside = changed_from, True
        self.latest = (published_at, requirements)

    @property
    def set_aside(self) -> list[PlannedFinding]:
        return [f for f in self.findings.values() if f.set_aside]


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
        """The joined cases that have findings, with those and their latest assessment, in
        two queries (a case nobody has reviewed yet has nothing to set aside)."""
        if not joined:
            return []
        self.cursor.execute("SELECT id, case_id, requirement_id, agreed, level, changed_from"
                            " FROM findings WHERE case_id = ANY(%s) ORDER BY id",
                            (sorted(joined),))
        for row in self.cursor.fetchall():
            joined[row.case_id].findings[row.requirement_id] = PlannedFinding(
                id=row.id, requirement_id=row.requirement_id,
                label=finding_label(row.requirement_id, row.agreed, row.level),
                changed_from=row.changed_from)
        reviewed = sorted(case_id for case_id, case in joined.items() if case.findings)
        if reviewed:
            self.cursor.execute(
                "SELECT DISTINCT ON (case_id) case_id, published_at, requirements"
                " FROM assessments WHERE case_id = ANY(%s)"
                " ORDER BY case_id, published_at DESC, id DESC", (reviewed,))
            for case_id, published_at, requirements in self.cursor.fetchall():
                joined[case_id].latest = (published_at, requirements)
        return [joined[case_id] for case_id in reviewed]

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
            item.case.assessed(item.parsed.published_at, [
                r.model_dump(exclude_none=True) for r in item.parsed.assessment.requirements])
    return plan


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
