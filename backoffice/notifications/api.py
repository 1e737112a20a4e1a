"""POST /api/v1/notifications: the toolkit's signed publication notifications."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from backoffice.core.permissions import SIGNED, access_rule
from backoffice.extensions import csrf, db, limiter
from backoffice.notifications import handling, signing

MAX_BODY_BYTES = 1024 * 1024

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@limiter.request_filter
def _unthrottled() -> bool:
    """The signature is the guard: the limiter does no work on the toolkit's notifications."""
    return request.blueprint == bp.name


def _read_body() -> bytes | None:
    """The raw body, or None when it is over the limit (read no further than the limit)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    body = request.stream.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body


@bp.post("/notifications")
@access_rule(SIGNED)
def receive_notification():
    body = _read_body()
    if body is None:
        return jsonify(error=f"the body is over {MAX_BODY_BYTES} bytes"), 413
    try:
        signing.verify(current_app.extensions["settings"].webhook_secret,
                       timestamp=request.headers.get("X-IGT-Timestamp"),
                       signature=request.headers.get("X-IGT-Signature"), body=body)
    except signing.SignatureRefused as refusal:
        return jsonify(error=str(refusal)), 401
    receipt = handling.receive(db.session, raw_body=body, headers=dict(request.headers),
                               source="webhook")
    return jsonify(receipt.body), receipt.status_code
