"""Working a case: take, assign, findings, information requests, outcomes, sign-off, reopen.

Each transition names the states it may start from, refuses others in plain
words, and is audited with the case (the Audited mixin) in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from http import HTTPStatus
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

from backoffice.cases import services as case_services
from backoffice.cases.models import Case, CaseStatus
from backoffice.core.audit import Actor, AuditEvent, record_event, set_actor
from backoffice.core.db import driver_cursor, utcnow
from backoffice.core.errors import Conflict, InvalidInput, ServiceError
from backoffice.core.permissions import Role
from backoffice.core.workingdays import add_working_days, working_days_between
from backoffice.exemptions.services import exempt_requirements
from backoffice.notifications.models import Assessment
from backoffice.reviews import rules
from backoffice.reviews.models import (
    Finding,
    InformationRequest,
    OutboxMessage,
    PlanDecision,
    SignOff,
)
from backoffice.users.models import User

REVIEWING = (CaseStatus.IN_REVIEW,)
EDITABLE = (CaseStatus.IN_REVIEW, CaseStatus.AWAITING_SIGN_OFF, CaseStatus.SENDING_LETTERS)
REVIEWER_ROLES = (Role.REVIEWER, Role.SENIOR_REVIEWER)


class OutcomeRefused(ServiceError):
    """The outcome rules contradict the outcome asked for."""


class WrongState(Conflict):
    """The case is not in a state this step may start from."""


class StaleCase(Conflict):
    """Someone else changed the case since it was loaded."""


class NotYourCase(ServiceError):
    """A reviewer tried to work a case another reviewer holds."""

    status = HTTPStatus.FORBIDDEN


def _require_state(case: Case, allowed: tuple[CaseStatus, ...], doing: str) -> None:
    if case.status not in allowed:
        names = " or ".join(s.value.replace("_", " ") for s in allowed)
        raise WrongState(f"{case.reference} is {case.status.replace('_', ' ')}; "
                         f"{doing} needs it {names}")


def _require_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise StaleCase(f"{case.reference} was changed by someone else while you were "
                        "working; here it is as it is now")


def held_by_another(case: Case, user_id: int | None) -> bool:
    """Someone else holds the case (a case nobody holds is anyone's to work)."""
    return case.assigned_to_id is not None and case.assigned_to_id != user_id


def may_work_on(case: Case, user: User) -> bool:
    """A reviewer works the cases they hold; a senior reviewer may act on anyone's."""
    return not held_by_another(case, user.id) or user.role == Role.SENIOR_REVIEWER


def _require_holder(session: Session, case: Case, actor: Actor, doing: str) -> None:
    """Refuse a reviewer working another's case; a senior reviewer doing so is audited."""
    if not held_by_another(case, actor.user_id):
        return
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not may_work_on(case, user):
        raise NotYourCase(f"{case.reference} is assigned to {case.assigned_to}: {doing} on it "
                          "is for them or a senior reviewer; ask a senior reviewer to assign "
                          "it to you")
    record_event(session, actor, "act_for", Case.__tablename__, case.id, case.reference,
                 {"acting_for": [None, f"{doing} on a case assigned to {case.assigned_to}"]})


def latest_assessment(session: Session, case: Case) -> Assessment | None:
    query = (select(Assessment).where(Assessment.case_id == case.id)
             .order_by(Assessment.published_at.desc(), Assessment.id.desc()).limit(1))
    return session.scalar(query)


def _require_assessment(session: Session, case: Case, doing: str) -> None:
    """An outcome is recorded on a published assessment, whose version and year its letters
    name; a case with none (the demo's made-up history) has nothing to review."""
    if latest_assessment(session, case) is None:
        raise WrongState(f"{case.reference} has no published assessment; {doing} needs one "
                         "to review")


def findings_of(session: Session, case: Case) -> dict[str, Finding]:
    return {f.requirement_id: f for f in session.scalars(
        select(Finding).where(Finding.case_id == case.id))}


def plan_decisions_of(session: Session, case: Case) -> dict[int, PlanDecision]:
    return {d.item_index: d for d in session.scalars(
        select(PlanDecision).where(PlanDecision.case_id == case.id))}


def review_of(session: Session, case: Case) -> rules.Review:
    """The case's latest assessment with the findings, exemptions and plan decisions applied."""
    assessment = latest_assessment(session, case)
    if assessment is None:
        return rules.Review(reporting_year="2000/01", requirements=[])
    exempt = exempt_requirements(session, organisation_id=case.organisation_id,
                                 toolkit_version=assessment.toolkit_version)
    findings, decisions = findings_of(session, case), plan_decisions_of(session, case)
    requirements = []
    for item in assessment.requirements:
        finding = findings.get(item["id"])
        stands = finding is not None and finding.stands
        requirements.append(rules.Requirement(
            id=item["id"], self_assessed=None if item.get("not_relevant") else item["level"],
            exempt=item["id"] in exempt, reviewed=stands,
            agreed_level=None if not stands or finding.agreed else finding.level,
            changed_from=finding.changed_from if finding is not None else None))
    plan = [_plan_item(item, decisions.get(index))
            for index, item in enumerate(assessment.improvement_plan)]
    return rules.Review(reporting_year=assessment.reporting_year, requirements=requirements,
                        plan=plan)


def _plan_item(item: dict, decision: PlanDecision | None) -> rules.PlanItem:
    """A published plan item with the reviewer's decision, if it stands."""
    return rules.PlanItem(
        requirement=item["requirement"], action=item.get("action", ""),
        owner=item.get("owner", ""),
        target_date=date.fromisoformat(item["target_date"]) if item.get("target_date") else None,
        accepted=decision is not None and decision.stands and decision.accepted,
        changed_from=decision.changed_from if decision is not None else None)


# Taking and assigning --------------------------------------------------------------------


def _start_review(session: Session, case: Case, reviewer: User, actor: Actor) -> Case:
    set_actor(session, actor)
    case.assigned_to = reviewer
    case.status = CaseStatus.IN_REVIEW.value
    session.flush()
    return case


class TakenCase(NamedTuple):
    """What a take hands back: enough to say which case it was and to open it."""

    id: int
    reference: str
    due_date: date


def take_next_case(session: Session, *, actor: Actor, reviewer: User) -> TakenCase | None:
    """The most urgent unassigned case (earliest due, then oldest) becomes the reviewer's.

    One statement claims it. On PostgreSQL concurrent takers skip each other's locked
    rows (``FOR UPDATE SKIP LOCKED``) and the audit row is written by the same statement;
    SQLite runs one writer at a time.
    """
    changes = {"assigned_to_id": [None, reviewer.id],
               "status": [CaseStatus.UNASSIGNED.value, CaseStatus.IN_REVIEW.value]}
    dialect = session.connection().dialect
    if dialect.name == "postgresql":
        return _claim_on_postgresql(session, _claim_with_audit_row_sql(dialect), actor,
                                    reviewer, changes)
    case = session.scalars(_claim(), {"reviewer_id": reviewer.id, "updated_at": utcnow()}).first()
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


def _claim_statement():
    """The take's UPDATE. Its fixed values are written into the SQL, not sent as parameters,
    so that PostgreSQL's plan for the prepared statement is the one for exactly them (a
    generic plan for ``LIMIT $1`` and ``status = $2`` read the whole queue)."""
    most_urgent = (select(Case.id).where(Case.in_status(CaseStatus.UNASSIGNED))
                   .order_by(Case.due_date, Case.opened_at, Case.id).limit(literal_column("1"))
                   .with_for_update(skip_locked=True).scalar_subquery())
    return (update(Case)
            .where(Case.id == most_urgent, Case.in_status(CaseStatus.UNASSIGNED))
            .values(status=_sql_text(CaseStatus.IN_REVIEW.value),
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
        ["occurred_at", "actor", "actor_user_id", "action", "entity_type", "entity_id",
         "summary", "changes"],
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
    claimed = session.execute(
        update(Case).where(Case.id == case.id, Case.in_status(CaseStatus.UNASSIGNED))
        .values(status=CaseStatus.IN_REVIEW.value, assigned_to_id=reviewer.id,
                version=Case.version + 1, updated_at=utcnow())
        .returning(Case.id, Case.reference, Case.due_date)
        .execution_options(synchronize_session=False)).first()
    session.expire(case)
    if claimed is None:
        raise WrongState(_not_takeable(case))
    record_event(session, actor, "update", Case.__tablename__, case.id, case.reference, {
        "assigned_to_id": [None, reviewer.id],
        "status": [CaseStatus.UNASSIGNED.value, CaseStatus.IN_REVIEW.value]})
    return TakenCase(*claimed)


def _not_takeable(case: Case) -> str:
    if case.assigned_to is not None:
        return f"{case.reference} has been taken by {case.assigned_to}; it is no longer unassigned"
    return f"{case.reference} is {case.status.replace('_', ' ')}; only an unassigned case is taken"


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
            case.status = CaseStatus.IN_REVIEW.value
    session.flush()
    return len(cases)


# Findings ---------------------------------------------------------------------------------


@dataclass
class FindingInput:
    requirement_id: str
    agreed: bool
    level: int | None = None
    comment: str = ""


def _check_finding(item: FindingInput, known: set[str]) -> None:
    if item.requirement_id not in known:
        raise InvalidInput(f"requirement {item.requirement_id} is not in this assessment",
                           field=item.requirement_id)
    if not item.agreed and (item.level is None or not 0 <= item.level <= 3):
        raise InvalidInput(f"requirement {item.requirement_id}: give the level you found, "
                           "0 to 3", field=item.requirement_id)
    if not item.agreed and not item.comment.strip():
        raise InvalidInput(f"requirement {item.requirement_id}: say why the level differs",
                           field=item.requirement_id)


def findings_open(session: Session, case: Case) -> bool:
    """Whether findings may be recorded on the case as it stands (in review, or its outcome
    awaiting or holding a sign-off that a change would void)."""
    if case.status not in EDITABLE:
        return False
    return case.status != CaseStatus.SENDING_LETTERS or current_sign_off(session, case) is not None


def record_findings(session: Session, *, actor: Actor, case: Case,
                    findings: list[FindingInput], plan_decisions: dict[int, bool] | None = None,
                    expected_version: int | None = None) -> None:
    """Save the reviewer's findings (and plan decisions); a change after sign-off voids it."""
    _require_state(case, EDITABLE, "recording findings")
    _require_version(case, expected_version)
    if case.status == CaseStatus.SENDING_LETTERS and current_sign_off(session, case) is None:
        raise WrongState(f"{case.reference} has its outcome recorded and its letters are due; "
                         "findings can no longer change")
    _require_holder(session, case, actor, "recording findings")
    assessment = latest_assessment(session, case)
    known = {item["id"] for item in assessment.requirements} if assessment else set()
    for item in findings:
        _check_finding(item, known)
    set_actor(session, actor)
    before = signed_digest(session, case)
    _save_findings(session, case, actor, findings)
    _save_plan_decisions(session, case, assessment, plan_decisions or {})
    session.flush()
    if before != signed_digest(session, case):
        _void_sign_off(session, case, actor)
    case.updated_at = utcnow()
    session.flush()


def _save_findings(session, case, actor, findings) -> None:
    existing = findings_of(session, case)
    for item in findings:
        finding = existing.get(item.requirement_id) or Finding(
            case_id=case.id, requirement_id=item.requirement_id)
        finding.agreed = item.agreed
        finding.level = None if item.agreed else item.level
        finding.comment = item.comment.strip()
        finding.changed_from = None
        finding.updated_by_id = actor.user_id
        session.add(finding)


def set_aside_what_changed(session: Session, *, case: Case, before: Assessment,
                           after: Assessment) -> list[Finding | PlanDecision]:
    """A newer assessment joined the case: findings on requirements whose level or Not Relevant
    mark it changed, and decisions on plan items it changed (another item at that position, or
    none), no longer count until the reviewer answers them again. Returns what it set aside."""
    if case.id is None or not rules.supersedes(after.published_at, before.published_at):
        return []  # an older publication arriving late: the review still reads the newer one
    findings = findings_of(session, case)
    decisions = plan_decisions_of(session, case)
    return _set_aside(findings, rules.findings_to_set_aside(
        {key: f.changed_from for key, f in findings.items()},
        before.requirements, after.requirements)) + _set_aside(
        decisions, rules.plan_decisions_to_set_aside(
            {key: d.changed_from for key, d in decisions.items()},
            before.improvement_plan, after.improvement_plan))


def _set_aside(records: dict, changed: dict) -> list:
    for key, changed_from in changed.items():
        records[key].changed_from = changed_from
    return [records[key] for key in changed]


def _save_plan_decisions(session, case, assessment, decisions: dict[int, bool]) -> None:
    plan = assessment.improvement_plan if assessment else []
    existing = plan_decisions_of(session, case)
    for index, accepted in decisions.items():
        if not 0 <= index < len(plan):
            raise InvalidInput(f"there is no improvement plan item {index + 1}")
        decision = existing.get(index) or PlanDecision(case_id=case.id, item_index=index)
        decision.requirement_id = plan[index]["requirement"]  # the item decided now
        decision.accepted = accepted
        decision.changed_from = None
        session.add(decision)


# Information requests --------------------------------------------------------------------


def request_information(session: Session, *, actor: Actor, case: Case, message: str,
                        recipients: list[str]) -> InformationRequest:
    """Ask the organisation for information; the SLA clock stops until it arrives."""
    _require_state(case, REVIEWING, "requesting information")
    _require_holder(session, case, actor, "requesting information")
    if not message.strip():
        raise InvalidInput("write what the organisation should send", field="message")
    if not recipients:  # else the clock would stop for a request nobody receives
        raise InvalidInput(f"{case.organisation.name} has no Organisation Administrator to send "
                           "the request to: add one to the organisation first",
                           field="recipients")
    set_actor(session, actor)
    request = InformationRequest(case_id=case.id, message=message.strip(),
                                 requested_by_id=actor.user_id)
    session.add(request)
    case.status = CaseStatus.AWAITING_INFORMATION.value
    session.add(OutboxMessage(kind="information_request", case_id=case.id,
                              recipients=recipients, body=message.strip(),
                              subject=f"IG Toolkit review {case.reference}: information "
                                      "requested"))
    session.flush()
    return request


def information_received(session: Session, *, actor: Actor, case: Case,
                         today: date | None = None) -> int:
    """Resume the review; the due date moves by the working days the clock was stopped."""
    _require_state(case, (CaseStatus.AWAITING_INFORMATION,), "marking information received")
    _require_holder(session, case, actor, "marking information received")
    request = session.scalar(select(InformationRequest).where(
        InformationRequest.case_id == case.id, InformationRequest.received_at.is_(None))
        .order_by(InformationRequest.id.desc()))
    today = today or utcnow().date()
    paused = max(working_days_between(request.requested_at.date(), today), 0)
    set_actor(session, actor)
    request.received_at = utcnow()
    request.received_by_id = actor.user_id
    request.paused_working_days = paused
    case.paused_working_days += paused
    case.due_date = add_working_days(case.due_date, paused)
    case.status = CaseStatus.IN_REVIEW.value
    session.flush()
    return paused


# Outcomes and sign-off ----------------------------------------------------------------------


def signed_digest(session: Session, case: Case) -> str:
    """A digest of what a sign-off approves: every finding, plan decision and the outcome."""
    findings = sorted((f.requirement_id, f.agreed, f.level, f.comment)
                      for f in findings_of(session, case).values())
    decisions = sorted((d.item_index, d.accepted)
                       for d in plan_decisions_of(session, case).values())
    content = json.dumps([findings, decisions, case.outcome, case.outcome_reasons])
    return hashlib.sha256(content.encode()).hexdigest()


def _letters_due(session: Session, case: Case) -> None:
    case.status = CaseStatus.SENDING_LETTERS.value
    session.add(OutboxMessage(kind="letters_due", case_id=case.id,
                              subject=f"Letters due for {case.reference}",
                              data={"outcome": case.outcome}))


def record_outcome(session: Session, *, actor: Actor, case: Case, outcome: rules.Outcome,
                   reasons: str = "", plan_accepted: bool = False,
                   expected_version: int | None = None) -> None:
    """Record an outcome the rules allow; Not Satisfactory then waits for a second senior."""
    _require_state(case, REVIEWING, "recording an outcome")
    _require_version(case, expected_version)
    _require_assessment(session, case, "recording an outcome")
    _require_holder(session, case, actor, "recording an outcome")
    refused = rules.refusals(review_of(session, case), outcome, plan_accepted=plan_accepted,
                             reasons=reasons)
    if refused:
        raise OutcomeRefused(f"{outcome.label} refused: " + "; ".join(refused))
    set_actor(session, actor)
    case.outcome = outcome.value
    case.outcome_reasons = reasons.strip()
    case.plan_accepted = plan_accepted
    case.outcome_by_id = actor.user_id
    case.outcome_at = utcnow()
    if outcome is rules.Outcome.NOT_SATISFACTORY:
        case.status = CaseStatus.AWAITING_SIGN_OFF.value
    else:
        _letters_due(session, case)
    session.flush()


def _check_signer(case: Case, signer: User) -> None:
    if signer.role != Role.SENIOR_REVIEWER:
        raise InvalidInput("only a senior reviewer signs off a Not Satisfactory outcome")
    if signer.id == case.outcome_by_id:
        raise OutcomeRefused("nobody signs off their own Not Satisfactory outcome: a second "
                             "senior reviewer must")


def sign_off(session: Session, *, actor: Actor, case: Case, signer: User,
             comment: str = "") -> SignOff:
    """A different senior reviewer approves the Not Satisfactory outcome; letters are due."""
    _require_state(case, (CaseStatus.AWAITING_SIGN_OFF,), "signing off")
    _check_signer(case, signer)
    refused = rules.refusals(review_of(session, case), rules.Outcome.NOT_SATISFACTORY,
                             reasons=case.outcome_reasons)
    if refused:
        raise OutcomeRefused("the findings no longer support Not Satisfactory: "
                             + "; ".join(refused) + ". Send the case back to its reviewer")
    set_actor(session, actor)
    signed = SignOff(case_id=case.id, signed_by=signer, decision="approved",
                     comment=comment.strip(), digest=signed_digest(session, case))
    session.add(signed)
    _letters_due(session, case)
    session.flush()
    return signed


def send_back(session: Session, *, actor: Actor, case: Case, signer: User,
              comment: str) -> None:
    """The second senior returns the case to its reviewer with a comment."""
    _require_state(case, (CaseStatus.AWAITING_SIGN_OFF,), "sending back")
    _check_signer(case, signer)
    if not comment.strip():
        raise InvalidInput("say why the case goes back", field="comment")
    set_actor(session, actor)
    session.add(SignOff(case_id=case.id, signed_by=signer, decision="sent_back",
                        comment=comment.strip(), digest=signed_digest(session, case)))
    case.status = CaseStatus.IN_REVIEW.value
    case.outcome = None
    session.flush()


def current_sign_off(session: Session, case: Case) -> SignOff | None:
    return session.scalar(select(SignOff).where(
        SignOff.case_id == case.id, SignOff.decision == "approved",
        SignOff.voided_at.is_(None)).order_by(SignOff.id.desc()))


def _void_sign_off(session: Session, case: Case, actor: Actor) -> None:
    signed = current_sign_off(session, case)
    if signed is None or signed.digest == signed_digest(session, case):
        return
    signed.voided_at = utcnow()
    case.status = CaseStatus.AWAITING_SIGN_OFF.value
    record_event(session, actor, "void", "sign_offs", signed.id, case.reference,
                 {"reason": [None, "findings changed after sign-off"]})


def _refuse_while_another_case_is_open(session: Session, case: Case) -> None:
    other = case_services.find_open_case(session, case.organisation_id)
    if other is not None:
        raise Conflict(f"{case.reference} cannot be reopened: {other.reference} is open for "
                       f"{case.organisation.name} (a later publication); review that case")


def _void_for_reopening(session: Session, case: Case, actor: Actor) -> None:
    signed = current_sign_off(session, case)
    if signed is not None:
        signed.voided_at = utcnow()
        record_event(session, actor, "void", "sign_offs", signed.id, case.reference,
                     {"reason": [None, "the case was reopened"]})


def reopen(session: Session, *, actor: Actor, case: Case, reason: str) -> None:
    """A senior reviewer sends a closed case back to review, saying why.

    Refused while the organisation has another case open (a later publication opened
    it: that case is the one to review). A sign-off of the old outcome no longer holds.
    """
    _require_state(case, (CaseStatus.CLOSED,), "reopening")
    _require_assessment(session, case, "reopening")
    if not reason.strip():
        raise InvalidInput("say why the case is reopened", field="reason")
    _refuse_while_another_case_is_open(session, case)
    set_actor(session, actor)
    _void_for_reopening(session, case, actor)
    case.reopen()
    record_event(session, actor, "reopen", "cases", case.id, case.reference,
                 {"reason": [None, reason.strip()]})
    session.flush()
