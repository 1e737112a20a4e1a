"""Plain screens: errors in the product's layout with a way back, one date style, words for
internal names, and no framework phrases."""

from datetime import date, datetime

from werkzeug.exceptions import InternalServerError

from backoffice.core import errors
from backoffice.core.display import day, status_label, when
from tests.conftest import form_token
from tests.factories import CaseFactory, UserFactory


def test_dates_read_one_way_everywhere_without_seconds():
    assert when(datetime(2026, 12, 6, 14, 5, 59, 123456)) == "6 Dec 2026 14:05"
    assert when(date(2026, 12, 6)) == "6 Dec 2026"
    assert day(datetime(2026, 12, 6, 14, 5)) == "6 Dec 2026"
    assert when("2026-12-06 14:05:59.5") == "6 Dec 2026 14:05"  # as SQLite hands it back
    assert when(None) == "—"
    assert status_label("awaiting_sign_off") == "Awaiting sign-off"


def test_a_missing_page_is_explained_in_the_layout_with_a_way_home(client, login):
    login("reviewer")
    response = client.get("/admin/case/review/999999")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<h1 class=\"h3 mb-3\">Page not found</h1>" in html
    assert 'lang="en"' in html and '<main' in html
    assert 'href="/admin/" data-testid="way-home">Your home page</a>' in html


def test_a_refused_page_says_why_and_leads_back(client, login):
    login("reviewer")
    response = client.get("/admin/user/", headers={"Referer": "http://localhost/admin/"})
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You may not open this page" in html and "Your role does not include" in html
    assert '<a class="btn btn-outline-primary" href="http://localhost/admin/">Go back</a>' in html


def test_a_server_error_page_has_the_layout_and_no_framework_text(app):
    with app.test_request_context("/admin/"):
        html = errors.error_page(InternalServerError())
    assert "Something went wrong on our side" in html
    assert "The server encountered an internal error" not in html
    assert 'data-testid="way-home"' in html


def test_lists_show_roles_and_statuses_in_words_and_dates_without_seconds(client, login,
                                                                          session):
    login("admin")
    UserFactory(role="senior_reviewer", email="sam@example.org")
    session.commit()
    html = client.get("/admin/user/").get_data(as_text=True)
    assert "Senior reviewer" in html and "senior_reviewer</td>" not in html
    CaseFactory(status="awaiting_sign_off")
    session.commit()
    html = client.get("/admin/case/?view=all").get_data(as_text=True)
    assert "Awaiting sign-off" in html and "awaiting_sign_off</td>" not in html
    assert "2 Nov 2026" in html  # opened_at, no "02 Nov" and no seconds


def test_a_record_made_in_the_screens_is_named_not_a_framework_phrase(client, login):
    login("admin")
    url = "/admin/rule/new/?url=/admin/rule/"
    response = client.post(url, data={"csrf_token": form_token(client, url), "position": "10",
                                      "org_type": "", "toolkit_version": "",
                                      "opens_case": "y", "active": "y"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Review rule any category, any version: open a case created." in html
    assert "successfully" not in html


def test_an_empty_list_and_its_columns_read_as_the_product_speaks(client, login):
    login("admin")
    html = client.get("/admin/token/").get_data(as_text=True)
    assert "No API tokens here yet." in html and "There are no items" not in html
    html = client.get("/admin/notification/").get_data(as_text=True)
    assert "Received at" in html and "Notification ID" in html and "Received At" not in html
