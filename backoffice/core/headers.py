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
from sqlalchemy import inspect

# Flask-Admin's stock templates put these in attributes: the delete button's confirmation,
# the filter menu, its no-op links, one handler per bulk action of the registered screens and
# one per inline form's "Add" button.
FLASK_ADMIN_INLINE_HANDLERS = (
    "return faHelpers.safeConfirm('Are you sure you want to delete this record?');",
    "return false;",
    "javascript:void(0)",
)
FLASK_ADMIN_ACTION_HANDLER = "return modelActions.execute('{name}');"
FLASK_ADMIN_INLINE_HANDLER = "faForm.addInlineField(this, '{name}');"
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


def _inline_field_names(app) -> list[str]:
    """The "Add …" buttons of inline forms (e.g. an organisation's administrators)."""
    names = set()
    for view in app.extensions.get("admin_views", {}).values():
        inline_models = getattr(view, "inline_models", None) or ()
        relationships = inspect(view.model).relationships if inline_models else ()
        models = {getattr(inline, "model", inline) for inline in inline_models}
        names |= {rel.key for rel in relationships if rel.mapper.class_ in models}
    return sorted(names)


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
        inline = [FLASK_ADMIN_INLINE_HANDLER.format(name=name)
                  for name in _inline_field_names(app)]
        hashes = [_hash_source(s) for s in (*FLASK_ADMIN_INLINE_HANDLERS, *actions, *inline)]
        policy = app.extensions[POLICY_KEY] = _policy(hashes)
    return policy


def _opened_by_credentials() -> bool:
    """Staff pages, the portal, letter downloads, exports and the API: all need a login or
    a token, and none may be kept by a shared cache or the browser's."""
    if "Authorization" in request.headers:
        return True
    if (request.endpoint or "").endswith("static"):
        return False  # the same files for everyone: no need to look the user up
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
