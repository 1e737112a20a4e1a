"""Odd query strings and out-of-range ids on every page: never a server error."""

from __future__ import annotations

import pytest

from backoffice.api.services import issue_token
from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.permissions import TOKEN_PREFIX, Role, access_rule_for, role_may
from tests.core.test_authorization_matrix import _arguments, _routes
from tests.factories import OrganisationFactory
from tests.payloads import body, post_processed

HUGE = "99999999999999999999"
ODD_QUERIES = (
    "",
    "?page=-1&page_size=0&sort=999&desc=x&search=%00&cursor=%ff%fe&before=zzz&after=-1",
    f"?status=nope&reason=XX&overdue=maybe&ods_code=%00&limit=-5&year={HUGE}&version=abc",
    f"?id={HUGE}&flt0_0={HUGE}&flt1_1=%00&view=nope&q=%E2%80%AE&format=exe&letter={HUGE}",
)
SKIPPED = {"users.logout", "users.login", "static", "admin.static"}


def _urls(rule) -> list[str]:
    plain = huge = rule.rule
    for converter, name in _arguments(rule):
        token = f"<{converter}:{name}>" if converter else f"<{name}>"
        plain = plain.replace(token, "1" if converter == "int" else "x")
        huge = huge.replace(token, HUGE if converter == "int" else "%00" * 3)
    return [plain + query for query in ODD_QUERIES] + [huge]


@pytest.mark.parametrize("role", [None, "admin", "senior_reviewer", "helpdesk", "approval_group"],
                         ids=lambda r: r or "anonymous")
def test_no_page_answers_odd_input_with_a_server_error(app, client, login, session, role):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    post_processed(client, body())  # one case, so pages have something to show
    user = login(role, group="CAG" if role == Role.APPROVAL_GROUP else None) if role else None
    bearer = {}
    if user is not None:
        _token, plain = issue_token(session, actor=SYSTEM_ACTOR, user=user)
        session.commit()
        bearer = {"Authorization": f"Bearer {plain}"}
    failures = []
    for rule, method in _routes(app):
        access = access_rule_for(app, rule.endpoint)
        if method != "GET" or rule.endpoint in SKIPPED or not role_may(role, access):
            continue
        headers = bearer if access.startswith(TOKEN_PREFIX) else {}
        for url in _urls(rule):
            try:
                status = client.get(url, headers=headers).status_code
            except Exception as error:  # noqa: BLE001 - the page's error is the finding
                failures.append(f"{url}: {type(error).__name__}: {str(error)[:160]}")
                session.rollback()
                continue
            if status >= 500:
                failures.append(f"{url}: {status}")
    assert failures == [], "\n".join(failures)


def test_a_nul_character_is_refused_with_the_reason(client, login):
    login("helpdesk")
    response = client.get("/admin/organisation/?search=Rose%00wood")
    assert response.status_code == 400
    assert "contains a NUL character" in response.get_data(as_text=True)


def test_an_id_no_record_can_have_is_no_page(client, login):
    login("admin")
    assert client.get(f"/admin/case/review/{HUGE}").status_code == 404
    details = client.get(f"/admin/organisation/details/?id={HUGE}", follow_redirects=True)
    assert "Record does not exist." in details.get_data(as_text=True)
