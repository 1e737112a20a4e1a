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


def test_publications_across_the_year_boundary_keep_each_years_summary(client, session):
    """On time, late and none in 2015/16; a republication after 31 March leaves an on-time
    organisation on time; an older publication arriving later moves its first date back."""
    from datetime import UTC, datetime

    from backoffice.publication import status
    from tests.publication.year import _publish

    three_organisations(client, session)
    _publish(client, "ONTIME", 3, "2016-04-20T10:00:00Z", applications=[])  # republished late
    _publish(client, "LATE1", 4, "2016-03-01T10:00:00Z", applications=[])  # arrives last
    rows = {row.ods_code: row for row in status.page(session, status.Filters("2015/16")).rows}
    assert {code: row.status for code, row in rows.items()} == {
        "ONTIME": status.Status.ON_TIME, "LATE1": status.Status.ON_TIME,
        "NONE1": status.Status.NOT_PUBLISHED}
    assert rows["LATE1"].first_published == datetime(2016, 3, 1, 10, tzinfo=UTC)
    next_year = {row.ods_code: row.status
                 for row in status.page(session, status.Filters("2016/17")).rows}
    assert set(next_year.values()) == {status.Status.NOT_PUBLISHED}


def test_a_reopened_case_takes_its_outcome_off_the_year_until_it_closes(client, session):
    from sqlalchemy import select

    from backoffice.cases import lifecycle
    from backoffice.cases.models import Case
    from backoffice.core.audit import SYSTEM_ACTOR
    from backoffice.publication import status

    three_organisations(client, session)
    case = session.scalar(select(Case).where(Case.outcome.is_not(None)))
    lifecycle.reopen(session, actor=SYSTEM_ACTOR, case=case)
    session.commit()
    row = status.page(session, status.Filters("2015/16", status=status.Status.ON_TIME)).rows[0]
    assert (row.ods_code, row.outcome) == ("ONTIME", None)


def test_a_filtered_page_searches_a_stretch_at_a_time_and_the_next_goes_on(
        client, login, session, monkeypatch):
    """With few matches a filtered page stops after a stretch of organisations, says how far
    it searched, and its next page goes on from there until every match is found."""
    from backoffice.publication import status

    three_organisations(client, session)
    monkeypatch.setattr(status, "SEARCH_WINDOW", 1)
    login("reviewer")
    found, url, pages = [], URL + "?year=2015/16&status=not_published", 0
    while url and pages < 10:
        html = client.get(url).get_data(as_text=True)
        page = _table(html)
        found += [name for name in ("Ash", "Beech", "Cedar") if name in page]
        if not found:
            assert "Searched the organisations up to ODS code LATE1" in html
        marker = 'href="' + URL + '?after='
        url = html[html.index(marker) + 6:].split('"')[0].replace("&amp;", "&") \
            if marker in html else None
        pages += 1
    assert found == ["Cedar"] and pages == 3
