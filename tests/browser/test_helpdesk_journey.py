"""A helpdesk officer registers an organisation and an administrator in a real browser."""

import pytest

from tests.browser.conftest import log_in, screenshot
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.browser


def test_helpdesk_registers_an_organisation_adds_an_administrator_and_sees_the_audit(
        page, session):
    UserFactory(email="hana@example.org", role="helpdesk", name="Hana Helpdesk")
    OrganisationFactory(ods_code="FWC00", name="Wellcare Pharmacy Head Office",
                        org_type="Pharmacy Head Office")
    session.commit()

    log_in(page, "hana@example.org")

    page.goto("/admin/organisation/new/")
    page.fill("#q", "Rosewood")
    page.click("button:has-text('Search')")
    page.wait_for_selector("[data-testid=no-matches]")

    page.fill("#ods_code", "8hv48")
    page.fill("#name", "Rosewood Care Home")
    page.select_option("#org_type", "Voluntary Sector")
    page.fill("#address", "1 Rose Lane, Exeter")
    page.fill("#postcode", "ex1 1aa")
    page.click("input[type=submit][value='Save']")
    page.wait_for_selector("text=Organisation Rosewood Care Home (8HV48) created.")

    page.goto("/admin/organisation/?search=8HV48")
    page.click("a[title='Edit Record']")
    page.wait_for_url("**/admin/organisation/edit/**")  # loaded: the inline form's script is ready
    page.click("text=Add Organisation Administrator")
    page.fill("input[name='administrators-0-name']", "Pat Manager")
    page.fill("input[name='administrators-0-email']", "pat.manager@example.org")
    page.fill("input[name='administrators-0-phone']", "0300 303 4034")
    page.click("input[type=submit][value='Save']")
    page.wait_for_selector("text=Organisation Rosewood Care Home (8HV48) saved.")

    page.goto("/admin/organisation/?search=8HV48")
    page.click("a[title='View Record']")
    administrators = page.locator("[data-testid=administrators]")
    assert "pat.manager@example.org" in administrators.inner_text()
    trail = page.locator("[data-testid=audit-trail]").inner_text()
    assert "hana@example.org" in trail
    assert "create organisation administrators" in trail
    assert "pat.manager@example.org" in trail
    assert "ods_code: — → 8HV48" in trail
    screenshot(page, "helpdesk-organisation-details")


def test_what_was_typed_before_a_register_search_is_still_there_after_it(page, session):
    UserFactory(email="hana@example.org", role="helpdesk", name="Hana Helpdesk")
    session.commit()
    log_in(page, "hana@example.org")

    page.goto("/admin/organisation/new/")
    page.fill("#name", "Rosewood Care Home")
    page.fill("#address", "1 Rose Lane, Exeter")
    page.fill("#postcode", "EX1 1AA")
    page.fill("#q", "Rosewood")
    page.click("button:has-text('Search')")
    page.wait_for_selector("[data-testid=no-matches]")

    assert page.input_value("#name") == "Rosewood Care Home"
    assert page.input_value("#address") == "1 Rose Lane, Exeter"
    assert page.input_value("#postcode") == "EX1 1AA"
