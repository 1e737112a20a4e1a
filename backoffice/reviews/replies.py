"""Replies to information requests: through the link in the request e-mail (no account), or
attached by the reviewer when the answer came by post or e-mail.

The link is single-purpose. It carries the request's id and the request's random nonce,
signed with the secret key (itsdangerous), and opens one page: the reply form of that
request. A link whose signature fails, whose id is not the one in its address, whose nonce
is not the request's, whose request is answered, or whose time is past is refused — and
nothing is stored.

A reply stores its documents (checked by content, with their sha256) in the same
transaction as the reply, resumes the SLA clock through ``information.resume_review`` and
writes an e-mail to the reviewer holding the case (one per reply: a reply is unique per
request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.audit import Actor, record_event
from backoffice.core.db import utcnow
from backoffice.core.display import day
from backoffice.core.errors import InvalidInput, ServiceError
from backoffice.core.vocabulary import CLOCK_PAUSED
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.documents import Document, size_in_words
from backoffice.reviews.guards import require_holder, require_state
from backoffice.reviews.information import REPLY_LINK_DAYS, pending_request, resume_review
from backoffice.reviews.models import (
    InformationReply,
    InformationRequest,
    ReplyChannel,
    ReplyDocument,
)
from backoffice.users.models import User

LINK_SALT = "information-request-reply"
REPLY_MAIL = "information_reply"
NAME_LENGTH = 200
MESSAGE_LENGTH = 20_000


class LinkRefused(ServiceError):
    """A reply link that opens nothing; ``reason`` is what the page says, in plain words."""

    def __init__(self, message: str, *, reason: str, status: int):
        super().__init__(message)
        self.reason = reason
        self.status = status


NOT_A_LINK = "not_a_link"
EXPIRED = "expired"
ANSWERED = "answered"


def _not_a_link() -> LinkRefused:
    return LinkRefused("This reply link is not valid: it may have been copied incompletely. "
                       "Copy the whole link from the e-mail, or reply to the e-mail instead.",
                       reason=NOT_A_LINK, status=404)


def _expired(request: InformationRequest) -> LinkRefused:
    return LinkRefused(f"This reply link stopped working on {day(request.reply_expires_at)}. "
                       "Reply to the e-mail instead, or contact the reviewer who wrote to you.",
                       reason=EXPIRED, status=410)


def _answered(request: InformationRequest) -> LinkRefused:
    when = f" on {day(request.received_at)}" if request.received_at else ""
    return LinkRefused(f"This information request was answered{when}, so its reply link is "
                       "used. To send more, reply to the e-mail or contact the reviewer who "
                       "wrote to you.", reason=ANSWERED, status=410)


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=LINK_SALT)


def link_token(secret_key: str, request: InformationRequest) -> str:
    """The signed part of the reply link of this request (None-safe: a request made before
    reply links has no nonce and no link)."""
    return _serializer(secret_key).dumps([request.id, request.reply_nonce])


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _signed(secret_key: str, request_id: int, token: str) -> tuple[str, bool]:
    """The nonce a genuine link of this request carries, and whether the signature is older
    than the link may be (then the request's own date says when it stopped working)."""
    serializer = _serializer(secret_key)
    too_old = False
    try:
        payload = serializer.loads(token, max_age=timedelta(days=REPLY_LINK_DAYS).total_seconds())
    except SignatureExpired as error:  # the signature is sound, only old
        payload, too_old = serializer.load_payload(error.payload), True
    except (BadSignature, TypeError, ValueError) as error:
        raise _not_a_link() from error
    if not (isinstance(payload, list) and len(payload) == 2 and payload[0] == request_id
            and isinstance(payload[1], str)):
        raise _not_a_link()
    return payload[1], too_old


def open_link(session: Session, *, secret_key: str, request_id: int, token: str,
              now: datetime | None = None, lock: bool = False) -> InformationRequest:
    """The request a reply link opens, or LinkRefused saying why it opens nothing.
    ``lock``: hold the request's row until the transaction ends (the reply is being saved)."""
    nonce, too_old = _signed(secret_key, request_id, token)
    query = select(InformationRequest).where(InformationRequest.id == request_id)
    request = session.scalar(query.with_for_update() if lock else query)
    if request is None or request.reply_nonce is None or request.reply_nonce != nonce:
        raise _not_a_link()
    if request.received_at is not None or request.reply is not None:
        raise _answered(request)
    if too_old or _aware(request.reply_expires_at) <= (now or utcnow()):
        raise _expired(request)
    case = session.get(Case, request.case_id)
    if case.status not in (CLOCK_PAUSED,):  # the request no longer holds the review
        raise _answered(request)
    return request


@dataclass(frozen=True)
class ReplyInput:
    """A reply as the form gave it; documents already checked (``documents.checked``)."""

    from_name: str
    message: str
    documents: list[Document]
    from_email: str = ""


def _checked(reply: ReplyInput) -> None:
    if not reply.from_name.strip():
        raise InvalidInput("write the name of the person replying", field="from_name")
    if len(reply.from_name.strip()) > NAME_LENGTH:
        raise InvalidInput(f"the name may be at most {NAME_LENGTH} characters",
                           field="from_name")
    if len(reply.message) > MESSAGE_LENGTH:
        raise InvalidInput(f"the reply may be at most {MESSAGE_LENGTH:,} characters; send the "
                           "rest as a document", field="message")
    if not reply.message.strip() and not reply.documents:
        raise InvalidInput("write a reply or choose at least one document", field="message")


def _store(session: Session, *, actor: Actor, case: Case, request: InformationRequest,
           reply: ReplyInput, channel: str, received_on: date,
           recorded_by: User | None) -> InformationReply:
    stored = InformationReply(
        request_id=request.id, case_id=case.id, from_name=reply.from_name.strip(),
        from_email=reply.from_email.strip(), message=reply.message.strip(), channel=channel,
        received_on=received_on, recorded_by_id=recorded_by.id if recorded_by else None,
        documents=[ReplyDocument(filename=document.filename,
                                 content_type=document.kind.content_type,
                                 size_bytes=document.size_bytes, sha256=document.sha256,
                                 content=document.content) for document in reply.documents])
    session.add(stored)
    session.flush()
    record_event(session, actor, "reply", InformationReply.__tablename__, stored.id,
                 f"{case.reference} {stored}",
                 {"documents": [None, [f"{document.filename} ({document.size_bytes} bytes, "
                                       f"sha256 {document.sha256})"
                                       for document in reply.documents]]})
    return stored


def _tell_the_reviewer(session: Session, *, case: Case, stored: InformationReply,
                       paused: int, case_url: str, actor: Actor) -> None:
    """An e-mail to the reviewer holding the case (not when they attached it themselves)."""
    holder = case.assigned_to
    if holder is None or not holder.email or holder.id == actor.user_id:
        return
    documents = "".join(f"- {d.filename} ({size_in_words(d.size_bytes)})\n"
                        for d in stored.documents) or "- none\n"
    days = f"{paused} working day{'s' if paused != 1 else ''}"
    session.add(OutboxMessage(
        kind=REPLY_MAIL, case_id=case.id, recipients=[holder.email],
        data={"reply": stored.id},
        subject=f"IG Toolkit review {case.reference}: information received",
        body=(f"Dear {holder},\n\n"
              f"{stored.from_name} of {case.organisation.name} answered your information "
              f"request of {day(stored.request.requested_at)} on {day(stored.received_on)} "
              f"{stored.how}.\n\nDocuments:\n{documents}\n"
              f"The SLA clock runs again: it was stopped for {days}, and the case is now due "
              f"{day(case.due_date)}.\n\n"
              f"Read the reply on the case page: {case_url}\n")))


def _record(session: Session, *, actor: Actor, case: Case, request: InformationRequest,
            reply: ReplyInput, channel: str, received_on: date, recorded_by: User | None,
            case_url: str) -> InformationReply:
    _checked(reply)
    stored = _store(session, actor=actor, case=case, request=request, reply=reply,
                    channel=channel, received_on=received_on, recorded_by=recorded_by)
    paused = resume_review(session, actor=actor, case=case, request=request,
                           received_on=received_on)
    _tell_the_reviewer(session, case=case, stored=stored, paused=paused, case_url=case_url,
                       actor=actor)
    return stored


def reply_through_link(session: Session, *, secret_key: str, request_id: int, token: str,
                       reply: ReplyInput, case_url: str,
                       now: datetime | None = None) -> InformationReply:
    """The organisation answers through the link: stored, the clock resumed, the reviewer
    told — or refused whole (LinkRefused, InvalidInput), nothing stored."""
    now = now or utcnow()
    request = open_link(session, secret_key=secret_key, request_id=request_id, token=token,
                        now=now, lock=True)
    case = session.get(Case, request.case_id)
    actor = Actor(f"{reply.from_name.strip()[:100]} (reply link)")
    return _record(session, actor=actor, case=case, request=request, reply=reply,
                   channel=ReplyChannel.LINK, received_on=now.date(), recorded_by=None,
                   case_url=case_url)


def attach_reply(session: Session, *, actor: Actor, case: Case, reply: ReplyInput,
                 channel: str, received_on: date, case_url: str = "",
                 today: date | None = None) -> InformationReply:
    """The reviewer attaches a reply that came by post or e-mail, on the organisation's
    behalf: the same documents rules, the clock resumed from the day it arrived."""
    require_state(case, (CLOCK_PAUSED,), "attaching a reply")
    require_holder(session, case, actor, "attaching a reply")
    if channel not in ReplyChannel.ATTACHED:
        raise InvalidInput("choose how the reply came: by post or by e-mail", field="channel")
    request = pending_request(session, case)
    today = today or utcnow().date()
    if received_on > today or received_on < request.requested_at.date():
        raise InvalidInput(f"the reply arrived between {day(request.requested_at)} (the "
                           f"request) and today", field="received_on")
    return _record(session, actor=actor, case=case, request=request, reply=reply,
                   channel=channel, received_on=received_on,
                   recorded_by=session.get(User, actor.user_id), case_url=case_url)


def replies_of(session: Session, case: Case) -> dict[int, InformationReply]:
    """The case's replies by the id of the request each answers."""
    return {reply.request_id: reply for reply in session.scalars(
        select(InformationReply).where(InformationReply.case_id == case.id))}


def document_of(session: Session, document_id: int) -> ReplyDocument | None:
    return session.get(ReplyDocument, document_id)
