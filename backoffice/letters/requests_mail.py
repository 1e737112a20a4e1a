"""The e-mails the outbox sends, as their readers need them: an information request that says
who asks what of whom, by when and how to answer; ticket replies threaded with the
acknowledgement (threading: backoffice.mail.delivery.thread_headers)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.display import day
from backoffice.core.workingdays import add_working_days
from backoffice.mail.delivery import Composed
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.models import InformationRequest

INFORMATION_REQUEST = "information_request"
# The organisation is asked to answer within this many working days (the SLA clock is stopped
# meanwhile, so the date is a request, not a deadline the back office enforces).
ANSWER_WORKING_DAYS = 10
TEAM = "External IG Delivery"


def _request_of(session: Session, message: OutboxMessage) -> InformationRequest | None:
    """The information request this e-mail carries: the case's latest made by then."""
    return session.scalar(select(InformationRequest).where(
        InformationRequest.case_id == message.case_id,
        InformationRequest.requested_at <= message.created_at)
        .order_by(InformationRequest.requested_at.desc(), InformationRequest.id.desc())
        .limit(1))


def _greeting(case: Case, recipients: list[str]) -> str:
    """The administrator the e-mail goes to by name; several, or none named: all of them."""
    admins = case.organisation.administrators
    addressed = [admin for admin in admins if admin.email in recipients] or admins
    names = [admin.name for admin in addressed if admin.name]
    return f"Dear {names[0]}," if len(names) == 1 else "Dear Organisation Administrators,"


def information_request(session: Session, message: OutboxMessage) -> Composed:
    """Greeting, organisation, case, what is asked, the date to answer by, how to reply."""
    case = session.get(Case, message.case_id) if message.case_id else None
    request = _request_of(session, message) if case is not None else None
    if case is None or request is None:
        return Composed(message.body)
    asked_by = request.requested_by
    answer_by = add_working_days(request.requested_at.date(), ANSWER_WORKING_DAYS)
    reply_to = asked_by.email if asked_by is not None else None
    whom = f"{asked_by} ({asked_by.email})" if asked_by is not None else TEAM
    body = (f"{_greeting(case, list(message.recipients or []))}\n\n"
            f"We are reviewing the IG Toolkit assessment that {case.organisation.name} "
            f"(ODS code {case.organisation.ods_code}) published. Case reference: "
            f"{case.reference}.\n\n"
            f"To finish the review we need the following from you:\n\n"
            f"{request.message}\n\n"
            f"Please send it by {day(answer_by)}. Reply to this e-mail (the reply goes to "
            f"{whom}) and keep {case.reference} in the subject. Until we have your answer "
            f"the review is paused.\n\n"
            f"{asked_by or TEAM}\n{TEAM}\n")
    return Composed(body, reply_to)

