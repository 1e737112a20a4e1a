"""The annual compliance report against a hand-built reporting year."""

from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from backoffice.compliance import services, writers
from backoffice.compliance.services import ReportingYear, ReportNotYetAvailable
from backoffice.core.errors import InvalidInput
from tests.factories import OrganisationFactory
from tests.payloads import body, post, process_pending

YEAR = ReportingYear.parse("2015/16")
AFTER = date(2016, 4, 1)
ORGANISATIONS = [("8HV48", "Rosewood Care Home", "Voluntary Sector"),
                 ("8HV49", "Ahmed House", "Voluntary Sector"),
                 ("A81001", "Beech Surgery", "GP Practice"),
                 ("RH8", "Royal Devon and Exeter", "NHS Trust"),
                 ("8HV50", "Last Year Only", "Voluntary Sector")]
PUBLICATIONS = [  # ODS code, published, reporting year, {requirement: level or None}
    ("8HV48", "2016-01-10", "2015/16", {"114": 1, "115": 2}),
    ("8HV48", "2016-03-30", "2015/16", {"114": 2, "115": 3, "304": None}),  # republished
    ("RH8", "2016-02-01", "2015/16", {"114": 3, "115": 3, "117": 2}),
    ("A81001", "2015-09-01", "2015/16", {"114": 0}),
    ("8HV49", "2016-03-31", "2015/16", {"114": 2, "115": 2}),
    ("8HV50", "2015-03-31", "2014/15", {"114": 3}),
]
HEADINGS = ["ODS code", "Organisation", "Organisation category", "Toolkit version", "Published",
            "114", "115", "117", "304"]
EXPECTED_ROWS = [
    ["8HV48", "Rosewood Care Home", "Voluntary Sector", 13, date(2016, 3, 30), 2, 3, None,
     "Not relevant"],
    ["8HV49", "Ahmed House", "Voluntary Sector", 13, date(2016, 3, 31), 2, 2, None, None],
    ["A81001", "Beech Surgery", "GP Practice", 13, date(2015, 9, 1), 0, None, None, None],
    ["RH8", "Royal Devon and Exeter", "NHS Trust", 13, date(2016, 2, 1), 3, 3, 2, None],
]
EXPECTED_COUNTS = [("GP Practice", 1, 1), ("NHS Trust", 1, 1), ("Voluntary Sector", 2, 3)]


@pytest.fixture
def year(client, session):
    for ods_code, name, org_type in ORGANISATIONS:
        OrganisationFactory(ods_code=ods_code, name=name, org_type=org_type)
    session.commit()
    for number, (ods_code, published, reporting_year, levels) in enumerate(PUBLICATIONS):
        payload = body(notification_id=f"IGT-CR-{number}",
                       published_at=f"{published}T12:00:00Z", applications=[])
        payload["organisation"].update(ods_code=ods_code)
        payload["assessment"].update(
            reporting_year=reporting_year, improvement_plan=[], covers=[],
            requirements=[{"id": rid, "not_relevant": True} if level is None
                          else {"id": rid, "level": level} for rid, level in levels.items()])
        assert post(client, payload).status_code == 202
    process_pending(client.application)  # the job the webhook woke, as a worker runs it


def _rows(sheet):
    return [[c.date() if isinstance(c, datetime) else c for c in row]
            for row in sheet.iter_rows(values_only=True)]


def test_the_xlsx_holds_exactly_each_organisations_latest_levels_and_the_counts(session, year):
    report = writers.prepare(session, year=YEAR, today=AFTER)
    target = BytesIO()
    writers.write_xlsx(session, report, target)
    workbook = load_workbook(BytesIO(target.getvalue()))
    assert workbook.sheetnames == ["Attainment by requirement", "Publications by category"]
    attainment, counts = workbook.worksheets
    assert _rows(attainment) == [HEADINGS, *EXPECTED_ROWS]
    assert isinstance(attainment["E2"].value, datetime)  # a date cell, not text
    assert attainment.freeze_panes == "C2" and counts.freeze_panes == "A2"
    assert attainment.column_dimensions["B"].width == 45
    assert attainment["A1"].font.bold
    assert _rows(counts) == [list(services.COUNT_HEADINGS),
                             *[list(row) for row in EXPECTED_COUNTS]]


def test_cabinet_office_counts_equal_the_published_assessments_per_type(session, year):
    counts = services.counts_by_type(session, year=YEAR)
    assert counts == EXPECTED_COUNTS
    per_type = {}
    for row in services.attainment_rows(session, year=YEAR):
        per_type[row.org_type] = per_type.get(row.org_type, 0) + 1
    assert {org_type: organisations for org_type, organisations, _ in counts} == per_type


def test_a_year_not_yet_ended_is_refused_with_the_date_it_opens(session, year):
    with pytest.raises(ReportNotYetAvailable) as refused:
        writers.prepare(session, year=YEAR, today=date(2016, 3, 31))
    assert refused.value.message.startswith(
        "The 2015/16 compliance report is available from 1 April 2016")
    writers.prepare(session, year=YEAR, today=date(2016, 4, 1))


def test_a_badly_written_year_is_refused():
    for text in ("2015", "2015/17", "15/16", ""):
        with pytest.raises(InvalidInput):
            ReportingYear.parse(text)


def test_the_command_writes_xlsx_and_both_csv_parts(app, session, year, tmp_path):
    runner = app.test_cli_runner()
    xlsx = tmp_path / "report.xlsx"
    result = runner.invoke(args=["reports", "compliance", "--year", "2015/16", "--format",
                                 "xlsx", "--output", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert "4 organisations published" in result.output
    assert _rows(load_workbook(xlsx).worksheets[0])[1:] == EXPECTED_ROWS
    csv_file = tmp_path / "report.csv"
    result = runner.invoke(args=["reports", "compliance", "--year", "2015/16", "--format",
                                 "csv", "--output", str(csv_file)])
    assert result.exit_code == 0, result.output
    lines = csv_file.read_text().splitlines()
    assert lines[0] == ",".join(HEADINGS)
    assert lines[1] == "8HV48,Rosewood Care Home,Voluntary Sector,13,2016-03-30,2,3,,Not relevant"
    assert len(lines) == 5
    counts = (tmp_path / "report-by-organisation-type.csv").read_text().splitlines()
    assert counts[1:] == ["GP Practice,1,1", "NHS Trust,1,1", "Voluntary Sector,2,3"]


def test_the_command_refuses_a_year_not_yet_ended(app, tmp_path):
    result = app.test_cli_runner().invoke(args=[
        "reports", "compliance", "--year", "2026/27", "--format", "csv", "--output",
        str(tmp_path / "r.csv"), "--today", "2026-11-23"])
    assert result.exit_code != 0
    assert "available from 1 April 2027" in result.output
    assert not (tmp_path / "r.csv").exists()
