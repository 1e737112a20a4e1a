"""A reviewer works a case to its outcome, and a senior signs off a Not Satisfactory one."""

import pytest
from sqlalchemy import select

from backoffice.cases.models import Case
from tests.browser.conftest import log_in, screenshot
from tests.factories import AdministratorFactory, OrganisationFactory, UserFactory
from tests.payloads import body, post_processed

pytestmark = pytest.mark.browser


def _log_out(page):
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/login**")


def _publish(client, session, ods_code, plan):
    AdministratorFactory(organisation=OrganisationFactory(ods_code=ods_code,
                                                          name=f"Home {ods_code}"))
    session.commit()
    payload = body(notification_id=f"IGT-{ods_code}")
    payload["organisation"]["ods_code"] = ods_code
    payload["assessment"]["improvement_plan"] = plan
    return post_processed(client, payload)["case_reference"]


def test_reviewer_works_a_case_to_an_improvement_plan_outcome(page, client, session):
    UserFactory(email="rita@example.org", role="reviewer")
    session.commit()
    reference = _publish(client, session, "8HV48", [
        {"requirement": "117", "action": "Train staff", "owner": "Manager",
         "target_date": "2017-03-31"}])

    log_in(page, "rita@example.org")
    page.goto("/admin/case/")
    page.click("[data-testid=take-next]")
    page.wait_for_selector(f"text={reference} is yours")
    page.click("#agree-all")
    page.check("input[name=plan-0][value=accept]")
    page.click("button:has-text('Save findings')")
    page.wait_for_selector("text=Findings saved.")

    page.fill("#message", "Please upload the staff training log")
    page.click("button:has-text('Send request')")
    page.wait_for_selector("text=the SLA clock is stopped")
    assert page.inner_text("[data-testid=case-status]") == "Awaiting information"
    page.click("button:has-text('Information received')")
    page.wait_for_selector("text=Information received; the SLA clock runs again. No working "
                           "day passed while it was stopped")

    page.check("input[name=outcome][value=satisfactory]")
    page.click("button:has-text('Record outcome')")
    page.wait_for_selector("text=requirement 117 is at level 1, below level 2")
    page.check("input[name=outcome][value=satisfactory_with_improvement_plan]")
    page.check("#plan_accepted")
    page.click("button:has-text('Record outcome')")
    page.wait_for_selector("text=Outcome recorded: Satisfactory with Improvement Plan")
    screenshot(page, "review-outcome-recorded")
    session.expire_all()
    assert session.scalar(select(Case.status).where(Case.reference == reference)) == \
        "sending_letters"


def test_a_second_senior_signs_off_a_not_satisfactory_outcome(page, client, session):
    UserFactory(email="sam@example.org", role="senior_reviewer")
    UserFactory(email="sue@example.org", role="senior_reviewer")
    session.commit()
    reference = _publish(client, session, "8HV49", [])

    log_in(page, "sam@example.org")
    page.goto("/admin/case/")
    page.click("[data-testid=take-next]")
    page.click("#agree-all")
    page.click("button:has-text('Save findings')")
    page.check("input[name=outcome][value=not_satisfactory]")
    page.fill("#reasons", "No staff training and no plan to provide it")
    page.click("button:has-text('Record outcome')")
    page.wait_for_selector("text=Outcome recorded: Not Satisfactory")
    page.wait_for_selector("text=You recorded this outcome, so you cannot sign it off")
    assert page.locator("[data-testid=sign-off-form]").count() == 0
    _log_out(page)

    log_in(page, "sue@example.org")
    page.goto("/admin/case/?view=awaiting_sign_off")
    page.click(f"text={reference}")
    page.check("input[name=decision][value=approve]")
    page.click("button:has-text('Record decision')")
    page.wait_for_selector("text=Signed off; the letters are due.")
    assert page.inner_text("[data-testid=case-status]") == "Sending letters"
