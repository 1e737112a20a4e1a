"""Findings and plan decisions: what the reviewer records per requirement and per
improvement-plan item, the review they add up to, and the sign-off digest they are bound to.

A change to findings after sign-off voids it (the case waits for a sign-off again).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import calendar, lifecycle
from backoffice.cases.models import Case
from backoffice.core.audit import Actor, record_event, set_actor
from backoffice.core.db import utcnow
from backoffice.core.errors import InvalidInput
from backoffice.core.vocabulary import CaseStatus
from backoffice.exemptions.services import exempt_requirements
from backoffice.reviews import rules
from backoffice.reviews.guards import (
    EDITABLE,
    WrongState,
    latest_assessment,
    require_holder,
    require_state,
    require_version,
)
from backoffice.reviews.models import Finding, PlanDecision, SignOff


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
                        plan=plan, baseline=calendar.BASELINE in (assessment.flags or []))


def _plan_item(item: dict, decision: PlanDecision | None) -> rules.PlanItem:
    """A published plan item with the reviewer's decision, if it stands."""
    return rules.PlanItem(
        requirement=item["requirement"], action=item.get("action", ""),
        owner=item.get("owner", ""),
        target_date=date.fromisoformat(item["target_date"]) if item.get("target_date") else None,
        accepted=decision is not None and decision.stands and decision.accepted,
        changed_from=decision.changed_from if decision is not None else None)


@dataclass
class FindingInput:
    requirement_id: str
    agreed: bool
    level: int | None = None
    comment: str = ""


def _check_finding(item: FindingInput, published: dict[str, dict]) -> None:
    if item.requirement_id not in published:
        raise InvalidInput(f"requirement {item.requirement_id} is not in this assessment",
                           field=item.requirement_id)
    if item.agreed:
        return
    not_relevant = bool(published[item.requirement_id].get("not_relevant"))
    if item.level is None or not 0 <= item.level <= 3:
        raise InvalidInput(f"requirement {item.requirement_id}: " + (
            "marked Not Relevant; choose the level at which you found it relevant, 0 to 3"
            if not_relevant else "choose the level you found, 0 to 3"), field=item.requirement_id)
    if not item.comment.strip():
        raise InvalidInput(f"requirement {item.requirement_id}: " + (
            "marked Not Relevant; say why it is relevant" if not_relevant
            else "say why the level differs"), field=item.requirement_id)


def findings_open(session: Session, case: Case) -> bool:
    """Whether findings may be recorded on the case as it stands (in review, or its outcome
    awaiting or holding a sign-off that a change would void)."""
    if case.status not in EDITABLE:
        return False
    return case.status != CaseStatus.SENDING_LETTERS or current_sign_off(session, case) is not None


def _require_open(session: Session, case: Case) -> None:
    """Refuse a change to findings the case's state has locked, saying why."""
    if case.status == CaseStatus.AWAITING_SIGN_OFF:
        raise WrongState(f"{case.reference} awaits sign-off by a second senior reviewer: its "
                         "findings and plan decisions are locked until it is signed off or "
                         "sent back")
    require_state(case, EDITABLE, "recording findings")
    if case.status == CaseStatus.SENDING_LETTERS and current_sign_off(session, case) is None:
        raise WrongState(f"{case.reference} has its outcome recorded and its letters are due; "
                         "findings can no longer change")


def record_findings(session: Session, *, actor: Actor, case: Case,
                    findings: list[FindingInput], plan_decisions: dict[int, bool] | None = None,
                    expected_version: int | None = None) -> None:
    """Save the reviewer's findings (and plan decisions); a change after sign-off voids it."""
    _require_open(session, case)
    require_version(case, expected_version)
    require_holder(session, case, actor, "recording findings")
    assessment = latest_assessment(session, case)
    published = {item["id"]: item for item in assessment.requirements} if assessment else {}
    for item in findings:
        _check_finding(item, published)
    set_actor(session, actor)
    before = signed_digest(session, case)
    overturned_before = overturns(session, case, published)
    _save_findings(session, case, actor, findings)
    session.flush()
    _record_overturns(session, case, actor, overturned_before,
                      overturns(session, case, published))
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
        finding.comment = "" if item.agreed else item.comment.strip()  # a differ's why
        finding.changed_from = None
        finding.updated_by_id = actor.user_id
        session.add(finding)


OVERTURN_ACTION = "not_relevant"  # the audit action of a Not Relevant overturned or agreed


def overturns(session: Session, case: Case, published: dict[str, dict]) -> dict[str, str]:
    """The requirements marked Not Relevant that the reviewer's standing findings say are
    relevant: requirement -> "relevant, level N: why"."""
    return {f.requirement_id: f"relevant, level {f.level}: {f.comment}"
            for f in findings_of(session, case).values()
            if f.stands and not f.agreed
            and published.get(f.requirement_id, {}).get("not_relevant")}


def _record_overturns(session: Session, case: Case, actor: Actor, before: dict[str, str],
                      after: dict[str, str]) -> None:
    """Each Not Relevant the reviewer overturns, changes or lets stand again goes on the
    case's trail (its timeline), with the reviewer's reason."""
    for requirement in sorted(before.keys() | after.keys()):
        was, now = before.get(requirement), after.get(requirement)
        if was == now:
            continue
        if now is None:
            changes = {"not_relevant_agreed": [None, f"{requirement} (was {was})"]}
        else:
            changes = {"not_relevant_overturned": [None, f"{requirement} {now}"]}
        record_event(session, actor, OVERTURN_ACTION, "cases", case.id,
                     case.reference, changes)


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


def signed_digest(session: Session, case: Case) -> str:
    """A digest of what a sign-off approves: every finding, plan decision and the outcome."""
    findings = sorted((f.requirement_id, f.agreed, f.level, f.comment)
                      for f in findings_of(session, case).values())
    decisions = sorted((d.item_index, d.accepted)
                       for d in plan_decisions_of(session, case).values())
    content = json.dumps([findings, decisions, case.outcome, case.outcome_reasons])
    return hashlib.sha256(content.encode()).hexdigest()


def current_sign_off(session: Session, case: Case) -> SignOff | None:
    return session.scalar(select(SignOff).where(
        SignOff.case_id == case.id, SignOff.decision == "approved",
        SignOff.voided_at.is_(None)).order_by(SignOff.id.desc()))


def _void_sign_off(session: Session, case: Case, actor: Actor) -> None:
    signed = current_sign_off(session, case)
    if signed is None or signed.digest == signed_digest(session, case):
        return
    signed.voided_at = utcnow()
    lifecycle.withdraw(session, actor=actor, case=case)
    record_event(session, actor, "void", "sign_offs", signed.id, case.reference,
                 {"reason": [None, "findings changed after sign-off"]})
