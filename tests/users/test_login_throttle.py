"""Log-in guessing: unknown accounts cost the same work as known ones, and failures (only
failures) are limited per account and per address."""

from __future__ import annotations

import pytest

from backoffice.users import services
from tests.conftest import log_in
from tests.factories import UserFactory

ACCOUNT_LIMIT = 5  # the tests' "5 per minute"


@pytest.fixture
def verifications(monkeypatch):
    """How many password hashes a log-in checked (argon2 is the slow part)."""
    calls = []
    real = services._hasher

    class Counting:
        def hash(self, password):
            return real.hash(password)

        def verify(self, hash_, password):
            calls.append(hash_)
            return real.verify(hash_, password)

    monkeypatch.setattr(services, "_hasher", Counting())
    return calls


def from_address(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_an_unknown_or_inactive_account_costs_a_hash_check_like_a_real_one(
        client, session, verifications):
    UserFactory(email="rita@example.org")
    UserFactory(email="gone@example.org", active=False)
    session.commit()
    for email in ("rita@example.org", "nobody@example.org", "gone@example.org"):
        assert log_in(client, email, "not the password").status_code == 401
    assert len(verifications) == 3


def test_only_failures_count_towards_the_limit(app, session):
    UserFactory(email="rita@example.org")
    session.commit()
    statuses = [log_in(app.test_client(), "rita@example.org").status_code
                for _ in range(ACCOUNT_LIMIT + 2)]
    assert statuses == [302] * (ACCOUNT_LIMIT + 2)


def test_an_account_is_locked_after_failures_from_many_addresses(app, session):
    UserFactory(email="rita@example.org")
    session.commit()
    statuses = [log_in(from_address(app.test_client(), f"10.0.0.{n}"), "rita@example.org",
                       "guess").status_code for n in range(ACCOUNT_LIMIT + 1)]
    assert statuses == [401] * ACCOUNT_LIMIT + [429]
    locked = log_in(from_address(app.test_client(), "10.0.1.1"), "rita@example.org")
    assert locked.status_code == 429  # even the right password waits for the window to pass
    other = log_in(from_address(app.test_client(), "10.0.1.1"), "sam@example.org", "guess")
    assert other.status_code == 401  # other accounts are not locked


def test_one_address_guessing_many_accounts_is_stopped(app, session):
    limit = int(app.extensions["settings"].login_address_rate_limit.split()[0])
    client = from_address(app.test_client(), "10.9.9.9")
    statuses = [log_in(client, f"user{n}@example.org", "guess").status_code
                for n in range(limit + 1)]
    assert statuses == [401] * limit + [429]
    assert "Too many" in log_in(client, "new@example.org", "guess").get_data(as_text=True)
    assert log_in(from_address(app.test_client(), "10.9.9.10"), "new@example.org",
                  "guess").status_code == 401
