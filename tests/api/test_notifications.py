"""GET /api/v1/notifications/<notification_id>: what became of a notification."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from backoffice.cases.models import Case
from tests.factories import OrganisationFactory
from tests.payloads import body, post, process_pending

URL = "/api/v1/notifications/{}"


def test_a_processed_notification_shows_its_status_and_case(app, client, session, token_for,
                                                             api_get):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    accepted = post(client, body())
    assert accepted.status_code == 202
    assert accepted.json == {"notification_id": "IGT-13-000123", "status": "accepted",
                             "case_reference": None}
    token = token_for("helpdesk")
    waiting = api_get(URL.format("IGT-13-000123"), token)
    assert (waiting.json["status"], waiting.json["case_reference"]) == ("accepted", None)

    assert process_pending(app) == 1  # the job the webhook woke, as a worker runs it
    response = api_get(URL.format("IGT-13-000123"), token)
    case_reference = session.scalar(select(Case.reference))

    assert response.status_code == 200
    assert set(response.json) == {"notification_id", "status", "received_at", "errors",
                                  "case_reference"}
    assert response.json["status"] == "processed"
    assert response.json["case_reference"] == case_reference
    assert response.json["errors"] == []
    assert datetime.fromisoformat(response.json["received_at"]).tzinfo is not None


def test_a_notification_from_an_unknown_organisation_shows_unmatched_and_no_case(
        app, client, token_for, api_get):
    post(client, body())
    process_pending(app)
    response = api_get(URL.format("IGT-13-000123"), token_for("senior_reviewer"))
    assert response.json["status"] == "unmatched"
    assert response.json["case_reference"] is None


def test_a_conflicting_copy_does_not_hide_the_counted_notification(app, client, session,
                                                                  token_for, api_get):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    post(client, body())
    process_pending(app)
    assert post(client, body(published_at="2016-04-01T09:00:00Z")).status_code == 409
    assert api_get(URL.format("IGT-13-000123"), token_for("admin")).json["status"] == "processed"


def test_a_rejected_notification_shows_why_until_a_good_copy_is_counted(
        app, client, session, token_for, api_get):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    bad = body()
    bad["assessment"]["requirements"][0]["level"] = 4
    assert post(client, bad).status_code == 422
    token = token_for("helpdesk")

    rejected = api_get(URL.format("IGT-13-000123"), token)
    assert rejected.status_code == 200
    assert rejected.json["status"] == "rejected" and rejected.json["case_reference"] is None
    assert rejected.json["errors"][0]["field"].startswith("assessment.requirements.0")

    assert post(client, body()).status_code == 202  # the toolkit sent it again, corrected
    process_pending(app)
    corrected = api_get(URL.format("IGT-13-000123"), token)
    assert (corrected.json["status"], corrected.json["errors"]) == ("processed", [])


def test_an_unknown_notification_is_404(token_for, api_get):
    response = api_get(URL.format("IGT-13-999999"), token_for("helpdesk"))
    assert response.status_code == 404
    assert response.json == {"error": "no notification IGT-13-999999"}


def test_a_reviewer_token_may_not_look_up_notifications(token_for, api_get):
    assert api_get(URL.format("IGT-13-000123"), token_for("reviewer")).status_code == 403
