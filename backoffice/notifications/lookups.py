"""What deciding a batch reads (``engine.Lookups``): its organisations and their open cases,
locked, the review rules, and the joined cases' findings, plan decisions and latest assessment.

``PostgresLookups`` asks with plain SQL and array parameters on psycopg (one short
statement each, prepared once, whatever the batch's size); ``OrmLookups`` asks the
same through the ORM, on any database. Both lock as every path does: the
organisations' rows first (``FOR NO KEY UPDATE``, in id order, as
``cases.lock_organisations``), then their open cases.
"""

from __future__ import annotations

from psycopg.rows import namedtuple_row
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from backoffice.cases import calendar
from backoffice.cases import services as cases
from backoffice.cases.models import Assessment, Case
from backoffice.core.db import driver_cursor
from backoffice.notifications.engine import (
    Item,
    Latest,
    PlannedCase,
    PlannedDecision,
    PlannedFinding,
)
from backoffice.organisations.models import Organisation
from backoffice.reviews.models import Finding, PlanDecision, finding_label

OPEN_CASE = "status <> 'closed'"  # as Case.open_condition(), so the partial index applies


def _wanted(items: list[Item]) -> tuple[list[str], list[int]]:
    """The batch's ODS codes (of items not linked, and of head offices) and linked
    organisation ids."""
    codes = {i.parsed.organisation.ods_code.upper() for i in items if not i.organisation_id}
    codes |= {i.parsed.publication_batch.head_office_ods_code.upper() for i in items
              if i.parsed.publication_batch is not None}
    linked = {i.organisation_id for i in items if i.organisation_id}
    return sorted(codes), sorted(linked)


def _batched(items: list[Item]) -> bool:
    """Whether any item came in a head office's batch (only then are open cases' batches
    read)."""
    return any(i.parsed.publication_batch is not None for i in items)


class _Found:
    """The organisations found, by code and by id, and their open cases."""

    by_code: dict
    by_id: dict
    open_cases: dict[int, PlannedCase]
    _rules: list | None = None
    _calendar: dict[int, str] | None = None

    def organisation(self, item: Item):
        if item.organisation_id:
            return self.by_id.get(item.organisation_id)
        return self.by_code.get(item.parsed.organisation.ods_code.upper())

    _published: set[int] | None = None

    def head_office(self, item: Item):
        batch = item.parsed.publication_batch
        return self.by_code.get(batch.head_office_ods_code.upper()) if batch else None

    def open_case(self, organisation_id: int) -> PlannedCase | None:
        return self.open_cases.get(organisation_id)

    def published_before(self, organisation_id: int) -> bool:
        """Read once per batch, for all its organisations."""
        if self._published is None:
            self._published = self._publishers(sorted(self.by_id))
        return organisation_id in self._published

    def rules(self) -> list:
        """The review rules, read only when a publication without applications needs them."""
        if self._rules is None:
            self._rules = cases.active_rules(self.session)
        return self._rules

    def calendar(self) -> dict[int, str]:
        """The version calendar, read once per batch."""
        if self._calendar is None:
            self._calendar = calendar.load(self.session)
        return self._calendar

    def _found(self, organisations) -> None:
        self.by_code = {o.ods_code: o for o in organisations}
        self.by_id = {o.id: o for o in organisations}


def _planned(case, reasons) -> PlannedCase:
    """An open case as loaded, with its known reasons."""
    return PlannedCase(organisation_id=case.organisation_id, opened_at=case.opened_at,
                       due_date=case.due_date, id=case.id, reference=case.reference,
                       is_new=False, republished=case.republished,
                       was_republished=case.republished, known_reasons=set(reasons))


def _decision_label(row) -> str:
    """A plan decision as the model names it (the audit row adds the case's reference)."""
    return str(PlanDecision(id=row.id, case_id=row.case_id, item_index=row.item_index,
                            requirement_id=row.requirement_id, accepted=row.accepted,
                            comment=row.comment, changed_from=row.changed_from))


def _add_review(joined: dict[int, PlannedCase], findings, decisions) -> list[int]:
    """The findings and decisions loaded onto their cases; the ids of the cases reviewed."""
    for row in findings:
        joined[row.case_id].findings[row.requirement_id] = PlannedFinding(
            id=row.id, requirement_id=row.requirement_id,
            label=finding_label(row.requirement_id, row.agreed, row.level),
            changed_from=row.changed_from)
    for row in decisions:
        joined[row.case_id].decisions[row.item_index] = PlannedDecision(
            id=row.id, item_index=row.item_index, label=_decision_label(row),
            changed_from=row.changed_from)
    return sorted(case_id for case_id, case in joined.items()
                  if case.findings or case.decisions)


class PostgresLookups(_Found):
    """The batch's organisations and their open cases (both locked) and reasons, in three
    queries on psycopg; a joined case's review in three more when it has one."""

    def __init__(self, session: Session, items: list[Item]):
        self.session = session
        self.cursor = cursor = driver_cursor(session, row_factory=namedtuple_row)
        cursor.execute("SELECT id, ods_code, org_type FROM organisations"
                       " WHERE ods_code = ANY(%s) OR id = ANY(%s)"
                       " ORDER BY id FOR NO KEY UPDATE", _wanted(items))
        self._found(cursor.fetchall())
        self.open_cases = self._open_cases(sorted(self.by_id), batched=_batched(items))

    def _open_cases(self, organisation_ids: list[int], *,
                    batched: bool) -> dict[int, PlannedCase]:
        cursor = self.cursor
        cursor.execute("SELECT id, organisation_id, opened_at, due_date, republished, reference"
                       f" FROM cases WHERE organisation_id = ANY(%s) AND {OPEN_CASE}"
                       " ORDER BY id FOR UPDATE", (organisation_ids,))
        found = {row.organisation_id: _planned(row, ()) for row in cursor.fetchall()}
        by_id = {case.id: case for case in found.values()}
        cursor.execute("SELECT case_id, application_type, reference FROM case_reasons"
                       " WHERE case_id = ANY(%s)", (sorted(by_id),))
        for case_id, kind, reference in cursor.fetchall():
            by_id[case_id].known_reasons.add((kind, reference))
        if batched:
            cursor.execute("SELECT DISTINCT case_id, publication_batch FROM assessments"
                           " WHERE case_id = ANY(%s) AND publication_batch IS NOT NULL",
                           (sorted(by_id),))
            for case_id, batch in cursor.fetchall():
                by_id[case_id].batches.add(batch)
        return found

    def _publishers(self, organisation_ids: list[int]) -> set[int]:
        self.cursor.execute("SELECT o.id FROM unnest(%s::int[]) AS o(id) WHERE EXISTS"
                            " (SELECT 1 FROM assessments a WHERE a.organisation_id = o.id)",
                            (organisation_ids,))
        return {row.id for row in self.cursor.fetchall()}

    def load_reviews(self, joined: dict[int, PlannedCase]) -> list[PlannedCase]:
        if not joined:
            return []
        cursor, ids = self.cursor, (sorted(joined),)
        cursor.execute("SELECT id, case_id, requirement_id, agreed, level, changed_from"
                       " FROM findings WHERE case_id = ANY(%s) ORDER BY id", ids)
        findings = cursor.fetchall()
        cursor.execute("SELECT id, case_id, item_index, requirement_id, accepted, comment,"
                       " changed_from FROM plan_decisions WHERE case_id = ANY(%s)"
                       " ORDER BY id", ids)
        reviewed = _add_review(joined, findings, cursor.fetchall())
        if reviewed:
            cursor.execute(
                "SELECT DISTINCT ON (case_id) case_id, published_at, requirements,"
                " improvement_plan FROM assessments WHERE case_id = ANY(%s)"
                " ORDER BY case_id, published_at DESC, id DESC", (reviewed,))
            for case_id, published_at, requirements, plan in cursor.fetchall():
                joined[case_id].latest = Latest(published_at, requirements, plan)
        return [joined[case_id] for case_id in reviewed]


class OrmLookups(_Found):
    """The same through the ORM, on any database; what it loads stays in the session, where
    the portable writer finds it."""

    def __init__(self, session: Session, items: list[Item]):
        self.session = session
        codes, linked = _wanted(items)
        self._found(list(session.scalars(
            select(Organisation).where(Organisation.ods_code.in_(codes)
                                       | Organisation.id.in_(linked))
            .order_by(Organisation.id).with_for_update(key_share=True))))
        open_cases = session.scalars(
            select(Case).where(Case.organisation_id.in_(sorted(self.by_id)),
                               Case.open_condition())
            .order_by(Case.id).options(selectinload(Case.reasons)).with_for_update())
        self.open_cases = {case.organisation_id: _planned(
            case, ((r.application_type, r.reference) for r in case.reasons))
            for case in open_cases}
        if _batched(items):
            self._add_batches()

    def _add_batches(self) -> None:
        by_id = {case.id: case for case in self.open_cases.values()}
        for case_id, batch in self.session.execute(
                select(Assessment.case_id, Assessment.publication_batch).distinct()
                .where(Assessment.case_id.in_(sorted(by_id)),
                       Assessment.publication_batch.is_not(None))):
            by_id[case_id].batches.add(batch)

    def _publishers(self, organisation_ids: list[int]) -> set[int]:
        return set(self.session.scalars(
            select(Organisation.id).where(
                Organisation.id.in_(organisation_ids),
                exists().where(Assessment.organisation_id == Organisation.id))))

    def load_reviews(self, joined: dict[int, PlannedCase]) -> list[PlannedCase]:
        if not joined:
            return []
        ids = sorted(joined)
        reviewed = _add_review(
            joined,
            self.session.scalars(select(Finding).where(Finding.case_id.in_(ids))
                                 .order_by(Finding.id)).all(),
            self.session.scalars(select(PlanDecision).where(PlanDecision.case_id.in_(ids))
                                 .order_by(PlanDecision.id)).all())
        for case_id in reviewed:
            latest = self.session.scalar(
                select(Assessment).where(Assessment.case_id == case_id)
                .order_by(Assessment.published_at.desc(), Assessment.id.desc()).limit(1))
            if latest is not None:
                joined[case_id].latest = Latest(latest.published_at, latest.requirements,
                                                latest.improvement_plan)
        return [joined[case_id] for case_id in reviewed]

