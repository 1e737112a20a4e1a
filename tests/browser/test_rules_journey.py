"""A reviewer overturns a Not Relevant, is told why a plan they do not accept leads to Not
Satisfactory, and records Satisfactory: it is on the public report at once, with the SMTP
server down, while the admin's home page lists the letters not delivered."""

import pytest

from backoffice.core.audit import Actor
from backoffice.letters import jobs, services
from tests.browser.accessibility import problems
from tests.browser.conftest import log_in, screenshot
from tests.factories import AdministratorFactory, OrganisationFactory, UserFactory
from tests.payloads import body, post_processed

pytestmark = pytest.mark.browser


def _publish(client, session) -> str:
    AdministratorFactory(organisation=OrganisationFactory(ods_code="8HV60",
                                                          name="Brookside Care Home"))
    session.commit()
    payload = body(notification_id="IGT-8HV60")
    payload["organisation"]["ods_code"] = "8HV60"
    payload["assessment"]["requirements"] = [
        {"id": "114", "level": 2}, {"id": "115", "level": 3}, {"id": "117", "level": 1},
        {"id": "209", "not_relevant": True}, {"id": "304", "not_relevant": True}]
    payload["assessment"]["improvement_plan"] = [
        {"requirement": "117", "action": "Train staff", "owner": "Manager",
         "target_date": "2017-03-31"}]
    payload["applications"] = [{"type": "S251", "reference": "CAG 4-08(b)/2013"}]
    return post_processed(client, payload)["case_reference"]


def test_overturn_not_relevant_then_the_outcome_is_public_with_the_smtp_server_down(
        page, client, session, smtp):
    UserFactory(email="rita@example.org", role="reviewer")
    admin = UserFactory(email="ada@example.org", role="admin")
    session.commit()
    services.set_group_address(session, actor=Actor.of(admin), group="CAG",
                               email="cag@groups.example.org")
    session.commit()
    reference = _publish(client, session)

    log_in(page, "rita@example.org")
    page.goto("/admin/case/")
    page.click("[data-testid=take-next]")
    page.wait_for_selector(f"text={reference} is yours")
    assert "only if no overseas processing takes place" in page.inner_text(
        "[data-testid=condition-209]")
    page.click("#agree-all")  # leaves the Not Relevant rows to the reviewer
    assert page.locator("input[name=agree-209]:checked").count() == 0
    page.check("input[name=agree-209][value=differ]")
    page.select_option("select[name=level-209]", "2")
    page.fill("textarea[name=comment-209]", "Payroll is processed by a bureau in India")
    page.check("input[name=agree-304][value=agree]")
    page.check("input[name=plan-0][value=accept]")
    page.click("button:has-text('Save findings')")
    page.wait_for_selector("text=Findings saved.")
    assert page.inner_text("[data-testid=applicable-209]") == \
        "yes: you found it relevant, level 2"
    page.wait_for_selector("text=Not Relevant overturned: 209 relevant, level 2: Payroll is "
                           "processed by a bureau in India")
    screenshot(page, "rules-not-relevant-overturned")
    assert problems(page) == []  # WCAG 2.2 AA, the Not Relevant rows and their hints

    page.check("input[name=outcome][value=satisfactory_with_improvement_plan]")
    page.click("button:has-text('Record outcome')")
    page.wait_for_selector("text=makes the outcome Not Satisfactory. Tick")
    screenshot(page, "rules-plan-not-accepted")
    page.check("input[name=outcome][value=satisfactory_with_improvement_plan]")
    page.check("#plan_accepted")
    page.click("button:has-text('Record outcome')")
    page.wait_for_selector("text=It is on the public report now.")

    smtp.stop()  # the mail server goes down before any letter is sent
    jobs.sweep()
    page.goto("/reports/outcomes")
    page.wait_for_selector("text=Brookside Care Home")

    page.click("button:has-text('Log out')")
    page.wait_for_url("**/login**")
    log_in(page, "ada@example.org")
    alert = page.inner_text("[data-testid=home-failed-deliveries]")
    assert reference in alert and "cag@groups.example.org" in alert
    assert "could not reach the SMTP server" in alert
    screenshot(page, "rules-home-failed-deliveries")
    assert problems(page) == []
    page.click(f"[data-testid=home-failed-deliveries] >> text={reference}")
    page.wait_for_selector("text=The outcome is published all the same.")
    page.wait_for_selector("[data-testid=case-published]")
    screenshot(page, "rules-case-letters-failed")
    assert problems(page) == []
