"""backoffice notifications import FILE: JSON Lines or CSV through the same service."""

import json

from sqlalchemy import func, select

from backoffice.cases.models import Case
from backoffice.core.audit import AuditEvent
from backoffice.notifications.models import Notification
from tests.factories import OrganisationFactory
from tests.payloads import body, post_processed

CSV_HEADER = ("notification_id,published_at,ods_code,organisation_name,org_type,postcode,"
              "toolkit_version,reporting_year,requirements,applications,improvement_plan,"
              "covers\n")


def _jsonl(tmp_path, records) -> str:
    path = tmp_path / "notifications.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records))
    return str(path)


def _records():
    bad = body(notification_id="IGT-4")
    bad["assessment"]["requirements"][0]["level"] = 9
    unknown = body(notification_id="IGT-5")
    unknown["organisation"]["ods_code"] = "ZZZ99"
    return [body(notification_id="IGT-1"),
            body(notification_id="IGT-2", applications=[{"type": "DARS", "reference": "D-1"}]),
            body(notification_id="IGT-1"),
            bad, unknown, "{not json",
            body(notification_id="IGT-2", published_at="2016-04-01T00:00:00Z")]


def _import(app, path):
    return app.test_cli_runner().invoke(args=["notifications", "import", path])


def test_import_summarises_accepted_repeats_rejected_cases_and_unmatched(app, session,
                                                                         tmp_path):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    result = _import(app, _jsonl(tmp_path, _records()))
    assert result.exit_code == 0, result.output
    assert ("Read 7 records: 3 accepted (1 cases opened, 1 unmatched), 1 repeats, "
            "1 conflicting repeats, 2 rejected.") in result.output
    assert "line 4: assessment.requirements.0.level" in result.output
    assert "line 6: body: the body is not a JSON object" in result.output
    case = session.scalar(select(Case))
    assert case.republished is True
    assert {r.approval_group for r in case.reasons} == {"CAG", "IGSoC", "DAAG"}


def test_importing_the_same_file_twice_changes_nothing(app, session, tmp_path):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    path = _jsonl(tmp_path, [body(notification_id=f"IGT-{n}") for n in range(3)])
    _import(app, path)
    counts = [session.scalar(select(func.count(m.id))) for m in (Notification, Case,
                                                                 AuditEvent)]
    result = _import(app, path)
    assert "0 accepted (0 cases opened, 0 unmatched), 3 repeats" in result.output
    session.expire_all()
    assert [session.scalar(select(func.count(m.id))) for m in (Notification, Case,
                                                               AuditEvent)] == counts


def test_a_flat_csv_file_imports_like_json(app, session, tmp_path):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    path = tmp_path / "notifications.csv"
    path.write_text(CSV_HEADER + (
        'IGT-9,2016-03-30T14:22:05Z,8HV48,Rosewood Care Home,Voluntary Sector,EX1 1AA,13,'
        '2015/16,114=2;304=NR;117=1,S251=CAG 4-08(b)/2013;N3=IGSOC-55102,'
        '"[{""requirement"": ""117"", ""action"": ""Train staff"", ""owner"": ""Manager"", '
        '""target_date"": ""2017-03-31""}]",Cohort study X=CAG 4-08(b)/2013\n'
        'IGT-10,2016-03-30T14:22:05Z,8HV48,Rosewood,Voluntary Sector,,13,2015/16,114=7,,,\n'))
    result = _import(app, str(path))
    assert "1 accepted (1 cases opened" in result.output
    assert "line 3: assessment.requirements.0.level" in result.output
    notification = session.scalar(select(Notification).where(
        Notification.notification_id == "IGT-9"))
    payload = json.loads(notification.raw_body)
    assert payload["assessment"]["requirements"][1] == {"id": "304", "not_relevant": True}
    assert payload["assessment"]["improvement_plan"][0]["owner"] == "Manager"
    assert {r.application_type for r in notification.case.reasons} == {"S251", "N3"}


def test_case_numbers_reserved_for_a_batch_leave_no_gaps(app, client, session, tmp_path):
    OrganisationFactory(ods_code="8HV48")
    OrganisationFactory(ods_code="8HV49")
    session.commit()
    records = [body(notification_id="IGT-1"), body(notification_id="IGT-2"),
               body(notification_id="IGT-3", applications=[])]
    records[1]["organisation"]["ods_code"] = "8HV49"
    _import(app, _jsonl(tmp_path, records))

    third = body(notification_id="IGT-4")
    third["organisation"]["ods_code"] = "8HV49"
    session.scalar(select(Case).where(Case.reference.endswith("000002"))).status = "closed"
    session.commit()
    reference = post_processed(client, third)["case_reference"]
    assert reference.endswith("-000003")
