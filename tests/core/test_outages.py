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
