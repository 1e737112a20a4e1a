"""An information request that comes back: the organisation opens the link from the e-mail,
replies with a PDF; the reviewer sees the reply on the timeline, clock running; asked again,
the organisation tries a program renamed .pdf and is refused; the used link opens nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.cases.models import Case
from backoffice.mail import jobs as mail_jobs
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.models import InformationReply, ReplyDocument
from tests import samples
from tests.browser.accessibility import problems
from tests.browser.conftest import log_in, screenshot
from tests.factories import AdministratorFactory, OrganisationFactory, UserFactory
from tests.payloads import body, post_processed
from tests.reviews.replying import LINK

pytestmark = pytest.mark.browser


def _publish(client, session) -> str:
    AdministratorFactory(organisation=OrganisationFactory(ods_code="8HV48",
                                                          name="Rosewood Care Home"),
                         name="Pat Manager", email="pat@rosewood.example.org")
    session.commit()
    payload = body(notification_id="IGT-REPLY-JOURNEY")
    payload["organisation"]["ods_code"] = "8HV48"
    return post_processed(client, payload)["case_reference"]


def ask(page, session, smtp, message: str) -> str:
    """The reviewer sends the request from the case page; the e-mail goes out; its link."""
    page.fill("#message", message)
    page.click("button:has-text('Send request')")
    page.wait_for_selector("text=the SLA clock is stopped")
    session.expire_all()
    mail = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "information_request").order_by(OutboxMessage.id.desc())).first()
    assert mail_jobs.deliver_outbox(mail.id) == "sent"
    text = smtp.inbox.messages[-1][1].get_content()
    return LINK.search(text).group(0)


def _document(name: str, content: bytes, mime: str = "application/pdf") -> dict:
    return {"name": name, "mimeType": mime, "buffer": content}


def test_the_organisation_replies_through_the_link_and_the_reviewer_sees_it(
        page, browser, client, session, smtp):
    UserFactory(email="rita@example.org", role="reviewer", name="Rita Reviewer")
    session.commit()
    reference = _publish(client, session)
    log_in(page, "rita@example.org")
    page.goto("/admin/case/")
    page.click("[data-testid=take-next]")
    page.wait_for_selector(f"text={reference} is yours")
    link = ask(page, session, smtp, "Please send your information governance policy.")

    organisation = browser.new_context(viewport={"width": 1000, "height": 900})
    org = organisation.new_page()
    org.set_default_timeout(10_000)
    org.goto(link)
    assert problems(org) == []  # (axe is loaded once for the context: the page reloads)
    assert "Please send your information governance policy." in org.inner_text(
        "[data-testid=request-message]")
    org.fill("#from_name", "Pat Manager")
    org.fill("#message", "Our IG policy, approved by the board in March, is attached.")
    org.set_input_files("#documents", files=[_document("IG policy.pdf", samples.pdf())])
    screenshot(org, "reply-link-form")
    org.click("button:has-text('Send the reply')")
    org.wait_for_selector("text=your reply is with the reviewer")
    assert "IG policy.pdf" in org.inner_text("[data-testid=sent-documents]")
    screenshot(org, "reply-link-sent")
    assert problems(org) == []

    page.reload()
    assert page.inner_text("[data-testid=case-status]") == "In review"
    timeline = page.inner_text("[data-testid=timeline]")
    assert "information received from Pat Manager on" in timeline
    assert "approved by the board in March" in timeline
    with page.expect_download() as download:
        page.click("[data-testid=reply-documents] a:has-text('IG policy.pdf')")
    assert download.value.suggested_filename == "IG policy.pdf"
    screenshot(page, "reply-on-the-timeline")

    link_again = ask(page, session, smtp, "Please also send the staff training log.")
    assert problems(page) == []
    page.click("[data-testid=attach-reply] summary")
    screenshot(page, "reply-attach-form")
    org.goto(link_again)
    org.fill("#from_name", "Pat Manager")
    org.set_input_files("#documents", files=[_document("training log.pdf",
                                                       samples.program())])
    org.click("button:has-text('Send the reply')")
    org.wait_for_selector("[data-testid=reply-refused]")
    refusal = org.inner_text("[data-testid=reply-refused]")
    assert "Nothing was sent." in refusal
    assert "training log.pdf is not a PDF, Word (DOCX)" in refusal
    screenshot(org, "reply-link-refused-program")
    assert problems(org) == []

    org.goto(link)
    org.wait_for_selector("[data-testid=link-refused]")
    assert "This information request was answered on" in org.inner_text("main")
    screenshot(org, "reply-link-used")
    assert problems(org) == []
    organisation.close()

    session.expire_all()
    assert session.scalar(select(func.count(InformationReply.id))) == 1
    assert session.scalar(select(func.count(ReplyDocument.id))) == 1
    assert session.scalar(select(Case.status).where(Case.reference == reference)) == \
        "awaiting_information"
