"""The audit trail: every create, update and delete of an audited record.

Models opt in with the ``Audited`` mixin. One session listener writes, in the
same transaction as the change, who made it, when, which record and each
changed field old -> new. Rows are never updated or deleted.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.core.db import Base, utcnow

SYSTEM = "system"
TOOLKIT = "toolkit"
MASKED = "(changed)"


@dataclass(frozen=True)
class Actor:
    """Who made a change: a user, or an automatic actor such as ``system``."""

    label: str
    user_id: int | None = None

    @classmethod
    def of(cls, user) -> Actor:
        return cls(label=user.email, user_id=user.id)


SYSTEM_ACTOR = Actor(SYSTEM)
TOOLKIT_ACTOR = Actor(TOOLKIT)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(255), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(String(255), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type} {self.entity_id} by {self.actor}"


class Audited:
    """Mixin: changes to this model are written to the audit trail."""

    __audit_masked__: frozenset[str] = frozenset()
    __audit_ignored__: frozenset[str] = frozenset({"created_at", "updated_at"})

    def audit_label(self) -> str:
        return str(self)


def set_actor(session: Session, actor: Actor) -> None:
    """Name who is making the changes this session is about to flush."""
    session.info["actor"] = actor


def current_actor(session: Session) -> Actor:
    actor = session.info.get("actor")
    if actor is not None:
        return actor
    return _request_actor() or SYSTEM_ACTOR


def _request_actor() -> Actor | None:
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user and current_user.is_authenticated:
        return Actor.of(current_user)
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _shown(obj: Audited, key: str, value: Any) -> Any:
    return MASKED if key in obj.__audit_masked__ and value is not None else _plain(value)


def _columns(obj: Audited):
    mapper = inspect(obj).mapper
    for attr in mapper.column_attrs:
        if attr.key not in obj.__audit_ignored__:
            yield attr.key


def _created(obj: Audited) -> dict[str, list]:
    values = {key: getattr(obj, key) for key in _columns(obj)}
    return created_changes(values, masked=obj.__audit_masked__)


def created_changes(values: dict[str, Any], *, ignored: frozenset[str] = frozenset(),
                    masked: frozenset[str] = frozenset()) -> dict[str, list]:
    """A created record's audit changes: each column with a value, ``[None, value]``."""
    return {key: [None, MASKED if key in masked else _plain(value)]
            for key, value in values.items() if value is not None and key not in ignored}


def _deleted(obj: Audited) -> dict[str, list]:
    values = {key: getattr(obj, key) for key in _columns(obj)}
    return {k: [_shown(obj, k, v), None] for k, v in values.items() if v is not None}


def _updated(obj: Audited) -> dict[str, list]:
    state = inspect(obj)
    changes: dict[str, list] = {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old != new:
            changes[key] = [_shown(obj, key, old), _shown(obj, key, new)]
    return changes


def _event_row(obj: Audited, action: str, changes: dict, actor: Actor) -> dict:
    identity = inspect(obj).mapper.primary_key_from_instance(obj)
    return audit_row(actor, action, obj.__tablename__,
                     ",".join(str(part) for part in identity or ()), obj.audit_label(),
                     changes)


# The columns an audit row is written with (all but its id), in the table's order.
AUDIT_COLUMNS = tuple(column.name for column in AuditEvent.__table__.columns
                      if not column.primary_key)
SUMMARY_MAX = AuditEvent.__table__.c.summary.type.length


def audit_row(actor: Actor, action: str, entity_type: str, entity_id: int | str,
              summary: str, changes: dict, *, occurred_at: datetime | None = None) -> dict:
    """One audit row's values by column (``AUDIT_COLUMNS``): the one shape every writer of
    the trail uses (the session listener, ``record_event``, the batch writer's COPY)."""
    return {"occurred_at": occurred_at or utcnow(), "actor": actor.label,
            "actor_user_id": actor.user_id, "action": action, "entity_type": entity_type,
            "entity_id": str(entity_id), "summary": summary[:SUMMARY_MAX], "changes": changes}


def _pending_rows(session: Session) -> list[dict]:
    actor = current_actor(session)
    rows = []
    for action, objects, describe in (
        ("create", session.new, _created),
        ("update", session.dirty, _updated),
        ("delete", session.deleted, _deleted),
    ):
        for obj in objects:
            if not isinstance(obj, Audited):
                continue
            changes = describe(obj)
            if action == "update" and not changes:
                continue
            rows.append(_event_row(obj, action, changes, actor))
    return rows


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, _context) -> None:
    rows = _pending_rows(session)
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(*_args) -> None:
    raise RuntimeError("the audit trail is append-only")


def trail_for(session: Session, entity_type: str, entity_id: int | str) -> list[AuditEvent]:
    """The audit rows of one record, newest first."""
    from sqlalchemy import select

    query = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    return list(session.scalars(query))


def record_event(session: Session, actor: Actor, action: str, entity_type: str,
                 entity_id: int | str, summary: str, changes: dict) -> None:
    """Write an audit row for a change that is not a column of an audited model."""
    session.execute(insert(AuditEvent).values(
        audit_row(actor, action, entity_type, entity_id, summary, changes)))
