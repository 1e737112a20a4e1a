"""Carrying out a plan on PostgreSQL in a few statements, on the session's connection.

Ids are reserved in one query per table (``nextval`` over ``generate_series``),
rows go in by ``COPY``, and the audit rows are those the ORM listener writes for
the same changes (``portable.PortableWriter``): a case and its reasons created by
the toolkit, an open case flagged republished, a finding or a plan decision set
aside by a newer assessment. The column lists, their binary COPY types and the
audit rows' changes come from the tables' definitions. Everything joins the
session's transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

from pydantic import TypeAdapter
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, LargeBinary, Table
from sqlalchemy.orm import Session

from backoffice.cases import lifecycle
from backoffice.cases import services as cases
from backoffice.cases.models import Assessment, Case, CaseReason
from backoffice.cases.publications import YearPublished, merged
from backoffice.core.audit import AUDIT_COLUMNS, TOOLKIT_ACTOR, AuditEvent, audit_row
from backoffice.core.audit import created_changes as created
from backoffice.core.db import driver_cursor
from backoffice.notifications.engine import Item, Plan, PlannedCase
from backoffice.notifications.models import Notification, NotificationStatus
from backoffice.notifications.schemas import (
    SCORE_FIELDS,
    ApplicationIn,
    CoverIn,
    PlanItemIn,
    RequirementIn,
)


def _copy_type(column_type) -> str:
    """The type psycopg sends a column's values as in a binary COPY (JSON goes as its text)."""
    for kind, name in ((Boolean, "bool"), (BigInteger, "int8"), (Integer, "int4"),
                       (LargeBinary, "bytea"), (Date, "date")):
        if isinstance(column_type, kind):
            return name
    if isinstance(column_type, DateTime):
        return "timestamptz" if column_type.timezone else "timestamp"
    return "text"


class Rows:
    """One table's rows as a writer gives them: the columns given, and those with a plain
    default (its value), in the table's order, with their binary COPY types."""

    def __init__(self, table: Table, given: Iterable[str]):
        given = set(given)
        self.table = table.name
        self.defaults = {c.name: c.default.arg for c in table.columns if c.name not in given
                         and c.default is not None and c.default.is_scalar}
        self.columns = tuple(c.name for c in table.columns
                             if c.name in given or c.name in self.defaults)
        self.types = tuple(_copy_type(table.c[name].type) for name in self.columns)

    def values(self, **given) -> dict:
        return {**self.defaults, **given}

    def row(self, values: dict) -> tuple:
        return tuple(values[name] for name in self.columns)


def _all_but_id(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name != "id"]


NOTIFICATIONS = Rows(Notification.__table__, [c.name for c in Notification.__table__.columns])
ASSESSMENTS = Rows(Assessment.__table__, _all_but_id(Assessment.__table__))
CASES = Rows(Case.__table__, ("id", "reference", "organisation_id", "status", "opened_at",
                              "due_date", "republished", "created_at", "updated_at"))
REASONS = Rows(CaseReason.__table__, [c.name for c in CaseReason.__table__.columns])
AUDIT = Rows(AuditEvent.__table__, AUDIT_COLUMNS)


def case_values(case: PlannedCase, now: datetime) -> dict:
    """A new case's row: in the lifecycle's first status, with the table's defaults."""
    return CASES.values(id=case.id, reference=case.reference, organisation_id=case.organisation_id,
                        status=lifecycle.INITIAL.value, opened_at=case.opened_at,
                        due_date=case.due_date, republished=case.republished,
                        created_at=now, updated_at=now)


def reason_values(case: PlannedCase) -> Iterable[dict]:
    """The case's new reasons' rows (each application once, naming its approval group)."""
    ids = case.reason_ids or [None] * len(case.new_reasons)  # None: the database's
    for reason_id, (kind, reference, group) in zip(ids, case.new_reasons, strict=True):
        yield REASONS.values(id=reason_id, case_id=case.id, application_type=kind,
                             reference=reference, approval_group=group)


# The assessment's lists as JSON text, straight from pydantic (requirements and covers
# without empty fields): what both writers store. Requirements keep only their scores
# (the public reports read them); comments and evidence go to ``statements``.
_REQUIREMENTS = TypeAdapter(list[RequirementIn])
_SCORES = {"__all__": set(SCORE_FIELDS)}
_PLAN = TypeAdapter(list[PlanItemIn])
_COVERS = TypeAdapter(list[CoverIn])
_APPLICATIONS = TypeAdapter(list[ApplicationIn])
ASSESSMENT_JSON = ("requirements", "improvement_plan", "covers", "applications", "flags",
                   "statements")


def statements(requirements: list[RequirementIn]) -> dict[str, dict]:
    """Each requirement's comment and evidence, for those that have either."""
    return {r.id: r.statement() for r in requirements if r.has_statement}


def assessment_values(item: Item) -> dict:
    """The processed notification's assessment, as the notification gave it."""
    parsed = item.parsed
    assessment = parsed.assessment
    return ASSESSMENTS.values(
        notification_pk=item.pk, organisation_id=item.organisation_id,
        case_id=item.case.id if item.case else None,
        toolkit_version=assessment.toolkit_version, reporting_year=assessment.reporting_year,
        published_at=parsed.published_at,
        requirements=_REQUIREMENTS.dump_json(assessment.requirements, include=_SCORES,
                                             exclude_none=True).decode(),
        improvement_plan=_PLAN.dump_json(assessment.improvement_plan).decode(),
        covers=_COVERS.dump_json(assessment.covers, exclude_none=True).decode(),
        applications=_APPLICATIONS.dump_json(parsed.applications).decode(),
        flags=json.dumps(item.flags),
        statements=json.dumps(statements(assessment.requirements)),
        publication_batch=parsed.publication_batch.id if parsed.publication_batch else None)


def number_cases(session: Session, opened: list[PlannedCase]) -> None:
    """Exactly the numbers needed, per year, in opening order: no gaps, nothing to give back.

    This locks the year's counter row until the batch commits: it is the last lock a
    batch takes (after its organisations and open cases), so batches take turns.
    """
    by_year: dict[int, list[PlannedCase]] = defaultdict(list)
    for case in opened:
        by_year[case.opened_at.year].append(case)
    for year, opened_that_year in sorted(by_year.items()):
        references = cases.allocate_references(session, year, len(opened_that_year))
        for case, reference in zip(opened_that_year, references, strict=True):
            case.reference = reference


class CopyWriter:
    """The PostgreSQL writer. ``new_notifications`` (the import) writes the batch's
    notification rows once the cases have ids; without it the stored notifications are
    updated with their final status, organisation and case."""

    def __init__(self, session: Session,
                 new_notifications: Callable[[object], None] | None = None):
        self.session = session
        self.new_notifications = new_notifications

    def write(self, plan: Plan) -> None:
        self.session.flush()
        cursor = driver_cursor(self.session)
        reserve_case_ids(cursor, plan)
        write_cases(cursor, plan)
        if self.new_notifications is not None:
            self.new_notifications(cursor)
        else:
            update_notifications(cursor, plan.items)
        copy_rows(cursor, ASSESSMENTS, (ASSESSMENTS.row(assessment_values(i)) for i in plan.items
                                        if i.status == NotificationStatus.PROCESSED),
                  binary=True)
        write_years(cursor, plan.years)
        finish(self.session, cursor, plan)


# publication_years' columns the engine writes, with their array types for unnest
YEAR_COLUMNS = (("organisation_id", "int"), ("reporting_year", "text"),
                ("first_published_at", "timestamptz"), ("last_published_at", "timestamptz"),
                ("status", "text"), ("toolkit_version", "int"), ("publications", "int"))
UPSERT_YEARS = (
    f"INSERT INTO publication_years ({', '.join(name for name, _ in YEAR_COLUMNS)})"
    f" SELECT * FROM unnest({', '.join(f'%s::{kind}[]' for _, kind in YEAR_COLUMNS)})"
    " ON CONFLICT (organisation_id, reporting_year) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name, _ in YEAR_COLUMNS[2:]))


def write_years(cursor, years: list[YearPublished]) -> None:
    """Each organisation's year merged with its stored row (``publications.merged``; the
    organisations are locked, so nobody else changes them meanwhile), in one upsert."""
    if not years:
        return
    cursor.execute(
        "SELECT organisation_id, reporting_year, first_published_at, last_published_at,"
        " toolkit_version, publications FROM publication_years"
        " WHERE (organisation_id, reporting_year) IN"
        " (SELECT * FROM unnest(%s::int[], %s::text[]))",
        ([y.organisation_id for y in years], [y.reporting_year for y in years]))
    stored = {(row[0], row[1]): YearPublished(*row) for row in cursor.fetchall()}
    rows = [merged(stored.get(y.key), y).values() for y in years]
    cursor.execute(UPSERT_YEARS, [[row[name] for row in rows] for name, _ in YEAR_COLUMNS])


def reserve_ids(cursor, table: str, count: int) -> list[int]:
    """``count`` ids from the table's sequence, in one query."""
    if not count:
        return []
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                   "FROM generate_series(1, %s)", (count,))
    return [row[0] for row in cursor.fetchall()]


def copy_rows(cursor, rows: Rows, values: Iterable[tuple], *, binary: bool = False) -> None:
    """``COPY`` the rows in; in the binary format (big bodies, JSON without escaping) if asked."""
    options = " (FORMAT BINARY)" if binary else ""
    with cursor.copy(f"COPY {rows.table} ({', '.join(rows.columns)}) FROM STDIN{options}"
                     ) as copy:
        if binary:
            copy.set_types(rows.types)
        for row in values:
            copy.write_row(row)


def reserve_case_ids(cursor, plan: Plan) -> None:
    """Ids for the new cases and for every new reason (of new and joined cases)."""
    for case, case_id in zip(plan.opened, reserve_ids(cursor, "cases", len(plan.opened)),
                             strict=True):
        case.id = case_id
    touched = plan.touched
    ids = iter(reserve_ids(cursor, "case_reasons", sum(len(c.new_reasons) for c in touched)))
    for case in touched:
        case.reason_ids = [next(ids) for _ in case.new_reasons]


def provisional_reference(case_id: int) -> str:
    """A new case's reference until the batch's last step names it (never committed)."""
    return f"~{case_id}"


def write_cases(cursor, plan: Plan) -> None:
    """The new cases (provisionally referenced), every new reason, the joined cases flagged
    republished (a head-office batch's branches are not a republication), the findings and
    plan decisions a newer assessment set aside."""
    now = plan.now
    copy_rows(cursor, CASES, (CASES.row({**case_values(c, now),
                                          "reference": provisional_reference(c.id)})
                              for c in plan.opened))
    copy_rows(cursor, REASONS, (REASONS.row(values) for case in plan.touched
                                for values in reason_values(case)))
    if plan.joined:  # flagged (unless a batch's branch), and a new version of the case
        republished = sorted(c.id for c in plan.joined.values() if c.republished)
        cursor.execute("UPDATE cases SET republished = republished OR id = ANY(%s),"
                       " version = version + 1, updated_at = %s WHERE id = ANY(%s)",
                       (republished, now, sorted(plan.joined)))
    set_aside = [f for c in plan.joined.values() for f in c.set_aside]
    if set_aside:
        cursor.execute("UPDATE findings SET changed_from = v.changed_from, updated_at = %s"
                       " FROM unnest(%s::int[], %s::text[]) AS v(id, changed_from)"
                       " WHERE findings.id = v.id",
                       (now, [f.id for f in set_aside], [f.changed_from for f in set_aside]))
    decisions = [d for c in plan.joined.values() for d in c.decisions_set_aside]
    if decisions:
        cursor.execute("UPDATE plan_decisions SET changed_from = v.changed_from"
                       " FROM unnest(%s::int[], %s::text[]) AS v(id, changed_from)"
                       " WHERE plan_decisions.id = v.id",
                       ([d.id for d in decisions], [d.changed_from for d in decisions]))


def finish(session: Session, cursor, plan: Plan) -> None:
    """Last, just before the commit: the case numbers (a row lock until then), the audit."""
    number_cases(session, plan.opened)
    if plan.opened:
        cursor.execute("UPDATE cases SET reference = v.reference"
                       " FROM unnest(%s::int[], %s::text[]) AS v(id, reference)"
                       " WHERE cases.id = v.id",
                       ([c.id for c in plan.opened], [c.reference for c in plan.opened]))
    copy_rows(cursor, AUDIT, (AUDIT.row({**row, "changes": json.dumps(row["changes"])})
                              for row in audit_rows(plan)))


def audit_rows(plan: Plan) -> Iterable[dict]:
    """The audit rows of the plan's changes, as the session listener writes them for the ORM:
    a created row's columns (those it does not ignore), an updated row's changed fields."""
    def row(action: str, table: str, entity_id: int, summary: str, changes: dict) -> dict:
        return audit_row(TOOLKIT_ACTOR, action, table, entity_id, summary, changes,
                         occurred_at=plan.now)

    for case in plan.touched:
        if case.is_new:
            yield row("create", "cases", case.id, case.reference, created(
                case_values(case, plan.now), ignored=Case.__audit_ignored__))
        for values in reason_values(case):
            yield row("create", "case_reasons", values["id"],
                      f"{case.reference} {values['application_type']} {values['reference']}"
                      f" → {values['approval_group']}", created(values))
        if case.newly_republished:
            yield row("update", "cases", case.id, case.reference,
                      {"republished": [False, True]})
        for finding in case.set_aside:
            yield row("update", "findings", finding.id, f"{case.reference} {finding.label}",
                      {"changed_from": [None, finding.changed_from]})
        for decision in case.decisions_set_aside:
            yield row("update", "plan_decisions", decision.id,
                      f"{case.reference} {decision.label}",
                      {"changed_from": [None, decision.changed_from]})


def update_notifications(cursor, items: list[Item]) -> None:
    """Stored notifications get their final status, organisation and case in one statement."""
    if not items:
        return
    cursor.execute(
        "UPDATE notifications AS n SET status = v.status, organisation_id = v.organisation_id,"
        " case_id = v.case_id, processed_at = v.processed_at"
        " FROM unnest(%s::int[], %s::text[], %s::int[], %s::int[], %s::timestamptz[])"
        " AS v(id, status, organisation_id, case_id, processed_at) WHERE n.id = v.id",
        ([i.pk for i in items], [str(i.status) for i in items],
         [i.organisation_id for i in items], [i.case.id if i.case else None for i in items],
         [i.processed_at for i in items]))
