"""Information requests: the reviewer asks the organisation for information, and the SLA
clock stops until it arrives; the due date then moves by the working days it was stopped.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import lifecycle
from backoffice.cases.models import Case
from backoffice.core.audit import Actor, set_actor
from backoffice.core.db import utcnow
from backoffice.core.errors import InvalidInput
from backoffice.core.vocabulary import CLOCK_PAUSED, CaseStatus
from backoffice.core.workingdays import add_working_days, working_days_between
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.guards import REVIEWING, require_holder, require_state
from backoffice.reviews.models import InformationRequest


def request_information(session: Session, *, actor: Actor, case: Case, message: str,
                        recipients: list[str]) -> InformationRequest:
    """Ask the organisation for information; the SLA clock stops until it arrives."""
    require_state(case, REVIEWING, "requesting information")
    require_holder(session, case, actor, "requesting information")
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
    session.add(OutboxMessage(kind="information_request", case_id=case.id,
                              recipients=recipients, body=message.strip(),
                              subject=f"IG Toolkit review {case.reference}: information "
                                      "requested"))
    lifecycle.move(session, actor=actor, case=case, to=CaseStatus.AWAITING_INFORMATION)
    return request


def information_received(session: Session, *, actor: Actor, case: Case,
                         today: date | None = None) -> int:
    """Resume the review; the due date moves by the working days the clock was stopped."""
    require_state(case, (CLOCK_PAUSED,), "marking information received")
    require_holder(session, case, actor, "marking information received")
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
    lifecycle.move(session, actor=actor, case=case, to=CaseStatus.IN_REVIEW)
    return paused
