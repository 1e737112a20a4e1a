"""SLA reminders: once a day, each assignee hears of their cases due soon or overdue."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.db import utcnow
from backoffice.core.display import day
from backoffice.core.vocabulary import status_label
from backoffice.core.workingdays import add_working_days
from backoffice.mail.models import OutboxMessage
from backoffice.users.models import User

REMINDER_KIND = "sla_reminder"
DUE_SOON_WORKING_DAYS = 2


def _reminded_today(session: Session, today: date) -> set[int]:
    start = datetime.combine(today, time.min, tzinfo=utcnow().tzinfo)
    rows = session.scalars(select(OutboxMessage.data).where(
        OutboxMessage.kind == REMINDER_KIND, OutboxMessage.created_at >= start))
    return {data.get("user_id") for data in rows if data.get("date") == today.isoformat()}


def _line(case: Case, today: date) -> str:
    state = "OVERDUE" if case.due_date < today else "due"
    return (f"- {case.reference} {case.organisation.name}: {state} "
            f"{day(case.due_date)} ({status_label(case.status)})")


def write_reminders(session: Session, *, today: date) -> int:
    """One reminder per assignee and day, listing cases due within 2 working days or overdue
    whose SLA clock runs."""
    horizon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    cases = session.scalars(select(Case).where(
        Case.clock_running_condition(), Case.assigned_to_id.is_not(None),
        Case.due_date <= horizon).order_by(Case.due_date, Case.id))
    by_user: dict[int, list[Case]] = defaultdict(list)
    for case in cases:
        by_user[case.assigned_to_id].append(case)
    done = _reminded_today(session, today)
    written = 0
    for user_id, mine in by_user.items():
        user = session.get(User, user_id)
        if user_id in done or user is None or not user.active:
            continue
        overdue = sum(case.due_date < today for case in mine)
        session.add(OutboxMessage(
            kind=REMINDER_KIND, recipients=[user.email],
            subject=f"IG Toolkit reviews: {overdue} overdue, {len(mine) - overdue} due soon",
            body="Your cases due within two working days or overdue:\n\n"
                 + "\n".join(_line(case, today) for case in mine) + "\n",
            data={"date": today.isoformat(), "user_id": user_id,
                  "cases": [case.reference for case in mine]}))
        written += 1
    session.flush()
    return written
