"""Inviting an Organisation Administrator (SCCI0086 §4): two e-mails through a real SMTP
server, a set-password link good once for 7 days, or the self-registration instructions."""

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from backoffice.core.audit import AuditEvent
from backoffice.core.db import utcnow
from backoffice.helpdesk.models import AdministratorInvitation
from backoffice.letters import jobs
from backoffice.users.models import User
from tests.conftest import form_token, log_in
from tests.factories import AdministratorFactory, OrganisationFactory

LINK = re.compile(r"http://\S+/account/set-password/(\S+)")
NEW_PASSWORD = "a long new password 42"
NEW = "/admin/organisation/new/"


def _delivered(smtp_server) -> dict[str, object]:
    """Sweep the outbox; the messages the server received, by subject."""
    jobs.sweep()
    return {message["Subject"]: message for _to, message in smtp_server.inbox.messages}


def _invite(client, administrator_id: int, way: str = "log_in_details"):
    url = f"/admin/invitation/send/{administrator_id}"
    return client.post(url, data={"way": way, "csrf_token": form_token(client, url)})


def _link_path(message) -> str:
    match = LINK.search(message.get_content())
    assert match, message.get_content()
    return f"/account/set-password/{match.group(1)}"


def _set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(path, data={"password": password, "confirm": confirm or password,
                                   "csrf_token": form_token(client, path)})


def test_registering_an_administrator_sends_the_user_name_and_a_link_that_sets_the_password(
        client, login, session, smtp_server):
    login("helpdesk")
    response = client.post(NEW, data={
        "ods_code": "8HV48", "name": "Rosewood Care Home", "org_type": "Voluntary Sector",
        "postcode": "EX1 1AA", "administrators-0-name": "Pat Manager",
        "administrators-0-email": "pat@rosewood.example", "invitation": "log_in_details",
        "csrf_token": form_token(client, NEW)})
    assert response.status_code == 302

    mail = _delivered(smtp_server)
    assert set(mail) == {"IG Toolkit review: your user name",
                         "IG Toolkit review: set your password"}
    user_name = mail["IG Toolkit review: your user name"].get_content()
    assert "Your user name is: pat@rosewood.example" in user_name
    assert "set-password" not in user_name  # the user name and the link travel apart
    link_mail = mail["IG Toolkit review: set your password"].get_content()
    assert "pat@rosewood.example" not in link_mail and "{set_password_link}" not in link_mail
    assert "0300 303 4034" in link_mail
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "invite"))

    client.post("/logout", data={"csrf_token": form_token(client, "/admin/")})
    path = _link_path(mail["IG Toolkit review: set your password"])
    assert "Set your password" in client.get(path).get_data(as_text=True)
    done = _set_password(client, path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")

    logged_in = log_in(client, "pat@rosewood.example", NEW_PASSWORD)
    assert logged_in.status_code == 302 and logged_in.headers["Location"].endswith("/account/")
    page = client.get("/account/").get_data(as_text=True)
    assert "Rosewood Care Home (8HV48)" in page
    assert client.get("/admin/").status_code == 403  # not a staff account

    client.post("/logout", data={"csrf_token": form_token(client, "/account/")})
    again = client.post(path, data={"password": "another password 99",
                                    "confirm": "another password 99",
                                    "csrf_token": form_token(client, "/contact")})
    assert again.status_code == 410
    refused = client.get(path)
    assert refused.status_code == 410
    assert "used already" in refused.get_data(as_text=True)
    assert log_in(client, "pat@rosewood.example", "another password 99").status_code == 401


def test_an_expired_link_is_refused_with_how_to_ask_for_a_new_one(client, login, session,
                                                                   smtp_server):
    administrator = AdministratorFactory(email="sam@example.org")
    session.commit()
    login("helpdesk")
    assert _invite(client, administrator.id).status_code == 302
    path = _link_path(_delivered(smtp_server)["IG Toolkit review: set your password"])
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1)):
        page = client.get(path)
        assert page.status_code == 410
        text = page.get_data(as_text=True)
        assert "expired" in text and "0300 303 4034" in text and "Contact us" in text
        late = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "csrf_token": form_token(client, "/contact")})
        assert late.status_code == 410
    session.expire_all()
    assert session.scalar(select(AdministratorInvitation)).used_at is None


def test_a_new_invitation_makes_the_earlier_link_stop_working(client, login, session,
                                                             smtp_server):
    administrator = AdministratorFactory(email="sam@example.org")
    session.commit()
    login("helpdesk")
    _invite(client, administrator.id)
    first = _link_path(_delivered(smtp_server)["IG Toolkit review: set your password"])
    smtp_server.inbox.messages.clear()
    _invite(client, administrator.id)
    second = _link_path(_delivered(smtp_server)["IG Toolkit review: set your password"])
    assert first != second
    assert "newer invitation" in client.get(first).get_data(as_text=True)
    assert client.get(second).status_code == 200
    assert session.scalar(select(User).where(User.email == "sam@example.org")) is not None
    assert len(session.scalars(select(User).where(User.email == "sam@example.org")).all()) == 1


def test_a_tampered_link_is_refused(client):
    page = client.get("/account/set-password/not-a-real-token")
    assert page.status_code == 410
    assert "not one we sent" in page.get_data(as_text=True)


def test_the_password_must_be_long_enough_and_the_link_survives_a_mistake(client, login,
                                                                          session,
                                                                          smtp_server):
    administrator = AdministratorFactory(email="kim@example.org")
    session.commit()
    login("helpdesk")
    _invite(client, administrator.id)
    path = _link_path(_delivered(smtp_server)["IG Toolkit review: set your password"])
    short = _set_password(client, path, "short")
    assert short.status_code == 422 and "at least 12 characters" in short.get_data(as_text=True)
    differ = _set_password(client, path, NEW_PASSWORD, "something else entirely")
    assert "differ" in differ.get_data(as_text=True)
    assert _set_password(client, path).status_code == 302


def test_the_helpdesk_may_send_the_self_registration_instructions_instead(client, login,
                                                                          session,
                                                                          smtp_server):
    administrator = AdministratorFactory(email="lee@example.org",
                                         organisation=OrganisationFactory(ods_code="FA001",
                                                                          name="High St "
                                                                               "Pharmacy"))
    session.commit()
    login("helpdesk")
    assert _invite(client, administrator.id, "self_registration").status_code == 302
    mail = _delivered(smtp_server)
    (subject,) = mail
    assert "register yourself" in subject
    body = mail[subject].get_content()
    assert "High St Pharmacy" in body and "lee@example.org" in body
    assert "set-password" not in body
    assert session.scalar(select(User).where(User.email == "lee@example.org")) is None
    page = client.get(f"/admin/organisation/details/?id={administrator.organisation_id}")
    assert "self-registration instructions sent" in page.get_data(as_text=True)


def test_editing_a_template_changes_the_next_email(client, login, session, smtp_server):
    administrator = AdministratorFactory(email="jo@example.org")
    session.commit()
    login("admin")
    url = "/admin/email_template/edit/administrator_user_name"
    bad = client.post(url, data={"subject": "Your user name", "body": "Hello {nmae}",
                                 "csrf_token": form_token(client, url)})
    assert "unknown placeholder {nmae}" in bad.get_data(as_text=True)
    missing = client.post(url, data={"subject": "Your user name", "body": "Hello {name}",
                                     "csrf_token": form_token(client, url)})
    assert "must contain {user_name}" in missing.get_data(as_text=True)
    saved = client.post(url, data={
        "subject": "Welcome to the IG Toolkit, {name}",
        "body": "Hello {name},\n\nlog in as {user_name} for {organisation}. {{Braces}} stay.",
        "csrf_token": form_token(client, url)})
    assert saved.status_code == 302
    assert session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "email_templates"))
    _invite(client, administrator.id)
    mail = _delivered(smtp_server)
    welcome = mail["Welcome to the IG Toolkit, Pat Manager"].get_content()
    assert "log in as jo@example.org" in welcome and "{Braces} stay." in welcome


def test_a_staff_e_mail_cannot_become_an_administrator_account(client, login, session,
                                                              smtp_server):
    staff = login("reviewer")
    administrator = AdministratorFactory(email=staff.email)
    session.commit()
    client.post("/logout", data={"csrf_token": form_token(client, "/admin/")})
    login("helpdesk")
    page = _invite(client, administrator.id)
    assert "is a staff account" in page.get_data(as_text=True)
    assert session.scalar(select(AdministratorInvitation)) is None
