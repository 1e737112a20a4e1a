"""The reply link in the information-request e-mail: the organisation answers that one request,
without an account, with documents checked by their content. A link that is expired, used,
tampered with or pointed at another request opens nothing, and nothing is stored."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from backoffice.cases.models import Case
from backoffice.core.audit import AuditEvent
from backoffice.core.display import day
from backoffice.mail import jobs as mail_jobs
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.documents import MAX_DOCUMENT_BYTES
from backoffice.reviews.models import InformationReply, InformationRequest, ReplyDocument
from tests import samples
from tests.conftest import log_in
from tests.factories import UserFactory
from tests.reviews.replying import ask, nothing_stored, send_reply, take_case


@pytest.fixture
def rita(session):
    user = UserFactory(role="reviewer", email="rita@example.org", name="Rita Reviewer")
    session.commit()
    return user


@pytest.fixture
def asked(client, session, smtp_server, open_case, rita):
    """Rita holds a case and has asked the organisation for its IG policy by e-mail."""
    case = open_case()
    log_in(client, rita.email)
    take_case(client, case)
    return ask(client, session, smtp_server, case)


@pytest.fixture
def organisation(app):
    """The Organisation Administrator's browser: no account, no session."""
    return app.test_client()


def test_the_request_email_carries_a_link_for_that_request_valid_30_days(asked, session):
    request = session.get(InformationRequest, asked.request_id)
    assert asked.link.startswith("http://localhost/reply/")
    assert request.reply_expires_at.date() == (request.requested_at + timedelta(days=30)).date()


def test_the_link_opens_the_request_and_nothing_else(asked, organisation, session):
    page = organisation.get(asked.path).get_data(as_text=True)
    assert "Reply to an information request" in page
    assert "Please send your IG policy." in page
    expires = session.get(InformationRequest, asked.request_id).reply_expires_at
    assert f"works until {day(expires)}" in page
    for elsewhere in ("/admin/case/", f"/admin/case/review/{asked.case.id}", "/portal/"):
        response = organisation.get(elsewhere)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Requirements" not in page and "level" not in page.lower()


def test_a_reply_with_a_pdf_is_stored_with_its_checksum_and_resumes_the_clock(
        asked, organisation, session, client):
    policy = samples.pdf()
    response = send_reply(organisation, asked, files=[("IG policy.pdf", policy)])
    assert response.status_code == 302
    sent = organisation.get(response.headers["Location"]).get_data(as_text=True)
    assert "your reply is with the reviewer" in sent and "IG policy.pdf" in sent

    session.expire_all()
    reply = session.scalar(select(InformationReply))
    assert (reply.from_name, reply.channel, reply.message) == (
        "Pat Manager", "link", "Our policy is attached.")
    (document,) = reply.documents
    assert document.filename == "IG policy.pdf" and document.content_type == "application/pdf"
    assert document.sha256 == hashlib.sha256(policy).hexdigest()
    assert document.content == policy and document.size_bytes == len(policy)
    case = session.get(Case, asked.case.id)
    assert case.status == "in_review"
    assert session.get(InformationRequest, asked.request_id).received_at is not None

    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert f"information received from Pat Manager on {day(reply.received_on)}" in page
    assert "Our policy is attached." in page and "IG policy.pdf" in page
    download = client.get(f"/admin/case/reply-document/{document.id}")
    assert download.data == policy
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "reply"))
    assert document.sha256 in str(audit.changes) and audit.actor.startswith("Pat Manager")


def test_the_reviewer_holding_the_case_is_emailed_once(asked, organisation, session,
                                                      smtp_server, rita):
    send_reply(organisation, asked, files=[("policy.pdf", samples.pdf())])
    (mail,) = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "information_reply")).all()
    assert [mail_jobs.deliver_outbox(mail.id), mail_jobs.deliver_outbox(mail.id)] == \
        ["sent", "skipped"]
    to, received = smtp_server.inbox.messages[-1]
    assert to == [rita.email] and len(smtp_server.inbox.messages) == 2  # request + this
    text = received.get_content()
    assert received["Subject"] == f"IG Toolkit review {asked.case.reference}: information received"
    assert "Pat Manager of " in text and "- policy.pdf" in text
    assert f"/admin/case/review/{asked.case.id}" in text


def test_an_exe_renamed_pdf_is_refused_by_its_content_and_nothing_is_stored(
        asked, organisation, session):
    response = send_reply(organisation, asked, files=[("policy.pdf", samples.pdf()),
                                                      ("minutes.pdf", samples.program())])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was sent." in page
    assert "minutes.pdf is not a PDF, Word (DOCX)" in page and "by its content" in page
    assert "Pat Manager" in page  # what was typed is kept
    assert nothing_stored(session, asked)
    assert session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "information_reply")) == 0
    assert organisation.get(asked.path).status_code == 200  # the link still works


def test_eleven_documents_are_refused(asked, organisation, session):
    files = [(f"page {n}.txt", samples.text()) for n in range(11)]
    response = send_reply(organisation, asked, files=files)
    assert response.status_code == 422
    assert "a reply takes at most 10 documents, and 11 were chosen" in response.get_data(
        as_text=True)
    assert nothing_stored(session, asked)


def test_a_document_over_20_mb_is_refused_by_name(asked, organisation, session):
    big = samples.pdf() + b"\n%" + b"x" * MAX_DOCUMENT_BYTES
    response = send_reply(organisation, asked, files=[("scan.pdf", big)])
    assert response.status_code == 422
    assert "scan.pdf is over 20 MB, the most a document may be." in response.get_data(
        as_text=True)
    assert nothing_stored(session, asked)


def test_a_request_over_the_limit_gets_a_plain_413_page(asked, organisation, session, app,
                                                        monkeypatch):
    view = app.view_functions["replies.reply"]
    monkeypatch.setattr(view, "max_upload_bytes", 50_000)
    response = send_reply(organisation, asked, files=[("scan.pdf", b"%PDF" + b"x" * 60_000)])
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "That file is too large" in page
    assert "Nothing was stored: a reply takes at most 10 documents of at most 20 MB" in page
    assert "Traceback" not in page
    assert nothing_stored(session, asked)


def test_an_expired_link_is_refused_and_nothing_is_stored(asked, organisation, session):
    request = session.get(InformationRequest, asked.request_id)
    with time_machine.travel(request.reply_expires_at + timedelta(minutes=1), tick=False):
        opened = organisation.get(asked.path)
        assert opened.status_code == 410
        assert f"stopped working on {day(request.reply_expires_at)}" in opened.get_data(
            as_text=True)
        sent = organisation.post(asked.path, data={"from_name": "Pat", "message": "Here"})
        assert sent.status_code == 410
    assert nothing_stored(session, asked)


def test_a_used_link_is_refused_and_stores_nothing_more(asked, organisation, session):
    assert send_reply(organisation, asked, files=[("policy.pdf", samples.pdf())]
                      ).status_code == 302
    again = send_reply(organisation, asked, files=[("more.pdf", samples.pdf())],
                       message="And another")
    assert again.status_code == 410
    page = again.get_data(as_text=True)
    assert "This information request was answered on" in page and "Nothing was stored." in page
    assert session.scalar(select(func.count(InformationReply.id))) == 1
    assert session.scalar(select(func.count(ReplyDocument.id))) == 1


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
    lambda token: token[:10],
    lambda token: "x" + token,
    lambda token: "not-a-link",
], ids=["last character", "cut short", "prefixed", "made up"])
def test_a_tampered_link_is_refused_and_nothing_is_stored(asked, organisation, session,
                                                          tamper):
    path = f"/reply/{asked.request_id}/{tamper(asked.token)}"
    response = send_reply(organisation, asked, files=[("policy.pdf", samples.pdf())],
                          path=path)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "This reply link is not valid" in page and "Traceback" not in page
    assert nothing_stored(session, asked)


def test_a_link_with_another_requests_id_is_refused(asked, organisation, session, client,
                                                    open_case, smtp_server):
    other_case = open_case(ods_code="8HV77", notification_id="IGT-OTHER")
    take_case(client, other_case)
    other = ask(client, session, smtp_server, other_case, message="Send the training log.")
    for path in (f"/reply/{other.request_id}/{asked.token}",
                 f"/reply/{asked.request_id}/{other.token}"):
        response = send_reply(organisation, asked, files=[("policy.pdf", samples.pdf())],
                              path=path)
        assert response.status_code == 404, path
    assert session.scalar(select(func.count(InformationReply.id))) == 0
    session.expire_all()
    assert {session.get(Case, c.id).status for c in (asked.case, other_case)} == {
        "awaiting_information"}


def test_a_link_whose_request_was_marked_received_by_staff_is_used(asked, organisation,
                                                                   client, session):
    from tests.conftest import form_token

    client.post(f"/admin/case/information-received/{asked.case.id}", data={
        "csrf_token": form_token(client, f"/admin/case/review/{asked.case.id}")})
    response = organisation.get(asked.path)
    assert response.status_code == 410
    assert "This information request was answered" in response.get_data(as_text=True)


def test_a_reply_needs_a_name_and_something_to_say(asked, organisation, session):
    response = send_reply(organisation, asked, from_name="", message="")
    assert response.status_code == 422
    assert "Write your name." in response.get_data(as_text=True)
    response = send_reply(organisation, asked, message="")
    assert response.status_code == 422
    assert "Write a reply or choose at least one document." in response.get_data(as_text=True)
    assert nothing_stored(session, asked)


def test_the_link_is_throttled_per_address(asked, organisation, app, monkeypatch):
    monkeypatch.setattr(app.extensions["settings"], "reply_rate_limit", "3 per hour")
    codes = [organisation.get(asked.path).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Wait an hour" in organisation.get(asked.path).get_data(as_text=True)
