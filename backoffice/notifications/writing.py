"""Writing a planned batch on PostgreSQL in a few statements, on the session's connection.

Ids are reserved in one query per table (``nextval`` over ``generate_series``),
rows go in by ``COPY``, and the audit rows are those the ORM listener would
write for the same changes (a case and its reasons created by the toolkit, an
open case flagged republished, a finding or a plan decision set aside by a newer
assessment).
Everything joins the session's transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from backoffice.cases import services as cases
from backoffice.cases.models import CaseStatus
from backoffice.core.audit import TOOLKIT_ACTOR
from backoffice.core.db import driver_cursor
from backoffice.notifications.models import NotificationStatus
from backoffice.notifications.planning import Item, Plan, PlannedCase
from backoffice.notifications.schemas import ApplicationIn, CoverIn, PlanItemIn, RequirementIn

NOTIFICATION_COLUMNS = ("id", "notification_id", "source", "received_at", "raw_body",
                        "body_sha256", "headers", "status", "errors", "ods_code",
                        "organisation_name", "organisation_id", "case_id", "processed_at")
ASSESSMENT_COLUMNS = ("notification_pk", "organisation_id", "case_id", "toolkit_version",
                      "reporting_year", "published_at", "requirements", "improvement_plan",
                      "covers", "applications")
# The big rows go in by binary COPY (raw bodies without hex, JSON without escaping): the
# types psycopg sends each column as; a JSON column takes its text as "text".
NOTIFICATION_TYPES = ("int4", "text", "text", "timestamptz", "bytea", "text", "text", "text",
                      "text", "text", "text", "int4", "int4", "timestamptz")
ASSESSMENT_TYPES = ("int4", "int4", "int4", "int4", "text", "timestamptz", "text", "text",
                    "text", "text")
CASE_COLUMNS = ("id", "reference", "organisation_id", "status", "opened_at", "due_date",
                "republished", "outcome_reasons", "plan_accepted", "paused_working_days",
                "version", "created_at", "updated_at")
REASON_COLUMNS = ("id", "case_id", "application_type", "reference", "approval_group")
AUDIT_COLUMNS = ("occurred_at", "actor", "actor_user_id", "action", "entity_type",
                 "entity_id", "summary", "changes")
SUMMARY_MAX = 255


def cursor_of(session: Session):
    """A psycopg cursor in the session's transaction."""
    return driver_cursor(session)


def reserve_ids(cursor, table: str, count: int) -> list[int]:
    """``count`` ids from the table's sequence, in one query."""
    if not count:
        return []
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                   "FROM generate_series(1, %s)", (count,))
    return [row[0] for row in cursor.fetchall()]


def copy_rows(cursor, table: str, columns: tuple[str, ...], rows,
              types: tuple[str, ...] | None = None) -> None:
    """``COPY`` the rows in; in the binary format when the columns' ``types`` are given."""
    binary = " (FORMAT BINARY)" if types else ""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{binary}") as copy:
        if types:
            copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def reserve_case_ids(cursor, plan: Plan) -> None:
    """Ids for the new cases and for every new reason (of new and joined cases)."""
    for case, case_id in zip(plan.opened, reserve_ids(cursor, "cases", len(plan.opened)),
                             strict=True):
        case.id = case_id
    touched = [*plan.opened, *plan.joined.values()]
    ids = iter(reserve_ids(cursor, "case_reasons", sum(len(c.new_reasons) for c in touched)))
    for case in touched:
        case.reason_ids = [next(ids) for _ in case.new_reasons]


def provisional_reference(case_id: int) -> str:
    """A new case's reference until the batch's last step names it (never committed)."""
    return f"~{case_id}"


def name_cases(session: Session, cursor, opened: list[PlannedCase]) -> None:
    """Exactly the numbers needed, per year, in opening order: no gaps, nothing to give back.

    This locks the year's counter row until the batch commits, so it is the batch's
    last step but the audit rows: batches in other processes are not held up.
    """
    by_year: dict[int, list[PlannedCase]] = defaultdict(list)
    for case in opened:
        by_year[case.opened_at.year].append(case)
    for year, opened_that_year in sorted(by_year.items()):
        references = cases.allocate_references(session, year, len(opened_that_year))
        for case, reference in zip(opened_that_year, references, strict=True):
            case.reference = reference
    if opened:
        cursor.execute("UPDATE cases SET reference = v.reference"
                       " FROM unnest(%s::int[], %s::text[]) AS v(id, reference)"
                       " WHERE cases.id = v.id",
                       ([c.id for c in opened], [c.reference for c in opened]))


def write_cases(cursor, plan: Plan, now: datetime) -> None:
    """The new cases (provisionally referenced), every new reason, the joined cases flagged
    republished, the findings and plan decisions a newer assessment set aside."""
    copy_rows(cursor, "cases", CASE_COLUMNS, (
        (c.id, provisional_reference(c.id), c.organisation_id, CaseStatus.UNASSIGNED.value,
         c.opened_at, c.due_date, c.republished, "", False, 0, 1, now, now)
        for c in plan.opened))
    touched = [*plan.opened, *plan.joined.values()]
    copy_rows(cursor, "case_reasons", REASON_COLUMNS, (
        (reason_id, case.id, *reason)
        for case in touched for reason_id, reason in zip(case.reason_ids, case.new_reasons,
                                                          strict=True)))
    if plan.joined:  # as cases.attach_publication: flagged, and a new version of the case
        cursor.execute("UPDATE cases SET republished = true, version = version + 1, "
                       "updated_at = %s WHERE id = ANY(%s)", (now, sorted(plan.joined)))
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


def write_audit(cursor, plan: Plan, now: datetime) -> None:
    """The audit rows of the cases and reasons written (once the cases are named)."""
    copy_rows(cursor, "audit_events", AUDIT_COLUMNS,
              _audit_rows([*plan.opened, *plan.joined.values()], now))


def _audit_row(now: datetime, action: str, table: str, entity_id: int, summary: str,
               changes: dict) -> tuple:
    return (now, TOOLKIT_ACTOR.label, TOOLKIT_ACTOR.user_id, action, table, str(entity_id),
            summary[:SUMMARY_MAX], json.dumps(changes))


def _created(values: dict) -> dict:
    return {key: [None, value] for key, value in values.items() if value is not None}


def _audit_rows(touched: list[PlannedCase], now: datetime):
    """As ``core.audit`` writes them for the ORM: created columns, changed fields."""
    for case in touched:
        if case.is_new:
            yield _audit_row(now, "create", "cases", case.id, case.reference, _created({
                "id": case.id, "reference": case.reference,
                "organisation_id": case.organisation_id,
                "status": CaseStatus.UNASSIGNED.value, "opened_at": case.opened_at.isoformat(),
                "due_date": case.due_date.isoformat(), "republished": case.republished,
                "outcome_reasons": "", "plan_accepted": False, "paused_working_days": 0}))
        for reason_id, (kind, reference, group) in zip(case.reason_ids, case.new_reasons,
                                                       strict=True):
            yield _audit_row(now, "create", "case_reasons", reason_id,
                             f"{case.reference} {kind} {reference} → {group}", _created({
                                 "id": reason_id, "case_id": case.id, "application_type": kind,
                                 "reference": reference, "approval_group": group}))
        if case.newly_republished:
            yield _audit_row(now, "update", "cases", case.id, case.reference,
                             {"republished": [False, True]})
        for finding in case.set_aside:
            yield _audit_row(now, "update", "findings", finding.id,
                             f"{case.reference} {finding.label}",
                             {"changed_from": [None, finding.changed_from]})
        for decision in case.decisions_set_aside:
            yield _audit_row(now, "update", "plan_decisions", decision.id,
                             f"{case.reference} {decision.label}",
                             {"changed_from": [None, decision.changed_from]})


# The assessment's lists as JSON text, straight from pydantic: the values that
# services._record_assessment stores (requirements and covers without empty fields).
_REQUIREMENTS = TypeAdapter(list[RequirementIn])
_PLAN = TypeAdapter(list[PlanItemIn])
_COVERS = TypeAdapter(list[CoverIn])
_APPLICATIONS = TypeAdapter(list[ApplicationIn])


def assessment_row(item: Item) -> tuple:
    parsed = item.parsed
    assessment = parsed.assessment
    return (item.pk, item.organisation_id, item.case.id if item.case else None,
            assessment.toolkit_version, assessment.reporting_year, parsed.published_at,
            _REQUIREMENTS.dump_json(assessment.requirements, exclude_none=True).decode(),
            _PLAN.dump_json(assessment.improvement_plan).decode(),
            _COVERS.dump_json(assessment.covers, exclude_none=True).decode(),
            _APPLICATIONS.dump_json(parsed.applications).decode())


def write_assessments(cursor, items: list[Item]) -> None:
    """One assessment per processed notification (an unmatched one has none yet)."""
    copy_rows(cursor, "assessments", ASSESSMENT_COLUMNS,
              (assessment_row(i) for i in items if i.status == NotificationStatus.PROCESSED),
              ASSESSMENT_TYPES)


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
