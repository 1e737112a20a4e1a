"""Every answer of the notification contract (v1)."""

import os
import time

import pytest
from sqlalchemy import func, select, text

from backoffice.cases.models import Case
from backoffice.notifications.models import Notification
from tests.factories import OrganisationFactory
from tests.payloads import URL, body, encode, post, process_pending, signed_headers


@pytest.fixture
def rosewood(session):
    organisation = OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    session.commit()
    return organisation


def _stored(session) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).order_by(Notification.id)))


def test_an_accepted_notification_answers_202_and_the_job_opens_a_case(app, client, session,
                                                                      rosewood):
    response = post(client, body())
    assert response.status_code == 202
    assert response.json == {"notification_id": "IGT-13-000123", "status": "accepted",
                             "case_reference": None}
    assert [row.status for row in _stored(session)] == ["accepted"]
    assert process_pending(app) == 1
    reference = _stored(session)[0].case.reference
    assert reference.startswith("R-") and reference.endswith("-000001")
    case = session.scalar(select(Case))
    assert sorted((r.application_type, r.approval_group) for r in case.reasons) == [
        ("N3", "IGSoC"), ("S251", "CAG")]


def test_a_repeat_with_the_same_body_answers_200_with_the_same_answer(app, client, session,
                                                                      rosewood):
    first = post(client, body())
    again = post(client, body())
    assert again.status_code == 200
    assert again.json == first.json
    process_pending(app)
    processed = post(client, body())  # once processed, a repeat shows the case
    assert processed.status_code == 200
    assert processed.json["status"] == "processed"
    assert processed.json["case_reference"] == session.scalar(select(Case.reference))
    assert len(_stored(session)) == 1
    assert session.scalar(select(func.count(Case.id))) == 1


def test_a_repeat_with_a_different_body_is_409_stored_and_flagged(app, client, session,
                                                                  rosewood):
    post(client, body())
    process_pending(app)
    response = post(client, body(published_at="2016-03-31T09:00:00Z"))
    assert response.status_code == 409
    rows = _stored(session)
    assert [row.status for row in rows] == ["processed", "conflict"]
    assert "different body" in rows[1].errors[0]["message"]


def test_a_bad_signature_is_401_and_nothing_is_stored(client, session):
    raw = encode(body())
    headers = signed_headers(raw, secret="not the secret")
    response = client.post(URL, data=raw, headers=headers)
    assert response.status_code == 401
    assert "signature" in response.json["error"]
    assert _stored(session) == []


@pytest.mark.parametrize("offset", [-301, 301], ids=["stale", "future"])
def test_a_stale_or_future_timestamp_is_401(client, session, offset):
    response = post(client, body(), timestamp=int(time.time()) + offset)
    assert response.status_code == 401
    assert "5 minutes" in response.json["error"]


def test_missing_signature_headers_are_401(client):
    response = client.post(URL, data=encode(body()), headers={"Content-Type":
                                                             "application/json"})
    assert response.status_code == 401


def test_a_body_over_one_mebibyte_is_413(client, session):
    raw = b'{"padding": "' + b"x" * (1024 * 1024) + b'"}'
    response = client.post(URL, data=raw, headers=signed_headers(raw))
    assert response.status_code == 413
    assert _stored(session) == []


def test_a_body_that_is_not_json_is_400_stored_and_rejected(client, session):
    response = post(client, b"this is not json {")
    assert response.status_code == 400
    [row] = _stored(session)
    assert row.status == "rejected"
    assert row.raw_body == b"this is not json {"
    assert row.errors == [{"field": "body", "message": "the body is not a JSON object"}]


def _errors_for(client, payload) -> list[dict]:
    response = post(client, payload)
    assert response.status_code == 422, response.json
    return response.json["errors"]


def test_a_missing_organisation_is_422_with_its_field(client, session):
    errors = _errors_for(client, body(organisation=None))
    assert {"field": "organisation", "message": "Field required"} in errors
    assert _stored(session)[0].status == "rejected"


def test_level_4_is_422(client):
    payload = body()
    payload["assessment"]["requirements"][0]["level"] = 4
    errors = _errors_for(client, payload)
    assert errors[0]["field"] == "assessment.requirements.0.level"


def test_an_unknown_application_type_is_422(client):
    errors = _errors_for(client, body(applications=[{"type": "X9", "reference": "1"}]))
    assert errors[0]["field"] == "applications.0.type"


def test_a_duplicate_requirement_id_is_422(client):
    payload = body()
    payload["assessment"]["requirements"].append({"id": "114", "level": 3})
    errors = _errors_for(client, payload)
    assert "requirement 114 is given more than once" in errors[0]["message"]


def test_a_plan_item_for_an_unknown_requirement_is_422(client):
    payload = body()
    payload["assessment"]["improvement_plan"][0]["requirement"] = "999"
    errors = _errors_for(client, payload)
    assert "requirement 999, which the assessment does not contain" in errors[0]["message"]


def test_an_impossible_date_is_422(client):
    payload = body()
    payload["assessment"]["improvement_plan"][0]["target_date"] = "2017-02-30"
    errors = _errors_for(client, payload)
    assert errors[0]["field"] == "assessment.improvement_plan.0.target_date"


def test_a_rejected_notification_id_can_be_sent_again_corrected(client, session, rosewood):
    payload = body()
    payload["assessment"]["requirements"][0]["level"] = 4
    assert post(client, payload).status_code == 422
    assert post(client, body()).status_code == 202
    assert [row.status for row in _stored(session)] == ["rejected", "accepted"]


@pytest.mark.skipif(not os.environ.get("BACKOFFICE_TEST_DATABASE_URL"),
                    reason="ending the store's connection is a PostgreSQL drill")
def test_a_store_connection_that_died_while_idle_is_replaced_and_nothing_is_lost(
        app, client, session, rosewood):
    assert post(client, body(notification_id="IGT-BEFORE")).status_code == 202
    session.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    session.commit()

    response = post(client, body(notification_id="IGT-AFTER"))
    assert response.status_code == 202 and response.json["status"] == "accepted"
    assert [n.notification_id for n in _stored(session)] == ["IGT-BEFORE", "IGT-AFTER"]
