"""The webhook's store: a new notification is one cached INSERT; processing is the worker's.

``INSERT … ON CONFLICT DO NOTHING RETURNING id`` on the partial unique index of
counted notification ids stores and commits a new notification in one round
trip; only when it conflicts is the known row read (a repeat or a conflicting body).
On PostgreSQL the statement goes straight to psycopg (prepared, on the store's
pooled connection): SQLAlchemy's execution layer was a third of the store's time.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import Engine, TextClause, bindparam, create_engine, text
from sqlalchemy.exc import DBAPIError

from backoffice.core.db import utcnow
from backoffice.extensions import db
from backoffice.notifications import batch, services
from backoffice.notifications.models import COUNTED, Notification, NotificationStatus

ACCEPTED_ANSWER_STATUS = 202
STORE_ATTEMPTS = 2
_STORE_ENGINE = "notifications_store_engine"
STORED_COLUMNS = ("notification_id", "source", "received_at", "raw_body", "body_sha256",
                  "headers", "status", "errors", "ods_code", "organisation_name")


def accepted_row(raw_body: bytes, headers: dict[str, str], source: str,
                 checked: services.Checked) -> dict[str, Any]:
    """The column values of a stored, accepted notification (not processed yet)."""
    return {"raw_body": raw_body, "body_sha256": hashlib.sha256(raw_body).hexdigest(),
            "source": source, "status": NotificationStatus.ACCEPTED.value, "errors": [],
            "received_at": utcnow(),
            "headers": {k: v for k, v in headers.items() if k in services.KEPT_HEADERS},
            **batch.identity(checked)}


@cache
def _insert_new() -> TextClause:
    """One textual statement (the dialects' own INSERT … ON CONFLICT constructs are not
    cacheable), so SQLAlchemy compiles it once and psycopg prepares it; PostgreSQL and
    SQLite (3.35+) both read it."""
    columns = Notification.__table__.c
    statement = text(
        f"INSERT INTO notifications ({', '.join(STORED_COLUMNS)}) "
        f"VALUES ({', '.join(':' + name for name in STORED_COLUMNS)}) "
        f"ON CONFLICT (notification_id) WHERE {COUNTED} DO NOTHING RETURNING id")
    return statement.bindparams(*(bindparam(name, type_=columns[name].type)
                                  for name in STORED_COLUMNS))


@cache
def _psycopg_insert() -> str:
    """The same statement in psycopg's own parameter style."""
    return (f"INSERT INTO notifications ({', '.join(STORED_COLUMNS)}) "
            f"VALUES ({', '.join(f'%({name})s' for name in STORED_COLUMNS)}) "
            f"ON CONFLICT (notification_id) WHERE {COUNTED} DO NOTHING RETURNING id")


def store_engine(app) -> Engine:
    """The store's own pool: autocommit (the one statement commits by itself, no BEGIN and
    COMMIT round trips) and no ping at each checkout (a dead connection is retried once)."""
    engine = app.extensions.get(_STORE_ENGINE)
    if engine is None:
        engine = create_engine(db.engine.url,
                               isolation_level="AUTOCOMMIT", pool_pre_ping=False)
        app.extensions[_STORE_ENGINE] = engine
    return engine


class _ConnectionLost(Exception):
    """The store's pooled connection had died (it is discarded): worth sending once more."""


def insert_new(app, row: dict[str, Any]) -> int | None:
    """Store an accepted notification unless its notification_id is known; its id, or None.

    A connection that died while idle in the pool is discarded and the INSERT sent once
    more on a new one (if the first had in fact been stored, the second finds it known).
    """
    engine = store_engine(app)
    insert = _insert_with_psycopg if engine.dialect.name == "postgresql" else _insert
    for attempt in range(STORE_ATTEMPTS):
        try:
            return insert(engine, row)
        except _ConnectionLost as lost:
            if attempt == STORE_ATTEMPTS - 1:
                raise lost.__cause__ from None
    raise AssertionError("unreachable")


def _insert(engine: Engine, row: dict[str, Any]) -> int | None:
    try:
        with engine.connect() as connection:
            return connection.execute(_insert_new(), row).scalar()
    except DBAPIError as error:
        if error.connection_invalidated:
            raise _ConnectionLost from error
        raise


def _insert_with_psycopg(engine: Engine, row: dict[str, Any]) -> int | None:
    pooled = engine.raw_connection()
    try:
        values = {**row, "headers": Json(row["headers"]), "errors": Json(row["errors"])}
        stored = pooled.driver_connection.execute(_psycopg_insert(), values, prepare=True)
        found = stored.fetchone()
        return None if found is None else found[0]
    except psycopg.OperationalError as error:
        if not pooled.driver_connection.broken:
            raise  # the statement failed, not the connection: no second try
        pooled.invalidate()
        raise _ConnectionLost from error
    finally:
        pooled.close()


def accepted_answer(notification_id: str) -> services.Receipt:
    """Stored, not processed yet: the case is shown by GET once the worker has processed it."""
    return services.Receipt(ACCEPTED_ANSWER_STATUS, {
        "notification_id": notification_id, "status": NotificationStatus.ACCEPTED.value,
        "case_reference": None})
