"""Reports → Publication status, its CSV and the command that writes it."""

import csv
import io

from tests.publication.year import three_organisations

URL = "/admin/publication-status/"


def _table(page: str) -> str:
    return page[page.index('data-testid="publication-status"'):]


def test_each_organisation_reads_on_time_late_or_not_published(client, login, session):
    three_organisations(client, session)
    login("reviewer")
    page = _table(client.get(URL, query_string={"year": "2015/16"}).get_data(as_text=True))
    # in ODS code order: LATE1, NONE1, ONTIME
    beech, cedar, ash = (page.index(name) for name in ("Beech", "Cedar", "Ash"))
    assert "Published late" in page[beech:cedar]
    assert "Not published" in page[cedar:ash]
    assert "Published on time" in page[ash:] and "Satisfactory" in page[ash:]


def test_the_filters_narrow_by_status_type_and_application(client, login, session):
    three_organisations(client, session)
    login("reviewer")

    def names(**args):
        page = _table(client.get(URL, query_string={"year": "2015/16", **args})
                      .get_data(as_text=True))
        return [name for name in ("Ash", "Beech", "Cedar") if name in page]

    assert names(status="late") == ["Beech"]
    assert names(status="on_time") == ["Ash"]
    assert names(status="not_published") == ["Cedar"]
    assert names(org_type="Voluntary Sector") == ["Ash", "Cedar"]
    assert names(application="S251") == ["Ash"]
    assert names(year="2014/15", status="not_published") == ["Ash", "Beech", "Cedar"]


def test_the_csv_has_every_organisation_and_neutralises_formulas(client, login, session):
    three_organisations(client, session)
    from tests.factories import OrganisationFactory
    OrganisationFactory(ods_code="ZZZ1", name="=HYPERLINK(\"x\")")
    session.commit()
    login("reviewer")
    response = client.get(URL + "status.csv", query_string={"year": "2015/16"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["ods_code"], r["status"]) for r in rows] == [
        ("LATE1", "Published late"), ("NONE1", "Not published"),
        ("ONTIME", "Published on time"), ("ZZZ1", "Not published")]
    assert rows[2]["latest_outcome"] == "Satisfactory" and rows[2]["toolkit_version"] == "13"
    assert rows[3]["organisation"].startswith("'=")


def test_a_bad_year_is_refused_on_its_field(client, login, session):
    login("reviewer")
    page = client.get(URL, query_string={"year": "2016"}).get_data(as_text=True)
    assert "Write the year as 2015/16." in page
    assert client.get(URL + "status.csv", query_string={"year": "2016"}).status_code == 400


def test_without_logging_in_the_screen_is_not_shown(client):
    assert client.get(URL).status_code in (302, 401, 403)


def test_the_command_writes_the_csv(app, client, session, tmp_path):
    three_organisations(client, session)
    output = tmp_path / "status.csv"
    result = app.test_cli_runner().invoke(args=[
        "reports", "publication-status", "--year", "2015/16", "--output", str(output)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert {r["ods_code"]: r["status"] for r in rows} == {
        "ONTIME": "Published on time", "LATE1": "Published late", "NONE1": "Not published"}
