"""The flags a case carries in the API: what its publications did against the version
calendar (accepted either way), the organisation's first publication (baseline), whether it
was republished, and what its covers miss."""

from sqlalchemy import select, text

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
    assert session.scalar(select(Assessment.flags)) == ["version_year_mismatch", "baseline"]
    case = api_get(f"/api/v1/cases/{reference}", token_for("reviewer")).json
    assert case["flags"] == ["version_year_mismatch", "baseline"]


def test_a_publication_on_1_april_is_flagged_late_and_one_on_31_march_is_not(
        client, session, token_for, api_get):
    _calendar(session)
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    reference = post_processed(client, body(published_at="2016-03-31T21:00:00Z"))[
        "case_reference"]
    token = token_for("reviewer")
    assert api_get(f"/api/v1/cases/{reference}", token).json["flags"] == ["baseline"]
    post_processed(client, body(notification_id="IGT-13-000200",
                                published_at="2016-04-01T08:00:00+01:00"))
    assert api_get(f"/api/v1/cases/{reference}", token).json["flags"] == [
        "republished", "baseline", "late_publication"]


def _flags_of(client, api_get, token, payload) -> list[str]:
    reference = post_processed(client, payload)["case_reference"]
    return api_get(f"/api/v1/cases/{reference}", token).json["flags"]


def test_a_dars_application_without_covers_is_flagged_no_covers(
        client, session, token_for, api_get):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    payload = body(applications=[{"type": "DARS", "reference": "DARS-NIC-12345"}])
    payload["assessment"]["covers"] = []
    assert _flags_of(client, api_get, token_for("reviewer"), payload) == [
        "baseline", "no_covers"]


def test_an_s251_reference_in_no_cover_is_flagged_and_one_named_in_a_cover_is_not(
        client, session, token_for, api_get):
    OrganisationFactory(ods_code="8HV48")
    OrganisationFactory(ods_code="8HV49")
    session.commit()
    token = token_for("reviewer")
    missing = body(applications=[{"type": "S251", "reference": "CAG 9-99/2015"}])
    assert _flags_of(client, api_get, token, missing) == ["baseline", "reference_not_in_covers"]
    named = body(notification_id="IGT-2", applications=[
        {"type": "S251", "reference": "cag 9-99/2015"}, {"type": "N3", "reference": "IG-1"}])
    named["organisation"]["ods_code"] = "8HV49"
    named["assessment"]["covers"] = [{"kind": "study", "name": "Cohort study (CAG  9-99/2015)"}]
    assert _flags_of(client, api_get, token, named) == ["baseline"]


def test_an_organisations_second_publication_is_not_a_baseline(
        client, session, token_for, api_get):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    first = post_processed(client, body())["case_reference"]
    session.execute(text("UPDATE cases SET status = 'closed'"))
    session.commit()
    token = token_for("reviewer")
    again = _flags_of(client, api_get, token, body(notification_id="IGT-13-000300"))
    assert api_get(f"/api/v1/cases/{first}", token).json["flags"] == ["baseline"]
    assert again == []
