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
                 ("8HV50", "Last Year Only", "Voluntary Sector"),
                 ("8HV51", "Late Lodge", "Voluntary Sector")]
PUBLICATIONS = [  # ODS code, published, reporting year, {requirement: level or None}
    ("8HV48", "2016-01-10", "2015/16", {"114": 1, "115": 2}),
    ("8HV48", "2016-03-30", "2015/16", {"114": 2, "115": 3, "304": None}),  # republished
    ("RH8", "2016-02-01", "2015/16", {"114": 3, "115": 3, "117": 2}),
    ("A81001", "2015-09-01", "2015/16", {"114": 0}),
    ("8HV49", "2016-03-31", "2015/16", {"114": 2, "115": 2}),
    ("8HV50", "2015-03-31", "2014/15", {"114": 3}),
    # 1 April 2016, 09:00 BST: after the deadline, so late (and not on time)
    ("8HV51", "2016-04-01T08:00:00Z", "2015/16", {"114": 2, "412": 1}),
    # a republication after the deadline leaves 8HV48's report at its 30 March levels
    ("8HV48", "2016-04-02", "2015/16", {"114": 0, "115": 0}),
]
INITIATIVES = [None, None, None, None, None, "Information Governance Management", None, None,
               "Information Security Assurance", "Clinical Information Assurance"]
HEADINGS = ["ODS code", "Organisation", "Organisation category", "Toolkit version",
            "Published", "114", "115", "117", "304", "412"]
EXPECTED_ROWS = [
    ["8HV48", "Rosewood Care Home", "Voluntary Sector", 13, date(2016, 3, 30), 2, 3, None,
     "Not relevant", None],
    ["8HV49", "Ahmed House", "Voluntary Sector", 13, date(2016, 3, 31), 2, 2, None, None, None],
    ["A81001", "Beech Surgery", "GP Practice", 13, date(2015, 9, 1), 0, None, None, None, None],
    ["RH8", "Royal Devon and Exeter", "NHS Trust", 13, date(2016, 2, 1), 3, 3, 2, None, None],
]
LATE_ROWS = [["8HV51", "Late Lodge", "Voluntary Sector", 13, date(2016, 4, 1), 2, None, None,
              None, 1]]
# category, published by 31 March, publications by then, published late
EXPECTED_COUNTS = [("GP Practice", 1, 1, 0), ("NHS Trust", 1, 1, 0),
                   ("Voluntary Sector", 2, 3, 1)]


@pytest.fixture
def year(client, session):
    for ods_code, name, org_type in ORGANISATIONS:
        OrganisationFactory(ods_code=ods_code, name=name, org_type=org_type)
    session.commit()
    for number, (ods_code, published, reporting_year, levels) in enumerate(PUBLICATIONS):
        moment = published if "T" in published else f"{published}T12:00:00Z"
        payload = body(notification_id=f"IGT-CR-{number}", published_at=moment,
                       applications=[])
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
    assert workbook.sheetnames == ["Attainment by requirement", "Published late",
                                   "Publications by category"]
    attainment, late, counts = workbook.worksheets
    assert _rows(attainment) == [INITIATIVES, HEADINGS, *EXPECTED_ROWS]
    assert isinstance(attainment["E3"].value, datetime)  # a date cell, not text
    assert attainment.freeze_panes == "C3" and counts.freeze_panes == "A2"
    assert attainment.column_dimensions["B"].width == 45
    assert attainment["A1"].font.bold
    assert _rows(counts) == [list(services.COUNT_HEADINGS),
                             *[list(row) for row in EXPECTED_COUNTS]]
    assert _rows(late) == [INITIATIVES, HEADINGS, *LATE_ROWS]


def test_a_publication_of_1_april_is_not_on_time_and_is_listed_as_late(session, year):
    """8HV51 published at 09:00 on 1 April 2016: not among the on-time rows or counts."""
    on_time = [row.ods_code for row in services.attainment_rows(session, year=YEAR)]
    late = [row.ods_code for row in services.attainment_rows(session, year=YEAR, late=True)]
    assert "8HV51" not in on_time and late == ["8HV51"]
    assert services.count_publishers(session, year=YEAR) == 4
    voluntary = dict((c[0], c[1:]) for c in services.counts_by_type(session, year=YEAR))
    assert voluntary["Voluntary Sector"] == (2, 3, 1)


def test_requirements_are_grouped_by_the_six_initiatives(session, year):
    from backoffice.core.requirements import INITIATIVES as SIX
    from backoffice.core.requirements import initiative

    report = writers.prepare(session, year=YEAR, today=AFTER)
    groups = [initiative(rid) for rid in report.requirement_ids]
    assert groups == ["Information Governance Management"] * 3 + [
        "Information Security Assurance", "Clinical Information Assurance"]
    assert [initiative(r) for r in ("117", "214", "304", "412", "505", "601")] == list(SIX)


def test_cabinet_office_counts_equal_the_published_assessments_per_type(session, year):
    counts = services.counts_by_type(session, year=YEAR)
    assert counts == EXPECTED_COUNTS
    per_type = {}
    for row in services.attainment_rows(session, year=YEAR):
        per_type[row.org_type] = per_type.get(row.org_type, 0) + 1
    assert {org_type: organisations for org_type, organisations, _, _ in counts} == per_type


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
    assert "4 organisations published by 31 March" in result.output
    assert _rows(load_workbook(xlsx).worksheets[0])[2:] == EXPECTED_ROWS
    csv_file = tmp_path / "report.csv"
    result = runner.invoke(args=["reports", "compliance", "--year", "2015/16", "--format",
                                 "csv", "--output", str(csv_file)])
    assert result.exit_code == 0, result.output
    lines = csv_file.read_text().splitlines()
    assert lines[0] == ",".join(HEADINGS)
    assert lines[1] == ("8HV48,Rosewood Care Home,Voluntary Sector,13,2016-03-30,2,3,,"
                        "Not relevant,")
    assert len(lines) == 5
    late = (tmp_path / "report-late.csv").read_text().splitlines()
    assert late[1:] == ["8HV51,Late Lodge,Voluntary Sector,13,2016-04-01,2,,,,1"]
    counts = (tmp_path / "report-by-organisation-category.csv").read_text().splitlines()
    assert counts[1:] == ["GP Practice,1,1,0", "NHS Trust,1,1,0", "Voluntary Sector,2,3,1"]


def test_the_command_refuses_a_year_not_yet_ended(app, tmp_path):
    result = app.test_cli_runner().invoke(args=[
        "reports", "compliance", "--year", "2026/27", "--format", "csv", "--output",
        str(tmp_path / "r.csv"), "--today", "2026-11-23"])
    assert result.exit_code != 0
    assert "available from 1 April 2027" in result.output
    assert not (tmp_path / "r.csv").exists()
