"""GET /healthz: whether the database and Redis answer."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from backoffice.core.permissions import public
from backoffice.core.redis import connect, redis_url
from backoffice.extensions import db

bp = Blueprint("health", __name__)


def _database_ok() -> str | None:
    try:
        db.session.execute(text("SELECT 1"))
        return None
    except Exception as error:  # any failure means "not answering"
        db.session.rollback()
        return type(error).__name__


def _redis_ok() -> str | None:
    try:
        connect(redis_url(current_app.extensions["settings"])).ping()
        return None
    except Exception as error:  # any failure means "not answering"
        return type(error).__name__


@bp.route("/healthz")
@public
def healthz():
    failures = {name: reason for name, reason in
                (("database", _database_ok()), ("redis", _redis_ok())) if reason}
    body = {"status": "ok" if not failures else "unavailable",
            "database": "ok" if "database" not in failures else f"down: {failures['database']}",
            "redis": "ok" if "redis" not in failures else f"down: {failures['redis']}"}
    return jsonify(body), 200 if not failures else 503
