"""One engine decides; its two writers (COPY on PostgreSQL, the ORM anywhere) write the same rows.

On SQLite only the ORM writer runs, so the comparisons pass there trivially.
"""

import json

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from backoffice.cases.calendar import ToolkitVersion
from backoffice.cases.models import (
    Assessment,
    Case,
    CaseReason,
    CaseStatus,
    ReferenceCounter,
    ReviewRule,
)
from backoffice.cases.publications import PublicationYear
from backoffice.core.audit import AuditEvent, trail_for
from backoffice.extensions import db
from backoffice.notifications import batch, handling, portable, services, writing
from backoffice.notifications.importing import ImportSummary, import_records
from backoffice.notifications.models import Notification
from backoffice.organisations.models import Organisation
from backoffice.reviews.models import Finding, PlanDecision
from tests.conftest import _truncate_all
from tests.factories import OrganisationFactory
from tests.payloads import body, encode, post, post_processed

NOW = "2026-11-20 10:00:00+00:00"
EVIDENCE = {"name": "training-log-2016.pdf", "description": "Training log",
            "uploaded_at": "2016-03-01T10:00:00Z", "sha256": "ab" * 32, "size_bytes": 48211,
            "url": "https://toolkit.example/evidence/9f2c"}
WORKERS = 1


def _publication(number: int, ods_code: str, applications=None, **changes) -> dict:
    payload = body(notification_id=f"IGT-{number}", **changes)
    payload["organisation"]["ods_code"] = ods_code
    if applications is not None:
        payload["applications"] = applications
    return payload


def _first_file() -> list:
    bad = _publication(5, "8HV48")
    bad["assessment"]["requirements"][0]["level"] = 9
    return [_with_statements(_publication(1, "8HV48")),
            _publication(2, "8HV49", [{"type": "DARS", "reference": "D-1"}]),
            _publication(3, "8HV48", [{"type": "PCMD", "reference": "P-1"}]),
            _publication(4, "ZZZ99"),
            bad,
            _publication(6, "CCG01", []),
            _publication(7, "8HV50", []),
            _with_statements(_publication(1, "8HV48")),
            _publication(2, "8HV49", published_at="2016-04-01T00:00:00Z"),
            b"{not json",
            _publication(8, "8HV49", [{"type": "DARS", "reference": "D-1"},
                                      {"type": "N3", "reference": "N-2"}])]


def _with_statements(payload: dict) -> dict:
    """Contract v1.1: a comment and evidence on the first requirement, a typed cover."""
    payload["assessment"]["requirements"][0].update(comment="Annual training for all staff.",
                                                    evidence=[EVIDENCE])
    payload["assessment"]["covers"][0]["kind"] = "study"
    return payload


def _an_older_version(number: int, ods_code: str) -> dict:
    """Version 12 for 2015/16: the calendar gives version 12 to 2014/15."""
    payload = _publication(number, ods_code)
    payload["assessment"]["toolkit_version"] = 12
    return payload


def _second_file() -> list:
    return [_publication(9, "8HV48"), _an_older_version(10, "8HV49"),
            _publication(11, "8HV51", [{"type": "S251", "reference": "CAG 1"}]),
            _publication(12, "ZZZ99")]


def _register() -> None:
    for code in ("8HV48", "8HV49", "8HV50", "8HV51"):
        OrganisationFactory(ods_code=code)
    OrganisationFactory(ods_code="CCG01", org_type="CCG")
    db.session.add(ReviewRule(org_type="CCG", opens_case=True, position=1))
    known = set(db.session.scalars(select(ToolkitVersion.version)))  # the migration's seeds
    db.session.add_all([ToolkitVersion(version=version, reporting_year=year)
                        for version, year in ((12, "2014/15"), (13, "2015/16"))
                        if version not in known])
    db.session.commit()


def _records(payloads, first_line=1):
    return [(line, encode(p)) for line, p in enumerate(payloads, start=first_line)]


def _import(payloads, **kwargs) -> ImportSummary:
    kwargs.setdefault("workers", WORKERS)
    return import_records(db.session, _records(payloads), sla_days=10,
                          batch_size=kwargs.pop("batch_size", 4), **kwargs)


def _run_both_files(backdate: bool, **kwargs) -> list[ImportSummary]:
    """Two imports; between them a case closes, so a republication opens a new one."""
    _register()
    with time_machine.travel(NOW, tick=False):
        first = _import(_first_file(), backdate=backdate, **kwargs)
        db.session.remove()  # the helpdesk's change, in a session of its own
        case = db.session.scalar(select(Case).join(Case.organisation)
                                 .where(Organisation.ods_code == "8HV49"))
        case.status = CaseStatus.CLOSED.value
        db.session.commit()
        second = _import(_second_file(), backdate=backdate, **kwargs)
    return [first, second]


def _without(changes: dict, *keys) -> str:
    return json.dumps({k: v for k, v in changes.items() if k not in keys}, sort_keys=True)


def _snapshot(session) -> dict:
    """Everything a user could see of the imports, without the database's own ids."""
    org, case = aliased(Organisation), aliased(Case)
    return {
        "cases": session.execute(
            select(org.ods_code, Case.reference, Case.status, Case.opened_at, Case.due_date,
                   Case.republished, Case.version).join(org, Case.organisation)
            .order_by(Case.reference)).all(),
        "reasons": sorted(session.execute(
            select(Case.reference, CaseReason.application_type, CaseReason.reference,
                   CaseReason.approval_group).join(CaseReason.case)).all()),
        "notifications": sorted(session.execute(
            select(Notification.notification_id, Notification.status, Notification.ods_code,
                   Notification.organisation_name, Notification.source, Notification.headers,
                   Notification.body_sha256, Notification.processed_at, org.ods_code,
                   case.reference, Notification.errors)
            .outerjoin(org, Notification.organisation).outerjoin(case, Notification.case)
            ).all(), key=repr),
        "assessments": sorted(session.execute(
            select(Notification.notification_id, org.ods_code, case.reference,
                   Assessment.toolkit_version, Assessment.reporting_year,
                   Assessment.published_at, Assessment.requirements,
                   Assessment.improvement_plan, Assessment.covers, Assessment.applications,
                   Assessment.flags, Assessment.statements, Assessment.publication_batch)
            .join(Assessment.notification).join(org, Assessment.organisation)
            .outerjoin(case, Assessment.case)).all(), key=repr),
        "audit": sorted((e.actor, e.action, e.entity_type, e.summary,
                         _without(e.changes, "id", "case_id"))
                        for e in session.scalars(select(AuditEvent).where(
                            AuditEvent.entity_type.in_(["cases", "case_reasons", "findings",
                                                        "plan_decisions"])))),
        "findings": sorted(session.execute(
            select(Case.reference, Finding.requirement_id, Finding.changed_from)
            .join(Case, Finding.case_id == Case.id)).all()),
        "plan_decisions": sorted(session.execute(
            select(Case.reference, PlanDecision.item_index, PlanDecision.changed_from)
            .join(Case, PlanDecision.case_id == Case.id)).all()),
        "publication_years": session.execute(
            select(org.ods_code, PublicationYear.reporting_year,
                   PublicationYear.first_published_at, PublicationYear.last_published_at,
                   PublicationYear.status, PublicationYear.toolkit_version,
                   PublicationYear.publications, PublicationYear.latest_outcome)
            .join(org, org.id == PublicationYear.organisation_id)
            .order_by(org.ods_code, PublicationYear.reporting_year)).all(),
        "counter": session.execute(select(ReferenceCounter.year, ReferenceCounter.last_number)
                                   .where(ReferenceCounter.last_number > 0)
                                   .order_by(ReferenceCounter.year)).all(),
    }


def _portable(monkeypatch):
    """The ORM's lookups and writer, as on SQLite, whatever the database."""
    monkeypatch.setattr(batch, "on_postgresql", lambda session: False)


def _review_and_republish(client) -> None:
    """8HV48's open case reviewed (findings and plan decisions), then publications stored
    by the webhook: a batch for the worker (8HV48 with other levels and another plan, an
    unknown organisation, a new case for 8HV50 and a duplicate), then one processed alone
    (as the sweeper does)."""
    from backoffice.core.audit import Actor
    from backoffice.reviews.findings import FindingInput, record_findings
    from backoffice.reviews.taking import assign_cases
    from tests.factories import UserFactory

    reviewer = UserFactory(role="reviewer", email="reviewer@example.org")
    case = db.session.scalar(select(Case).join(Case.organisation).where(
        Organisation.ods_code == "8HV48", Case.open_condition()))
    assign_cases(db.session, actor=Actor.of(reviewer), cases=[case], reviewer=reviewer)
    record_findings(db.session, actor=Actor.of(reviewer), case=case, findings=[
        FindingInput("114", True), FindingInput("117", True)], plan_decisions={0: True})
    db.session.commit()
    raised = _levels(20, "2016-04-02T10:00:00Z", {"114": 3, "117": 3})
    raised["assessment"]["improvement_plan"] = [TRAIN]
    for payload in (raised, _publication(21, "ZZZ98"),
                    _publication(22, "8HV50", [{"type": "DARS", "reference": "D-9"}]),
                    _publication(22, "8HV50", [{"type": "DARS", "reference": "D-9"}])):
        assert post(client, payload).status_code in (200, 202)
    assert handling.process_pending(db.session) == 3
    _post_and_process_one_by_one(client, db.session, _publication(
        23, "8HV49", [{"type": "S251", "reference": "CAG 2"}]))


@pytest.mark.parametrize("backdate", [False, True])
def test_both_writers_give_the_same_rows(app, client, session, monkeypatch, backdate):
    """Imports with rejections, duplicates, unknown organisations and several organisations
    in a batch, then a reviewed case republished and a notification processed alone: the
    COPY writer and the ORM writer leave the same cases, reasons, due dates, flags,
    statuses, assessments, set-aside findings and decisions, and audit rows."""
    summaries = _run_both_files(backdate)
    with time_machine.travel(NOW, tick=False):
        _review_and_republish(client)
    copied = _snapshot(session)
    db.session.remove()
    _truncate_all(app)
    with monkeypatch.context() as patched:
        _portable(patched)
        assert _run_both_files(backdate) == summaries
        with time_machine.travel(NOW, tick=False):
            _review_and_republish(client)
    portable = _snapshot(session)
    for key in copied:
        assert portable[key] == copied[key], key
    assert [len(copied[k]) for k in ("cases", "reasons", "notifications")] == [6, 10, 18]
    # 8HV48 published on time, then again on 2 April: still on time, its latest version
    years = {(row.ods_code, row.reporting_year): row for row in copied["publication_years"]}
    rosewood = years["8HV48", "2015/16"]
    assert (rosewood.status, rosewood.last_published_at.date().isoformat()) == (
        "on_time", "2016-04-02")
    # each organisation's first publication is its baseline; the example's covers name
    # its S251 study, not the other applications' references
    assert sorted((number, flags) for number, *_, flags, _, _ in copied["assessments"]
                  if flags) == [
        ("IGT-1", ["baseline"]), ("IGT-10", ["version_year_mismatch"]),
        ("IGT-11", ["baseline", "reference_not_in_covers"]),
        ("IGT-2", ["baseline", "reference_not_in_covers"]), ("IGT-20", ["late_publication"]),
        ("IGT-22", ["reference_not_in_covers"]), ("IGT-23", ["reference_not_in_covers"]),
        ("IGT-6", ["baseline"]), ("IGT-7", ["baseline"]), ("IGT-8", ["reference_not_in_covers"])]
    assert [(number, statements) for number, *_, statements, _ in copied["assessments"]
            if statements] == [("IGT-1", {"114": {"comment": "Annual training for all staff.",
                                                 "evidence": [EVIDENCE]}})]
    assert [changed for *_, changed in copied["findings"]] == ["level 2", "level 1"]
    assert [changed for *_, changed in copied["plan_decisions"]] == [
        "117: Train remaining staff; owner Registered Manager; by 2017-03-31"]
    assert summaries[0].rejected == [(5, "assessment.requirements.0.level: Input should be "
                                         "less than or equal to 3"),
                                     (10, "body: the body is not a JSON object")]


def test_reimporting_the_mixed_file_changes_nothing(session):
    _run_both_files(backdate=False)
    before = _snapshot(session)
    again = _import(_first_file() + _second_file())
    assert (again.accepted, again.repeats, again.cases_opened) == (0, 12, 0)
    # a rejected or conflicting record is stored again each time, as it always was
    assert (again.conflicts, len(again.rejected)) == (1, 2)
    after = _snapshot(session)
    assert {k: v for k, v in after.items() if k != "notifications"} == {
        k: v for k, v in before.items() if k != "notifications"}


def test_a_batch_with_a_rejected_record_and_conflicts_stores_each_with_its_reason(session):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    _import([_publication(1, "8HV48")])
    changed = _publication(1, "8HV48", published_at="2016-04-02T00:00:00Z")
    bad = _publication(2, "8HV48")
    bad["assessment"]["reporting_year"] = "2015/17"
    twice = _publication(3, "8HV48", [])
    twice_changed = _publication(3, "8HV48", [], published_at="2016-04-03T00:00:00Z")
    summary = _import([changed, bad, twice, twice_changed], batch_size=10)
    assert (summary.accepted, summary.conflicts, summary.repeats) == (1, 2, 0)
    assert summary.rejected == [(2, "assessment.reporting_year: a reporting year looks "
                                    "like 2015/16")]
    rows = {(n.notification_id, n.status): n for n in session.scalars(select(Notification))}
    assert set(rows) == {("IGT-1", "processed"), ("IGT-1", "conflict"), ("IGT-2", "rejected"),
                         ("IGT-3", "processed"), ("IGT-3", "conflict")}
    assert rows["IGT-1", "conflict"].errors[0]["message"].endswith(
        "(an earlier record of IGT-1)")
    assert rows["IGT-2", "rejected"].errors == [
        {"field": "assessment.reporting_year", "message": "a reporting year looks like 2015/16"}]
    assert rows["IGT-3", "processed"].case_id is None


def _post_and_process_one_by_one(client, session, payload) -> None:
    """Stored by the webhook, processed alone (as the sweeper does)."""
    assert post(client, payload).status_code == 202
    handling.process_one(session, services.find_notification(
        session, payload["notification_id"]).id)


def test_an_imported_case_has_the_same_audit_trail_as_one_processed_one_by_one(client,
                                                                              session):
    OrganisationFactory(ods_code="8HV48")
    OrganisationFactory(ods_code="8HV49")
    session.commit()
    _import([_publication(1, "8HV48")])
    _import([_publication(2, "8HV48", [{"type": "DARS", "reference": "D-1"}])])
    _post_and_process_one_by_one(client, session, _publication(3, "8HV49"))
    _post_and_process_one_by_one(client, session, _publication(
        4, "8HV49", [{"type": "DARS", "reference": "D-1"}]))
    imported, posted = (session.scalar(select(Case).join(Case.organisation).where(
        Organisation.ods_code == code)) for code in ("8HV48", "8HV49"))

    def trail(case):
        rows = trail_for(session, "cases", case.id)
        for reason in case.reasons:
            rows += trail_for(session, "case_reasons", reason.id)
        return sorted((e.actor, e.actor_user_id, e.action, e.entity_type,
                       e.summary.replace(case.reference, "REF"),
                       _without(e.changes, "id", "case_id", "organisation_id", "opened_at",
                                "reference")) for e in rows)

    assert trail(imported) == trail(posted)
    assert [e.action for e in trail_for(session, "cases", imported.id)] == ["update", "create"]
    assert trail_for(session, "cases", imported.id)[0].changes == {"republished": [False, True]}


def test_reference_numbers_count_up_without_gaps_across_batches(client, session):
    codes = [f"8HV{n:02d}" for n in range(10)]
    for code in codes:
        OrganisationFactory(ods_code=code)
    session.commit()
    records = [_publication(n, code) for n, code in enumerate(codes[:6])]
    records += [_publication(100 + n, code) for n, code in enumerate(codes[:3])]
    records += [_publication(200, codes[6], [])]
    summary = _import(records, batch_size=3)
    assert summary.cases_opened == 6
    year = session.scalar(select(ReferenceCounter.year))
    references = session.scalars(select(Case.reference).order_by(Case.id)).all()
    assert references == [f"R-{year}-{n:06d}" for n in range(1, 7)]
    assert post_processed(client, _publication(300, codes[7]))["case_reference"] == \
        f"R-{year}-000007"


def test_a_crash_in_the_middle_of_a_batch_leaves_nothing_of_it(session, monkeypatch):
    OrganisationFactory(ods_code="8HV48")
    OrganisationFactory(ods_code="8HV49")
    session.commit()

    def crash(*_args, **_kwargs):
        raise RuntimeError("the machine went down")

    monkeypatch.setattr(writing, "assessment_values", crash)
    monkeypatch.setattr(portable, "assessment_values", crash)  # the ORM writer (SQLite)
    with pytest.raises(RuntimeError):
        _import([_publication(1, "8HV48"), _publication(2, "8HV49")])
    monkeypatch.undo()
    counts = [session.scalar(select(func.count()).select_from(table)) for table in
              (Notification, Case, CaseReason, Assessment, AuditEvent)]
    assert counts == [0, 0, 0, 0, 2]  # the two organisations' own audit rows
    assert session.scalar(select(ReferenceCounter.last_number)) in (None, 0)
    summary = _import([_publication(1, "8HV48"), _publication(2, "8HV49")])
    assert (summary.accepted, summary.cases_opened) == (2, 2)
    assert session.scalars(select(Case.reference).order_by(Case.id)).all()[-1].endswith(
        "000002")


def test_stored_notifications_are_processed_in_a_batch_once(session):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    for payload in (_publication(1, "8HV48"), _publication(2, "ZZZ99"),
                    _publication(3, "8HV48", [{"type": "DARS", "reference": "D-1"}])):
        session.add(services.new_notification(encode(payload), {}, "webhook"))
    session.commit()
    pending = batch.lock_accepted(session, limit=10)
    done = batch.process_stored(session, pending, sla_days=10)
    session.commit()
    assert (done.processed, done.unmatched, done.cases_opened) == (2, 1, 1)
    statuses = dict(session.execute(select(Notification.notification_id,
                                           Notification.status)).all())
    assert statuses == {"IGT-1": "processed", "IGT-2": "unmatched", "IGT-3": "processed"}
    case = session.scalar(select(Case))
    assert case.republished is True
    assert {r.approval_group for r in case.reasons} == {"CAG", "IGSoC", "DAAG"}
    assert session.scalar(select(func.count(Assessment.id))) == 2
    assert batch.lock_accepted(session, limit=10) == []
    again = batch.process_stored(session, session.scalars(select(Notification)).all(),
                                 sla_days=10)
    session.commit()
    assert (again.processed, again.cases_opened) == (0, 0)
    assert session.scalar(select(func.count(Case.id))) == 1


def _by_organisation(session) -> dict:
    """Cases by organisation and status (worker processes number them in commit order)."""
    org, case = aliased(Organisation), aliased(Case)
    key = (org.ods_code, case.status)
    return {
        "cases": sorted(session.execute(select(*key, case.opened_at, case.due_date,
                                               case.republished).join(org, case.organisation))
                        .all()),
        "references": sorted(session.scalars(select(Case.reference))),
        "reasons": sorted(session.execute(
            select(*key, CaseReason.application_type, CaseReason.reference)
            .join(case, CaseReason.case).join(org, case.organisation)).all()),
        "notifications": sorted(session.execute(
            select(Notification.notification_id, Notification.status, Notification.errors,
                   Notification.processed_at, *key)
            .outerjoin(case, Notification.case).outerjoin(org, case.organisation)).all(),
            key=repr),
        "assessments": sorted(session.execute(
            select(Notification.notification_id, *key, Assessment.requirements)
            .join(Assessment.notification).outerjoin(case, Assessment.case)
            .outerjoin(org, case.organisation)).all(), key=repr),
    }


def test_two_worker_processes_import_what_one_does(app, session):
    one = _run_both_files(backdate=True, batch_size=2)
    expected = _by_organisation(session)
    db.session.remove()
    _truncate_all(app)
    two = _run_both_files(backdate=True, batch_size=2, workers=2)
    assert [(s.accepted, s.repeats, s.conflicts, s.rejected, s.cases_opened, s.unmatched)
            for s in two] == [(s.accepted, s.repeats, s.conflicts, s.rejected,
                               s.cases_opened, s.unmatched) for s in one]
    assert _by_organisation(session) == expected


def test_the_import_command_uses_worker_processes_for_a_large_file(app, session, tmp_path):
    for n in range(40):
        OrganisationFactory(ods_code=f"8HV{n:02d}")
    session.commit()
    path = tmp_path / "notifications.jsonl"
    path.write_text("\n".join(json.dumps(_publication(n, f"8HV{n % 40:02d}"))
                              for n in range(1200)))
    result = app.test_cli_runner().invoke(
        args=["notifications", "import", str(path), "--workers", "2"])
    assert "Read 1200 records: 1200 accepted (40 cases opened, 0 unmatched)" in result.output
    year = session.scalar(select(ReferenceCounter.year))
    assert sorted(session.scalars(select(Case.reference))) == [
        f"R-{year}-{n:06d}" for n in range(1, 41)]
    assert session.scalar(select(func.count(Case.id)).where(Case.republished)) == 40


def _levels(number: int, published_at: str, levels: dict) -> dict:
    payload = _publication(number, "8HV48", published_at=published_at)
    payload["assessment"]["requirements"] = [{"id": rid, "level": level}
                                             for rid, level in levels.items()]
    return payload


@pytest.mark.parametrize("path", ["copy", "portable"])
def test_republications_in_one_batch_set_aside_the_findings_they_changed(session, monkeypatch,
                                                                         path):
    from backoffice.core.audit import Actor
    from backoffice.reviews.findings import FindingInput, record_findings
    from backoffice.reviews.models import Finding
    from backoffice.reviews.taking import assign_cases
    from tests.factories import UserFactory

    if path == "portable":
        _portable(monkeypatch)
    OrganisationFactory(ods_code="8HV48")
    reviewer = UserFactory(role="reviewer")
    session.commit()
    _import([_levels(1, "2016-03-30T10:00:00Z", {"114": 2, "117": 1})])
    case = session.scalar(select(Case))
    assign_cases(session, actor=Actor.of(reviewer), cases=[case], reviewer=reviewer)
    record_findings(session, actor=Actor.of(reviewer), case=case, findings=[
        FindingInput("114", True), FindingInput("117", True)])
    session.commit()
    version = case.version
    _import([_levels(2, "2016-03-31T10:00:00Z", {"114": 2, "117": 2}),
             _levels(3, "2016-01-04T10:00:00Z", {"114": 0, "117": 0}),  # older: late
             _levels(4, "2016-04-01T10:00:00Z", {"114": 3, "117": 2})])
    session.expire_all()
    assert dict(session.execute(select(Finding.requirement_id, Finding.changed_from))
                .all()) == {"114": "level 2", "117": "level 1"}
    assert sorted((e.actor, e.summary, json.dumps(e.changes)) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "findings",
                                 AuditEvent.action == "update"))) == [
        ("toolkit", f"{case.reference} requirement 114: agreed",
         '{"changed_from": [null, "level 2"]}'),
        ("toolkit", f"{case.reference} requirement 117: agreed",
         '{"changed_from": [null, "level 1"]}')]
    assert session.get(Case, case.id).version == version + 1


def _plan(number: int, published_at: str, plan: list[dict]) -> dict:
    payload = _levels(number, published_at, {"114": 1, "117": 1})
    payload["assessment"]["improvement_plan"] = plan
    return payload


TRAIN = {"requirement": "117", "action": "Train staff", "owner": "Manager",
         "target_date": "2017-03-31"}
AUDIT = {"requirement": "114", "action": "Audit access", "owner": "IG Lead",
         "target_date": "2017-01-31"}


@pytest.mark.parametrize("path", ["copy", "portable"])
def test_republications_in_one_batch_set_aside_the_plan_decisions_on_items_they_changed(
        session, monkeypatch, path):
    from backoffice.core.audit import Actor
    from backoffice.reviews.findings import record_findings, review_of
    from backoffice.reviews.models import PlanDecision
    from backoffice.reviews.taking import assign_cases
    from tests.factories import UserFactory

    if path == "portable":
        _portable(monkeypatch)
    OrganisationFactory(ods_code="8HV48")
    reviewer = UserFactory(role="reviewer")
    session.commit()
    _import([_plan(1, "2016-03-30T10:00:00Z", [TRAIN, AUDIT])])
    case = session.scalar(select(Case))
    assign_cases(session, actor=Actor.of(reviewer), cases=[case], reviewer=reviewer)
    record_findings(session, actor=Actor.of(reviewer), case=case, findings=[],
                    plan_decisions={0: True, 1: False})
    session.commit()
    _import([_plan(2, "2016-03-31T10:00:00Z", [{**TRAIN, "owner": "Deputy"}, AUDIT]),
             _plan(3, "2016-01-04T10:00:00Z", [AUDIT, TRAIN]),  # older: late
             _plan(4, "2016-04-01T10:00:00Z", [{**TRAIN, "owner": "Trainer"}, AUDIT])])
    session.expire_all()
    decisions = {d.item_index: d for d in session.scalars(select(PlanDecision))}
    assert {index: d.changed_from for index, d in decisions.items()} == {
        0: "117: Train staff; owner Manager; by 2017-03-31", 1: None}
    assert [(e.actor, e.entity_id, e.summary, e.changes) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "plan_decisions",
                                 AuditEvent.action == "update"))] == [
        ("toolkit", str(decisions[0].id), f"{session.get(Case, case.id).reference} "
         f"{decisions[0]}",
         {"changed_from": [None, "117: Train staff; owner Manager; by 2017-03-31"]})]
    review = review_of(session, session.get(Case, case.id))
    assert [(item.owner, item.accepted) for item in review.plan] == [("Trainer", False),
                                                                       ("IG Lead", False)]
