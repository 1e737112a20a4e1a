"""Information requests: the reviewer asks the organisation for information, and the SLA
clock stops until it arrives; the due date then moves by the working days it was stopped.

The request e-mail carries a reply link (``reviews.replies``); a reply through it, or one
staff attach on the organisation's behalf, resumes the clock through ``resume_review``, the
same path as the reviewer's "information received".
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

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

INFORMATION_REQUEST_MAIL = "information_request"
# How long the reply link in the request e-mail works.
REPLY_LINK_DAYS = 30
NONCE_BYTES = 16


def request_information(session: Session, *, actor: Actor, case: Case, message: str,
                        recipients: list[str], site_url: str = "") -> InformationRequest:
    """Ask the organisation for information; the SLA clock stops until it arrives.

    The e-mail, written when it is sent, carries a reply link for this request only, valid
    for ``REPLY_LINK_DAYS``; ``site_url`` is the address it starts with when no
    BACKOFFICE_SITE_URL is set (the address the reviewer used)."""
    require_state(case, REVIEWING, "requesting information")
    require_holder(session, case, actor, "requesting information")
    if not message.strip():
        raise InvalidInput("write what the organisation should send", field="message")
    if not recipients:  # else the clock would stop for a request nobody receives
        raise InvalidInput(f"{case.organisation.name} has no Organisation Administrator to send "
                           "the request to: add one to the organisation first",
                           field="recipients")
    set_actor(session, actor)
    now = utcnow()
    request = InformationRequest(case_id=case.id, message=message.strip(),
                                 requested_by_id=actor.user_id, requested_at=now,
                                 reply_nonce=secrets.token_hex(NONCE_BYTES),
                                 reply_expires_at=now + timedelta(days=REPLY_LINK_DAYS))
    session.add(request)
    session.flush()
    session.add(OutboxMessage(kind=INFORMATION_REQUEST_MAIL, case_id=case.id,
                              recipients=recipients, body=message.strip(),
                              data={"request": request.id, "site_url": site_url},
                              subject=f"IG Toolkit review {case.reference}: information "
                                      "requested"))
    lifecycle.move(session, actor=actor, case=case, to=CaseStatus.AWAITING_INFORMATION)
    return request


def pending_request(session: Session, case: Case) -> InformationRequest | None:
    """The request the case is waiting on: its latest not yet received."""
    return session.scalar(select(InformationRequest).where(
        InformationRequest.case_id == case.id, InformationRequest.received_at.is_(None))
        .order_by(InformationRequest.id.desc()).limit(1))


def resume_review(session: Session, *, actor: Actor, case: Case,
                  request: InformationRequest, received_on: date) -> int:
    """The information arrived on ``received_on``: the clock runs again, and the due date
    moves by the working days it was stopped (returned)."""
    paused = max(working_days_between(request.requested_at.date(), received_on), 0)
    set_actor(session, actor)
    request.received_at = utcnow()
    request.received_by_id = actor.user_id
    request.paused_working_days = paused
    case.paused_working_days += paused
    case.due_date = add_working_days(case.due_date, paused)
    lifecycle.move(session, actor=actor, case=case, to=CaseStatus.IN_REVIEW)
    return paused


def information_received(session: Session, *, actor: Actor, case: Case,
                         today: date | None = None) -> int:
    """Resume the review; the due date moves by the working days the clock was stopped."""
    require_state(case, (CLOCK_PAUSED,), "marking information received")
    require_holder(session, case, actor, "marking information received")
    return resume_review(session, actor=actor, case=case,
                         request=pending_request(session, case),
                         received_on=today or utcnow().date())
