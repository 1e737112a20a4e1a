"""The import formats carry contract v1.1: comments, evidence, typed covers and head-office
batches, in JSON Lines as in the contract and in the CSV's own columns."""

import csv
import io
import json

import pytest
from sqlalchemy import select

from backoffice.cases.models import Assessment, Case
from backoffice.cases.services import branches_covered
from backoffice.notifications import batch
from backoffice.notifications.models import Notification
from backoffice.notifications.records import CSV_COLUMNS
from tests.factories import OrganisationFactory
from tests.notifications.test_contract_v11 import EVIDENCE, v11_body

COVERS = [{"kind": "study", "name": "Cohort study X", "reference": "CAG 4-08(b)/2013"},
          {"kind": "branch", "name": "High St Pharmacy", "ods_code": "FA002"}]


def _import(app, path):
    return app.test_cli_runner().invoke(args=["notifications", "import", str(path)])


def _csv(tmp_path, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    path = tmp_path / "notifications.csv"
    path.write_text(out.getvalue())
    return path


def _row(number: int, ods_code: str = "8HV48", **changes) -> dict:
    return {"notification_id": f"IGT-{number}", "published_at": "2016-03-30T14:22:05Z",
            "ods_code": ods_code, "organisation_name": "Pharmacy", "org_type": "Community Pharmacy",
            "postcode": "", "toolkit_version": "13", "reporting_year": "2015/16",
            "requirements": "114=2;304=NR;117=1", "applications": "N3=IGSOC-1",
            "improvement_plan": "", "covers": "Cohort study X=CAG 4-08(b)/2013",
            "comments": "", "evidence": "", "batch_id": "", "head_office_ods_code": "",
            "batch_size": "", **changes}


@pytest.fixture(params=["copy", "orm"])
def writer(request, monkeypatch):
    """Both import paths: COPY on PostgreSQL, and the ORM's (SQLite's) on any database."""
    if request.param == "orm":
        monkeypatch.setattr(batch, "on_postgresql", lambda session: False)
    return request.param


@pytest.fixture
def registered(session):
    for code in ("8HV48", "FA001", "FA002", "FA003"):
        OrganisationFactory(ods_code=code)
    session.commit()


def test_a_json_lines_file_of_v11_bodies_keeps_comments_evidence_and_covers(
        app, session, tmp_path, registered):
    path = tmp_path / "notifications.jsonl"
    path.write_text(json.dumps(v11_body()) + "\n")
    assert "1 accepted (1 cases opened" in _import(app, path).output
    assessment = session.scalar(select(Assessment))
    assert assessment.statement("114").evidence == [EVIDENCE]
    assert assessment.covers == COVERS


def test_the_csv_carries_comments_evidence_typed_covers_and_a_batch(app, session, tmp_path,
                                                                   registered, writer):
    batch = {"batch_id": "B-1", "head_office_ods_code": "FA001", "batch_size": "2"}
    path = _csv(tmp_path, [
        _row(1, "FA002", comments=json.dumps({"114": "Annual training; see the log."}),
             evidence=json.dumps({"114": [EVIDENCE]}), covers=json.dumps(COVERS), **batch),
        _row(2, "FA003", **batch)])
    result = _import(app, path)
    assert "2 accepted (1 cases opened" in result.output, result.output
    first = session.scalar(select(Assessment).join(Assessment.notification)
                           .where(Notification.notification_id == "IGT-1"))
    assert first.statement("114") == ("Annual training; see the log.", [EVIDENCE])
    assert first.covers == COVERS
    [case] = session.scalars(select(Case)).all()
    assert case.organisation.ods_code == "FA001"
    assert [o.ods_code for o in branches_covered(session, case)] == ["FA002", "FA003"]


def test_a_csv_file_without_the_v11_columns_imports_as_before(app, session, tmp_path,
                                                             registered):
    old_columns = CSV_COLUMNS[:CSV_COLUMNS.index("comments")]
    path = tmp_path / "old.csv"
    row = _row(1)
    path.write_text(",".join(old_columns) + "\n" + ",".join(
        f'"{row[c]}"' for c in old_columns) + "\n")
    assert "1 accepted (1 cases opened" in _import(app, path).output
    assert session.scalar(select(Assessment)).statements == {}


@pytest.mark.parametrize(("changes", "reason"), [
    ({"comments": "{not json"}, "comments: not JSON"),
    ({"comments": '["a"]'}, 'comments: a JSON object by requirement, e.g. {"114": …}'),
    ({"comments": '{"999": "x"}'}, "comments: requirement 999 is not in the requirements column"),
    ({"comments": json.dumps({"114": "x" * 20_001})}, "assessment.requirements.0.comment: a "
     "comment is at most 20,000 characters (this one has 20,001)"),
    ({"evidence": json.dumps({"114": [{"name": "a.pdf"}]})},
     "assessment.requirements.0.evidence.0.uploaded_at: Field required"),
    ({"covers": '[{"kind": "house", "name": "X"}]'}, "assessment.covers.0.kind: Input should be "
     "'study', 'branch', 'site', 'section' or 'organisation'"),
    ({"covers": '[{"name": "X"'}, "covers: not JSON"),
    ({"batch_id": "B-1", "head_office_ods_code": "FA001"},
     "publication_batch.size: Input should be a valid integer"),
    ({"batch_id": "B-1", "batch_size": "3"},
     "publication_batch.head_office_ods_code: String should match pattern"),
])
def test_a_csv_row_with_a_bad_v11_column_is_rejected_with_its_reason(
        app, session, tmp_path, registered, writer, changes, reason):
    result = _import(app, _csv(tmp_path, [_row(1, **changes)]))
    assert "1 rejected" in result.output
    assert f"line 2: {reason}" in " ".join(result.output.split()), result.output
    assert session.scalar(select(Notification.status)) == "rejected"
