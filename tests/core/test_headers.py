"""Security headers on one page of each kind: public, staff, a letter download, an export,
the API; no-store wherever a login or token was needed."""

from __future__ import annotations

import re

from backoffice import PACKAGE_ROOT
from backoffice.api.services import issue_token
from backoffice.core.audit import SYSTEM_ACTOR
from tests.compliance.test_report import year  # noqa: F401 (fixture)
from tests.letters.conftest import case_in_sending_letters, people  # noqa: F401 (fixtures)
from tests.portal.conftest import member_client, with_letters  # noqa: F401 (fixtures)


def assert_protected(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    scripts = directives["script-src"].split()
    assert scripts[0] == "'self'"  # no inline script, no eval: only exact snippets by hash
    assert all(source.startswith("'sha256-") for source in scripts[2:])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def assert_not_stored(response) -> None:
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_a_public_page_has_the_headers_and_may_be_cached(client):
    response = client.get("/reports/outcomes")
    assert response.status_code == 200
    assert_protected(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS


def test_over_tls_browsers_are_told_to_keep_to_https(client):
    response = client.get("/login", base_url="https://backoffice.example")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_a_staff_page_is_never_stored(client, login):
    login("reviewer")
    response = client.get("/admin/case/")
    assert response.status_code == 200
    assert_protected(response)
    assert_not_stored(response)


def test_a_letter_download_is_never_stored(with_letters, member_client):  # noqa: F811
    _case, letters = with_letters(groups=("CAG",))
    client, _user = member_client("CAG")
    response = client.get(f"/portal/letters/{letters['CAG'].id}/download")
    assert response.status_code == 200
    assert_protected(response)
    assert_not_stored(response)


def test_an_export_is_never_stored(client, login, year):  # noqa: F811
    login("admin")
    response = client.get("/admin/compliance/download?year=2015/16&format=counts.csv")
    assert response.status_code == 200
    assert_not_stored(response)


def test_an_api_answer_is_never_stored(client, session, login):
    user = login("reviewer")
    _token, plain = issue_token(session, actor=SYSTEM_ACTOR, user=user)
    session.commit()
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    assert_not_stored(response)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>")
INLINE_HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)


def test_no_template_carries_an_inline_script_or_handler():
    """The policy refuses inline script, so a template with one would silently not work."""
    found = []
    for template in sorted((PACKAGE_ROOT / "templates").rglob("*.html")):
        text = template.read_text()
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text) or "style=" in text:
            found.append(str(template.relative_to(PACKAGE_ROOT)))
    assert found == []
