"""Behind a trusted reverse proxy, limits count per client and HTTPS is recognised."""

from __future__ import annotations

from tests.conftest import log_in
from tests.core.test_outages import app_with


def _via_proxy(app, client_address: str):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": "10.0.0.2",  # the proxy
                                "HTTP_X_FORWARDED_FOR": client_address,
                                "HTTP_X_FORWARDED_PROTO": "https",
                                # over HTTPS the CSRF check wants a same-site referrer
                                "HTTP_REFERER": "https://localhost/login"})
    return client


def test_behind_a_trusted_proxy_failed_log_ins_count_per_client(settings_overrides):
    with app_with(settings_overrides, trusted_proxies=1,
                  login_address_rate_limit="2 per minute") as proxied:
        guesser = _via_proxy(proxied, "198.51.100.1")
        statuses = [log_in(guesser, f"x{n}@example.org", "guess").status_code for n in range(3)]
        bystander = log_in(_via_proxy(proxied, "198.51.100.2"), "y@example.org", "guess")
        secure = _via_proxy(proxied, "198.51.100.2").get("/login")
    assert statuses == [401, 401, 429]
    assert bystander.status_code == 401  # another client behind the same proxy
    assert "Strict-Transport-Security" in secure.headers  # the proxy spoke HTTPS to them


def test_unknown_host_names_are_refused_when_the_operator_lists_theirs(settings_overrides):
    with app_with(settings_overrides, trusted_hosts="backoffice.example") as listed:
        client = listed.test_client()
        assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
        assert client.get("/login", headers={"Host": "backoffice.example"}).status_code == 200
