"""The flags a case carries in the API: what its publications did against the version
calendar (accepted either way)."""

from sqlalchemy import select

from backoffice.cases.calendar import ToolkitVersion
from backoffice.cases.models import Assessment
from tests.factories import OrganisationFactory
from tests.payloads import body, post_processed

CALENDAR = {12: "2014/15", 13: "2015/16"}


def _calendar(session) -> None:
    session.add_all([ToolkitVersion(version=v, reporting_year=y) for v, y in CALENDAR.items()])
    session.commit()


def test_a_version_for_another_year_is_accepted_and_its_case_flagged(
        client, session, token_for, api_get):
    _calendar(session)
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    payload = body()
    payload["assessment"]["toolkit_version"] = 12
    reference = post_processed(client, payload)["case_reference"]
    assert reference is not None
    assert session.scalar(select(Assessment.flags)) == ["version_year_mismatch"]
    case = api_get(f"/api/v1/cases/{reference}", token_for("reviewer")).json
    assert case["flags"] == ["version_year_mismatch"]


def test_a_publication_on_1_april_is_flagged_late_and_one_on_31_march_is_not(
        client, session, token_for, api_get):
    _calendar(session)
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    reference = post_processed(client, body(published_at="2016-03-31T21:00:00Z"))[
        "case_reference"]
    token = token_for("reviewer")
    assert api_get(f"/api/v1/cases/{reference}", token).json["flags"] == []
    post_processed(client, body(notification_id="IGT-13-000200",
                                published_at="2016-04-01T08:00:00+01:00"))
    assert api_get(f"/api/v1/cases/{reference}", token).json["flags"] == ["late_publication"]
