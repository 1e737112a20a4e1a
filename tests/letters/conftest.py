"""Cases that reached 'sending letters' through the review services, and a real SMTP server."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.core.audit import Actor
from backoffice.core.vocabulary import Outcome
from backoffice.reviews.findings import FindingInput, record_findings, review_of
from backoffice.reviews.outcomes import record_outcome, sign_off
from backoffice.reviews.taking import assign_cases
from tests.factories import AdministratorFactory, OrganisationFactory, UserFactory
from tests.payloads import body, post_processed

APPLICATIONS = {
    "CAG": {"type": "S251", "reference": "CAG 4-08(b)/2013"},
    "DAAG": {"type": "DARS", "reference": "DARS-NIC-148533"},
    "IGSoC": {"type": "N3", "reference": "IGSOC-55102"},
    "PCMD": {"type": "PCMD", "reference": "PCMD-2016-007"},
}
# PCMD is data, not a group: its applications' letters go to DAAG.
RECIPIENT_OF = {"CAG": "CAG", "DAAG": "DAAG", "IGSoC": "IGSoC", "PCMD": "DAAG"}
LEVELS = {
    Outcome.SATISFACTORY: {"114": 2, "115": 3, "117": 2},
    Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN: {"114": 2, "115": 1, "117": 1},
    Outcome.NOT_SATISFACTORY: {"114": 0, "115": 3, "117": 1},
}
PLAN = [{"requirement": "115", "action": "Adopt the IG policy", "owner": "IG Lead",
         "target_date": "2017-03-31"},
        {"requirement": "117", "action": "Train remaining staff", "owner": "Registered Manager",
         "target_date": "2017-01-31"}]
NOT_SATISFACTORY_REASONS = "Requirement 114: nobody is responsible for IG."


@pytest.fixture
def people(session):
    users = {"reviewer": UserFactory(role="reviewer", name="Rita Reviewer"),
             "senior": UserFactory(role="senior_reviewer", name="Sam Senior"),
             "admin": UserFactory(role="admin", name="Ada Admin")}
    session.commit()
    return {name: (user, Actor.of(user)) for name, user in users.items()}


@pytest.fixture
def case_in_sending_letters(client, session, people):
    """Publish, review and record an outcome; the case ends in 'sending letters'."""
    counter = iter(range(1, 1000))

    def make(outcome: Outcome = Outcome.SATISFACTORY, groups=("CAG", "IGSoC"),
             ods_code: str | None = None, levels: dict[str, int] | None = None,
             plan: list[dict] | None = None, covers: list[dict] | None = None) -> Case:
        number = next(counter)
        ods_code = ods_code or f"8HV{number:02d}"
        payload = body(notification_id=f"IGT-LETTERS-{ods_code}")
        payload["organisation"]["ods_code"] = ods_code
        payload["assessment"]["requirements"] = [
            {"id": rid, "level": level} for rid, level in (levels or LEVELS[outcome]).items()]
        payload["assessment"]["improvement_plan"] = plan or PLAN
        payload["applications"] = [group if isinstance(group, dict) else APPLICATIONS[group]
                                   for group in groups]
        if covers is not None:
            payload["assessment"]["covers"] = covers
        organisation = OrganisationFactory(ods_code=ods_code, name=f"Rosewood Care Home {number}",
                                           address="1 High Street\nExeter", postcode="EX1 1AA")
        AdministratorFactory(organisation=organisation, name="Pat Manager",
                             email=f"pat{number}@rosewood.example.org")
        session.commit()
        reference = post_processed(client, payload)["case_reference"]
        session.expire_all()
        case = session.scalar(select(Case).where(Case.reference == reference))
        record(session, case, outcome, people)
        session.commit()
        return case

    return make


def record(session, case: Case, outcome: Outcome, people) -> None:
    reviewer, actor = people["reviewer"]
    assign_cases(session, actor=people["senior"][1], cases=[case], reviewer=reviewer)
    review = review_of(session, case)
    record_findings(session, actor=actor, case=case, findings=[
        FindingInput(r.id, True) for r in review.requirements if r.applicable],
        plan_decisions={0: True, 1: True})
    if outcome is Outcome.NOT_SATISFACTORY:
        record_outcome(session, actor=actor, case=case, outcome=outcome,
                       reasons=NOT_SATISFACTORY_REASONS)
        senior, senior_actor = people["senior"]
        sign_off(session, actor=senior_actor, case=case, signer=senior)
    else:
        record_outcome(session, actor=actor, case=case, outcome=outcome,
                       plan_accepted=outcome is not Outcome.SATISFACTORY)


