"""The demo's annual cycle: a late publication for the last ended reporting year, the latest
outcomes on each year's summary, and that year's compliance report sent, so the public
Publications page shows it. Safe to rerun: the import finds its repeat, the report is sent
once."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import publications
from backoffice.cases.models import Case
from backoffice.compliance import sending
from backoffice.compliance.services import ReportingYear
from backoffice.core.audit import SYSTEM_ACTOR, Actor
from backoffice.core.vocabulary import CaseStatus
from backoffice.demo.history import _last_ended_year_start
from backoffice.demo.notifications import _assessment
from backoffice.mail.models import OutboxMessage
from backoffice.notifications.importing import import_records
from backoffice.organisations import services as organisations
from backoffice.organisations.services import AdministratorDetails, OrganisationDetails
from backoffice.users import services as users

LATE = OrganisationDetails(
    ods_code="8HV99", name="Latecomer Lodge Care Home", org_type="Care Home",
    postcode="EX4 4QJ", address="9 Mill Road, Exeter",
    administrators=[AdministratorDetails("Lou Lewis", "lou.lewis@latecomer.example.org")])
SEED = 3103


def _late_publication(now: datetime) -> bytes:
    """Published on 2 April, two days after its year's deadline."""
    start = _last_ended_year_start(now)
    published = datetime(start + 1, 4, 2, 10, 30, tzinfo=UTC)
    assessment = _assessment(random.Random(SEED), published)
    assessment.update(reporting_year=f"{start}/{(start + 1) % 100:02d}",
                      toolkit_version=13 + start - 2015)
    return json.dumps({
        "notification_id": f"IGT-DEMO-LATE-{start}",
        "published_at": published.isoformat().replace("+00:00", "Z"),
        "organisation": {"ods_code": LATE.ods_code, "name": LATE.name,
                         "org_type": LATE.org_type, "postcode": LATE.postcode},
        "assessment": assessment, "applications": []}).encode()


def ensure_late_publication(session: Session, *, sla_days: int, now: datetime) -> None:
    if organisations.find_by_ods(session, LATE.ods_code) is None:
        organisations.register_organisation(session, actor=SYSTEM_ACTOR, details=LATE)
        session.commit()
    import_records(session, [(1, _late_publication(now))], sla_days=sla_days, backdate=True)


def ensure_outcomes(session: Session) -> None:
    """The demo's history closes its cases as they stood; each year's summary takes its
    latest outcome, as closing a case through the lifecycle does."""
    for case in session.scalars(select(Case).where(Case.status == CaseStatus.CLOSED.value,
                                                   Case.outcome.is_not(None))):
        publications.refresh_outcomes(session, case)


def ensure_sent_report(session: Session, domain: str, *, now: datetime) -> None:
    """The last ended year's report, sent by the demo admin to the demo's own addresses
    (marked delivered: the demo mails nobody) and so published."""
    year = ReportingYear(_last_ended_year_start(now))
    admin = users.find_user(session, f"admin@{domain}")
    sent, new = sending.send_report(
        session, actor=Actor.of(admin) if admin else SYSTEM_ACTOR, year=year,
        today=now.date(), report_to=[f"cqc@{domain}", f"monitor@{domain}"],
        summary_to=[f"cabinet-office@{domain}"])
    if new:
        for message in session.scalars(select(OutboxMessage).where(
                OutboxMessage.kind.in_([sending.COMPLIANCE_REPORT, sending.COMPLIANCE_SUMMARY]),
                OutboxMessage.sent_at.is_(None))):
            message.sent_at = sent.sent_at


def ensure_annual_cycle(session: Session, domain: str, *, sla_days: int,
                        now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    ensure_late_publication(session, sla_days=sla_days, now=now)
    ensure_outcomes(session)
    session.commit()
    ensure_sent_report(session, domain, now=now)
    session.commit()
