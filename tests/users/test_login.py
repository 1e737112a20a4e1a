from backoffice.organisations.models import Organisation
from tests.conftest import csrf_token_from, log_in
from tests.factories import UserFactory


def test_a_user_logs_in_and_lands_on_their_home(client, session):
    UserFactory(email="rita@example.org", role="reviewer")
    session.commit()
    response = log_in(client, "rita@example.org")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    assert "rita@example.org" in client.get("/admin/").get_data(as_text=True)


def test_an_approval_group_member_lands_on_their_portal(client, session):
    UserFactory(email="cag@example.org", role="approval_group", approval_group="CAG")
    session.commit()
    response = log_in(client, "cag@example.org")
    assert response.headers["Location"].endswith("/portal/")
    assert "CAG portal" in client.get("/portal/").get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client, session):
    UserFactory(email="rita@example.org")
    session.commit()
    response = log_in(client, "rita@example.org", "not the password")
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_a_deactivated_user_cannot_log_in(client, session):
    UserFactory(email="gone@example.org", active=False)
    session.commit()
    assert log_in(client, "gone@example.org").status_code == 401


def test_logout_ends_the_session(client, login):
    login("helpdesk")
    page = client.get("/admin/").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert client.get("/admin/").headers["Location"].startswith("/login")


def test_repeated_failed_logins_are_throttled(client, session):
    UserFactory(email="rita@example.org")
    session.commit()
    statuses = [log_in(client, "rita@example.org", "guess").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    response = log_in(client, "rita@example.org")
    assert response.status_code == 429
    assert "Too many log-in attempts" in response.get_data(as_text=True)


def test_a_form_posted_without_a_csrf_token_is_refused(client, session):
    UserFactory(email="rita@example.org")
    session.commit()
    response = client.post("/login", data={"email": "rita@example.org",
                                           "password": "correct horse battery staple"})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_an_admin_form_posted_without_a_csrf_token_is_refused(client, login, session):
    login("helpdesk")
    response = client.post("/admin/organisation/new/", data={
        "ods_code": "8HV99", "name": "No Token Care Home", "org_type": "Voluntary Sector",
        "postcode": "EX1 1AA"})
    assert response.status_code == 400
    assert session.query(Organisation).count() == 0


def test_session_cookie_is_httponly_and_samesite_lax(client, session):
    UserFactory(email="rita@example.org")
    session.commit()
    response = log_in(client, "rita@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_does_not_redirect_to_another_site(client, session):
    UserFactory(email="rita@example.org")
    session.commit()
    page = client.get("/login?next=https://evil.example.com/")
    response = client.post("/login?next=https://evil.example.com/", data={
        "email": "rita@example.org", "password": "correct horse battery staple",
        "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/admin/"
