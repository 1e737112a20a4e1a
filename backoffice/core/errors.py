"""Typed errors raised by services, and the one place that turns them into answers."""

from __future__ import annotations

import contextlib
import logging
from http import HTTPStatus

import psycopg
from flask import Response, flash, jsonify, redirect, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.exceptions import NotFound as PageNotFound

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = "The database is not answering; nothing was changed. Try again in a minute."
# Plain on purpose: no template, no user, nothing that needs the database.
UNAVAILABLE_PAGE = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>Service unavailable</title></head><body>"
                    "<h1>Service unavailable</h1><p>{message}</p></body></html>")
DATABASE_UNREACHABLE = (OperationalError, InterfaceError, PoolTimeout, psycopg.OperationalError)


class ServiceError(Exception):
    """A rule refused what was asked; the message says which rule, in plain words."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    status = HTTPStatus.NOT_FOUND


class Conflict(ServiceError):
    status = HTTPStatus.CONFLICT


class InvalidInput(ServiceError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def handle_service_error(error: ServiceError):
    if _wants_json():
        body = {"error": error.message}
        if error.field:
            body["errors"] = [{"field": error.field, "message": error.message}]
        return jsonify(body), error.status
    if isinstance(error, NotFound):
        return PageNotFound(error.message)
    if request.method == "GET" and request.referrer in (None, request.url):
        # going back would ask for this same page again: say it here instead
        return default_exceptions[error.status](error.message)
    flash(error.message, "error")
    return redirect(request.referrer or request.path)


def handle_http_error(error: HTTPException):
    if _wants_json():
        return jsonify({"error": error.description}), error.code
    return error


def handle_database_unreachable(error: Exception):
    """A database outage is a 503 to come back after, never a traceback."""
    from backoffice.extensions import db

    log.error("database not answering", extra={"error": type(error).__name__,
                                               "path": request.path})
    with contextlib.suppress(Exception):
        db.session.rollback()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if _wants_json():
        return jsonify(error=UNAVAILABLE), HTTPStatus.SERVICE_UNAVAILABLE, headers
    return Response(UNAVAILABLE_PAGE.format(message=UNAVAILABLE), mimetype="text/html",
                    status=HTTPStatus.SERVICE_UNAVAILABLE, headers=headers)


def init_app(app) -> None:
    for unreachable in DATABASE_UNREACHABLE:
        app.register_error_handler(unreachable, handle_database_unreachable)
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(HTTPException, handle_http_error)
