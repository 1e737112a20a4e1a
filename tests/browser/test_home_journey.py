"""Each role lands on a home page that says what waits for them, and a figure leads there."""

from datetime import date, timedelta

import pytest

from tests.browser.conftest import log_in, screenshot
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.browser


def test_a_reviewer_lands_on_their_cases_and_opens_the_overdue_ones(page, session):
    reviewer = UserFactory(email="rita@example.org", role="reviewer", name="Rita Reviewer")
    late = CaseFactory(status="in_review", assigned_to=reviewer,
                       due_date=date.today() - timedelta(days=2))
    CaseFactory(status="unassigned", due_date=date.today() + timedelta(days=8))
    session.commit()
    log_in(page, "rita@example.org")
    assert page.inner_text("h1") == "Welcome, Rita Reviewer"
    assert page.inner_text("[data-testid=figure-my-overdue] .h2") == "1"
    assert late.reference in page.inner_text("[data-testid=home-my-cases]")
    screenshot(page, "home-reviewer")
    page.click("[data-testid=figure-unassigned]")
    page.wait_for_url("**/admin/case/?view=unassigned")


def test_the_helpdesk_lands_on_new_tickets_and_unmatched_notifications(page, session):
    UserFactory(email="hana@example.org", role="helpdesk", name="Hana Helpdesk")
    session.commit()
    log_in(page, "hana@example.org")
    figures = page.inner_text("[data-testid=home-figures]")
    assert "New tickets nobody has taken" in figures and "Unmatched notifications" in figures
    assert "My cases" not in page.inner_text("main")
    screenshot(page, "home-helpdesk")
    page.click("[data-testid=figure-unmatched]")
    page.wait_for_url("**/admin/unmatched/")


def test_a_visitor_finds_the_report_and_the_contact_form_from_the_root(page):
    page.goto("/")
    page.click("text=Review outcomes")
    page.wait_for_url("**/reports/outcomes")
    assert "published outcomes match" in page.inner_text("[data-testid=result-count]")
    page.goto("/")
    page.click("text=Contact the IG Toolkit Helpdesk")
    page.wait_for_url("**/contact")
