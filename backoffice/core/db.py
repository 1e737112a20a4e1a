"""The declarative base, shared column helpers and engine set-up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry

from backoffice.core.errors import NotFound
from backoffice.core.inputs import MAX_ID

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLITE_BUSY_TIMEOUT_MS = 15_000
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: DateTime(timezone=True)},
    )


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets the web app and the worker share the embedded SQLite file."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def driver_cursor(session, **options):
    """A cursor of the database driver itself (psycopg), in the session's transaction."""
    return session.connection().connection.driver_connection.cursor(**options)


def get_or_not_found(session: Session, model: type[T], ident: int, *,
                     what: str | None = None) -> T:
    """The record with this id, or ``NotFound`` ("no case 12"), which the error handler
    answers with a 404 (on the API, JSON)."""
    found = session.get(model, ident) if 0 < ident <= MAX_ID else None
    if found is None:
        raise NotFound(f"no {what or model.__name__.lower()} {ident}")
    return found
