"""GET /api/v1/…: the read API, with per-user bearer tokens, and its OpenAPI document."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, jsonify, request, url_for
from pydantic import ValidationError

from backoffice.api import services
from backoffice.api.openapi import openapi_document
from backoffice.api.schemas import (
    CaseQuery,
    OrganisationStatusOut,
    PublicationYearOut,
    encode_cursor,
)
from backoffice.core.permissions import TOKEN_PREFIX, Permission, access_rule, public, role_may
from backoffice.core.transactions import commit_once
from backoffice.extensions import csrf, db
from backoffice.notifications.schemas import field_errors
from backoffice.publication import status

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

READ_API = TOKEN_PREFIX + Permission.READ_API
VIEW_NOTIFICATIONS = TOKEN_PREFIX + Permission.VIEW_NOTIFICATIONS
CHALLENGE = 'Bearer realm="backoffice"'


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _unauthorised(message: str, error: str | None = None):
    challenge = f'{CHALLENGE}, error="{error}"' if error else CHALLENGE
    return jsonify(error=message), 401, {"WWW-Authenticate": challenge}


def token_required(rule: str):
    """Only a bearer token whose user's role passes ``rule`` reaches the view, given ``user``."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            token = _bearer_token()
            if token is None:
                return _unauthorised("send a token: Authorization: Bearer <token>")
            user = commit_once(lambda: services.authenticate_token(db.session, token))
            if user is None:
                return _unauthorised("this token is unknown or revoked", "invalid_token")
            if not role_may(user.role, rule):
                return jsonify(error="this token's user may not use this endpoint"), 403
            return view(*args, user=user, **kwargs)

        return access_rule(rule)(guarded)

    return decorate


def _next_link(query: CaseQuery, next_after: int | None) -> str | None:
    if next_after is None:
        return None
    given = query.model_dump(exclude_unset=True, exclude={"cursor"}, mode="json")
    args = {name: str(value).lower() if isinstance(value, bool) else value
            for name, value in given.items()}
    return url_for(".list_cases", _external=True,
                   **{**args, "limit": query.limit, "cursor": encode_cursor(next_after)})


@bp.get("/cases")
@token_required(READ_API)
def list_cases(user):
    try:
        query = CaseQuery.model_validate(request.args.to_dict())
    except ValidationError as error:
        return jsonify(error="the query has values it cannot take",
                       errors=field_errors(error)), 400
    page = services.list_cases(
        db.session, user=user, status=query.status, reason=query.reason,
        ods_code=query.ods_code, overdue=query.overdue, after=query.after, limit=query.limit)
    return jsonify(cases=services.cases_json(db.session, user=user, cases=page.cases),
                   next=_next_link(query, page.next_after))


@bp.get("/cases/<reference>")
@token_required(READ_API)
def get_case(reference: str, user):
    case = services.get_case_for(db.session, user, reference)
    return jsonify(services.cases_json(db.session, user=user, cases=[case])[0])


@bp.get("/organisations/<ods_code>")
@token_required(READ_API)
def get_organisation(ods_code: str, user):
    found = status.organisation_years(db.session, ods_code)
    return jsonify(OrganisationStatusOut(
        ods_code=found.ods_code, name=found.name, org_type=found.org_type,
        application_types=found.application_types,
        years=[PublicationYearOut(**row.as_dict()) for row in found.years],
        standing_applications=services.standing_json(db.session, user=user,
                                                     ods_code=found.ods_code),
    ).model_dump(mode="json"))


@bp.get("/notifications/<notification_id>")
@token_required(VIEW_NOTIFICATIONS)
def get_notification(notification_id: str, user):
    notification = services.get_notification(db.session, notification_id)
    return jsonify(services.notification_json(notification))


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document())
