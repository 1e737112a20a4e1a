"""Every spreadsheet and CSV the product writes goes through one formula neutraliser:
text a spreadsheet would run (= + - @ tab, carriage return, |) is written as text."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from backoffice.compliance import writers
from backoffice.compliance.services import ReportingYear
from backoffice.core.spreadsheets import neutralise
from tests.factories import OrganisationFactory
from tests.payloads import body, post, process_pending
from tests.reports.conftest import publish  # noqa: F401 (fixture)

PREFIXES = ("=", "+", "-", "@", "\t", "\r", "|")
PAYLOAD = 'HYPERLINK("http://evil.example","click")'
YEAR = ReportingYear.parse("2015/16")
AFTER = date(2016, 4, 1)
NAMES = {f"8HV{40 + n}": prefix + PAYLOAD for n, prefix in enumerate(PREFIXES)}
TYPE = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_the_neutraliser_quotes_text_a_spreadsheet_would_run(prefix):
    assert neutralise(prefix + PAYLOAD) == "'" + prefix + PAYLOAD


def test_the_neutraliser_leaves_plain_text_numbers_and_dates_alone():
    assert neutralise("Rosewood Care Home") == "Rosewood Care Home"
    assert neutralise(-1) == -1 and neutralise(None) is None
    assert neutralise(date(2016, 3, 30)) == date(2016, 3, 30)


@pytest.fixture
def hostile_year(client, session):
    """Organisations whose names (and one type) a spreadsheet would run, published in 2015/16."""
    for ods_code, name in NAMES.items():
        OrganisationFactory(ods_code=ods_code, name=name, org_type=TYPE)
    session.commit()
    for number, ods_code in enumerate(NAMES):
        payload = body(notification_id=f"IGT-F-{number}", applications=[],
                       published_at="2016-03-01T12:00:00Z")
        payload["organisation"].update(ods_code=ods_code, org_type=TYPE)
        payload["assessment"].update(reporting_year="2015/16", improvement_plan=[], covers=[])
        assert post(client, payload).status_code == 202
    process_pending(client.application)
    return writers.prepare(session, year=YEAR, today=AFTER)


def _quoted(values) -> None:
    hostile = [v for v in values if isinstance(v, str) and PAYLOAD in v or v == TYPE
               or v == "'" + TYPE]
    assert hostile, "the hostile text is missing from the file"
    assert all(v.startswith("'") for v in hostile), hostile


def test_the_compliance_csvs_quote_formulas(session, hostile_year):
    attainment, counts = io.StringIO(), io.StringIO()
    writers.write_attainment_csv(session, hostile_year, attainment)
    writers.write_counts_csv(session, hostile_year, counts)
    rows = list(csv.reader(io.StringIO(attainment.getvalue())))[1:]
    assert len(rows) == len(NAMES)
    _quoted([cell for row in rows for cell in row])
    _quoted([cell for row in csv.reader(io.StringIO(counts.getvalue())) for cell in row])


def test_the_compliance_xlsx_has_no_formula_cells(session, hostile_year):
    target = io.BytesIO()
    writers.write_xlsx(session, hostile_year, target)
    workbook = load_workbook(io.BytesIO(target.getvalue()))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    _quoted([cell.value for cell in cells])


def test_the_compliance_download_quotes_formulas(client, login, hostile_year):
    login("admin")
    response = client.get("/admin/compliance/download?year=2015/16&format=attainment.csv")
    assert response.status_code == 200
    _quoted([c for row in csv.reader(io.StringIO(response.get_data(as_text=True)))
             for c in row])


def test_the_public_csv_quotes_every_prefix(client, publish):  # noqa: F811
    for ods_code, name in NAMES.items():
        publish(ods_code=ods_code, name=name)
    response = client.get("/reports/outcomes.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(row["organisation"] for row in rows) == sorted(
        "'" + name for name in NAMES.values())
