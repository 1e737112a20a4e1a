"""A member of the public writes in; a helpdesk officer replies and resolves, in a real browser."""

import pytest
from sqlalchemy import select

from backoffice.helpdesk.models import Ticket
from backoffice.mail.models import OutboxMessage
from tests.browser.conftest import log_in, screenshot
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.browser


def _send_query(page) -> str:
    page.goto("/login")
    page.click("text=Contact us >> nth=-1")
    page.wait_for_url("**/contact")
    page.fill("#name", "Pat Manager")
    page.fill("#email", "pat.manager@example.org")
    page.fill("#ods_code", "8hv48")
    page.select_option("#category", "publishing")
    page.fill("#message", "We pressed publish but our assessment still shows as draft.")
    page.click("input[type=submit][value='Send']")
    page.wait_for_url("**/contact/thanks")
    screenshot(page, "contact-thanks")
    return page.locator("[data-testid=ticket-reference]").inner_text()


def test_the_public_sends_a_query_and_the_helpdesk_replies_and_resolves_it(browser,
                                                                           live_server,
                                                                           session):
    OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    UserFactory(email="hana@example.org", role="helpdesk", name="Hana Helpdesk")
    session.commit()

    public = browser.new_context(base_url=live_server).new_page()
    reference = _send_query(public)
    assert reference.startswith("T-")
    public.context.close()

    staff = browser.new_context(base_url=live_server,
                                viewport={"width": 1400, "height": 900}).new_page()
    log_in(staff, "hana@example.org")
    staff.click("text=Helpdesk")
    staff.click("a:has-text('Tickets')")
    staff.fill("input[name=search]", "still shows as draft")
    staff.keyboard.press("Enter")
    staff.wait_for_selector(f"a:has-text('{reference}')")
    screenshot(staff, "ticket-queue")
    staff.click(f"a:has-text('{reference}')")
    assert "Rosewood Care Home (8HV48)" in staff.locator("[data-testid=ticket-links]").inner_text()
    staff.click("[data-testid=take]")
    staff.wait_for_selector(f"text={reference} is yours.")
    staff.fill("#note-body", "Checked the toolkit: the publication arrived at 10:02.")
    staff.click("button:has-text('Add note')")
    staff.wait_for_selector("text=Note added (not e-mailed).")
    staff.fill("#reply-body", "Your assessment is published now; the status takes a few "
                              "minutes to change.")
    staff.click("button:has-text('Send reply')")
    staff.wait_for_selector("text=Reply queued for e-mail to pat.manager@example.org")
    assert staff.locator("[data-testid=ticket-status]").inner_text() == "waiting for customer"
    staff.click("[data-testid=resolve]")
    staff.wait_for_selector(f"text={reference} resolved.")
    assert staff.locator("[data-testid=ticket-status]").inner_text() == "resolved"
    thread = staff.locator("[data-testid=thread]").inner_text()
    assert thread.index("still shows as draft") < thread.index("publication arrived") < \
        thread.index("Your assessment is published now")
    screenshot(staff, "ticket-page")
    staff.context.close()

    session.expire_all()
    ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
    assert ticket.status == "resolved" and ticket.assigned_to.email == "hana@example.org"
    mails = {m.kind: m for m in session.scalars(select(OutboxMessage))}
    assert set(mails) == {"ticket_ack", "ticket_reply"}
    assert all(m.recipients == ["pat.manager@example.org"] for m in mails.values())
    assert reference in mails["ticket_reply"].subject
    assert "published now" in mails["ticket_reply"].body
    assert "publication arrived" not in mails["ticket_reply"].body
