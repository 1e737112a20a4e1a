"""GET /api/v1/organisations/<ods_code>: its publication status per reporting year."""

from backoffice.cases.calendar import ToolkitVersion
from tests.publication.year import three_organisations


def test_an_organisation_lists_its_years_and_application_types(
        client, session, token_for, api_get):
    session.add(ToolkitVersion(version=12, reporting_year="2014/15"))
    three_organisations(client, session)
    token = token_for("reviewer")
    found = api_get("/api/v1/organisations/ontime", token)
    assert found.status_code == 200, found.json
    assert found.json["application_types"] == ["N3", "S251"]
    assert [(y["reporting_year"], y["status"], y["toolkit_version"], y["latest_outcome"])
            for y in found.json["years"]] == [("2014/15", "not_published", None, None),
                                              ("2015/16", "on_time", 13, "satisfactory")]
    late = api_get("/api/v1/organisations/LATE1", token).json
    assert [y["status"] for y in late["years"]] == ["not_published", "late"]
    assert late["application_types"] == []


def test_an_unknown_organisation_is_404_and_a_missing_token_401(client, token_for, api_get):
    assert api_get("/api/v1/organisations/NOPE", token_for("reviewer")).status_code == 404
    assert api_get("/api/v1/organisations/" + "X" * 300,
                   token_for("reviewer")).status_code == 404
    assert client.get("/api/v1/organisations/NOPE").status_code == 401
