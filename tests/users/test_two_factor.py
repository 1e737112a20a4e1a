"""Two-factor log-in: admins and senior reviewers enrol an authenticator app at their first
log-in and give a code each time; ten single-use recovery codes; an admin can reset it."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from backoffice.config import DEFAULT_TWO_FACTOR_ROLES, load_settings
from backoffice.core.audit import AuditEvent
from backoffice.users import twofactor
from backoffice.users.models import RecoveryCode
from tests.conftest import csrf_token_from, form_token, log_in
from tests.factories import UserFactory

SECRET = re.compile(r'data-testid="totp-secret">([A-Z2-7]+)<')
CODE = re.compile(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>")


@pytest.fixture(autouse=True)
def required_for_admins_and_seniors(app):
    settings = app.extensions["settings"]
    previous, settings.two_factor_roles = settings.two_factor_roles, DEFAULT_TWO_FACTOR_ROLES
    yield
    settings.two_factor_roles = previous


def _send_code(client, url: str, code: str):
    return client.post(url, data={"code": code, "csrf_token": form_token(client, url)})


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/login/two-factor/enrol").get_data(as_text=True)
    assert "<svg" in page  # the QR code, drawn inline
    secret = SECRET.search(page).group(1)
    answer = _send_code(client, "/login/two-factor/enrol", pyotp.TOTP(secret).now())
    assert answer.status_code == 200
    return secret, CODE.findall(answer.get_data(as_text=True))


def _log_out(client) -> None:
    client.post("/logout", data={"csrf_token": form_token(client, "/admin/")})


def test_an_admin_enrols_at_first_log_in_and_gets_ten_recovery_codes(client, session):
    admin = UserFactory(email="ada@example.org", role="admin")
    session.commit()
    response = log_in(client, admin.email)
    assert response.headers["Location"].endswith("/login/two-factor/enrol")
    assert client.get("/admin/").status_code == 302  # not logged in before the code
    wrong = _send_code(client, "/login/two-factor/enrol", "000000")
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    _secret, codes = _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin/").status_code == 200
    stored = session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # kept hashed


def test_an_enrolled_user_gives_a_code_that_is_good_once(client, session):
    admin = UserFactory(email="ada@example.org", role="admin")
    session.commit()
    log_in(client, admin.email)
    secret, _codes = _enrol(client)
    _log_out(client)
    log_in(client, admin.email)
    session.expire_all()
    used = pyotp.TOTP(secret).at(session.get(type(admin), admin.id).totp_last_step * 30)
    again = _send_code(client, "/login/two-factor", used)  # the code used at enrolment
    assert again.status_code == 401
    assert client.get("/admin/").status_code == 302


def test_a_recovery_code_logs_in_once(client, session):
    senior = UserFactory(email="sam@example.org", role="senior_reviewer")
    session.commit()
    log_in(client, senior.email)
    _secret, codes = _enrol(client)
    _log_out(client)
    log_in(client, senior.email)
    assert _send_code(client, "/login/two-factor", codes[0].upper()).status_code == 302
    assert client.get("/admin/").status_code == 200
    _log_out(client)
    log_in(client, senior.email)
    assert _send_code(client, "/login/two-factor", codes[0]).status_code == 401


def test_wrong_codes_are_throttled(client, session):
    admin = UserFactory(email="ada@example.org", role="admin")
    session.commit()
    log_in(client, admin.email)
    _enrol(client)
    _log_out(client)
    log_in(client, admin.email)
    statuses = [_send_code(client, "/login/two-factor", "123456").status_code
                for _ in range(6)]
    assert statuses[-1] == 429 and set(statuses[:5]) == {401}


def test_a_reviewer_needs_no_code_unless_they_enrol(client, session):
    reviewer = UserFactory(email="rita@example.org", role="reviewer")
    session.commit()
    assert log_in(client, reviewer.email).headers["Location"].endswith("/admin/")
    assert "set it up" in client.get("/admin/").get_data(as_text=True)
    _enrol(client)
    _log_out(client)
    assert log_in(client, reviewer.email).headers["Location"].endswith("/login/two-factor")


def test_an_admin_resets_a_lost_authenticator_and_it_is_audited(app, client, session):
    senior = UserFactory(email="sam@example.org", role="senior_reviewer")
    session.commit()
    log_in(client, senior.email)
    _enrol(client)
    admin_client = app.test_client()
    admin = UserFactory(email="ada@example.org", role="admin", totp_secret=pyotp.random_base32())
    session.commit()
    log_in(admin_client, admin.email)
    assert _send_code(admin_client, "/login/two-factor",
                      pyotp.TOTP(admin.totp_secret).now()).status_code == 302
    page = admin_client.get("/admin/user/").get_data(as_text=True)
    response = admin_client.post("/admin/user/action/", data={
        "action": "reset_two_factor", "rowid": str(senior.id),
        "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(type(senior), senior.id).totp_secret is None
    assert client.get("/admin/").status_code == 302  # their sessions ended
    assert log_in(client, senior.email).headers["Location"].endswith("/enrol")
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.entity_type == "users", AuditEvent.actor == admin.email,
        AuditEvent.entity_id == str(senior.id)))
    assert event is not None and event.changes["totp_secret"][1] is None


def test_production_requires_it_of_admins_and_seniors_and_the_demo_of_nobody(tmp_path):
    production = load_settings(str(tmp_path), environ={
        "BACKOFFICE_DATABASE_URL": "postgresql+psycopg://db/backoffice"})
    assert twofactor.required_roles(production.two_factor_roles) == {"admin",
                                                                     "senior_reviewer"}
    embedded = load_settings(str(tmp_path), environ={})
    assert twofactor.required_roles(embedded.two_factor_roles) == set()
