"""The webhook signature: HMAC-SHA256 over ``<timestamp>.<raw body>`` with the shared secret."""

from __future__ import annotations

import hashlib
import hmac
import time

MAX_AGE_SECONDS = 5 * 60
SIGNATURE_PREFIX = "sha256="


class SignatureRefused(Exception):
    """The request is not from the toolkit, or not fresh; the message says why."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def verify(secret: str, *, timestamp: str | None, signature: str | None, body: bytes,
           now: float | None = None) -> None:
    """Raise SignatureRefused unless the signature is right and the timestamp within 5 minutes."""
    if not secret:
        raise SignatureRefused("the webhook secret is not configured")
    if not timestamp or not signature:
        raise SignatureRefused("X-IGT-Timestamp and X-IGT-Signature headers are required")
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureRefused("X-IGT-Timestamp must be Unix seconds") from None
    if abs((now if now is not None else time.time()) - sent) > MAX_AGE_SECONDS:
        raise SignatureRefused("the timestamp is more than 5 minutes old or ahead")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip()):
        raise SignatureRefused("the signature does not match the body")
