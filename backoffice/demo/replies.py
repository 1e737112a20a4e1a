"""Answered information requests in the demo: one answered through the reply link with a PDF
and a text file, one received by post and attached by the reviewer — so both show on a case
timeline with their documents."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.audit import Actor
from backoffice.core.db import utcnow
from backoffice.core.vocabulary import CaseStatus
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.documents import checked_documents
from backoffice.reviews.information import request_information
from backoffice.reviews.models import InformationReply, ReplyChannel
from backoffice.reviews.replies import ReplyInput, attach_reply, link_token, reply_through_link
from backoffice.users.services import find_user

DEMO_SITE = "http://127.0.0.1:5000/"
POLICY_TEXT = "Information governance policy - approved by the board, March 2016"


def demo_pdf(line: str) -> bytes:
    """A one-page PDF saying ``line`` (built here: the demo needs no PDF library)."""
    stream = f"BT /F1 14 Tf 72 760 Td ({line}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
               b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _reviewers_cases(session: Session, reviewer) -> list[Case]:
    return list(session.scalars(select(Case).where(
        Case.status == CaseStatus.IN_REVIEW, Case.assigned_to_id == reviewer.id)
        .order_by(Case.id).limit(2)))


def _secret() -> str:
    return current_app.config["SECRET_KEY"] if has_app_context() else "demo"


def _answer_through_the_link(session: Session, case: Case, actor: Actor) -> None:
    request = request_information(
        session, actor=actor, case=case, site_url=DEMO_SITE,
        recipients=[a.email for a in case.organisation.administrators],
        message="Please send your information governance policy and the date the board "
                "approved it.")
    session.flush()
    name = case.organisation.administrators[0].name if case.organisation.administrators \
        else "Organisation Administrator"
    secret = _secret()
    reply_through_link(
        session, secret_key=secret, request_id=request.id,
        token=link_token(secret, request), case_url=f"{DEMO_SITE}admin/case/review/{case.id}",
        now=utcnow() + timedelta(minutes=5),
        reply=ReplyInput(from_name=name, message="Our policy is attached; the board approved "
                                                 "it on 14 March 2016.",
                         documents=checked_documents([
                             ("IG policy.pdf", demo_pdf(POLICY_TEXT)),
                             ("board minutes extract.txt",
                              b"Item 7: the IG policy was approved. 14 March 2016.\n")])))


def _answer_by_post(session: Session, case: Case, actor: Actor) -> None:
    request_information(
        session, actor=actor, case=case, site_url=DEMO_SITE,
        recipients=[a.email for a in case.organisation.administrators],
        message="Please send the staff training log for 2015/16.")
    session.flush()
    attach_reply(session, actor=actor, case=case, channel=ReplyChannel.POST,
                 received_on=utcnow().date(), reply=ReplyInput(
                     from_name="Registered Manager", message="Training log sent by post.",
                     documents=checked_documents([
                         ("training log.pdf", demo_pdf("Staff training log 2015/16"))])))


def ensure_answered_requests(session: Session, domain: str) -> None:
    """Only once: two of the reviewer's cases in review ask and get their answer."""
    if session.scalar(select(InformationReply.id).limit(1)) is not None:
        return
    reviewer = find_user(session, f"reviewer@{domain}")
    if reviewer is None:
        return
    actor = Actor.of(reviewer)
    cases = _reviewers_cases(session, reviewer)
    for case, answer in zip(cases, (_answer_through_the_link, _answer_by_post), strict=False):
        answer(session, case, actor)
    # The requests and the reviewer's notice belong to the story's past, like the demo's
    # closed letters: marked sent, so the demo mails nobody (their jobs find nothing to do).
    for message in session.scalars(select(OutboxMessage).where(
            OutboxMessage.case_id.in_([case.id for case in cases]),
            OutboxMessage.sent_at.is_(None))):
        message.sent_at = utcnow()
    session.flush()
