"""The content security policy breaks nothing: a senior reviewer walks the screens that run
script (the queue with its filters, a review, the dashboard's charts, a user form) and the
browser refuses nothing."""

import pytest

from backoffice.demo.data import load_demo_data
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser
REFUSED = "Content Security Policy"
UNANSWERED = """[...document.querySelectorAll('input[type=radio][value=agree]')].filter(r =>
    !document.querySelector(`input[name="${r.name}"]:checked`)
    && !r.closest('tr').classList.contains('text-muted') && !r.closest('tr').dataset.changed
).length"""


def test_the_screens_that_run_script_work_under_the_policy(page, session):
    logins = load_demo_data(session)
    session.commit()
    senior = next(login for login in logins if login.role == "Senior reviewer")
    refusals = []
    page.on("console", lambda message: refusals.append(f"{page.url}: {message.text}")
            if REFUSED in message.text else None)

    log_in(page, senior.email, senior.password)
    page.goto("/admin/case/")
    page.click("a:has-text('Add Filter')")  # Flask-Admin's filters are script
    page.keyboard.press("Escape")
    page.check("input.action-checkbox >> nth=0")  # a bulk action runs an inline handler
    page.click("a:has-text('With selected')")
    page.click("a:has-text('Assign to a reviewer')")
    page.wait_for_url("**/assign**")
    page.goto("/admin/case/")
    page.click("[data-testid=take-next]")
    page.wait_for_selector("text=is yours")
    page.click("#agree-all")  # the review page's own script, from a static file
    assert page.evaluate(UNANSWERED) == 0
    page.goto("/admin/dashboard/")
    page.wait_for_function("document.querySelectorAll('canvas').length > 0")
    page.goto("/reports/outcomes")
    assert refusals == []


def test_an_inline_form_still_adds_rows_under_the_policy(page, session):
    UserFactory(email="hana@example.org", role="helpdesk")
    session.commit()
    refusals = []
    page.on("console", lambda message: refusals.append(f"{page.url}: {message.text}")
            if REFUSED in message.text else None)
    log_in(page, "hana@example.org")
    page.goto("/admin/organisation/new/")
    page.click("a:has-text('Add Organisation Administrator')")
    page.wait_for_selector("input[name='administrators-0-email']")
    assert refusals == []
