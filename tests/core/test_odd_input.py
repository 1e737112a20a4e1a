"""Odd query strings and out-of-range ids on every page: never a server error."""

from __future__ import annotations

import re

import pytest
from flask_admin.model import BaseModelView
from sqlalchemy import func, select

from backoffice.api.services import issue_token
from backoffice.cases.models import Case, ReviewRule
from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.permissions import TOKEN_PREFIX, Role, access_rule_for, role_may
from backoffice.extensions import db
from backoffice.letters.models import GroupAddress
from tests.conftest import form_token
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


# Generated from the registered staff screens, so a new screen is covered without being listed.
ODD_NUMBERS = ("-1", HUGE, "-" + HUGE, "²", "1e9", "")
INPUT_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
SKIPPED_FIELDS = {"csrf_token"}


def _model_views(app) -> list[BaseModelView]:
    return [view for view in app.extensions["admin_views"].values()
            if isinstance(view, BaseModelView)]


def _list_queries(view) -> list[str]:
    queries = [f"page={n}" for n in ODD_NUMBERS] + [f"page_size={HUGE}", f"sort={HUGE}"]
    for arg in view._filter_args or {}:
        queries += [f"flt0_{arg}={n}" for n in ODD_NUMBERS]
    return queries


def _server_errors(client, requests) -> list[str]:
    failures = []
    for label, send in requests:
        try:
            status = send().status_code
        except Exception as error:  # noqa: BLE001 - the page's error is the finding
            failures.append(f"{label}: {type(error).__name__}: {str(error)[:160]}")
            db.session.rollback()
            continue
        if status >= 500:
            failures.append(f"{label}: {status}")
    return failures


@pytest.fixture
def admin_with_a_case(app, client, login, session):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    post_processed(client, body())
    return login("admin")


def test_every_list_takes_odd_pages_and_filter_values(app, client, admin_with_a_case):
    requests = []
    for view in _model_views(app):
        for query in _list_queries(view):
            url = f"{view.url}/?{query}"
            requests.append((url, lambda url=url: client.get(url)))
    failures = _server_errors(client, requests)
    assert failures == [], "\n".join(failures)


def _form_fields(client, url: str) -> list[str]:
    html = client.get(url).get_data(as_text=True)
    return sorted(set(INPUT_NAME.findall(html)) - SKIPPED_FIELDS)


def _odd_posts(client, url: str):
    fields = _form_fields(client, url)
    for value in ("²", HUGE, "-1"):
        def send(value=value):
            data = {name: value for name in fields}
            return client.post(url, data={**data, "csrf_token": form_token(client, url)})
        yield f"POST {url} every field={value!r}", send


def test_every_form_and_bulk_action_takes_odd_numbers(app, client, session, admin_with_a_case):
    requests = []
    for view in _model_views(app):
        if view.can_create:
            requests += _odd_posts(client, f"{view.url}/new/")
        first = session.scalar(select(view.model.id).order_by(view.model.id).limit(1))
        if view.can_edit and first is not None:
            requests += _odd_posts(client, f"{view.url}/edit/?id={first}")
        for name, _text in view._actions:
            for rowid in ("²", HUGE, "-1"):
                url = f"{view.url}/action/"
                requests.append((f"action {view.endpoint}.{name} rowid={rowid}",
                                 lambda url=url, name=name, rowid=rowid, view=view: client.post(
                                     url, data={"action": name, "rowid": rowid,
                                                "csrf_token": form_token(client, view.url + "/")})))
    failures = _server_errors(client, requests)
    assert failures == [], "\n".join(failures)


def test_the_custom_screens_take_odd_numbers(app, client, session, admin_with_a_case):
    case_id = session.scalar(select(Case.id))
    review = f"/admin/case/review/{case_id}"
    client.post(f"/admin/case/take/{case_id}", data={"csrf_token": form_token(client, review)})

    def post(url, **data):
        return lambda: client.post(url, data={**data, "csrf_token": form_token(client, review)})

    requests = [
        ("assign ids=²", lambda: client.get("/admin/case/assign/?ids=²")),
        ("assign ids=HUGE", lambda: client.get(f"/admin/case/assign/?ids={HUGE}")),
        ("assign POST ids=²", post("/admin/case/assign/?ids=²", ids="²", reviewer="²")),
        ("findings version=²", post(f"/admin/case/findings/{case_id}", version="²")),
        ("findings level-114=²", post(f"/admin/case/findings/{case_id}", version="1",
                                      **{"agree-114": "differ", "level-114": "²"})),
        ("findings level-114=HUGE", post(f"/admin/case/findings/{case_id}",
                                         **{"agree-114": "differ", "level-114": HUGE})),
        ("outcome version=²", post(f"/admin/case/outcome/{case_id}", version="²",
                                   outcome="satisfactory")),
        ("compliance year=9999/00", lambda: client.get(
            "/admin/compliance/download?year=9999/00&format=xlsx")),
    ]
    failures = _server_errors(client, requests)
    assert failures == [], "\n".join(failures)


def test_bulk_delete_of_rules_and_group_addresses_works(app, client, session, login):
    login("admin")
    rule = ReviewRule(position=1, org_type="CCG", opens_case=True, active=True)
    address = GroupAddress(group="CAG", email="cag@example.org")
    session.add_all([rule, address])
    session.commit()
    for view_url, row in (("/admin/rule", rule), ("/admin/group_address", address)):
        response = client.post(f"{view_url}/action/", data={
            "action": "delete", "rowid": str(row.id),
            "csrf_token": form_token(client, view_url + "/")})
        assert response.status_code == 302, view_url
    assert session.scalar(select(func.count(ReviewRule.id))) == 0
    assert session.scalar(select(func.count(GroupAddress.id))) == 0
