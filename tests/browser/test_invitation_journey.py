"""The helpdesk registers an Organisation Administrator and invites them; the administrator
sets their password from the e-mailed link and logs in; the helpdesk records a phone call."""

import re

import pytest
from sqlalchemy import select

from backoffice.helpdesk.models import Ticket
from backoffice.letters import jobs
from tests.browser.conftest import log_in, screenshot
from tests.factories import UserFactory

pytestmark = pytest.mark.browser
LINK = re.compile(r"http://\S+/account/set-password/\S+")
PASSWORD = "rosewood garden 2016"


def _register_with_administrator(staff) -> None:
    staff.goto("/admin/organisation/new/")
    staff.fill("#ods_code", "8hv48")
    staff.fill("#name", "Rosewood Care Home")
    staff.select_option("#org_type", "Voluntary Sector")
    staff.fill("#postcode", "ex1 1aa")
    staff.click("text=Add Organisation Administrator")
    staff.fill("input[name='administrators-0-name']", "Pat Manager")
    staff.fill("input[name='administrators-0-email']", "pat.manager@example.org")
    assert staff.locator("select[name=invitation]").input_value() == "log_in_details"
    screenshot(staff, "invitation-register-form")
    staff.click("input[type=submit][value='Save']")
    staff.wait_for_selector("text=Organisation Rosewood Care Home (8HV48) created.")


def test_helpdesk_invites_an_administrator_who_sets_a_password_once_and_logs_in(
        browser, live_server, app, session, smtp, monkeypatch):
    monkeypatch.setattr(app.extensions["settings"], "site_url", live_server)
    UserFactory(email="hana@example.org", role="helpdesk", name="Hana Helpdesk")
    session.commit()

    staff = browser.new_context(base_url=live_server,
                                viewport={"width": 1400, "height": 900}).new_page()
    log_in(staff, "hana@example.org")
    _register_with_administrator(staff)
    staff.goto("/admin/organisation/?search=8HV48")
    staff.click("a[title='View Record']")
    log_in_state = staff.locator("[data-testid=administrators]").inner_text()
    assert "invitation pending: link good until" in log_in_state
    screenshot(staff, "invitation-pending")
    staff.context.close()

    jobs.sweep()
    subjects = {message["Subject"]: message for _to, message in smtp.inbox.messages}
    assert set(subjects) == {"IG Toolkit review: your user name",
                             "IG Toolkit review: set your password"}
    link = LINK.search(subjects["IG Toolkit review: set your password"].get_content()).group(0)

    administrator = browser.new_context(base_url=live_server).new_page()
    administrator.goto(link)
    assert administrator.locator("[data-testid=user-name]").inner_text() == \
        "pat.manager@example.org"
    administrator.fill("#password", PASSWORD)
    administrator.fill("#confirm", PASSWORD)
    screenshot(administrator, "invitation-set-password")
    administrator.click("input[type=submit][value='Set my password']")
    administrator.wait_for_selector("text=Your password is set.")
    log_in(administrator, "pat.manager@example.org", PASSWORD, lands_on="**/account/")
    assert "Rosewood Care Home (8HV48)" in \
        administrator.locator("[data-testid=administered]").inner_text()
    screenshot(administrator, "invitation-account")

    administrator.goto(link)
    assert "used already" in administrator.locator("[data-testid=link-refused]").inner_text()
    screenshot(administrator, "invitation-link-used")
    administrator.context.close()


def test_helpdesk_records_a_phone_call_as_a_ticket(page, session):
    UserFactory(email="hana@example.org", role="helpdesk", name="Hana Helpdesk")
    session.commit()
    log_in(page, "hana@example.org")
    page.goto("/admin/ticket/")
    page.click("[data-testid=phone-call]")
    page.fill("#name", "Priya Shah")
    page.fill("#phone", "01392 251289")
    page.fill("#organisation_name", "Hillside Surgery")
    page.select_option("#category", "log_in")
    page.fill("#summary", "The set-password e-mail went to her junk folder.")
    screenshot(page, "phone-ticket-form")
    page.click("input[type=submit][value='Open the ticket']")
    page.wait_for_selector("text=opened for the call from Priya Shah")
    assert page.locator("[data-testid=caller-phone]").inner_text() == "01392 251289"
    assert "under 1 working hour" in page.locator("[data-testid=ticket-age]").inner_text()
    screenshot(page, "phone-ticket")
    ticket = session.scalar(select(Ticket))
    assert ticket.channel == "phone" and ticket.assigned_to.email == "hana@example.org"
