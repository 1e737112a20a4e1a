"""Behind a reverse proxy: links follow the forwarded scheme and host only when the
operator says how many proxies to trust; a client's own X-Forwarded-* is ignored."""

from __future__ import annotations

from tests.api.conftest import CaseFactory, bearer
from tests.core.test_outages import app_with

FORWARDED = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "backoffice.example"}


def _next_link(client, token: str) -> str:
    response = client.get("/api/v1/cases?limit=1", headers={**bearer(token), **FORWARDED})
    assert response.status_code == 200
    return response.json["next"]


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(client, token_for, session):
    CaseFactory(), CaseFactory()
    session.commit()
    assert _next_link(client, token_for()).startswith("http://localhost/api/v1/cases?")


def test_behind_a_trusted_proxy_links_use_the_public_scheme_and_host(
        settings_overrides, token_for, session):
    CaseFactory(), CaseFactory()
    session.commit()
    token = token_for()
    with app_with(settings_overrides, trusted_proxies=1) as proxied:
        link = _next_link(proxied.test_client(), token)
    assert link.startswith("https://backoffice.example/api/v1/cases?")
