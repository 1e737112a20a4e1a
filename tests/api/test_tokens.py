"""Per-user tokens: issued once, stored as a hash, refused when bad or revoked."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from backoffice.api import services
from backoffice.api.models import ApiToken
from backoffice.core.audit import SYSTEM_ACTOR, AuditEvent
from backoffice.users.models import User
from tests.conftest import form_token
from tests.factories import UserFactory

CASES = "/api/v1/cases"


def _only_token(session) -> ApiToken:
    session.expire_all()
    return session.scalar(select(ApiToken))


def test_no_token_is_401_with_a_bearer_challenge(client):
    response = client.get(CASES)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in response.json["error"]


def test_a_session_cookie_is_no_substitute_for_a_token(client, login):
    login("admin")
    assert client.get(CASES).status_code == 401


def test_an_unknown_token_is_401(api_get, token_for):
    token_for()
    response = api_get(CASES, "bo_" + "x" * 43)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.json == {"error": "this token is unknown or revoked"}


def test_a_token_sent_with_another_scheme_is_401(client, token_for):
    token = token_for()
    assert client.get(CASES, headers={"Authorization": f"Token {token}"}).status_code == 401


def test_a_revoked_token_is_401(api_get, token_for, session):
    token = token_for()
    assert api_get(CASES, token).status_code == 200
    services.revoke_token(session, actor=SYSTEM_ACTOR, token=_only_token(session))
    session.commit()
    assert api_get(CASES, token).status_code == 401


def test_a_deactivated_users_token_is_401(api_get, token_for, session):
    token = token_for()
    session.scalar(select(User)).active = False
    session.commit()
    assert api_get(CASES, token).status_code == 401


def test_a_helpdesk_token_is_refused_the_cases_with_403(api_get, token_for):
    response = api_get(CASES, token_for("helpdesk"))
    assert response.status_code == 403
    assert response.json["error"]


def test_only_the_tokens_sha256_and_prefix_are_stored(session, token_for):
    token = token_for()
    row = _only_token(session)
    assert token.startswith("bo_") and len(token) > 40
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.prefix == token[:10]
    [issued] = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "api_tokens"))
    assert token not in str(issued.changes)
    assert issued.changes["token_hash"] == [None, "(changed)"]


def test_a_token_notes_when_it_was_last_used_without_an_audit_row(api_get, token_for, session):
    token = token_for()
    assert _only_token(session).last_used_at is None
    api_get(CASES, token)
    assert _only_token(session).last_used_at is not None
    rows = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "api_tokens"))
    assert [row.action for row in rows] == ["create"]


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["tokens", *args])


def test_tokens_create_prints_a_token_that_then_works(app, api_get, session):
    UserFactory(email="analyst@example.org", role="reviewer")
    session.commit()
    result = _cli(app, "create", "--email", "Analyst@Example.org")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "analyst@example.org" in lines[0]
    assert api_get(CASES, lines[-1]).status_code == 200


def test_tokens_create_refuses_an_unknown_or_deactivated_user(app, session):
    UserFactory(email="leaver@example.org", active=False)
    session.commit()
    unknown = _cli(app, "create", "--email", "nobody@example.org")
    assert unknown.exit_code != 0 and "no user" in unknown.output
    leaver = _cli(app, "create", "--email", "leaver@example.org")
    assert leaver.exit_code != 0 and "deactivated" in leaver.output
    assert _only_token(session) is None


def test_tokens_list_shows_each_token_and_revoke_stops_it(app, api_get, session, token_for):
    token = token_for(email="robot@example.org")
    listed = _cli(app, "list")
    assert token[:10] in listed.output and "robot@example.org" in listed.output
    assert token not in listed.output

    revoked = _cli(app, "revoke", "--prefix", token[:10])
    assert revoked.exit_code == 0, revoked.output
    assert api_get(CASES, token).status_code == 401
    assert "revoked" in _cli(app, "list").output
    again = _cli(app, "revoke", "--prefix", token[:10])
    assert again.exit_code != 0 and "already revoked" in again.output
    assert _cli(app, "revoke", "--prefix", "bo_nothing").exit_code != 0


def test_an_admin_sees_tokens_and_revokes_one_from_the_api_tokens_screen(
        client, login, api_get, token_for, session):
    token = token_for(email="robot@example.org")
    row = _only_token(session)
    login("admin")
    page = client.get("/admin/token/").get_data(as_text=True)
    assert row.prefix in page and "robot@example.org" in page
    assert token not in page and row.token_hash not in page

    client.post("/admin/token/action/", data={"csrf_token": form_token(client, "/admin/token/"),
                                               "action": "revoke", "rowid": [str(row.id)]})

    assert _only_token(session).revoked_at is not None
    assert api_get(CASES, token).status_code == 401
    creating = client.get("/admin/token/new/")
    assert creating.status_code == 302 and creating.headers["Location"].startswith("/admin/token/")


def test_an_admin_issues_a_token_in_the_screens_sees_it_once_and_revokes_it(
        client, login, session):
    login("admin")
    reader = UserFactory(email="reader@example.org", role="reviewer")
    UserFactory(email="desk@example.org", role="helpdesk")  # may not read the API
    session.commit()
    form = client.get("/admin/token/issue/").get_data(as_text=True)
    assert "reader@example.org" in form and "desk@example.org" not in form
    issued = client.post("/admin/token/issue/", data={
        "csrf_token": form_token(client, "/admin/token/issue/"), "user": str(reader.id)})
    assert issued.headers["Cache-Control"] == "no-store"
    plain = issued.get_data(as_text=True).split('data-testid="issued-token"')[0]
    plain = plain.rsplit('value="', 1)[1].split('"')[0]
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {plain}"}
                      ).status_code == 200
    token = session.scalar(select(ApiToken))
    assert plain not in client.get("/admin/token/").get_data(as_text=True)
    revoked = client.post(f"/admin/token/revoke/{token.id}", data={
        "csrf_token": form_token(client, "/admin/token/")}, follow_redirects=True)
    assert f"Token {token.prefix}… of reader@example.org revoked." in revoked.get_data(
        as_text=True)
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {plain}"}
                      ).status_code == 401
