from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.core.audit import Audited
from backoffice.core.db import Base, Timestamps
from backoffice.core.permissions import Role

SESSION_ID_SEPARATOR = "."


class User(Audited, Timestamps, UserMixin, Base):
    __tablename__ = "users"
    __audit_masked__ = frozenset({"password_hash", "totp_secret"})
    __audit_ignored__ = Audited.__audit_ignored__ | {"session_generation", "totp_last_step"}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(30))
    approval_group: Mapped[str | None] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # Part of every session's user id: raising it ends all of this user's sessions.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Two-factor log-in: the authenticator's shared secret (None: not enrolled), and the last
    # time step a code was accepted for (a code is good once).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What a session remembers: the user and the generation of sessions it belongs to."""
        return f"{self.id}{SESSION_ID_SEPARATOR}{self.session_generation}"

    @property
    def role_label(self) -> str:
        label = Role(self.role).label
        return f"{label} ({self.approval_group})" if self.approval_group else label

    def __str__(self) -> str:
        return self.name or self.email


class RecoveryCode(Base):
    """A single-use code that stands in for the authenticator; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
