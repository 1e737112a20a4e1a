"""Half a year of closed cases and last year's publications, so reports have something to show.

The dashboard's weekly throughput needs cases opened, decided and closed over the last 26
weeks; the annual compliance report needs a reporting year that has ended.
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseStatus
from backoffice.cases.services import allocate_references
from backoffice.core.workingdays import add_working_days
from backoffice.demo.notifications import _assessment
from backoffice.notifications.importing import import_records
from backoffice.organisations.models import Organisation
from backoffice.reviews.rules import Outcome
from backoffice.users.services import find_user

SEED = 1604
WEEKS = 26
OUTCOME_WEIGHTS = ((Outcome.SATISFACTORY, 0.55), (Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN,
                                                  0.35), (Outcome.NOT_SATISFACTORY, 0.10))
REVIEWERS = ("reviewer", "reviewer2", "senior")


def _weekly_openings(rng: random.Random, week: int) -> int:
    """A season: busier towards the end of the half-year, with noise."""
    return max(2, round(9 + 5 * math.sin(week / 4.0) + week / 4 + rng.gauss(0, 2)))


def _history_case(rng: random.Random, opened: datetime, sla_days: int, reviewer_ids: list[int],
                  organisation_id: int) -> Case | None:
    """A case decided and closed some working days after it opened; None if not closed yet."""
    took = rng.choice((2, 3, 4, 5, 6, 6, 7, 8, 8, 9, 10, 11, 12, 14, 17))
    paused = rng.choice((0, 0, 0, 0, 2, 4))
    decided_on = add_working_days(opened.date(), took + paused)
    outcome_at = datetime.combine(decided_on, time(rng.randint(9, 16)), tzinfo=UTC)
    closed_at = outcome_at + timedelta(hours=rng.randint(2, 40))
    if closed_at >= datetime.now(UTC):
        return None
    reviewer = rng.choice(reviewer_ids)
    outcome = rng.choices([o for o, _ in OUTCOME_WEIGHTS], [w for _, w in OUTCOME_WEIGHTS])[0]
    return Case(organisation_id=organisation_id, status=CaseStatus.CLOSED.value,
                opened_at=opened, due_date=add_working_days(opened.date(), sla_days + paused),
                assigned_to_id=reviewer, outcome=outcome.value, outcome_by_id=reviewer,
                outcome_at=outcome_at, closed_at=closed_at, paused_working_days=paused,
                plan_accepted=outcome is Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN,
                outcome_reasons="Several requirements below level 2 with no plan."
                if outcome is Outcome.NOT_SATISFACTORY else "")


def ensure_closed_history(session: Session, domain: str, *, sla_days: int,
                          now: datetime | None = None) -> int:
    """Only on a fresh demo: closed cases opened over the last 26 weeks, dates backdated."""
    if session.scalar(select(Case.id).where(Case.status == CaseStatus.CLOSED).limit(1)):
        return 0
    now = now or datetime.now(UTC)
    rng = random.Random(SEED)
    reviewer_ids = [find_user(session, f"{name}@{domain}").id for name in REVIEWERS]
    organisation_ids = list(session.scalars(select(Organisation.id).order_by(Organisation.id)))
    cases = []
    for week in range(WEEKS):
        monday = (now - timedelta(weeks=WEEKS - week, days=now.weekday())).replace(
            hour=9, minute=0, second=0, microsecond=0)
        for _ in range(_weekly_openings(rng, week)):
            opened = monday + timedelta(days=rng.randint(0, 4), minutes=rng.randint(0, 480))
            case = _history_case(rng, opened, sla_days, reviewer_ids,
                                 rng.choice(organisation_ids))
            if case is not None:
                cases.append(case)
    cases.sort(key=lambda c: c.opened_at)
    for case in cases:
        case.reference = allocate_references(session, case.opened_at.year)[0]
        session.add(case)
    session.flush()
    return len(cases)


def _last_ended_year_start(now: datetime) -> int:
    """The first year of the latest reporting year whose 31 March has passed."""
    return now.year - 1 if now.month > 3 else now.year - 2


def last_year_bodies(publishers: list[tuple[str, str, str]], now: datetime) -> list[bytes]:
    """One publication per publisher in the last ended year, a few republished; no
    applications, so they are recorded without opening cases."""
    rng = random.Random(SEED)
    start = _last_ended_year_start(now)
    year_end = datetime(start + 1, 3, 31, 17, tzinfo=UTC)
    bodies = []
    for number, (code, name, kind) in enumerate(publishers):
        for again in range(1 + (rng.random() < 0.05)):
            published = year_end - timedelta(days=min(rng.expovariate(1 / 40), 300) / (1 + again))
            assessment = _assessment(rng, published.replace(microsecond=0))
            bodies.append({
                "notification_id": f"IGT-DEMO-Y{start}-{number:04d}-{again}",
                "published_at": published.replace(microsecond=0).isoformat()
                .replace("+00:00", "Z"),
                "organisation": {"ods_code": code, "name": name, "org_type": kind,
                                 "postcode": "EX1 1AA"},
                "assessment": assessment, "applications": []})
    bodies.sort(key=lambda b: b["published_at"])
    return [json.dumps(body).encode() for body in bodies]


def load_last_year(session: Session, publishers: list[tuple[str, str, str]], *,
                   sla_days: int, now: datetime | None = None):
    """Import the last ended year's publications; a rerun finds them all repeats."""
    now = now or datetime.now(UTC)
    records = list(enumerate(last_year_bodies(publishers, now), start=1))
    return import_records(session, records, sla_days=sla_days, year=now.year, backdate=True)
