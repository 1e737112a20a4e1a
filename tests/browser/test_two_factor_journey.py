"""An admin's first log-in: the password, then setting up an authenticator app from the QR
code page, the recovery codes, and the staff home; the next log-in asks for a code."""

import pyotp
import pytest

from backoffice.config import DEFAULT_TWO_FACTOR_ROLES
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def required(app):
    settings = app.extensions["settings"]
    previous, settings.two_factor_roles = settings.two_factor_roles, DEFAULT_TWO_FACTOR_ROLES
    yield
    settings.two_factor_roles = previous


def _password(page, email):
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.click("input[type=submit]")


def test_an_admin_sets_up_two_factor_log_in_and_uses_it(page, session, required):
    UserFactory(email="ada@example.org", role="admin")
    session.commit()
    refusals = []
    page.on("console", lambda message: refusals.append(message.text)
            if "Content Security Policy" in message.text else None)

    _password(page, "ada@example.org")
    page.wait_for_url("**/login/two-factor/enrol")
    assert page.locator("[data-testid=qr-code] svg").is_visible()
    secret = page.inner_text("[data-testid=totp-secret]")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("input[type=submit]")
    codes = page.locator("[data-testid=recovery-codes] li")
    assert codes.count() == 10
    page.click("text=I have kept them")
    page.wait_for_url("**/admin/")
    assert "Two-factor log-in is on" in page.inner_text("main, body")

    page.click("button:has-text('Log out')")
    _password(page, "ada@example.org")
    page.wait_for_url("**/login/two-factor")
    page.fill("#code", "000000")
    page.click("input[type=submit]")
    assert "does not match" in page.inner_text("[data-testid=two-factor-form]")
    assert refusals == []
