"""Journeys for what must not go wrong on the case page: findings locked while a senior signs
off, a reopening seen by the group in its portal, typed findings not lost, and a refused
outcome summarised."""

import pytest

from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_review_journey import _log_out, _publish
from tests.factories import UserFactory
from tests.letters.conftest import case_in_sending_letters, people  # noqa: F401 (fixtures)
from tests.letters.test_delivery import _addresses, _deliver_all

pytestmark = pytest.mark.browser


def test_a_senior_signs_off_findings_that_are_locked(page, client, session):
    UserFactory(email="sam@example.org", role="senior_reviewer")
    UserFactory(email="sue@example.org", role="senior_reviewer")
    session.commit()
    reference = _publish(client, session, "8HV61", [])
    log_in(page, "sam@example.org")
    _take(page, reference)
    page.click("#agree-all")
    page.check("input[name=agree-117][value=differ]")
    page.select_option("select[name=level-117]", "0")
    page.fill("textarea[name=comment-117]", "No training log for the care staff")
    page.click("button:has-text('Save findings')")
    page.wait_for_selector("text=Findings saved.")
    page.check("input[name=outcome][value=not_satisfactory]")
    page.fill("#reasons", "Care staff handle records untrained")
    page.click("button:has-text('Record outcome')")
    page.wait_for_selector("text=It now awaits sign-off by another senior reviewer")
    page.wait_for_selector("text=You recorded this outcome, so you cannot sign it off")
    screenshot(page, "sign-off-own-outcome")
    _log_out(page)

    log_in(page, "sue@example.org")
    page.goto("/admin/case/?view=awaiting_sign_off")
    page.click(f"text={reference}")
    summary = page.locator("[data-testid=sign-off-summary]")
    assert "No training log for the care staff" in summary.inner_text()
    assert "Care staff handle records untrained" in summary.inner_text()
    assert page.locator("button:has-text('Save findings')").count() == 0
    assert page.locator("input[name=agree-114]").first.is_disabled()
    page.wait_for_selector("text=locked while the outcome awaits sign-off")
    screenshot(page, "sign-off-summary")
    page.check("input[name=decision][value=approve]")
    page.click("button:has-text('Record decision')")
    page.wait_for_selector("text=Signed off; the letters are due.")


def test_a_reopened_case_is_seen_in_the_groups_portal(page, session, people,  # noqa: F811
                                                      case_in_sending_letters, smtp):  # noqa: F811
    _addresses(session, people)
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    _deliver_all(session)
    UserFactory(email="sue@example.org", role="senior_reviewer")
    UserFactory(email="carol@cag.example.org", role="approval_group", approval_group="CAG")
    session.commit()
    log_in(page, "sue@example.org")
    page.goto(f"/admin/case/review/{case.id}")
    page.fill("#reason", "The letter named the wrong study")
    page.click("button:has-text('Reopen the case')")
    page.wait_for_selector("text=each approval group that had a letter is sent a notice")
    _log_out(page)
    assert jobs.make_notices(case.id) == 1  # what the worker does within the minute

    log_in(page, "carol@cag.example.org", lands_on="**/portal/")
    row = page.locator(f"tr:has-text('{case.reference}')")
    assert "Reopened: under review again" in row.inner_text()
    assert "The letter named the wrong study" in row.inner_text()
    screenshot(page, "portal-reopened")


def test_typed_findings_are_not_lost_to_another_form_on_the_page(page, client, session):
    UserFactory(email="rita@example.org", role="reviewer")
    session.commit()
    reference = _publish(client, session, "8HV62", [])
    log_in(page, "rita@example.org")
    _take(page, reference)
    page.check("input[name=agree-117][value=differ]")
    page.fill("textarea[name=comment-117]", "Half the staff have no training record")
    page.wait_for_selector("[data-testid=unsaved-note]:visible")
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.fill("#message", "Please send the training log")
    with page.expect_event("dialog"):
        page.click("button:has-text('Send request')")
    assert asked == ["beforeunload"]  # dismissed: the page stays as it was
    assert page.input_value("textarea[name=comment-117]") == \
        "Half the staff have no training record"
    page.remove_listener("dialog", stay)
    page.select_option("select[name=level-117]", "1")
    page.click("button:has-text('Save findings')")
    page.wait_for_selector("text=Findings saved.")
    assert page.input_value("textarea[name=comment-117]") == \
        "Half the staff have no training record"


def test_a_refused_outcome_is_summarised_with_a_link_to_the_first_row(page, client, session):
    UserFactory(email="rita@example.org", role="reviewer")
    session.commit()
    reference = _publish(client, session, "8HV63", [])
    log_in(page, "rita@example.org")
    _take(page, reference)
    page.check("input[name=outcome][value=satisfactory]")
    page.click("button:has-text('Record outcome')")
    summary = page.locator("[data-testid=no-finding-summary]")
    assert "2 requirements have no finding yet: 114, 117" in summary.inner_text()
    assert page.locator("text=have no finding yet").count() == 1
    screenshot(page, "outcome-refused-summary")
    page.click("[data-testid=first-missing]")
    page.wait_for_url("**#req-114")


def _take(page, reference: str) -> None:
    """This test's own case, whatever else earlier journeys left unassigned in the queue."""
    page.goto(f"/admin/case/?search={reference}")
    page.click(f"text={reference}")
    page.click("button:has-text('Take this case')")
    page.wait_for_selector("[data-testid=findings-form]")
