"""The seeds' words, read in a real browser: the IG Toolkit Helpdesk and the services on the
public pages; covered organisations, attainment levels and version 12 statements on a case."""

import pytest

from tests.browser.conftest import log_in, screenshot
from tests.factories import UserFactory
from tests.reviews.test_seed_words import _case

pytestmark = pytest.mark.browser


def test_a_visitor_reads_of_the_ig_toolkit_helpdesk_and_the_services_reviewed(page):
    page.goto("/")
    lead = page.inner_text(".lead")
    assert "Choose and Book, E-Referrals or NHS Mail" in lead
    assert "HSCIC External IG Delivery team" in lead and "(CAG, DAAG or IGSoC)" in lead
    page.click("text=Contact the IG Toolkit Helpdesk")
    page.wait_for_url("**/contact")
    assert page.inner_text("h1") == "Contact the IG Toolkit Helpdesk"
    assert "run by HSCIC." in page.inner_text("main")
    screenshot(page, "seed-words-contact")


def test_a_reviewer_reads_a_version_12_case_in_the_seeds_words(page, client, session):
    case = _case(client, session, version=12, year="2014/15")
    UserFactory(email="rita@example.org", role="reviewer")
    session.commit()
    log_in(page, "rita@example.org")
    page.goto(f"/admin/case/review/{case.id}")
    assert page.inner_text("[data-testid=covers-heading]") == (
        "Organisations that this assessment covers")
    headings = page.locator("thead th").all_inner_texts()
    assert "Self-assessed attainment level" in headings
    assert "Attainment level found" in headings
    statement = page.locator("#req-203 span[title]")
    assert statement.inner_text() == ("Individuals are informed about the proposed uses of "
                                      "their personal information.")
    screenshot(page, "seed-words-version-12-case")
