"""Outages: with Redis or the database unreachable, nobody gets a server error."""

from __future__ import annotations

import socket
from contextlib import contextmanager

from sqlalchemy import func, select

from backoffice import create_app
from backoffice.extensions import limiter
from backoffice.helpdesk.models import Ticket
from tests.conftest import FreshContextClient, form_token, log_in
from tests.factories import UserFactory
from tests.helpdesk.conftest import GOOD
from tests.payloads import body, post


def closed_port() -> int:
    """A port on which nothing listens (bound, then released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def app_with(settings_overrides: dict, **changes):
    """A second application on the same database with some settings changed; the one
    module-level limiter it rebinds is given back to the other tests afterwards."""
    shared = dict(vars(limiter))
    try:
        other = create_app({**settings_overrides, **changes})
        other.config["TESTING"] = True
        other.test_client_class = FreshContextClient
        yield other
    finally:
        vars(limiter).clear()
        vars(limiter).update(shared)


def redis_down(settings_overrides: dict):
    return app_with(settings_overrides, redis_url=f"redis://127.0.0.1:{closed_port()}/0")


def test_staff_log_in_while_redis_is_down_and_failures_are_still_limited(
        session, settings_overrides):
    UserFactory(email="rita@example.org")
    UserFactory(email="sam@example.org")
    session.commit()
    with redis_down(settings_overrides) as outage:
        client = outage.test_client()
        assert log_in(client, "sam@example.org").status_code == 302
        assert client.get("/admin/").status_code == 200
        other = outage.test_client()
        statuses = [log_in(other, "rita@example.org", "guess").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429


def test_the_contact_form_stores_the_ticket_while_redis_is_down(session, settings_overrides):
    with redis_down(settings_overrides) as outage:
        client = outage.test_client()
        data = {**GOOD, "csrf_token": form_token(client, "/contact")}
        response = client.post("/contact", data=data)
    assert response.status_code == 302
    assert session.scalar(select(func.count(Ticket.id))) == 1


def database_down(settings_overrides: dict):
    unreachable = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/backoffice"
    return app_with(settings_overrides, database_url=unreachable)


def assert_unavailable(response, *, json: bool) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert int(response.headers["Retry-After"]) > 0
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "psycopg" not in text
    if json:
        assert "not answering" in response.json["error"]
    else:
        assert response.mimetype == "text/html" and "not answering" in text


def test_with_the_database_down_pages_api_and_webhook_answer_503(
        app, client, session, settings_overrides):
    UserFactory(email="rita@example.org")
    session.commit()
    log_in(client, "rita@example.org")
    cookie = client.get_cookie("session").value
    with database_down(settings_overrides) as outage:
        anonymous = outage.test_client()
        signed_in = outage.test_client()
        signed_in.set_cookie("session", cookie)
        assert_unavailable(anonymous.get("/reports/outcomes"), json=False)
        assert_unavailable(anonymous.get("/reports/outcomes.csv"), json=False)
        assert_unavailable(signed_in.get("/admin/case/"), json=False)
        assert_unavailable(anonymous.get("/api/v1/cases",
                                         headers={"Authorization": "Bearer bo_x"}), json=True)
        assert_unavailable(post(anonymous, body()), json=True)
        token = form_token(anonymous, "/login")
        assert_unavailable(anonymous.post("/login", data={
            "email": "rita@example.org", "password": "x", "csrf_token": token}), json=False)
