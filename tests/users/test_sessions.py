"""Sessions end on the server: a copied session cookie stops working when its user's
sessions are ended (log-out, password change, role change, deactivation)."""

from __future__ import annotations

import pytest

from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.users import services
from tests.conftest import csrf_token_from, form_token, log_in
from tests.factories import UserFactory

SESSION_COOKIE = "session"


def copied_session(app, client):
    """A second browser holding a copy of the first one's session cookie."""
    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, client.get_cookie(SESSION_COOKIE).value)
    assert thief.get("/admin/").status_code == 200
    return thief


def signed_out(client) -> bool:
    response = client.get("/admin/")
    return response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.fixture
def rita(session):
    user = UserFactory(email="rita@example.org", role="reviewer")
    session.commit()
    return user


def test_a_copied_cookie_stops_working_after_log_out(app, client, rita):
    log_in(client, rita.email)
    thief = copied_session(app, client)
    client.post("/logout", data={"csrf_token": form_token(client, "/admin/")})
    assert signed_out(client) and signed_out(thief)


def test_a_password_change_ends_every_session(app, client, session, rita):
    log_in(client, rita.email)
    thief = copied_session(app, client)
    services.set_password(session, actor=SYSTEM_ACTOR, user=rita, password="a new long password")
    session.commit()
    assert signed_out(thief) and signed_out(client)
    assert log_in(client, rita.email, "a new long password").status_code == 302


@pytest.mark.parametrize("change", [
    {"role": "senior_reviewer"},
    {"active": False},
], ids=["role change", "deactivation"])
def test_a_role_change_or_deactivation_ends_every_session(app, client, session, rita, change):
    log_in(client, rita.email)
    thief = copied_session(app, client)
    values = {"email": rita.email, "role": rita.role, "name": rita.name, "active": True}
    services.update_user(session, actor=SYSTEM_ACTOR, user=rita, **{**values, **change})
    session.commit()
    services.update_user(session, actor=SYSTEM_ACTOR, user=rita, **{**values, **change,
                                                                     "active": True})
    session.commit()  # reactivated: the old session still does not come back
    assert signed_out(thief)


def test_an_admin_changing_their_own_password_stays_logged_in(client, login, session):
    admin = login("admin")
    page = client.get(f"/admin/user/edit/?id={admin.id}").get_data(as_text=True)
    response = client.post(f"/admin/user/edit/?id={admin.id}", data={
        "csrf_token": csrf_token_from(page), "email": admin.email, "name": admin.name,
        "role": "admin", "approval_group": "", "active": "y",
        "new_password": "a brand new long password"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
