"""Outcomes and sign-off: an outcome the rules allow; a Not Satisfactory one waits for a
second senior reviewer, who signs it off or sends it back. A confirmed outcome (recorded;
signed off where sign-off applies) is published at once, and its letters are then due. A senior
reviewer may reopen a closed case, saying why.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from backoffice.cases import lifecycle
from backoffice.cases import services as case_services
from backoffice.cases.models import Case
from backoffice.config import DEFAULT_REVIEW_SLA_DAYS
from backoffice.core.audit import Actor, record_event, set_actor
from backoffice.core.db import utcnow
from backoffice.core.display import day
from backoffice.core.errors import Conflict, InvalidInput, ServiceError
from backoffice.core.permissions import Role
from backoffice.core.vocabulary import CaseStatus, Outcome
from backoffice.core.workingdays import add_working_days
from backoffice.mail.models import OutboxMessage
from backoffice.reviews import rules, telling
from backoffice.reviews.findings import current_sign_off, review_of, signed_digest
from backoffice.reviews.guards import (
    REVIEWING,
    latest_assessment,
    require_assessment,
    require_holder,
    require_state,
    require_version,
)
from backoffice.reviews.models import SignOff
from backoffice.users.models import User

NOTICES_DUE = "notices_due"  # the mark the letters job makes reopening notices from


class OutcomeRefused(ServiceError):
    """The outcome rules contradict the outcome asked for. ``missing`` names the requirements
    with no finding yet (summarised in one clause), ``others`` the rules' other reasons."""

    def __init__(self, message: str, *, field: str | None = None, label: str = "",
                 missing: list[str] | None = None, others: list[str] | None = None):
        super().__init__(message, field=field)
        self.label, self.missing, self.others = label, missing or [], others or []

    @classmethod
    def of(cls, outcome: Outcome, review: rules.Review, refused: list[str]) -> OutcomeRefused:
        """Why ``outcome`` is refused: the unanswered requirements once, then the rest."""
        missing = rules.no_finding_yet(review)
        unanswered = {f"requirement {rid} has no finding yet" for rid in missing}
        others = [reason for reason in refused if reason not in unanswered]
        clauses = ([rules.summarise_no_finding(missing)] if missing else []) + others
        return cls(f"{outcome.label} refused: " + "; ".join(clauses), field="outcome",
                   label=outcome.label, missing=missing, others=others)


def _confirmed(session: Session, case: Case, actor: Actor) -> None:
    """The outcome is confirmed: published at once, its letters due behind it."""
    session.add(OutboxMessage(kind="letters_due", case_id=case.id,
                              subject=f"Letters due for {case.reference}",
                              data={"outcome": case.outcome}))
    lifecycle.confirm(session, actor=actor, case=case, latest=latest_assessment(session, case))


def record_outcome(session: Session, *, actor: Actor, case: Case, outcome: Outcome,
                   reasons: str = "", plan_accepted: bool = False,
                   expected_version: int | None = None) -> None:
    """Record an outcome the rules allow; Not Satisfactory then waits for a second senior."""
    require_state(case, REVIEWING, "recording an outcome")
    require_version(case, expected_version)
    require_assessment(session, case, "recording an outcome")
    require_holder(session, case, actor, "recording an outcome")
    review = review_of(session, case)
    refused = rules.refusals(review, outcome, plan_accepted=plan_accepted, reasons=reasons)
    if refused:
        raise OutcomeRefused.of(outcome, review, refused)
    set_actor(session, actor)
    case.outcome = outcome.value
    case.outcome_reasons = reasons.strip()
    case.plan_accepted = plan_accepted
    case.outcome_by_id = actor.user_id
    case.outcome_at = utcnow()
    if outcome is Outcome.NOT_SATISFACTORY:
        lifecycle.move(session, actor=actor, case=case, to=CaseStatus.AWAITING_SIGN_OFF)
    else:
        _confirmed(session, case, actor)


def _check_signer(case: Case, signer: User) -> None:
    if signer.role != Role.SENIOR_REVIEWER:
        raise InvalidInput("only a senior reviewer signs off a Not Satisfactory outcome")
    if signer.id == case.outcome_by_id:
        raise OutcomeRefused("nobody signs off their own Not Satisfactory outcome: a second "
                             "senior reviewer must")


def sign_off(session: Session, *, actor: Actor, case: Case, signer: User,
             comment: str = "") -> SignOff:
    """A different senior reviewer approves the Not Satisfactory outcome; letters are due."""
    require_state(case, (CaseStatus.AWAITING_SIGN_OFF,), "signing off")
    _check_signer(case, signer)
    refused = rules.refusals(review_of(session, case), Outcome.NOT_SATISFACTORY,
                             reasons=case.outcome_reasons, plan_accepted=case.plan_accepted)
    if refused:
        raise OutcomeRefused("the findings no longer support Not Satisfactory: "
                             + "; ".join(refused) + ". Send the case back to its reviewer")
    set_actor(session, actor)
    signed = SignOff(case_id=case.id, signed_by=signer, decision="approved",
                     comment=comment.strip(), digest=signed_digest(session, case))
    session.add(signed)
    _confirmed(session, case, actor)
    return signed


def send_back(session: Session, *, actor: Actor, case: Case, signer: User,
              comment: str) -> None:
    """The second senior returns the case to its reviewer with a comment."""
    require_state(case, (CaseStatus.AWAITING_SIGN_OFF,), "sending back")
    _check_signer(case, signer)
    if not comment.strip():
        raise InvalidInput("say why the case goes back", field="comment")
    set_actor(session, actor)
    session.add(SignOff(case_id=case.id, signed_by=signer, decision="sent_back",
                        comment=comment.strip(), digest=signed_digest(session, case)))
    case.outcome = None
    lifecycle.move(session, actor=actor, case=case, to=CaseStatus.IN_REVIEW)
    telling.tell_reviewer(session, case=case, kind="sent_back",
                          subject=f"sent back by {signer}",
                          body=f"{signer} sent {case.reference} ({case.organisation.name}) back "
                               f"to you at sign-off:\n\n{comment.strip()}\n\nThe findings "
                               "are open again; record the outcome once they are right.\n")


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


def reopen(session: Session, *, actor: Actor, case: Case, reason: str,
           sla_days: int = DEFAULT_REVIEW_SLA_DAYS,
           today: date | None = None) -> None:
    """A senior reviewer sends a closed case back to review, saying why.

    Refused while the organisation has another case open (a later publication opened
    it: that case is the one to review). A sign-off of the old outcome no longer holds.
    The case is due ``sla_days`` working days from today; each approval group that had a
    letter is sent a notice (the letters job makes them from the mark left here).
    """
    require_state(case, (CaseStatus.CLOSED,), "reopening")
    require_assessment(session, case, "reopening")
    if not reason.strip():
        raise InvalidInput("say why the case is reopened", field="reason")
    _refuse_while_another_case_is_open(session, case)
    set_actor(session, actor)
    _void_for_reopening(session, case, actor)
    lifecycle.reopen(session, actor=actor, case=case)
    case.due_date = add_working_days(today or utcnow().date(), sla_days)
    session.add(OutboxMessage(kind=NOTICES_DUE, case_id=case.id, data={"reason": reason.strip()},
                              subject=f"Notices due for {case.reference}"))
    record_event(session, actor, "reopen", "cases", case.id, case.reference,
                 {"reason": [None, reason.strip()]})
    telling.tell_reviewer(session, case=case, kind="case_reopened", subject="reopened",
                          exclude_id=actor.user_id,
                          body=f"{case.reference} ({case.organisation.name}) was reopened and "
                               f"is back in review, due {day(case.due_date)}:\n\n"
                               f"{reason.strip()}\n")
    session.flush()
