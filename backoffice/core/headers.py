"""Security headers on every answer; nothing a login or token opened is kept in a cache.

The policy allows scripts, styles, images and fonts from this site only (the vendored
Chart.js and Flask-Admin's assets included): no inline script — bar the exact attribute
snippets Flask-Admin's stock templates carry, allowed one by one by hash — no inline
style, no framing.
"""

from __future__ import annotations

import base64
import hashlib
from http import HTTPStatus

from flask import current_app, request
from flask_login import current_user

# Flask-Admin's stock templates put these in attributes: the delete button's confirmation,
# the filter menu, its no-op links, and one handler per bulk action of the registered screens.
FLASK_ADMIN_INLINE_HANDLERS = (
    "return faHelpers.safeConfirm('Are you sure you want to delete this record?');",
    "return false;",
    "javascript:void(0)",
)
FLASK_ADMIN_ACTION_HANDLER = "return modelActions.execute('{name}');"
POLICY_KEY = "content_security_policy"
HSTS_MAX_AGE = 365 * 24 * 60 * 60
FIXED_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _hash_source(snippet: str) -> str:
    digest = hashlib.sha256(snippet.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _action_names(app) -> list[str]:
    views = app.extensions.get("admin_views", {}).values()
    return sorted({name for view in views for name, _text in getattr(view, "_actions", [])})


def _policy(hashes: list[str]) -> str:
    return "; ".join([
        "default-src 'self'",
        " ".join(["script-src 'self' 'unsafe-hashes'", *hashes]),
        "style-src 'self'",
        "img-src 'self' data:",  # Bootstrap draws its form icons as data: SVG
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def content_security_policy(app) -> str:
    """Built once per application, after its screens (and their bulk actions) are known."""
    policy = app.extensions.get(POLICY_KEY)
    if policy is None:
        actions = [FLASK_ADMIN_ACTION_HANDLER.format(name=name) for name in _action_names(app)]
        hashes = [_hash_source(s) for s in (*FLASK_ADMIN_INLINE_HANDLERS, *actions)]
        policy = app.extensions[POLICY_KEY] = _policy(hashes)
    return policy


def _opened_by_credentials() -> bool:
    """Staff pages, the portal, letter downloads, exports and the API: all need a login or
    a token, and none may be kept by a shared cache or the browser's."""
    if "Authorization" in request.headers:
        return True
    return current_user.is_authenticated


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", content_security_policy(current_app))
    for name, value in FIXED_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = (
            f"max-age={HSTS_MAX_AGE}; includeSubDomains")
    if response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR and _opened_by_credentials():
        response.headers["Cache-Control"] = "no-store"  # (an outage answer is no-store already)
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)
