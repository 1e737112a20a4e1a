"""Typed errors raised by services, and the one place that turns them into answers."""

from __future__ import annotations

from http import HTTPStatus

from flask import flash, jsonify, redirect, request
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.exceptions import NotFound as PageNotFound


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


def init_app(app) -> None:
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(HTTPException, handle_http_error)
