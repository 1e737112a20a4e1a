import pytest
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.core.audit import Actor
from tests.factories import AdministratorFactory, OrganisationFactory, UserFactory
from tests.payloads import body, post_processed


@pytest.fixture
def open_case(client, session):
    """Open a case through the webhook, from an assessment with these requirement levels."""

    def make(levels: dict[str, int | None] | None = None, plan=None, ods_code="8HV48",
             notification_id=None) -> Case:
        levels = levels or {"114": 2, "115": 3, "117": 1}
        payload = body(notification_id=notification_id or f"IGT-{ods_code}")
        payload["organisation"]["ods_code"] = ods_code
        payload["assessment"]["requirements"] = [
            {"id": rid, "not_relevant": True} if level is None else {"id": rid, "level": level}
            for rid, level in levels.items()]
        payload["assessment"]["improvement_plan"] = plan if plan is not None else [
            {"requirement": "117", "action": "Train staff", "owner": "Manager",
             "target_date": "2017-03-31"}] * ("117" in levels)
        if session.scalar(select(Case).where(Case.organisation.has(ods_code=ods_code))) is None:
            AdministratorFactory(organisation=OrganisationFactory(ods_code=ods_code))
            session.commit()
        reference = post_processed(client, payload)["case_reference"]
        session.expire_all()
        return session.scalar(select(Case).where(Case.reference == reference))

    return make


@pytest.fixture
def people(session):
    """A reviewer and two senior reviewers, as users and as actors."""
    users = {"reviewer": UserFactory(role="reviewer", email="rita@example.org"),
             "senior": UserFactory(role="senior_reviewer", email="sam@example.org"),
             "senior2": UserFactory(role="senior_reviewer", email="sue@example.org")}
    session.commit()
    return {name: (user, Actor.of(user)) for name, user in users.items()}
