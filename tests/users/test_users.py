from sqlalchemy import select

from backoffice.core.audit import AuditEvent
from backoffice.users.models import User
from backoffice.users.services import password_matches
from tests.conftest import form_token, log_in
from tests.factories import TEST_PASSWORD, UserFactory


def _cli(app, args, stdin=""):
    return app.test_cli_runner().invoke(args=args, input=stdin)


def test_users_create_reads_the_password_from_stdin(app, session):
    result = _cli(app, ["users", "create", "--email", "New.Reviewer@Example.org",
                        "--role", "reviewer"], stdin="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "Password:" not in result.output
    user = session.scalar(select(User).where(User.email == "new.reviewer@example.org"))
    assert password_matches(user, "a long enough password")


def test_users_create_generates_and_prints_a_password_that_works(app, client):
    result = _cli(app, ["users", "create", "--email", "cag.member@example.org",
                        "--role", "approval_group", "--group", "cag"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password: ")[1].strip()
    assert log_in(client, "cag.member@example.org", password).status_code == 302
    assert "CAG portal" in client.get("/portal/").get_data(as_text=True)


def test_users_create_refuses_a_group_member_without_a_group(app):
    result = _cli(app, ["users", "create", "--email", "x@example.org", "--role",
                        "approval_group"])
    assert result.exit_code != 0
    assert "needs a group" in result.output


def test_users_create_refuses_a_duplicate_email(app, session):
    UserFactory(email="taken@example.org")
    session.commit()
    result = _cli(app, ["users", "create", "--email", "TAKEN@example.org", "--role", "admin"])
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_an_admin_creates_a_user_and_is_shown_the_generated_password(client, login, session):
    login("admin")
    token = form_token(client, "/admin/user/new/")
    response = client.post("/admin/user/new/", data={
        "csrf_token": token, "email": "hana@example.org", "name": "Hana", "role": "helpdesk",
        "approval_group": "", "active": "y"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Password for hana@example.org" in html
    user = session.scalar(select(User).where(User.email == "hana@example.org"))
    assert user.role == "helpdesk" and user.approval_group is None


def test_an_admin_deactivates_a_user_who_then_cannot_log_in(app, client, login, session):
    login("admin")
    target = UserFactory(email="leaver@example.org")
    session.commit()
    token = form_token(client, "/admin/user/")
    client.post("/admin/user/action/", data={"csrf_token": token, "action": "deactivate",
                                              "rowid": [str(target.id)]})
    session.expire_all()
    assert session.get(User, target.id).active is False
    other = app.test_client()
    assert log_in(other, "leaver@example.org").status_code == 401
    trail = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "users",
                                                     AuditEvent.entity_id == str(target.id)))
    assert any(row.changes.get("active") == [True, False] for row in trail)


def test_users_are_never_deleted_from_the_admin_screens(client, login, session):
    login("admin")
    target = UserFactory()
    session.commit()
    token = form_token(client, "/admin/user/")
    client.post("/admin/user/delete/", data={"csrf_token": token, "id": str(target.id)})
    assert session.get(User, target.id) is not None


def _edit(client, user, **changes):
    """Post the edit form for this user as the admin sees it, with these fields changed."""
    url = f"/admin/user/edit/?id={user.id}"
    data = {"csrf_token": form_token(client, url), "email": user.email, "name": user.name,
            "role": user.role, "approval_group": user.approval_group or "", "active": "y",
            "new_password": ""}
    data.update(changes)
    if data["active"] is None:
        del data["active"]
    return client.post(url, data=data, follow_redirects=True)


def test_an_admin_cannot_deactivate_their_own_account_from_the_edit_form(client, login,
                                                                        session):
    me = login("admin")
    html = _edit(client, me, active=None).get_data(as_text=True)
    assert "you cannot deactivate your own account" in html
    session.expire_all()
    assert session.get(User, me.id).active is True
    assert client.get("/admin/user/").status_code == 200


def test_an_admin_cannot_change_their_own_role_from_the_edit_form(client, login, session):
    me = login("admin")
    html = _edit(client, me, role="reviewer").get_data(as_text=True)
    assert "you cannot change your own role" in html
    session.expire_all()
    assert session.get(User, me.id).role == "admin"
    assert client.get("/admin/user/").status_code == 200


def test_editing_a_user_refuses_a_short_password(client, login, session):
    login("admin")
    target = UserFactory()
    session.commit()
    html = _edit(client, target, new_password="a").get_data(as_text=True)
    assert "a password needs at least 12 characters" in html
    session.expire_all()
    assert password_matches(session.get(User, target.id), TEST_PASSWORD)


def test_editing_a_user_refuses_an_email_taken_in_another_case(client, login, session):
    login("admin")
    UserFactory(email="reviewer@demo.example.org")
    target = UserFactory(email="someone@demo.example.org")
    session.commit()
    html = _edit(client, target, email="REVIEWER@demo.example.org").get_data(as_text=True)
    assert "a user with e-mail reviewer@demo.example.org already exists" in html
    session.expire_all()
    assert session.get(User, target.id).email == "someone@demo.example.org"


def test_editing_a_user_stores_the_normalised_email(client, login, session):
    login("admin")
    target = UserFactory(email="someone@demo.example.org")
    session.commit()
    _edit(client, target, email="  Some.One@Demo.Example.org ", new_password="a long new password")
    session.expire_all()
    edited = session.get(User, target.id)
    assert edited.email == "some.one@demo.example.org"
    assert password_matches(edited, "a long new password")


def test_deactivating_a_selection_with_yourself_says_yours_was_left_active(client, login,
                                                                           session):
    me = login("admin")
    others = [UserFactory(), UserFactory()]
    session.commit()
    token = form_token(client, "/admin/user/")
    response = client.post("/admin/user/action/", data={
        "csrf_token": token, "action": "deactivate",
        "rowid": [str(me.id)] + [str(u.id) for u in others]}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 user(s) deactivated" in html
    assert f"{me.email} was left active: you cannot deactivate your own account" in html
    assert "Selected users deactivated" not in html
    session.expire_all()
    assert session.get(User, me.id).active is True
    assert [session.get(User, u.id).active for u in others] == [False, False]


def test_deactivating_only_yourself_claims_nothing_was_deactivated(client, login, session):
    me = login("admin")
    token = form_token(client, "/admin/user/")
    response = client.post("/admin/user/action/", data={
        "csrf_token": token, "action": "deactivate", "rowid": [str(me.id)]},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "was left active" in html
    assert "deactivated." not in html
    session.expire_all()
    assert session.get(User, me.id).active is True


def test_the_user_form_shows_every_problem_at_once(client, login, session):
    login("admin")
    UserFactory(email="taken@example.org")
    session.commit()
    token = form_token(client, "/admin/user/new/")
    response = client.post("/admin/user/new/", data={
        "csrf_token": token, "email": "TAKEN@example.org", "name": "Carol",
        "role": "approval_group", "approval_group": "", "new_password": "short",
        "active": "y"})
    html = response.get_data(as_text=True)
    assert "a user with e-mail taken@example.org already exists" in html
    assert "an approval-group member needs a group" in html
    assert "a password needs at least 12 characters" in html
    assert session.scalar(select(User).where(User.name == "Carol")) is None
