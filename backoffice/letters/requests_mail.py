"""The e-mails the outbox sends, as their readers need them: an information request that says
who asks what of whom, by when and how to answer (the reply link first); ticket replies
threaded with the acknowledgement (threading: backoffice.mail.delivery.thread_headers)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.display import day
from backoffice.core.workingdays import add_working_days
from backoffice.mail.delivery import Composed
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.documents import (
    KINDS_IN_WORDS,
    MAX_DOCUMENT_BYTES,
    MAX_DOCUMENTS,
    size_in_words,
)
from backoffice.reviews.information import INFORMATION_REQUEST_MAIL
from backoffice.reviews.models import InformationRequest
from backoffice.reviews.replies import link_token

INFORMATION_REQUEST = INFORMATION_REQUEST_MAIL
# The organisation is asked to answer within this many working days (the SLA clock is stopped
# meanwhile, so the date is a request, not a deadline the back office enforces).
ANSWER_WORKING_DAYS = 10
TEAM = "External IG Delivery"


def _request_of(session: Session, message: OutboxMessage) -> InformationRequest | None:
    """The information request this e-mail carries: the one it names, or (an e-mail written
    before they named it) the case's latest made by then."""
    named = (message.data or {}).get("request")
    if named is not None:
        return session.get(InformationRequest, named)
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


def reply_link(message: OutboxMessage, request: InformationRequest) -> str | None:
    """The request's reply link, signed now; None for a request made before reply links, or
    when no site address is known (BACKOFFICE_SITE_URL, or the reviewer's when asking)."""
    settings = current_app.extensions["settings"]
    site = (settings.site_url or (message.data or {}).get("site_url") or "").rstrip("/")
    if not site or request.reply_nonce is None:
        return None
    return f"{site}/reply/{request.id}/{link_token(settings.secret_key, request)}"


def _how_to_answer(link: str | None, request: InformationRequest, whom: str,
                   reference: str) -> str:
    by_mail = (f"reply to this e-mail (the reply goes to {whom}) and keep {reference} in the "
               "subject")
    if link is None:
        return by_mail[:1].upper() + by_mail[1:] + "."
    return (f"Answer through this link, which is for this request only and works until "
            f"{day(request.reply_expires_at)}:\n\n{link}\n\n"
            f"There you can write your reply and add up to {MAX_DOCUMENTS} documents "
            f"({KINDS_IN_WORDS}; at most {size_in_words(MAX_DOCUMENT_BYTES)} each). "
            f"You do not need an account. Or {by_mail}.")


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
            f"Please send it by {day(answer_by)}. "
            f"{_how_to_answer(reply_link(message, request), request, whom, case.reference)}"
            f"\n\nUntil we have your answer the review is paused.\n\n"
            f"{asked_by or TEAM}\n{TEAM}\n")
    return Composed(body, reply_to)

