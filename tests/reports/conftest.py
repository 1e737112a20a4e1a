"""Cases opened through the webhook and closed with an outcome, with review words the
public must never see: finding comments, outcome reasons, information requests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.reviews.guards import latest_assessment
from backoffice.reviews.models import Finding, InformationRequest
from tests.factories import OrganisationFactory
from tests.payloads import body, post_processed

SECRET_WORDS = ("Zanzibarfinding", "Quokkareason", "Marmaladerequest", "Xylophoneplan")


@pytest.fixture
def publish(client, session):
    """A case for this organisation, reviewed with secret words, its outcome confirmed (its
    letters going, or closed once they went) or not."""
    counter = iter(range(1, 1000))

    def make(*, ods_code: str = "8HV48", name: str = "Rosewood Care Home",
             outcome: str | None = "satisfactory", status: str = "closed",
             levels: dict[str, int | None] | None = None, version: int = 13,
             year: str = "2015/16", closed_at: datetime | None = None,
             published_at: str = "2016-03-30T14:22:05Z") -> Case:
        number = next(counter)
        levels = levels or {"114": 2, "304": None, "117": 3}
        payload = body(notification_id=f"IGT-{ods_code}-{number}", published_at=published_at)
        payload["organisation"].update(ods_code=ods_code, name=name)
        payload["assessment"].update(toolkit_version=version, reporting_year=year)
        payload["assessment"]["requirements"] = [
            {"id": rid, "not_relevant": True} if level is None else {"id": rid, "level": level}
            for rid, level in levels.items()]
        payload["assessment"]["improvement_plan"] = [
            {"requirement": "117", "action": f"{SECRET_WORDS[3]} training",
             "owner": "Manager", "target_date": "2017-03-31"}]
        if session.scalar(select(Case).where(Case.organisation.has(ods_code=ods_code))) is None:
            OrganisationFactory(ods_code=ods_code, name=name)
            session.commit()
        reference = post_processed(client, payload)["case_reference"]
        session.expire_all()
        case = session.scalar(select(Case).where(Case.reference == reference))
        session.add(Finding(case_id=case.id, requirement_id="114", agreed=False, level=1,
                            comment=f"{SECRET_WORDS[0]} policy is out of date"))
        session.add(InformationRequest(case_id=case.id,
                                       message=f"Send the {SECRET_WORDS[2]} asset register"))
        case.outcome = outcome
        case.outcome_reasons = f"{SECRET_WORDS[1]}: no business continuity plan"
        case.status = status
        if status in ("sending_letters", "closed") and outcome is not None:
            case.publish(latest_assessment(session, case),
                         closed_at or datetime(2016, 4, 1 + number % 27, 9, tzinfo=UTC))
        session.commit()
        return case

    return make


def assert_no_secrets(text: str) -> None:
    for word in SECRET_WORDS:
        assert word.lower() not in text.lower(), f"{word} leaked into the public report"
