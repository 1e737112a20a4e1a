"""Which publications open cases, with which reasons, groups and due dates."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from backoffice.cases.models import Assessment, Case, CaseStatus, ReviewRule
from backoffice.core.audit import AuditEvent
from backoffice.notifications.models import Notification
from tests.factories import OrganisationFactory
from tests.payloads import body, post_processed

GROUPS = {"N3": "IGSoC", "S251": "CAG", "DARS": "DAAG", "PCMD": "DAAG",
          "CHOOSE_AND_BOOK": "IGSoC", "E_REFERRALS": "IGSoC", "NHS_MAIL": "IGSoC"}


def _case(session, reference) -> Case:
    session.expire_all()
    return session.scalar(select(Case).where(Case.reference == reference))


@pytest.mark.parametrize("application_type", sorted(GROUPS))
def test_each_application_type_opens_a_case_naming_its_group(client, session,
                                                             application_type):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    response = post_processed(client, body(applications=[{"type": application_type,
                                                "reference": "REF-1"}]))
    case = _case(session, response["case_reference"])
    assert [(r.application_type, r.reference, r.approval_group) for r in case.reasons] == [
        (application_type, "REF-1", GROUPS[application_type])]
    assert case.status == CaseStatus.UNASSIGNED


def test_no_application_and_default_rules_records_the_assessment_without_a_case(client,
                                                                              session):
    OrganisationFactory(ods_code="02V", org_type="Clinical Commissioning Group")
    session.commit()
    payload = body(applications=[])
    payload["organisation"]["ods_code"] = "02V"
    assert post_processed(client, payload) == {
        "notification_id": "IGT-13-000123", "status": "processed", "case_reference": None}
    assert session.scalar(select(func.count(Assessment.id))) == 1
    assert session.scalar(select(func.count(Case.id))) == 0


def test_an_admin_rule_for_ccgs_opens_a_case_without_an_application(client, session):
    OrganisationFactory(ods_code="02V", org_type="Clinical Commissioning Group")
    OrganisationFactory(ods_code="8HV48", org_type="Voluntary Sector")
    session.add(ReviewRule(org_type="Clinical Commissioning Group", opens_case=True,
                           description="CCGs are reviewed"))
    session.commit()
    ccg = body(notification_id="IGT-1", applications=[])
    ccg["organisation"]["ods_code"] = "02V"
    care_home = body(notification_id="IGT-2", applications=[])
    assert post_processed(client, ccg)["case_reference"] is not None
    assert post_processed(client, care_home)["case_reference"] is None


def test_the_due_date_is_ten_working_days_after_the_opening_day(client, session):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    with time_machine.travel(datetime(2016, 3, 24, 10, 0, tzinfo=UTC), tick=False):
        response = post_processed(client, body(), timestamp=int(datetime(2016, 3, 24, 10, 0,
                                                               tzinfo=UTC).timestamp()))
    case = _case(session, response["case_reference"])
    assert case.reference == "R-2016-000001"
    assert case.due_date == date(2016, 4, 11)  # Good Friday and Easter Monday skipped


def test_a_republication_while_open_joins_the_case_and_flags_it(client, session):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    first = post_processed(client, body(notification_id="IGT-1"))
    second = post_processed(client, body(notification_id="IGT-2", applications=[
        {"type": "DARS", "reference": "DARS-NIC-1234"}]))
    assert second["case_reference"] == first["case_reference"]
    case = _case(session, first["case_reference"])
    assert case.republished is True
    assert {r.approval_group for r in case.reasons} == {"CAG", "IGSoC", "DAAG"}
    assert session.scalar(select(func.count(Assessment.id)).where(
        Assessment.case_id == case.id)) == 2


def test_a_republication_after_closure_opens_a_new_case(client, session):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    first = post_processed(client, body(notification_id="IGT-1"))
    case = _case(session, first["case_reference"])
    case.status = CaseStatus.CLOSED.value
    session.commit()
    second = post_processed(client, body(notification_id="IGT-2"))
    assert second["case_reference"] != first["case_reference"]
    assert _case(session, second["case_reference"]).republished is False


def test_case_and_reasons_are_audited_as_the_toolkit(client, session):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    reference = post_processed(client, body())["case_reference"]
    rows = session.scalars(select(AuditEvent).where(AuditEvent.actor == "toolkit")).all()
    assert {(row.entity_type, row.action) for row in rows} == {("cases", "create"),
                                                               ("case_reasons", "create")}
    assert any(row.summary == reference for row in rows)


def test_case_references_count_up_within_the_year(client, session):
    for code in ("8HV48", "8HV49", "8HV50"):
        OrganisationFactory(ods_code=code)
    session.commit()
    references = []
    for number, code in enumerate(("8HV48", "8HV49", "8HV50")):
        payload = body(notification_id=f"IGT-{number}")
        payload["organisation"]["ods_code"] = code
        references.append(post_processed(client, payload)["case_reference"])
    year = datetime.now(UTC).year
    assert references == [f"R-{year}-00000{n}" for n in (1, 2, 3)]


def test_the_assessment_is_stored_with_the_case(client, session):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    post_processed(client, body())
    assessment = session.scalar(select(Assessment))
    assert assessment.requirements == [{"id": "114", "level": 2, "not_relevant": False},
                                       {"id": "304", "not_relevant": True},
                                       {"id": "117", "level": 1, "not_relevant": False}]
    assert assessment.improvement_plan[0]["target_date"] == "2017-03-31"
    assert assessment.covers == [{"name": "Cohort study X", "reference": "CAG 4-08(b)/2013"}]
    assert session.scalar(select(Notification.status)) == "processed"
