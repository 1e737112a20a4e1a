"""Half a year of closed cases and last year's publications, so reports have something to show.

The dashboard's weekly throughput needs cases opened, decided and closed over the last 26
weeks; the annual compliance report needs a reporting year that has ended; the public
outcomes report and the approval groups' portals need outcomes published with their
assessments, and letters.

A past case begins as any case does: its publication is processed by the notification
service, which records the assessment and opens the case with a reason per application.
It is then decided as its reviewer would have (``decisions``), closed by ``Case.close``
(which publishes it with its assessment's version and year) and, for the latest ones,
given its letters by the letters service (``letters``). All of it is dated in the past.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from backoffice.cases import calendar
from backoffice.cases.models import Assessment, Case, CaseStatus
from backoffice.cases.services import active_rules
from backoffice.core.audit import SYSTEM_ACTOR, Actor, set_actor
from backoffice.core.vocabulary import ApprovalGroup, Outcome
from backoffice.core.workingdays import add_working_days
from backoffice.demo.decisions import Decision, decide, finding_rows, plan_decision_rows
from backoffice.demo.letters import past_letters
from backoffice.demo.notifications import RECORD_ONLY_TYPES, _applications, _assessment
from backoffice.notifications import engine, services
from backoffice.notifications.batch import IMPORT_SOURCE
from backoffice.notifications.engine import Item
from backoffice.notifications.importing import IMPORT_HEADERS, import_records
from backoffice.notifications.models import Notification
from backoffice.notifications.portable import PortableWriter
from backoffice.organisations.models import Organisation
from backoffice.reviews.findings import signed_digest
from backoffice.reviews.models import Finding, InformationRequest, PlanDecision, SignOff
from backoffice.users.models import User
from backoffice.users.services import find_user

SEED = 1604
WEEKS = 26
OUTCOME_WEIGHTS = ((Outcome.SATISFACTORY, 0.55), (Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN,
                                                  0.35), (Outcome.NOT_SATISFACTORY, 0.10))
REVIEWERS = ("reviewer", "reviewer2", "senior")
SIGNER = "senior"  # signs off the others' Not Satisfactory outcomes
SIGN_OFF_HOURS = (2, 40)
DELIVERY_MINUTES = (2, 30)  # from the letters being made to the last one sent: closed
# The latest past cases have their letters, and the latest few of each approval group
# (some groups are named by few cases); each case takes a moment to write.
LETTERED_CASES = 24
LETTERED_PER_GROUP = 3
INFORMATION_WANTED = "Please upload your information asset register and training log."


@dataclass
class PastCase:
    """One past case: whose publication and when, and how and when it was decided."""

    organisation: Organisation
    opened: datetime
    paused: int
    wanted: Outcome
    reviewer: User
    outcome_at: datetime
    final_at: datetime  # the outcome recorded, or signed off: the letters were made
    closed_at: datetime


@dataclass
class Decided:
    """A past case as written: its case, assessment, plan and how it was decided."""

    case: Case
    assessment: Assessment
    past: PastCase
    decision: Decision


def _weekly_openings(rng: random.Random, week: int) -> int:
    """A season: busier towards the end of the half-year, with noise."""
    return max(2, round(9 + 5 * math.sin(week / 4.0) + week / 4 + rng.gauss(0, 2)))


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _timing(rng: random.Random, opened: datetime,
            wanted: Outcome) -> tuple[int, datetime, datetime, datetime]:
    """Working days paused, and when the outcome was recorded, final and the case closed."""
    took = rng.choice((2, 3, 4, 5, 6, 6, 7, 8, 8, 9, 10, 11, 12, 14, 17))
    paused = rng.choice((0, 0, 0, 0, 2, 4))
    decided_on = add_working_days(opened.date(), took + paused)
    outcome_at = datetime.combine(decided_on, time(rng.randint(9, 16)), tzinfo=UTC)
    final_at = outcome_at
    if wanted is Outcome.NOT_SATISFACTORY:
        final_at += timedelta(hours=rng.randint(*SIGN_OFF_HOURS))
    closed_at = final_at + timedelta(minutes=rng.randint(*DELIVERY_MINUTES))
    return paused, outcome_at, final_at, closed_at


class _Calendar:
    """When each organisation had a case open: one at a time, and none after its current one
    opened; a past case goes to an organisation with none open from its opening to closing."""

    def __init__(self, organisations: list[Organisation], open_since: dict[int, datetime]):
        self.organisations = organisations
        self.open_since = open_since
        self.last_closed: dict[int, datetime] = {}

    def free(self, opened: datetime, closed_at: datetime) -> list[Organisation]:
        return [o for o in self.organisations
                if (o.id not in self.last_closed or self.last_closed[o.id] < opened)
                and (o.id not in self.open_since or closed_at < self.open_since[o.id])]

    def book(self, organisation: Organisation, closed_at: datetime) -> None:
        self.last_closed[organisation.id] = closed_at


def _past_case(rng: random.Random, opened: datetime, calendar: _Calendar,
               reviewers: list[User], signer: User, now: datetime) -> PastCase | None:
    """A case decided and closed some working days after it opened; None if not closed yet
    or no organisation was free."""
    wanted = rng.choices([o for o, _ in OUTCOME_WEIGHTS], [w for _, w in OUTCOME_WEIGHTS])[0]
    paused, outcome_at, final_at, closed_at = _timing(rng, opened, wanted)
    free = calendar.free(opened, closed_at)
    if closed_at >= now or not free:
        return None
    organisation = rng.choice(free)
    calendar.book(organisation, closed_at)
    # Nobody signs off their own Not Satisfactory: the signer records only the others.
    allowed = [r for r in reviewers if r is not signer or wanted is not
               Outcome.NOT_SATISFACTORY]
    return PastCase(organisation, opened, paused, wanted, rng.choice(allowed), outcome_at,
                    final_at, closed_at)


def _plan(rng: random.Random, now: datetime, calendar: _Calendar, reviewers: list[User],
          signer: User) -> list[PastCase]:
    """The past cases of the last 26 weeks, oldest first."""
    planned = []
    for week in range(WEEKS):
        monday = (now - timedelta(weeks=WEEKS - week, days=now.weekday())).replace(
            hour=9, minute=0, second=0, microsecond=0)
        for _ in range(_weekly_openings(rng, week)):
            opened = monday + timedelta(days=rng.randint(0, 4), minutes=rng.randint(0, 480))
            past = _past_case(rng, opened, calendar, reviewers, signer, now)
            if past is not None:
                planned.append(past)
    return sorted(planned, key=lambda p: p.opened)


def _publication(rng: random.Random, number: int, past: PastCase) -> bytes:
    """The toolkit's notification of the publication that opened the case."""
    organisation = past.organisation
    return json.dumps({
        "notification_id": f"IGT-DEMO-H{number:05d}",
        "published_at": past.opened.isoformat().replace("+00:00", "Z"),
        "organisation": {"ods_code": organisation.ods_code, "name": organisation.name,
                         "org_type": organisation.org_type, "postcode": organisation.postcode},
        "assessment": _assessment(rng, past.opened),
        "applications": _applications(rng, organisation.org_type)}).encode()


class _PastLookups:
    """Lookups (``engine.Lookups``) as they stood when a past publication came: the register
    as it is, and no case open for its organisation (the calendar keeps its past cases
    apart)."""

    def __init__(self, session: Session, organisations: list[Organisation]):
        self._by_code = {o.ods_code: o for o in organisations}
        self._rules = active_rules(session)
        self._calendar = calendar.load(session)

    def organisation(self, item: Item) -> Organisation | None:
        return self._by_code.get(item.parsed.organisation.ods_code.upper())

    def open_case(self, organisation_id: int) -> None:
        return None

    def head_office(self, item: Item) -> None:
        return None  # the made-up past has no head-office batches

    def published_before(self, organisation_id: int) -> bool:
        return True  # every demo organisation published last year: no baselines here

    def rules(self) -> list:
        return self._rules

    def calendar(self) -> dict[int, str]:
        return self._calendar

    def load_reviews(self, joined: dict) -> list:
        return []


def _publish(session: Session, lookups: _PastLookups, raw: bytes, past: PastCase,
             sla_days: int) -> Notification:
    """Stored and processed as the importer does: the assessment, the case and its reasons
    (numbered in the order the cases opened); nothing flushed yet."""
    checked = services.check(raw)
    notification = services.new_notification(raw, IMPORT_HEADERS, IMPORT_SOURCE,
                                             checked=checked)
    notification.received_at = past.opened
    session.add(notification)
    engine.process(session, [Item(checked.model, notification=notification)],
                   lookups=lookups, writer=PortableWriter(session), sla_days=sla_days,
                   now=past.opened)
    return notification


def _recorded_assessments(session: Session) -> dict[Notification, Assessment]:
    """The assessments processing recorded, not written yet: their cases are closed first,
    so that none stands as its organisation's second open case."""
    return {item.notification: item for item in session.new if isinstance(item, Assessment)}


def _close(case: Case, assessment: Assessment, past: PastCase, decision: Decision) -> None:
    """The outcome as recorded then, the clock's pause, and closed as its letters went."""
    case.assigned_to_id = case.outcome_by_id = past.reviewer.id
    case.outcome = decision.outcome.value
    case.outcome_reasons = decision.reasons
    case.plan_accepted = decision.outcome is Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN
    case.outcome_at = past.outcome_at
    case.paused_working_days = past.paused
    case.due_date = add_working_days(case.due_date, past.paused)
    case.status = CaseStatus.CLOSED.value  # the made-up past, written as it stands
    case.publish(assessment, at=past.final_at)  # published once confirmed
    case.closed_at = past.closed_at


def _information_request(decided: Decided) -> InformationRequest:
    """The request that paused the clock, answered after the days it was paused."""
    past = decided.past
    asked_on = add_working_days(past.opened.date(), 1)
    answered_on = add_working_days(asked_on, past.paused)
    return InformationRequest(
        case_id=decided.case.id, message=INFORMATION_WANTED, requested_by_id=past.reviewer.id,
        requested_at=datetime.combine(asked_on, time(10), tzinfo=UTC),
        received_at=datetime.combine(answered_on, time(11), tzinfo=UTC),
        paused_working_days=past.paused)


def _record_reviews(session: Session, decided: list[Decided], reviewers: list[User]) -> None:
    """The information requests, in their reviewer's name; then every finding and plan
    decision, in bulk and without audit rows: those would say they were recorded today,
    and writing some 12,000 findings one by one would slow the demo's start."""
    for reviewer in reviewers:
        set_actor(session, Actor.of(reviewer))
        session.add_all(_information_request(item) for item in decided
                        if item.past.reviewer is reviewer and item.past.paused)
        session.flush()
    findings = [row for item in decided for row in finding_rows(
        item.case, item.assessment, item.decision, item.past.reviewer.id)]
    plan_decisions = [row for item in decided for row in plan_decision_rows(
        item.case, item.assessment, item.decision)]
    for model, rows in ((Finding, findings), (PlanDecision, plan_decisions)):
        if rows:
            session.execute(insert(model), rows)


def _sign_off(session: Session, decided: list[Decided], signer: User) -> None:
    """The senior reviewer approved each Not Satisfactory outcome as it then stood."""
    set_actor(session, Actor.of(signer))
    for item in decided:
        if item.decision.outcome is Outcome.NOT_SATISFACTORY:
            session.add(SignOff(case_id=item.case.id, signed_by_id=signer.id,
                                decision="approved", digest=signed_digest(session, item.case),
                                signed_at=item.past.final_at))
    session.flush()


def _lettered(decided: list[Decided]) -> list[Decided]:
    """The cases to give letters: the latest, and the latest naming each approval group."""
    newest = sorted(decided, key=lambda d: d.past.closed_at, reverse=True)
    chosen = {id(d): d for d in newest[:LETTERED_CASES]}
    for group in ApprovalGroup:
        naming = [d for d in newest if group.value in {r.approval_group for r in d.case.reasons}]
        chosen.update((id(d), d) for d in naming[:LETTERED_PER_GROUP])
    return sorted(chosen.values(), key=lambda d: d.past.closed_at)


def _open_since(session: Session) -> dict[int, datetime]:
    """When each organisation's open case opened."""
    rows = session.execute(select(Case.organisation_id, Case.opened_at).where(
        Case.open_condition()))
    return {organisation_id: _utc(opened) for organisation_id, opened in rows}


def _close_all(session: Session, published: list[tuple[PastCase, Notification]]
               ) -> list[Decided]:
    """Each case decided on its assessment and closed, then all written at once."""
    assessments = _recorded_assessments(session)
    decided = []
    for past, notification in published:
        assessment = assessments[notification]
        decision = decide(assessment, past.wanted)
        _close(notification.case, assessment, past, decision)
        decided.append(Decided(notification.case, assessment, past, decision))
    set_actor(session, SYSTEM_ACTOR)
    session.flush()
    return decided


def ensure_closed_history(session: Session, domain: str, *, sla_days: int, mail_from: str,
                          now: datetime | None = None) -> int:
    """Only on a fresh demo: closed cases opened over the last 26 weeks, dates backdated,
    each with its assessment, reasons, findings and outcome; the latest with letters."""
    if session.scalar(select(Case.id).where(Case.status == CaseStatus.CLOSED).limit(1)):
        return 0
    now = now or datetime.now(UTC)
    rng = random.Random(SEED)
    reviewers = [find_user(session, f"{name}@{domain}") for name in REVIEWERS]
    signer = find_user(session, f"{SIGNER}@{domain}")
    organisations = list(session.scalars(select(Organisation).where(
        Organisation.org_type.not_in(RECORD_ONLY_TYPES)).order_by(Organisation.id)))
    planned = _plan(rng, now, _Calendar(organisations, _open_since(session)), reviewers,
                    signer)
    lookups = _PastLookups(session, organisations)
    decided = _close_all(session, [
        (past, _publish(session, lookups, _publication(rng, number, past), past, sla_days))
        for number, past in enumerate(planned)])
    _record_reviews(session, decided, reviewers)
    _sign_off(session, decided, signer)
    for item in _lettered(decided):
        past_letters(session, case=item.case, made_at=item.past.final_at,
                     sent_at=item.past.closed_at, mail_from=mail_from)
    session.flush()
    return len(decided)


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
    return import_records(session, records, sla_days=sla_days, backdate=True)
