"""GET /api/v1/openapi.json: an OpenAPI 3.1 document that matches what the API does."""

from __future__ import annotations

import pytest

from backoffice.notifications.schemas import NotificationIn
from tests.api.conftest import CaseFactory
from tests.payloads import EXAMPLE

OPENAPI = "/api/v1/openapi.json"
REF_PREFIX = "#/components/schemas/"


@pytest.fixture
def document(client):
    response = client.get(OPENAPI)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _schema(document, name: str) -> dict:
    return document["components"]["schemas"][name]


def test_anyone_gets_an_openapi_3_1_document_with_every_endpoint(document):
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert set(document["paths"]) == {
        "/api/v1/notifications", "/api/v1/cases", "/api/v1/cases/{reference}",
        "/api/v1/notifications/{notification_id}", "/api/v1/organisations/{ods_code}"}
    assert set(document["paths"]["/api/v1/notifications"]) == {"post"}
    for path in ("/api/v1/cases", "/api/v1/cases/{reference}",
                 "/api/v1/notifications/{notification_id}", "/api/v1/organisations/{ods_code}"):
        assert set(document["paths"][path]) == {"get"}


def test_the_organisation_endpoint_gives_its_years_and_application_types(document):
    organisation = _schema(document, "OrganisationStatusOut")
    assert set(organisation["properties"]) == {"ods_code", "name", "org_type",
                                               "application_types", "years",
                                               "standing_applications"}
    held = _schema(document, "StandingApplicationOut")
    assert {"type", "reference", "approval_group", "held_since", "ended_at", "lapsed",
            "lapses"} == set(held["properties"])
    year = _schema(document, "PublicationYearOut")
    assert {"reporting_year", "status", "toolkit_version", "latest_outcome"} <= set(
        year["properties"])


def test_the_document_is_valid_openapi_3_1(document):
    from openapi_spec_validator import validate

    validate(document)


def test_every_schema_reference_in_the_document_resolves(document):
    schemas = document["components"]["schemas"]
    refs = set(_refs(document))
    assert refs, "the document refers to no schema"
    assert all(ref.startswith(REF_PREFIX) for ref in refs)
    assert {ref.removeprefix(REF_PREFIX) for ref in refs} <= set(schemas)
    assert "$defs" not in str(document)


def test_the_webhook_is_described_with_its_signature_headers_body_and_answers(document):
    post = document["paths"]["/api/v1/notifications"]["post"]
    headers = {p["name"] for p in post["parameters"] if p["in"] == "header"}
    assert headers == {"X-IGT-Timestamp", "X-IGT-Signature"}
    assert post["security"] == []
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": REF_PREFIX + "NotificationIn"}
    assert set(post["responses"]) == {"200", "202", "400", "401", "409", "413", "422"}


def test_the_notification_schema_has_the_fields_of_the_contract(document):
    notification = _schema(document, "NotificationIn")
    assert set(notification["properties"]) == {*EXAMPLE, "publication_batch"}  # v1.1
    assert set(notification["required"]) == {"notification_id", "published_at",
                                             "organisation", "assessment"}
    generated = NotificationIn.model_json_schema(ref_template=REF_PREFIX + "{model}")
    assert notification == {k: v for k, v in generated.items() if k != "$defs"}
    assessment = _schema(document, "AssessmentIn")
    assert set(EXAMPLE["assessment"]) <= set(assessment["properties"])
    assert set(_schema(document, "OrganisationIn")["properties"]) == set(
        EXAMPLE["organisation"])
    assert _schema(document, "ApplicationIn")["properties"]["type"]["enum"] == [
        "N3", "S251", "PCMD", "DARS", "CHOOSE_AND_BOOK", "E_REFERRALS", "NHS_MAIL"]
    level = _schema(document, "RequirementIn")["properties"]["level"]["anyOf"][0]
    assert (level["minimum"], level["maximum"]) == (0, 3)


def test_the_schemas_have_the_fields_of_contract_v11(document):
    assert {"comment", "evidence"} <= set(_schema(document, "RequirementIn")["properties"])
    evidence = _schema(document, "EvidenceIn")
    assert set(evidence["required"]) == {"name", "uploaded_at"}
    assert set(evidence["properties"]) == {"name", "description", "uploaded_at", "sha256",
                                           "size_bytes", "url"}
    cover = _schema(document, "CoverIn")["properties"]
    assert cover["kind"]["anyOf"][0]["enum"] == ["study", "branch", "site", "section",
                                                 "organisation"]
    assert "ods_code" in cover
    assert set(_schema(document, "PublicationBatchIn")["required"]) == {
        "id", "head_office_ods_code", "size"}
    case = _schema(document, "CaseOut")["properties"]
    assert {"flags", "assessment"} <= set(case)
    assert set(_schema(document, "RequirementOut")["properties"]) == {
        "id", "level", "not_relevant", "comment", "evidence"}
    assert set(_schema(document, "AssessmentOut")["properties"]) == {
        "toolkit_version", "reporting_year", "requirements", "covers"}


def test_the_read_endpoints_need_a_bearer_token_and_list_their_parameters(document):
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"bearerAuth": []}]
    cases = document["paths"]["/api/v1/cases"]["get"]
    assert {p["name"] for p in cases["parameters"]} == {
        "status", "reason", "ods_code", "overdue", "cursor", "limit"}
    assert {"200", "400", "401", "403"} <= set(cases["responses"])
    for path, name in (("/api/v1/cases/{reference}", "reference"),
                       ("/api/v1/notifications/{notification_id}", "notification_id")):
        get = document["paths"][path]["get"]
        assert [(p["name"], p["in"], p["required"]) for p in get["parameters"]] == [
            (name, "path", True)]
        assert {"200", "401", "403", "404"} <= set(get["responses"])


def test_the_case_schema_names_exactly_the_fields_a_case_answer_has(document, session,
                                                                     token_for, api_get):
    CaseFactory()
    session.commit()
    [case] = api_get("/api/v1/cases", token_for()).json["cases"]
    schema = _schema(document, "CaseOut")
    assert set(schema["properties"]) == set(schema["required"]) == set(case)
    assert set(_schema(document, "CasePage")["required"]) == {"cases", "next"}
