"""The public outcomes report: anyone may search it; it shows what was published, never
what the review wrote."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from backoffice.reports import services
from backoffice.reviews.guards import latest_assessment
from tests.reports.conftest import assert_no_secrets


def _csv(client, **params) -> list[dict[str, str]]:
    response = client.get("/reports/outcomes.csv", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_anyone_sees_published_outcomes_without_logging_in(client, publish):
    publish(ods_code="8HV48", name="Rosewood Care Home", outcome="satisfactory")
    response = client.get("/reports/outcomes")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rosewood Care Home" in html and "8HV48" in html
    assert "Satisfactory" in html and "2015/16" in html


def test_the_report_and_its_csv_never_show_comments_findings_reasons_or_requests(client,
                                                                                  publish):
    case = publish(outcome="not_satisfactory")
    pages = [client.get("/reports/outcomes").get_data(as_text=True),
             client.get(f"/reports/outcomes/{case.reference}").get_data(as_text=True),
             client.get("/reports/outcomes.csv").get_data(as_text=True)]
    assert "Rosewood Care Home" in pages[1] and "Not Satisfactory" in pages[1]
    for text in pages:
        assert_no_secrets(text)


def test_detail_page_shows_the_published_level_or_not_relevant_of_each_requirement(client,
                                                                                    publish):
    case = publish(levels={"114": 2, "304": None, "117": 3})
    html = client.get(f"/reports/outcomes/{case.reference}").get_data(as_text=True)
    assert "Responsibility for Information Governance has been assigned" in html
    assert "Smartcard users comply" in html
    rows = html.split("<tbody>")[1]
    assert rows.index("114") < rows.index("Level 2") < rows.index("304")
    assert rows.index("304") < rows.index("Not Relevant") < rows.index("117")
    assert rows.index("117") < rows.index("Level 3")
    # the reviewer disagreed with 114 (level 1); the public sees what was published
    assert "Level 1" not in rows


def test_an_outcome_not_confirmed_is_absent_from_the_report_csv_and_detail(client, publish):
    open_case = publish(ods_code="8AA01", name="Open Case Home", status="awaiting_sign_off",
                        outcome="not_satisfactory")
    publish(ods_code="8AA02", name="Closed Case Home")
    assert "Open Case Home" not in client.get("/reports/outcomes").get_data(as_text=True)
    assert [row["organisation"] for row in _csv(client)] == ["Closed Case Home"]
    assert client.get(f"/reports/outcomes/{open_case.reference}").status_code == 404


def test_a_confirmed_outcome_shows_while_its_letters_are_still_going(client, publish):
    going = publish(ods_code="8AA01", name="Letters Going Home", status="sending_letters")
    assert "Letters Going Home" in client.get("/reports/outcomes").get_data(as_text=True)
    assert client.get(f"/reports/outcomes/{going.reference}").status_code == 200


def test_a_reopened_case_drops_off_until_it_closes_again(client, session, publish):
    case = publish(name="Reopened Home")
    case.status = "in_review"
    case.unpublish()
    session.commit()
    assert "Reopened Home" not in client.get("/reports/outcomes").get_data(as_text=True)
    assert client.get(f"/reports/outcomes/{case.reference}").status_code == 404


def test_csv_has_a_header_and_one_row_per_published_outcome(client, publish):
    publish(ods_code="8AA01", name="First Home", outcome="satisfactory",
            closed_at=datetime(2016, 4, 1, 9, tzinfo=UTC))
    publish(ods_code="8AA02", name="=HYPERLINK(\"x\")", outcome="not_satisfactory",
            closed_at=datetime(2016, 4, 2, 9, tzinfo=UTC))
    publish(ods_code="8AA03", name="Not Yet Home", status="in_review")
    response = client.get("/reports/outcomes.csv")
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == ",".join(services.CSV_HEADER)
    rows = _csv(client)
    assert len(rows) == 2
    assert rows[0]["organisation"] == "'=HYPERLINK(\"x\")"  # not run as a formula
    assert rows[1] == {"organisation": "First Home", "ods_code": "8AA01",
                       "toolkit_version": "13", "reporting_year": "2015/16",
                       "outcome": "Satisfactory", "outcome_date": "2016-04-01",
                       "reference": rows[1]["reference"]}


def test_search_by_name_or_ods_code(client, publish):
    publish(ods_code="8AA01", name="Rosewood Care Home")
    publish(ods_code="FQ123", name="Oakfield Pharmacy")
    html = client.get("/reports/outcomes?q=rosewood").get_data(as_text=True)
    assert "Rosewood Care Home" in html and "Oakfield Pharmacy" not in html
    html = client.get("/reports/outcomes?q=fq123").get_data(as_text=True)
    assert "Oakfield Pharmacy" in html and "Rosewood Care Home" not in html
    assert [r["ods_code"] for r in _csv(client, q="Oakfield")] == ["FQ123"]
    html = client.get("/reports/outcomes?q=100%25").get_data(as_text=True)
    assert "No published outcomes match" in html  # % is a character, not a wildcard


def test_filters_by_outcome_version_and_year(client, publish):
    publish(ods_code="8AA01", name="Version Twelve Home", version=12, year="2014/15",
            outcome="satisfactory")
    publish(ods_code="8AA02", name="Version Thirteen Home", version=13, year="2015/16",
            outcome="satisfactory_with_improvement_plan")
    assert [r["ods_code"] for r in _csv(client, version=12)] == ["8AA01"]
    assert [r["ods_code"] for r in _csv(client, year="2015/16")] == ["8AA02"]
    assert [r["ods_code"] for r in _csv(client, outcome="satisfactory")] == ["8AA01"]
    assert _csv(client, outcome="satisfactory", version=13) == []
    html = client.get("/reports/outcomes?outcome=satisfactory_with_improvement_plan"
                      ).get_data(as_text=True)
    assert "Version Thirteen Home" in html and "Version Twelve Home" not in html


def test_a_republished_case_shows_its_latest_assessment(client, session, publish):
    from backoffice.cases.models import Case
    from tests.payloads import body, post_processed

    case = publish(ods_code="8AA01", name="Republished Home", status="in_review",
                   outcome=None, levels={"114": 1, "117": 3})
    later = body(notification_id="IGT-later", published_at="2016-03-31T10:00:00Z")
    later["organisation"]["ods_code"] = "8AA01"
    later["assessment"]["requirements"] = [{"id": "114", "level": 3}, {"id": "117", "level": 3}]
    later["assessment"].update(toolkit_version=14, reporting_year="2016/17")
    post_processed(client, later)
    session.expire_all()
    case = session.get(Case, case.id)
    case.outcome = "satisfactory"
    case.status = "closed"
    case.publish(latest_assessment(session, case), datetime(2016, 4, 5, tzinfo=UTC))
    session.commit()
    rows = _csv(client)
    assert len(rows) == 1
    assert (rows[0]["toolkit_version"], rows[0]["reporting_year"]) == ("14", "2016/17")
    assert len(_csv(client, year="2016/17")) == len(_csv(client, version=14)) == 1
    assert _csv(client, year="2015/16") == _csv(client, version=13) == []
    html = client.get(f"/reports/outcomes/{case.reference}").get_data(as_text=True)
    assert "Level 3" in html and "Level 1" not in html


def test_bad_filter_values_are_explained_and_ignored_never_a_server_error(client, publish):
    publish(name="Rosewood Care Home")
    for params in ({"version": "abc"}, {"version": "99999999999999999999999"},
                   {"year": "2015-16'; drop table cases"}, {"outcome": "excellent"},
                   {"q": "x" * 500}, {"q": "nul\x00byte"}, {"after": "garbage"},
                   {"after": "99999999999999999999.1"}, {"after": "-1.-1"}):
        response = client.get("/reports/outcomes", query_string=params)
        assert response.status_code == 200, params
        html = response.get_data(as_text=True)
        if "after" not in params:
            assert "This filter was not applied" in html, params
            assert "Rosewood Care Home" in html, params
    response = client.get("/reports/outcomes.csv", query_string={"version": "abc"})
    assert response.status_code == 400
    assert "Toolkit version" in response.get_data(as_text=True)
    assert client.get("/reports/outcomes/" + "R" * 300).status_code == 404
    assert client.get("/reports/outcomes/R-2016%00").status_code == 404


def test_pages_follow_each_other_without_gaps_or_repeats(client, publish, monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    same_moment = datetime(2016, 4, 3, 12, tzinfo=UTC)
    for number in range(5):
        publish(ods_code=f"8AA0{number}", name=f"Home {number}", closed_at=same_moment)
    seen, url = [], "/reports/outcomes"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [f"Home {n}" for n in range(5) if f">Home {n}<" in html]
        marker = 'rel="next" href="'
        url = html.split(marker)[1].split('"')[0].replace("&amp;", "&") if marker in html \
            else None
    assert sorted(seen) == [f"Home {n}" for n in range(5)] and len(seen) == 5


def test_a_page_that_takes_too_long_is_refused_with_advice_not_an_error(client, session,
                                                                        publish, monkeypatch):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the time limit is PostgreSQL's statement_timeout")
    from sqlalchemy import text

    publish(name="Rosewood Care Home")
    slow = services._base_query
    monkeypatch.setattr(services, "_base_query", lambda: slow().where(
        text("(SELECT count(*) FROM pg_sleep(0.2)) = 1")))
    monkeypatch.setattr(services, "PAGE_TIME_LIMIT_MS", 50)
    response = client.get("/reports/outcomes?version=12")
    assert response.status_code == 200
    assert "That search took too long" in response.get_data(as_text=True)


def test_published_scores_name_each_requirement_by_its_statement_in_the_guidance(client,
                                                                                 publish):
    case = publish(levels={"201": 2, "203": 3, "206": 2, "101": 1, "117": 2})
    html = client.get(f"/reports/outcomes/{case.reference}").get_data(as_text=True)
    assert ("<td>201</td><td>The organisation ensures that arrangements are in place to support "
            "and promote information sharing for coordinated and integrated care") in html
    assert ("<td>203</td><td>Patients, service users and the public understand how personal "
            "information is used and shared") in html
    assert "<td>206</td><td>Staff access to confidential personal information is monitored" in html
    # the sources give no title for 101: it keeps its number
    assert "<td>101</td><td>Requirement 101</td>" in html
    assert "Requirement 201" not in html and "Requirement 206" not in html


def test_the_report_counts_its_results_and_names_each_bad_filter_once(client, publish):
    publish(name="Rosewood Care Home")
    publish(ods_code="8HV49", name="Acorn Surgery")
    html = client.get("/reports/outcomes").get_data(as_text=True)
    assert "2 published outcomes match." in html
    html = client.get("/reports/outcomes", query_string={"q": "rosewood"}).get_data(as_text=True)
    assert "1 published outcome matches these filters." in html
    html = client.get("/reports/outcomes", query_string={"version": "abc", "year": "2015"}
                      ).get_data(as_text=True)
    assert html.count('data-testid="filter-problem"') == 2  # one for each bad filter
    assert html.count("Toolkit version:") == 1


def test_a_visitor_at_the_root_finds_the_reports_and_the_contact_form(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for link in ('href="/reports/outcomes"', 'href="/contact"', 'href="/login"'):
        assert link in html
