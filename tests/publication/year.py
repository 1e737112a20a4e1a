"""Three organisations across the 2015/16 deadline: one on time (reviewed), one late (a
publication of 1 April), one that did not publish."""

from datetime import UTC, datetime

from sqlalchemy import select

from backoffice.cases import lifecycle
from backoffice.cases.models import Case
from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.vocabulary import CaseStatus
from backoffice.extensions import db
from tests.factories import OrganisationFactory
from tests.payloads import body, post_processed


def _publish(client, ods_code: str, number: int, published_at: str, applications=None):
    payload = body(notification_id=f"IGT-13-{number:06d}", published_at=published_at)
    payload["organisation"]["ods_code"] = ods_code
    if applications is not None:
        payload["applications"] = applications
    return post_processed(client, payload)


def three_organisations(client, session) -> None:
    OrganisationFactory(ods_code="ONTIME", name="Ash Care Home", org_type="Voluntary Sector")
    OrganisationFactory(ods_code="LATE1", name="Beech Surgery", org_type="GP Practice")
    OrganisationFactory(ods_code="NONE1", name="Cedar Lodge", org_type="Voluntary Sector")
    session.commit()
    # 23:30 BST on 31 March: on time
    reference = _publish(client, "ONTIME", 1, "2016-03-31T22:30:00Z")["case_reference"]
    # 1 April, 09:00 BST: late
    _publish(client, "LATE1", 2, "2016-04-01T08:00:00Z", applications=[])
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    case.outcome, case.outcome_at = "satisfactory", datetime(2016, 5, 2, tzinfo=UTC)
    case.status = CaseStatus.IN_REVIEW.value
    lifecycle.confirm(db.session, actor=SYSTEM_ACTOR, case=case, latest=None)  # public now
    lifecycle.close(db.session, actor=SYSTEM_ACTOR, case=case)
    db.session.commit()
