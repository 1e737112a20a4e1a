"""Contract v1.1: comments, evidence, typed covers and head-office batches; v1 bodies as before."""

import copy

import pytest
from sqlalchemy import select

from backoffice.cases.models import Assessment
from tests.factories import OrganisationFactory
from tests.payloads import body, post, post_processed

EVIDENCE = {"name": "training-log-2016.pdf", "description": "Training log",
            "uploaded_at": "2016-03-01T10:00:00Z", "sha256": "9f" * 32, "size_bytes": 48211,
            "url": "https://toolkit.example/evidence/9f2c"}
COMMENT = "Annual training for all staff, records kept by the manager."


def v11_body(**changes) -> dict:
    """The design's v1.1 example: a comment and evidence, a typed cover of each kind."""
    payload = body(**changes)
    requirements = payload["assessment"]["requirements"]
    requirements[0].update(comment=COMMENT, evidence=[EVIDENCE])
    requirements[1]["comment"] = "No Smartcards are used."
    payload["assessment"]["covers"] = [
        {"kind": "study", "name": "Cohort study X", "reference": "CAG 4-08(b)/2013"},
        {"kind": "branch", "name": "High St Pharmacy", "ods_code": "FA002"}]
    return payload


@pytest.fixture
def rosewood(session):
    organisation = OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    session.commit()
    return organisation


def _assessment(session) -> Assessment:
    session.expire_all()
    return session.scalar(select(Assessment))


def test_a_v11_body_keeps_comments_and_evidence_apart_from_the_scores(client, session, rosewood):
    assert post_processed(client, v11_body())["status"] == "processed"
    assessment = _assessment(session)
    assert assessment.statement("114") == (COMMENT, [EVIDENCE])
    assert assessment.statement("304") == ("No Smartcards are used.", [])
    assert assessment.statement("117") == ("", [])
    assert set(assessment.statements) == {"114", "304"}
    # the public reports read requirements: never a comment there
    assert assessment.requirements == [
        {"id": "114", "level": 2, "not_relevant": False},
        {"id": "304", "not_relevant": True},
        {"id": "117", "level": 1, "not_relevant": False}]
    assert assessment.covers == [
        {"kind": "study", "name": "Cohort study X", "reference": "CAG 4-08(b)/2013"},
        {"kind": "branch", "name": "High St Pharmacy", "ods_code": "FA002"}]


def test_a_v1_body_is_stored_as_before_with_no_statements(client, session, rosewood):
    assert post_processed(client, body())["status"] == "processed"
    assessment = _assessment(session)
    assert assessment.statements == {}
    assert assessment.publication_batch is None
    assert assessment.covers == [{"name": "Cohort study X", "reference": "CAG 4-08(b)/2013"}]
    assert assessment.statement("114") == ("", [])


def test_a_comment_of_20000_characters_is_accepted(client, session, rosewood):
    payload = v11_body()
    payload["assessment"]["requirements"][0]["comment"] = "x" * 20_000
    assert post_processed(client, payload)["status"] == "processed"
    assert len(_assessment(session).statement("114").comment) == 20_000


def _requirement(**fields) -> dict:
    payload = v11_body()
    payload["assessment"]["requirements"][0].update(fields)
    return payload


def _evidence(**fields) -> dict:
    item = {**copy.deepcopy(EVIDENCE), **fields}
    return _requirement(evidence=[{k: v for k, v in item.items() if v is not None}])


def _cover(**fields) -> dict:
    payload = v11_body()
    payload["assessment"]["covers"][1].update(fields)
    return payload


def _batch(**fields) -> dict:
    batch = {"id": "B-2016-0042", "head_office_ods_code": "FA001", "size": 8, **fields}
    return v11_body(publication_batch={k: v for k, v in batch.items() if v is not None})


REFUSED = [
    (_requirement(comment="x" * 20_001), "assessment.requirements.0.comment",
     "a comment is at most 20,000 characters (this one has 20,001)"),
    (_requirement(comment=7), "assessment.requirements.0.comment",
     "Input should be a valid string"),
    (_requirement(evidence="a.pdf"), "assessment.requirements.0.evidence",
     "Input should be a valid list"),
    (_evidence(name=None), "assessment.requirements.0.evidence.0.name", "Field required"),
    (_evidence(uploaded_at=None), "assessment.requirements.0.evidence.0.uploaded_at",
     "Field required"),
    (_evidence(uploaded_at="2016-03-01T10:00:00"),
     "assessment.requirements.0.evidence.0.uploaded_at", "Input should have timezone info"),
    (_evidence(sha256="abc"), "assessment.requirements.0.evidence.0.sha256",
     "String should match pattern '^[0-9A-Fa-f]{64}$'"),
    (_evidence(size_bytes=-1), "assessment.requirements.0.evidence.0.size_bytes",
     "Input should be greater than or equal to 0"),
    (_evidence(url="file:///etc/passwd"), "assessment.requirements.0.evidence.0.url",
     "String should match pattern '^https?://[^\\s]+$'"),
    (_evidence(description="d" * 2001), "assessment.requirements.0.evidence.0.description",
     "String should have at most 2000 characters"),
    (_cover(kind="house"), "assessment.covers.1.kind",
     "Input should be 'study', 'branch', 'site', 'section' or 'organisation'"),
    (_cover(ods_code="FA 002"), "assessment.covers.1.ods_code",
     "String should match pattern '^[A-Za-z0-9]{3,10}$'"),
    (_batch(id=""), "publication_batch.id", "String should match pattern "
     "'^[A-Za-z0-9._:/-]{1,64}$'"),
    (_batch(head_office_ods_code=None), "publication_batch.head_office_ods_code",
     "Field required"),
    (_batch(size=0), "publication_batch.size", "Input should be greater than or equal to 1"),
]


@pytest.mark.parametrize(("payload", "field", "message"), REFUSED,
                         ids=[f"{i}-{field}" for i, (_, field, _m) in enumerate(REFUSED)])
def test_each_new_field_is_refused_with_its_field_error(client, session, payload, field,
                                                        message):
    response = post(client, payload)
    assert response.status_code == 422
    assert {"field": field, "message": message} in response.json["errors"]
