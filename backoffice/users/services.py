"""Creating, editing and deactivating users, checking passwords: the rules about staff accounts."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.core.audit import Actor, set_actor
from backoffice.core.db import get_or_not_found, utcnow
from backoffice.core.errors import Conflict, InvalidInput
from backoffice.core.permissions import Role
from backoffice.core.vocabulary import ApprovalGroup
from backoffice.users.models import SESSION_ID_SEPARATOR, User

MIN_PASSWORD_LENGTH = 12
GENERATED_PASSWORD_BYTES = 12

_hasher = PasswordHasher()


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_matches(user: User, password: str) -> bool:
    return _verify(user.password_hash, password)


@cache
def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown accounts so they cost the same time."""
    return hash_password(secrets.token_urlsafe(GENERATED_PASSWORD_BYTES))


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        message = f"{email!r} is not a valid e-mail address: {error}"
        raise InvalidInput(message, field="email") from error


def check_role(role: str, group: str | None) -> tuple[Role, str | None]:
    """An approval-group member needs a group; nobody else may have one."""
    try:
        role_value = Role(role)
    except ValueError as error:
        choices = ", ".join(r.value for r in Role)
        message = f"unknown role {role!r}; choose one of {choices}"
        raise InvalidInput(message, field="role") from error
    if role_value is not Role.APPROVAL_GROUP:
        if group:
            raise InvalidInput("only approval-group members belong to a group", field="group")
        return role_value, None
    groups = {g.value.lower(): g.value for g in ApprovalGroup}
    if not group or group.lower() not in groups:
        choices = ", ".join(g.value for g in ApprovalGroup)
        raise InvalidInput(f"an approval-group member needs a group: {choices}", field="group")
    return role_value, groups[group.lower()]


def check_password(password: str) -> None:
    """A password someone chose needs at least MIN_PASSWORD_LENGTH characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
                           field="password")


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def ensure_email_free(session: Session, email: str, *, own_id: int | None = None) -> None:
    """No two accounts share an e-mail, whatever its case."""
    existing = find_user(session, email)
    if existing is not None and existing.id != own_id:
        raise Conflict(f"a user with e-mail {email} already exists", field="email")


def refuse_own_lockout(actor: Actor, user: User, *, active: bool, role: str) -> None:
    """Nobody may deactivate their own account or change their own role."""
    if actor.user_id != user.id:
        return
    if not active:
        raise InvalidInput("you cannot deactivate your own account", field="active")
    if role != user.role:
        raise InvalidInput("you cannot change your own role", field="role")


def create_user(session: Session, *, actor: Actor, email: str, role: str,
                group: str | None = None, name: str = "", password: str | None = None) -> User:
    """Create an account; the e-mail must be new and the role and group must fit."""
    set_actor(session, actor)
    email = normalise_email(email)
    role_value, group_value = check_role(role, group)
    ensure_email_free(session, email)
    if password is not None:
        check_password(password)
    user = User(email=email, name=name, role=role_value.value, approval_group=group_value,
                password_hash=hash_password(password or generate_password()))
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, *, actor: Actor, user: User, email: str, role: str,
                group: str | None = None, name: str = "", active: bool = True,
                password: str | None = None) -> None:
    """Edit an account by the rules of creating one; nobody may lock themselves out."""
    set_actor(session, actor)
    email = normalise_email(email)
    role_value, group_value = check_role(role, group)
    ensure_email_free(session, email, own_id=user.id)
    if password:
        check_password(password)
    refuse_own_lockout(actor, user, active=active, role=role_value.value)
    if password or not active or (role_value.value, group_value) != (user.role,
                                                                       user.approval_group):
        end_sessions(user)
    user.email, user.name, user.active = email, name, active
    user.role, user.approval_group = role_value.value, group_value
    if password:
        user.password_hash = hash_password(password)
    session.flush()


def set_password(session: Session, *, actor: Actor, user: User, password: str) -> None:
    check_password(password)
    set_actor(session, actor)
    user.password_hash = hash_password(password)
    end_sessions(user)
    session.flush()


def end_sessions(user: User) -> None:
    """Every session this user has open (on any browser) ends at its next request."""
    user.session_generation = (user.session_generation or 0) + 1


def log_out(session: Session, *, user: User) -> None:
    """Logging out ends every session of the user, so a copied cookie is no use either."""
    set_actor(session, Actor.of(user))
    end_sessions(user)
    session.flush()


def user_of_session(session: Session, session_user_id: str) -> User | None:
    """The active user a session belongs to, unless that user's sessions were ended since."""
    user_id, _, generation = session_user_id.partition(SESSION_ID_SEPARATOR)
    if not (user_id.isascii() and user_id.isdigit() and generation.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = find_user(session, email)
    if user is None or not user.active:
        _verify(_dummy_hash(), password)  # as slow as a wrong password: no hint who exists
        return None
    if not password_matches(user, password):
        return None
    set_actor(session, Actor.of(user))
    user.last_login_at = utcnow()
    session.flush()
    return user


def deactivate_user(session: Session, *, actor: Actor, user: User) -> None:
    """Users are never deleted; a deactivated one can no longer log in."""
    refuse_own_lockout(actor, user, active=False, role=user.role)
    set_actor(session, actor)
    user.active = False
    end_sessions(user)
    session.flush()


def get_user(session: Session, user_id: int) -> User:
    return get_or_not_found(session, User, user_id)
