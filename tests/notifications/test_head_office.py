"""Head-office batches (contract v1.1): a pharmacy head office publishes one assessment for
its branches; the branches' notifications join one case for the head office."""

import os

import pytest
from sqlalchemy import func, select

from backoffice.cases.models import Assessment, Case
from backoffice.cases.services import branches_covered
from backoffice.core.audit import Actor
from backoffice.extensions import db
from backoffice.notifications import batch, handling, services
from backoffice.notifications.importing import import_records
from backoffice.organisations.models import Organisation
from tests.conftest import _truncate_all
from tests.factories import OrganisationFactory, UserFactory
from tests.payloads import body, encode, post, post_processed, process_pending

BATCH = {"id": "B-2016-0042", "head_office_ods_code": "FA001", "size": 4}
BRANCHES = ("FA002", "FA003", "FA004")


def branch_publication(ods_code: str, number: int, **batch_changes) -> dict:
    payload = body(notification_id=f"IGT-B-{number}",
                   applications=[{"type": "N3", "reference": "IGSOC-70001"}],
                   publication_batch={**BATCH, **batch_changes})
    payload["organisation"].update(ods_code=ods_code, name=f"Pharmacy {ods_code}",
                                   org_type="Community Pharmacy")
    payload["assessment"]["covers"] = [{"kind": "branch", "name": f"Pharmacy {ods_code}",
                                        "ods_code": ods_code}]
    return payload


@pytest.fixture
def pharmacies(session):
    OrganisationFactory(ods_code="FA001", name="Fairway Pharmacy Head Office",
                        org_type="Community Pharmacy")
    for code in BRANCHES:
        OrganisationFactory(ods_code=code, name=f"Pharmacy {code}", org_type="Community Pharmacy")
    session.commit()


def _cases(session) -> list[Case]:
    session.expire_all()
    return list(session.scalars(select(Case).order_by(Case.id)))


def _codes(organisations) -> list[str]:
    return [o.ods_code for o in organisations]


def test_a_batch_imported_at_once_makes_one_case_for_the_head_office(session, pharmacies):
    summary = import_records(db.session, [(n, encode(branch_publication(code, n)))
                                          for n, code in enumerate(BRANCHES, start=1)],
                             sla_days=10, batch_size=10, workers=1)
    assert (summary.accepted, summary.cases_opened) == (3, 1)
    [case] = _cases(session)
    assert case.organisation.ods_code == "FA001"
    assert not case.republished
    assert _codes(branches_covered(session, case)) == list(BRANCHES)
    assert [(r.application_type, r.reference) for r in case.reasons] == [("N3", "IGSOC-70001")]
    assessments = session.scalars(select(Assessment).order_by(Assessment.id)).all()
    assert {a.publication_batch for a in assessments} == {"B-2016-0042"}
    assert {a.case_id for a in assessments} == {case.id}


def test_branches_arriving_one_by_one_join_the_same_case_and_repeats_change_nothing(
        app, client, session, pharmacies):
    first = post_processed(client, branch_publication("FA002", 1))
    second = post_processed(client, branch_publication("FA003", 2))
    assert first["case_reference"] == second["case_reference"]
    again = post(client, branch_publication("FA003", 2))
    assert again.status_code == 200 and again.json["case_reference"] == first["case_reference"]
    process_pending(app)
    handling.sweep(db.session)
    [case] = _cases(session)
    assert not case.republished  # the batch's branches are one publication, not republished
    assert _codes(branches_covered(session, case)) == ["FA002", "FA003"]
    assert session.scalar(select(func.count(Assessment.id))) == 2


def test_a_branch_registered_late_joins_the_head_offices_case(client, session, pharmacies):
    reference = post_processed(client, branch_publication("FA002", 1))["case_reference"]
    assert post_processed(client, branch_publication("FA009", 2))["status"] == "unmatched"
    helpdesk = UserFactory(role="helpdesk")
    OrganisationFactory(ods_code="FA009", name="Pharmacy FA009", org_type="Community Pharmacy")
    session.commit()
    handling.resume_for(db.session, actor=Actor.of(helpdesk), organisation=session.scalar(
        select(Organisation).where(Organisation.ods_code == "FA009")))
    db.session.commit()
    [case] = _cases(session)
    assert case.reference == reference
    assert _codes(branches_covered(session, case)) == ["FA002", "FA009"]
    notification = services.find_notification(session, "IGT-B-2")
    assert notification.status == "processed" and notification.case_id == case.id


def test_another_publication_joining_the_head_offices_case_is_a_republication(
        client, session, pharmacies):
    post_processed(client, branch_publication("FA002", 1))
    post_processed(client, branch_publication("FA003", 2, id="B-2016-0043"))
    [case] = _cases(session)
    assert case.republished


def test_a_batch_whose_head_office_is_not_registered_is_reviewed_branch_by_branch(
        client, session, pharmacies):
    post_processed(client, branch_publication("FA002", 1, head_office_ods_code="FA999"))
    [case] = _cases(session)
    assert case.organisation.ods_code == "FA002"
    assert branches_covered(session, case) == []
    assert "head_office_unknown" in session.scalar(select(Assessment)).flags


def _snapshot(session) -> dict:
    return {
        "cases": session.execute(select(Organisation.ods_code, Case.reference, Case.republished,
                                        Case.version).join(Case.organisation)
                                 .order_by(Case.reference)).all(),
        "assessments": sorted(session.execute(
            select(Organisation.ods_code, Case.reference, Assessment.publication_batch,
                   Assessment.flags, Assessment.statements, Assessment.covers)
            .join(Assessment.organisation).outerjoin(Case, Assessment.case)).all(), key=repr),
    }


def _publish_two_batches(app, client) -> None:
    OrganisationFactory(ods_code="FA001", org_type="Community Pharmacy")
    for code in (*BRANCHES, "FA005"):
        OrganisationFactory(ods_code=code, org_type="Community Pharmacy")
    db.session.commit()
    import_records(db.session, [(1, encode(branch_publication("FA002", 1))),
                                (2, encode(branch_publication("FA003", 2)))],
                   sla_days=10, batch_size=10, workers=1)
    for number, code in ((3, "FA004"), (4, "FA005")):
        assert post(client, branch_publication(code, number)).status_code == 202
    process_pending(app)
    post_processed(client, branch_publication("FA002", 5, id="B-2017-0001"))


def test_both_writers_give_the_same_head_office_case(app, client, session, monkeypatch):
    _publish_two_batches(app, client)
    copied = _snapshot(session)
    db.session.remove()
    _truncate_all(app)
    with monkeypatch.context() as patched:
        patched.setattr(batch, "on_postgresql", lambda session: False)
        _publish_two_batches(app, client)
    assert _snapshot(session) == copied
    [(head_office, _, republished, _)] = copied["cases"]
    assert (head_office, republished) == ("FA001", True)
    assert len(copied["assessments"]) == 5


@pytest.mark.skipif(not os.environ.get("BACKOFFICE_TEST_DATABASE_URL"),
                    reason="worker processes are PostgreSQL's")
def test_two_import_workers_put_a_large_batch_on_one_case(app, session):
    codes = [f"FB{n:03d}" for n in range(40)]
    OrganisationFactory(ods_code="FA001", org_type="Community Pharmacy")
    for code in codes:
        OrganisationFactory(ods_code=code, org_type="Community Pharmacy")
    session.commit()
    records = [(n, encode(branch_publication(code, n))) for n, code in enumerate(codes, 1)]
    summary = import_records(db.session, records, sla_days=10, batch_size=4, workers=2)
    assert (summary.accepted, summary.cases_opened) == (40, 1)
    [case] = _cases(session)
    assert _codes(branches_covered(session, case)) == codes
    assert not case.republished
