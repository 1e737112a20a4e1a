"""Typed errors raised by services, and the one place that turns them into answers."""

from __future__ import annotations

import contextlib
import logging
from http import HTTPStatus
from urllib.parse import urlsplit

import psycopg
from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
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

# What each refusal means to a person; the page adds the reason when a view gave one.
HEADINGS = {
    400: ("That request could not be read", "The form or link sent something this page "
          "cannot use."),
    401: ("Please log in", "This page is for signed-in users."),
    403: ("You may not open this page", "Your role does not include this page. If you need "
          "it, ask an administrator."),
    404: ("Page not found", "There is nothing at this address: the link may be old, or the "
          "record may have been removed."),
    405: ("That cannot be done here", "This address does not take that kind of request."),
    409: ("Someone changed this first", "Reload the page and try again."),
    413: ("That file is too large", "Send a smaller file."),
    422: ("That was refused", "A rule refused what was asked."),
    429: ("Too many attempts", "Wait a minute, then try again."),
    500: ("Something went wrong on our side", "The error has been logged. Try again in a "
          "moment; if it happens again, contact the helpdesk."),
}


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
        return handle_http_error(PageNotFound(error.message))
    if request.method == "GET" and request.referrer in (None, request.url):
        # going back would ask for this same page again: say it here instead
        return handle_http_error(default_exceptions[error.status](error.message))
    flash(error.message, "error")
    return redirect(request.referrer or request.path)


def handle_http_error(error: HTTPException):
    if _wants_json():
        return jsonify({"error": error.description}), error.code
    if error.code is None or error.code < 400:
        return error
    try:
        return error_page(error), error.code
    except Exception:  # the page itself failed: the plain answer still goes out
        log.exception("error page failed")
        return error


def error_page(error: HTTPException) -> str:
    """The error in the product's layout: what happened, in words, and a way back."""
    heading, general = HEADINGS.get(error.code, (error.name, ""))
    own = error.description if error.description != type(error).description else None
    home, home_label = _home()
    return render_template("errors/http.html", code=error.code, heading=heading,
                           message=own or general, back=_same_site_referrer(),
                           home=home, home_label=home_label)


def _home() -> tuple[str, str]:
    from backoffice.core.permissions import Permission, user_may

    if current_user.is_authenticated:
        if user_may(current_user, Permission.STAFF_AREA):
            return url_for("admin.index"), "Your home page"
        if user_may(current_user, Permission.VIEW_PORTAL):
            return url_for("portal.index"), "Your portal"
    return url_for("users.home"), "Home page"


def _same_site_referrer() -> str | None:
    referrer = request.referrer
    if not referrer or referrer == request.url:
        return None
    parts = urlsplit(referrer)
    return referrer if parts.netloc == request.host else None


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
