"""The OpenAPI 3.1 document of /api/v1, its schemas generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from backoffice.api.schemas import (
    CaseOut,
    CasePage,
    CaseQuery,
    Error,
    FieldErrors,
    NotificationOut,
    OrganisationStatusOut,
    Receipt,
)
from backoffice.notifications.api import MAX_BODY_BYTES
from backoffice.notifications.schemas import NotificationIn

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1"
REF = "#/components/schemas/{model}"
BEARER = "bearerAuth"


class _Components:
    """Collects each model's JSON Schema (and those it refers to) under components/schemas."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def add(self, model: type[BaseModel], mode: str = "serialization") -> dict[str, str]:
        schema = model.model_json_schema(ref_template=REF, mode=mode)
        self.schemas.update(schema.pop("$defs", {}))
        self.schemas[model.__name__] = schema
        return {"$ref": REF.format(model=model.__name__)}

    def query_parameters(self, model: type[BaseModel]) -> list[dict[str, Any]]:
        schema = model.model_json_schema(ref_template=REF, mode="validation")
        self.schemas.update(schema.pop("$defs", {}))
        return [_query_parameter(name, prop) for name, prop in schema["properties"].items()]


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null: drop the null branch pydantic adds."""
    branches = [b for b in schema.get("anyOf", []) if b != {"type": "null"}]
    if len(branches) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k not in {"anyOf", "default"}}
    return {**branches[0], **rest}


def _query_parameter(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    schema = _without_null(schema)
    description = schema.pop("description", None)
    schema.pop("title", None)
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


def _json(description: str, schema: dict[str, str]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _header(description: str, example: str) -> dict[str, Any]:
    return {"in": "header", "required": True, "description": description,
            "schema": {"type": "string"}, "example": example}


def _refusals(error: dict[str, str]) -> dict[str, Any]:
    return {"401": {**_json("Missing, unknown or revoked token", error),
                    "headers": {"WWW-Authenticate": {"schema": {"type": "string"},
                                                     "description": "Bearer"}}},
            "403": _json("The token's user may not use this endpoint", error)}


def _webhook(components: _Components) -> dict[str, Any]:
    receipt, error = components.add(Receipt), components.add(Error)
    return {"post": {
        "operationId": "receiveNotification",
        "summary": "A publication notification from the IG Toolkit (contract v1)",
        "description": "Signed with HMAC-SHA256 over `<timestamp>.<raw body>` with the "
                       "shared secret. Every request is stored before it is answered; "
                       "a worker then processes it (GET /api/v1/notifications/{id} shows "
                       "its case).",
        "security": [],
        "parameters": [
            {"name": "X-IGT-Timestamp",
             **_header("Unix seconds; refused when more than 5 minutes from now",
                       "1459347725")},
            {"name": "X-IGT-Signature",
             **_header("sha256=<hex HMAC-SHA256 of `<timestamp>.<raw body>`>",
                       "sha256=3f0c…")},
        ],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": components.add(NotificationIn, mode="validation")}}},
        "responses": {
            "200": _json("A repeat of a known notification: the notification as it stands",
                         receipt),
            "202": _json("Stored and accepted; processed next by a worker "
                         "(case_reference null until then)", receipt),
            "400": _json("The body is not a JSON object; stored and rejected", receipt),
            "401": _json("Missing or bad signature, or a stale timestamp; nothing stored",
                         error),
            "409": _json("This notification_id came before with a different body", receipt),
            "413": _json(f"The body is over {MAX_BODY_BYTES} bytes; nothing stored", error),
            "422": _json("The body breaks the contract; stored and rejected, with field "
                         "errors", receipt),
        },
    }}


def _case_paths(components: _Components) -> dict[str, Any]:
    error = components.add(Error)
    listing = {"get": {
        "operationId": "listCases",
        "summary": "The cases the token's user may see, filtered, in pages",
        "parameters": components.query_parameters(CaseQuery),
        "responses": {
            "200": _json("A page of cases; follow `next` for the rest", components.add(CasePage)),
            "400": _json("A filter has a value it cannot take", components.add(FieldErrors)),
            **_refusals(error),
        },
    }}
    one = {"get": {
        "operationId": "getCase",
        "summary": "One case, by reference",
        "parameters": [{"name": "reference", "in": "path", "required": True,
                        "schema": {"type": "string"}, "example": "R-2016-000123"}],
        "responses": {
            "200": _json("The case", components.add(CaseOut)),
            **_refusals(error),
            "404": _json("No case with this reference that the user may see", error),
        },
    }}
    return {"/api/v1/cases": listing, "/api/v1/cases/{reference}": one}


def _notification_path(components: _Components) -> dict[str, Any]:
    error = components.add(Error)
    return {"get": {
        "operationId": "getNotification",
        "summary": "A received notification and what became of it",
        "parameters": [{"name": "notification_id", "in": "path", "required": True,
                        "schema": {"type": "string"}, "example": "IGT-13-000123"}],
        "responses": {
            "200": _json("The notification; while no copy of this id was accepted, the "
                         "latest rejected one, with its errors", components.add(NotificationOut)),
            **_refusals(error),
            "404": _json("No notification with this id", error),
        },
    }}


def _organisation_path(components: _Components) -> dict[str, Any]:
    error = components.add(Error)
    return {"get": {
        "operationId": "getOrganisation",
        "summary": "A registered organisation's publication status per reporting year",
        "parameters": [{"name": "ods_code", "in": "path", "required": True,
                        "schema": {"type": "string"}, "example": "8HV48"}],
        "responses": {
            "200": _json("The organisation: each reporting year it published in or the "
                         "version calendar lists, and the application types its cases named",
                         components.add(OrganisationStatusOut)),
            **_refusals(error),
            "404": _json("No registered organisation with this ODS code", error),
        },
    }}


def openapi_document() -> dict[str, Any]:
    """The whole document: the webhook, the read API, its token scheme and every schema."""
    components = _Components()
    paths = {
        "/api/v1/notifications": _webhook(components),
        **_case_paths(components),
        "/api/v1/notifications/{notification_id}": _notification_path(components),
        "/api/v1/organisations/{ods_code}": _organisation_path(components),
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "IG Toolkit review back office API", "version": API_VERSION,
                 "description": "Publication notifications in (signed), and a read API "
                                "over cases and notifications with per-user bearer tokens."},
        "servers": [{"url": "/"}],
        "security": [{BEARER: []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": {BEARER: {
                "type": "http", "scheme": "bearer",
                "description": "A per-user token from `backoffice tokens create --email E`"}},
        },
    }
