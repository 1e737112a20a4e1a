"""000 §6: an outcome "once confirmed is displayed". It is public as soon as it is recorded
(signed off, for Not Satisfactory), with the SMTP server down or a group's address missing;
delivery is the staff's problem: visible on the case and the home page, and retried."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from backoffice.cases.models import Case, CaseStatus
from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, services
from backoffice.letters.models import DeliveryStatus, Letter
from backoffice.reviews.findings import FindingInput, record_findings
from backoffice.reviews.outcomes import record_outcome, sign_off
from backoffice.reviews.taking import assign_cases
from tests.conftest import log_in
from tests.factories import AdministratorFactory, OrganisationFactory
from tests.letters.conftest import APPLICATIONS
from tests.payloads import body, post_processed


def _report(client) -> str:
    return client.get("/reports/outcomes").get_data(as_text=True)


def _csv_names(client) -> list[str]:
    text = client.get("/reports/outcomes.csv").get_data(as_text=True)
    return [row["organisation"] for row in csv.DictReader(io.StringIO(text))]


def _letters(session, case) -> list[Letter]:
    session.expire_all()
    return services.current_letters(session, case)


def _addresses(session, people, groups=("CAG", "IGSoC")):
    for group in groups:
        services.set_group_address(session, actor=people["admin"][1], group=group,
                                   email=f"{group.lower()}@groups.example.org")
    session.commit()


def test_an_outcome_is_public_once_recorded_with_the_smtp_server_down(
        app, client, session, case_in_sending_letters, people, smtp_server, login):
    _addresses(session, people)
    smtp_server.stop()  # a real server, stopped: nothing listens on its port
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG", "IGSoC"))
    name = case.organisation.name
    assert name in _report(client) and _csv_names(client) == [name]
    detail = client.get(f"/reports/outcomes/{case.reference}")
    assert detail.status_code == 200 and "Satisfactory" in detail.get_data(as_text=True)

    jobs.sweep()  # the letters are made, and their delivery fails
    letters = _letters(session, case)
    assert len(letters) == 3
    assert {lt.delivery_status for lt in letters} == {DeliveryStatus.FAILED}
    assert session.get(Case, case.id).status == CaseStatus.SENDING_LETTERS
    assert name in _report(client)  # a failed delivery never hides the outcome

    login("admin")
    home = client.get("/admin/").get_data(as_text=True)
    assert 'data-testid="home-failed-deliveries"' in home
    assert case.reference in home and "cag@groups.example.org" in home
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert "3 letters were not delivered (CAG, IGSoC, organisation)" in page
    assert "The outcome is published all the same." in page
    senior = app.test_client()
    log_in(senior, people["senior"][0].email)
    assert case.reference in senior.get("/admin/").get_data(as_text=True)

    published = session.get(Case, case.id).published_at
    smtp_server.start()
    for letter in letters:
        assert jobs.deliver_letter(letter.id, force=True) == "sent"
    session.expire_all()
    closed = session.get(Case, case.id)
    assert closed.status == CaseStatus.CLOSED
    assert closed.published_at == published  # the date the public sees is the confirmation
    assert len(smtp_server.inbox.messages) == 3
    assert 'data-testid="home-failed-deliveries"' not in client.get("/admin/").get_data(
        as_text=True)


def test_a_missing_group_address_leaves_the_outcome_public_and_the_letter_failed(
        client, session, case_in_sending_letters, people, smtp_server):
    _addresses(session, people, groups=("IGSoC",))  # CAG has no address
    case = case_in_sending_letters(Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN,
                                   groups=("CAG", "IGSoC"))
    jobs.sweep()
    status = {lt.recipient: lt.delivery_status for lt in _letters(session, case)}
    assert status == {"CAG": "failed", "IGSoC": "sent", "organisation": "sent"}
    assert case.organisation.name in _report(client)
    failed = next(lt for lt in _letters(session, case) if lt.recipient == "CAG")
    assert "no e-mail address is set for CAG" in failed.last_error


def _not_satisfactory_awaiting_sign_off(client, session, people) -> Case:
    payload = body(notification_id="IGT-NS-1")
    payload["organisation"]["ods_code"] = "8NS01"
    payload["assessment"]["requirements"] = [{"id": "114", "level": 0},
                                             {"id": "115", "level": 3}]
    payload["assessment"]["improvement_plan"] = []
    payload["applications"] = [APPLICATIONS["CAG"]]
    AdministratorFactory(organisation=OrganisationFactory(ods_code="8NS01",
                                                          name="Hilltop Lodge"))
    session.commit()
    reference = post_processed(client, payload)["case_reference"]
    session.expire_all()
    case = session.scalar(select(Case).where(Case.reference == reference))
    reviewer, actor = people["reviewer"]
    assign_cases(session, actor=people["senior"][1], cases=[case], reviewer=reviewer)
    record_findings(session, actor=actor, case=case,
                    findings=[FindingInput("114", True), FindingInput("115", True)])
    record_outcome(session, actor=actor, case=case, outcome=Outcome.NOT_SATISFACTORY,
                   reasons="Nobody is responsible for IG.")
    session.commit()
    return case


def test_not_satisfactory_is_public_once_signed_off_and_not_before(
        client, session, people, smtp_server):
    _addresses(session, people)
    smtp_server.stop()
    case = _not_satisfactory_awaiting_sign_off(client, session, people)
    assert "Hilltop Lodge" not in _report(client)
    assert client.get(f"/reports/outcomes/{case.reference}").status_code == 404
    senior, senior_actor = people["senior"]
    sign_off(session, actor=senior_actor, case=case, signer=senior)
    session.commit()
    assert "Hilltop Lodge" in _report(client)
    jobs.sweep()
    assert {lt.delivery_status for lt in _letters(session, case)} == {DeliveryStatus.FAILED}
    assert "Hilltop Lodge" in _report(client)


def test_findings_changed_after_sign_off_withdraw_the_outcome_until_signed_again(
        client, session, people, smtp_server):
    case = _not_satisfactory_awaiting_sign_off(client, session, people)
    senior, senior_actor = people["senior"]
    sign_off(session, actor=senior_actor, case=case, signer=senior)
    session.commit()
    assert "Hilltop Lodge" in _report(client)
    record_findings(session, actor=senior_actor, case=case,
                    findings=[FindingInput("115", False, 1, "No policy seen")])
    session.commit()
    assert session.get(Case, case.id).status == CaseStatus.AWAITING_SIGN_OFF
    assert "Hilltop Lodge" not in _report(client)
