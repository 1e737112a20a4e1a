"""Move some demo cases through review, so a new user sees a lived-in queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseStatus
from backoffice.core.audit import Actor
from backoffice.core.vocabulary import Outcome
from backoffice.reviews.findings import FindingInput, record_findings, review_of
from backoffice.reviews.information import request_information
from backoffice.reviews.outcomes import record_outcome
from backoffice.reviews.taking import take_next_case
from backoffice.users.services import find_user

IN_REVIEW, AWAITING_INFORMATION, NOT_SATISFACTORY, WITH_PLAN, SATISFACTORY = 3, 2, 2, 2, 1


def _agree_all(session: Session, case: Case, actor: Actor, *, lift_to_two: bool = False):
    findings = []
    for requirement in review_of(session, case).applicable:
        if lift_to_two and (requirement.level or 0) < 2:
            findings.append(FindingInput(requirement.id, False, 2,
                                         "Evidence seen on the site visit"))
        else:
            findings.append(FindingInput(requirement.id, True))
    record_findings(session, actor=actor, case=case, findings=findings)


def _accept_plan(session: Session, case: Case, actor: Actor) -> bool:
    review = review_of(session, case)
    covered = {item.requirement for item in review.plan}
    if not all(r.id in covered for r in review.below_level_two):
        return False
    record_findings(session, actor=actor, case=case, findings=[],
                    plan_decisions=dict.fromkeys(range(len(review.plan)), True))
    return True


def _take(session, reviewer, actor) -> Case:
    taken = take_next_case(session, actor=actor, reviewer=reviewer)
    return session.get(Case, taken.id)


def ensure_review_states(session: Session, domain: str) -> None:
    """Only on a fresh demo: cases in review, awaiting information, sign-off and letters."""
    if session.scalar(select(Case.id).where(Case.status != CaseStatus.UNASSIGNED).limit(1)):
        return
    reviewer, senior = (find_user(session, f"{n}@{domain}") for n in ("reviewer", "senior"))
    rita, sam = Actor.of(reviewer), Actor.of(senior)
    for _ in range(IN_REVIEW):
        _agree_all(session, _take(session, reviewer, rita), rita)
    for _ in range(AWAITING_INFORMATION):
        case = _take(session, reviewer, rita)
        request_information(
            session, actor=rita, case=case, recipients=[a.email for a in
                                                        case.organisation.administrators],
            message="Please upload your information asset register and training log.")
    for _ in range(NOT_SATISFACTORY):
        case = _take(session, senior, sam)
        _agree_all(session, case, sam)
        record_outcome(session, actor=sam, case=case,
                       outcome=Outcome.NOT_SATISFACTORY,
                       reasons="Several requirements below level 2 with no plan.")
    _with_plan(session, reviewer, rita)
    case = _take(session, reviewer, rita)
    _agree_all(session, case, rita, lift_to_two=True)
    record_outcome(session, actor=rita, case=case, outcome=Outcome.SATISFACTORY)


def _with_plan(session, reviewer, actor) -> None:
    recorded = 0
    while recorded < WITH_PLAN:
        case = _take(session, reviewer, actor)
        if case is None:
            return
        _agree_all(session, case, actor)
        if _accept_plan(session, case, actor) and review_of(
                session, case).below_level_two:
            record_outcome(session, actor=actor, case=case, plan_accepted=True,
                           outcome=Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN)
            recorded += 1
