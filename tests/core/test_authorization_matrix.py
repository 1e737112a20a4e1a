"""Every URL the app registers x every role -> allowed or refused, per the permission table.

Routes whose rule is ``token:<permission>`` are called with a bearer token issued to
the role's user rather than with the session cookie; anonymous sends no token.
"""

from __future__ import annotations

import pytest

from backoffice.api.services import issue_token
from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.permissions import PUBLIC, TOKEN_PREFIX, Role, access_rule_for, role_may
from tests.conftest import form_token

ROLES = [None, *[role.value for role in Role]]
PLACEHOLDER = {"int": "1", "path": "x", "string": "x", "default": "x"}


def _url_for_rule(rule) -> str:
    url = rule.rule
    for converter, name in _arguments(rule):
        url = url.replace(f"<{converter}:{name}>" if converter else f"<{name}>",
                          PLACEHOLDER.get(converter or "default", "x"))
    return url


def _arguments(rule):
    for part in rule.rule.split("<")[1:]:
        inner = part.split(">")[0]
        converter, _, name = inner.rpartition(":")
        yield converter, name


def _routes(app):
    for rule in app.url_map.iter_rules():
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule, method


def test_every_route_declares_an_access_rule(app):
    undeclared = [rule.rule for rule, _ in _routes(app)
                  if access_rule_for(app, rule.endpoint) is None]
    assert undeclared == [], f"routes without an access rule: {undeclared}"


def _refused(response, rule: str) -> bool:
    if response.status_code in (401, 403):
        return True
    to_login = response.status_code == 302 and "/login" in response.headers.get("Location", "")
    return to_login and rule != PUBLIC


def _bearer_for(session, user) -> dict[str, str]:
    if user is None:
        return {}
    _token, plain = issue_token(session, actor=SYSTEM_ACTOR, user=user)
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_each_role_reaches_exactly_the_routes_the_table_allows(app, client, login, session,
                                                               role, monkeypatch):
    user = None
    if role is not None:
        user = login(role, group="CAG" if role == Role.APPROVAL_GROUP else None)
    bearer = _bearer_for(session, user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    wrong = []
    for rule, method in _routes(app):
        if rule.endpoint in {"users.logout", "users.login"}:
            continue  # logging in or out would change the role under test
        access = access_rule_for(app, rule.endpoint)
        expected = role_may(role, access)
        headers = bearer if access.startswith(TOKEN_PREFIX) else {}
        response = client.open(_url_for_rule(rule), method=method, headers=headers)
        if expected == _refused(response, access):
            wrong.append(f"{method} {rule.rule}: expected {'allowed' if expected else 'refused'}"
                         f", got {response.status_code} {response.headers.get('Location', '')}")
    assert wrong == []


def test_reviewers_cannot_manage_users_and_helpdesk_cannot_see_the_audit_list(client, login):
    login("reviewer")
    assert client.get("/admin/user/").status_code == 403
    client.post("/logout", data={"csrf_token": form_token(client, "/admin/")})
    login("helpdesk")
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/organisation/").status_code == 200


def test_menu_shows_only_what_the_role_may_use(client, login):
    login("helpdesk")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Organisations" in html and "Exemptions" in html
    assert "Users" not in html and "Audit trail" not in html


def test_tickets_are_for_the_helpdesk_and_admins_and_the_contact_form_for_anyone(app):
    ticket_endpoints = [rule.endpoint for rule in app.url_map.iter_rules()
                        if rule.endpoint.startswith("ticket.")]
    assert {"ticket.index_view", "ticket.ticket_view", "ticket.reply_view",
            "ticket.note_view", "ticket.resolve_view"} <= set(ticket_endpoints)
    for endpoint in ticket_endpoints:
        rule = access_rule_for(app, endpoint)
        allowed = {role for role in ROLES if role_may(role, rule)}
        assert allowed == {Role.HELPDESK.value, Role.ADMIN.value}, endpoint
    for endpoint in ("helpdesk.contact", "helpdesk.thanks"):
        assert access_rule_for(app, endpoint) == PUBLIC


def test_the_reports_are_for_senior_reviewers_and_admins_only(app):
    for endpoint in ("dashboard.index", "compliance.index", "compliance.download_view"):
        rule = access_rule_for(app, endpoint)
        allowed = {role for role in ROLES if role_may(role, rule)}
        assert allowed == {Role.SENIOR_REVIEWER.value, Role.ADMIN.value}, endpoint
