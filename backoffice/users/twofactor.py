"""Two-factor log-in: an authenticator app's codes (TOTP), or a single-use recovery code.

Roles named by the ``two_factor_roles`` setting must use it; anyone else may enrol. A code
is good once (the time step it was accepted for is kept); recovery codes are kept hashed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backoffice.core.audit import Actor, set_actor
from backoffice.core.db import utcnow
from backoffice.core.errors import InvalidInput
from backoffice.users.models import RecoveryCode, User

ISSUER = "IGT Review Back Office"
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_BYTES = 5  # 10 hex digits: 40 random bits each, single use
STEP_SECONDS = 30
STEPS_EITHER_SIDE = 1  # a phone clock a little slow or fast still works
CODE_DIGITS = 6


def required_roles(roles_setting: str) -> set[str]:
    return {role.strip() for role in roles_setting.split(",") if role.strip()}


def needs_second_factor(user: User, roles_setting: str) -> bool:
    """Enrolled users always give a code; a required role must enrol first."""
    return bool(user.totp_secret) or user.role in required_roles(roles_setting)


def new_secret() -> str:
    return pyotp.random_base32()


def qr_code_svg(user: User, secret: str) -> str:
    """The enrolment QR code as inline SVG (no image library needed)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def _normalised(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isascii() and ch.isalnum()).lower()


def _hash(code: str) -> str:
    return hashlib.sha256(_normalised(code).encode()).hexdigest()


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step this code belongs to (around now, later than ``after``), or None."""
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // STEP_SECONDS
    for step in range(now - STEPS_EITHER_SIDE, now + STEPS_EITHER_SIDE + 1):
        if (after is None or step > after) and hmac.compare_digest(
                totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [secrets.token_hex(RECOVERY_CODE_BYTES) for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def enrol(session: Session, *, user: User, secret: str, code: str) -> list[str]:
    """Keep the secret once a code from it proves the app has it; the new recovery codes."""
    step = _matching_step(secret, _normalised(code), None)
    if step is None:
        raise InvalidInput("that code does not match: check the app shows this account and "
                           "that the phone's clock is right", field="code")
    set_actor(session, Actor.of(user))
    user.totp_secret, user.totp_last_step = secret, step
    codes = _new_recovery_codes(session, user)
    session.flush()
    return codes


def check_code(session: Session, *, user: User, code: str) -> bool:
    """An unused authenticator code, or an unused recovery code (then spent)."""
    given = _normalised(code)
    if len(given) == CODE_DIGITS and given.isdigit():
        step = _matching_step(user.totp_secret or "", given, user.totp_last_step)
        if step is None or not user.totp_secret:
            return False
        user.totp_last_step = step
        session.flush()
        return True
    recovery = session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(given),
        RecoveryCode.used_at.is_(None)))
    if recovery is None:
        return False
    recovery.used_at = utcnow()
    session.flush()
    return True


def reset_two_factor(session: Session, *, actor: Actor, user: User) -> None:
    """An admin clears a lost authenticator: the user enrols again at their next log-in
    (audited; every session of the user ends)."""
    from backoffice.users.services import end_sessions

    set_actor(session, actor)
    user.totp_secret, user.totp_last_step = None, None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(user)
    session.flush()


def recovery_codes_left(session: Session, user: User) -> int:
    return len(session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())
