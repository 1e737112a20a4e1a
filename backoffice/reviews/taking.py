"""Taking and assigning: a reviewer takes the most urgent case or the one in front of
them; a senior reviewer assigns one or many. Two takers never get the same case.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    JSON,
    Integer,
    String,
    bindparam,
    cast,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session

from backoffice.cases import lifecycle
from backoffice.cases.models import Case
from backoffice.core.audit import AUDIT_COLUMNS, Actor, AuditEvent, record_event, set_actor
from backoffice.core.db import driver_cursor, utcnow
from backoffice.core.errors import InvalidInput
from backoffice.core.vocabulary import CaseStatus, status_label
from backoffice.reviews import telling
from backoffice.reviews.guards import REVIEWER_ROLES, WrongState
from backoffice.users.models import User

# A take claims an unassigned case for a reviewer in one UPDATE (see ``lifecycle``).
TAKEN_FROM, TAKEN_TO = CaseStatus.UNASSIGNED, CaseStatus.IN_REVIEW


class TakenCase(NamedTuple):
    """What a take hands back: enough to say which case it was and to open it."""

    id: int
    reference: str
    due_date: date


def take_next_case(session: Session, *, actor: Actor, reviewer: User,
                   only=None) -> TakenCase | None:
    """The most urgent unassigned case (earliest due, then oldest) becomes the reviewer's;
    with ``only`` (a condition on cases: the queue's filters on screen), the most urgent of
    those.

    One statement claims it. On PostgreSQL concurrent takers skip each other's locked
    rows (``FOR UPDATE SKIP LOCKED``) and, unfiltered, the audit row is written by the same
    statement; SQLite runs one writer at a time.
    """
    changes = {"assigned_to_id": [None, reviewer.id],
               **lifecycle.audited_change(TAKEN_FROM, TAKEN_TO)}
    dialect = session.connection().dialect
    if dialect.name == "postgresql" and only is None:
        return _claim_on_postgresql(session, _claim_with_audit_row_sql(dialect), actor,
                                    reviewer, changes)
    claim = _claim() if only is None else _claim_statement(only).returning(Case).execution_options(
        synchronize_session=False, populate_existing=True)
    case = session.scalars(claim, {"reviewer_id": reviewer.id, "updated_at": utcnow()}).first()
    if case is None:
        return None
    record_event(session, actor, "update", Case.__tablename__, case.id, case.reference,
                 changes)
    return TakenCase(case.id, case.reference, case.due_date)


def _claim_on_postgresql(session, sql: str, actor, reviewer, changes) -> TakenCase | None:
    now = utcnow()
    with driver_cursor(session) as cursor:  # the hot path: psycopg itself, no result layer
        row = cursor.execute(sql, {
            "reviewer_id": reviewer.id, "updated_at": now, "occurred_at": now,
            "actor": actor.label, "actor_user_id": actor.user_id,
            "changes": json.dumps(changes)}).fetchone()
    if row is None:
        return None
    loaded = session.identity_map.get(session.identity_key(Case, row[0]))
    if loaded is not None:  # already in this session: read it again when next used
        session.expire(loaded)
    return TakenCase(*row)


def _claim_statement(only=None):
    """The take's UPDATE. Its fixed values are written into the SQL, not sent as parameters,
    so that PostgreSQL's plan for the prepared statement is the one for exactly them (a
    generic plan for ``LIMIT $1`` and ``status = $2`` read the whole queue)."""
    among = select(Case.id).where(Case.in_status(TAKEN_FROM))
    if only is not None:
        among = among.where(only)
    most_urgent = (among
                   .order_by(Case.due_date, Case.opened_at, Case.id).limit(literal_column("1"))
                   .with_for_update(skip_locked=True).scalar_subquery())
    return (update(Case)
            .where(Case.id == most_urgent, Case.in_status(TAKEN_FROM))
            .values(status=_sql_text(TAKEN_TO.value),
                    assigned_to_id=bindparam("reviewer_id"),
                    version=Case.version + literal_column("1"), updated_at=bindparam("updated_at")))


def _sql_text(value: str):
    """A fixed string written into the statement (our own constants only)."""
    return literal_column(f"'{value}'", String)


@cache
def _claim():
    """Built once: a take runs the cached compiled statement with its parameters."""
    return _claim_statement().returning(Case).execution_options(
        synchronize_session=False, populate_existing=True)


@cache
def _claim_with_audit_row_sql(dialect) -> str:
    """``WITH claimed AS (UPDATE … RETURNING …), audit AS (INSERT … FROM claimed)``: a take
    is one round trip, its audit row in the same statement.

    Reviewers press "take next" all day, so the statement is compiled once per process
    to its SQL text, and each take sends that text with its own values; building and
    compiling it again for every take cost more than the take.
    """
    claimed = _claim_statement().returning(Case.id, Case.reference, Case.due_date).cte(
        "claimed")
    audit_row = insert(AuditEvent).from_select(
        list(AUDIT_COLUMNS),
        select(bindparam("occurred_at", type_=AuditEvent.occurred_at.type),
               bindparam("actor", type_=String), bindparam("actor_user_id", type_=Integer),
               _sql_text("update"), _sql_text(Case.__tablename__), cast(claimed.c.id, String),
               claimed.c.reference, bindparam("changes", type_=JSON)))
    statement = select(claimed).add_cte(audit_row.cte("audit_row"))
    return str(statement.compile(dialect=dialect))


def take_case(session: Session, *, actor: Actor, reviewer: User, case: Case) -> TakenCase:
    """This unassigned case becomes the reviewer's; of two taking it at once, one gets it.

    One conditional UPDATE claims it (``WHERE status = 'unassigned'``): a second taker's
    update waits for the first's row lock, then finds the case taken and claims nothing.
    """
    changes = {"assigned_to_id": [None, reviewer.id],
               **lifecycle.audited_change(TAKEN_FROM, TAKEN_TO)}
    claimed = session.execute(
        update(Case).where(Case.id == case.id, Case.in_status(TAKEN_FROM))
        .values(status=TAKEN_TO.value, assigned_to_id=reviewer.id,
                version=Case.version + 1, updated_at=utcnow())
        .returning(Case.id, Case.reference, Case.due_date)
        .execution_options(synchronize_session=False)).first()
    session.expire(case)
    if claimed is None:
        raise WrongState(_not_takeable(case))
    record_event(session, actor, "update", Case.__tablename__, case.id, case.reference,
                 changes)
    return TakenCase(*claimed)


def _not_takeable(case: Case) -> str:
    if case.assigned_to is not None:
        return f"{case.reference} has been taken by {case.assigned_to}; it is no longer unassigned"
    return f"{case.reference} is {status_label(case.status)}; only an unassigned case is taken"


def reviewers(session: Session) -> list[User]:
    """Everyone who may hold a case, by name; deactivated ones too, who may still hold some."""
    found = session.scalars(select(User).where(User.role.in_(REVIEWER_ROLES)))
    return sorted(found, key=lambda user: (str(user).casefold(), user.id))


def assign_cases(session: Session, *, actor: Actor, cases: list[Case], reviewer: User) -> int:
    """A senior reviewer gives one or many open cases to a reviewer; reassigning is audited."""
    if reviewer.role not in REVIEWER_ROLES or not reviewer.active:
        raise InvalidInput(f"{reviewer} is not an active reviewer", field="reviewer")
    for case in cases:
        if not case.is_open:
            raise WrongState(f"{case.reference} is closed; reopen it before assigning it")
        set_actor(session, actor)
        case.assigned_to = reviewer
        if case.status == CaseStatus.UNASSIGNED:
            lifecycle.move(session, actor=actor, case=case, to=CaseStatus.IN_REVIEW)
    if reviewer.id != actor.user_id:  # a senior taking cases themselves needs no e-mail
        telling.tell_assignee(session, reviewer=reviewer, cases=cases, by=actor.label)
    session.flush()
    return len(cases)
