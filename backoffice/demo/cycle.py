"""The annual cycle in the demo: standing applications held by the demo's cases, a DARS holder
that has not published for the last closed reporting year (lapsed, DAAG's letter made), and
accepted improvement-plan items: some due within four weeks (their reminders written), one
overdue. Safe to rerun."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import standing
from backoffice.cases.models import Case
from backoffice.core.audit import SYSTEM_ACTOR, Actor
from backoffice.core.vocabulary import Outcome
from backoffice.letters import lapses
from backoffice.letters import services as letter_services
from backoffice.letters.models import DeliveryStatus, Letter
from backoffice.mail.models import OutboxMessage
from backoffice.notifications.importing import import_records
from backoffice.organisations import services as organisations
from backoffice.organisations.models import Organisation
from backoffice.organisations.services import AdministratorDetails, OrganisationDetails
from backoffice.reviews import followup
from backoffice.reviews.findings import FindingInput, record_findings, review_of
from backoffice.reviews.outcomes import record_outcome
from backoffice.reviews.taking import assign_cases
from backoffice.users.services import find_user

LAPSED_ODS = "8DR01"
LAPSED_NAME = "Northgate Data Research Unit"
DARS_REFERENCE = "DARS-NIC-204117"


def _lapsed_holder(session: Session, today: date, sla_days: int) -> None:
    """A research unit that holds a DARS application since the year before last and has not
    published since: lapsed for the last closed year."""
    if session.scalar(select(Organisation).where(Organisation.ods_code == LAPSED_ODS)) is None:
        details = OrganisationDetails(
            ods_code=LAPSED_ODS, name=LAPSED_NAME, org_type="Research Organisation",
            postcode="LS1 4HY", address="2 Park Row\nLeeds", administrators=[
                AdministratorDetails(name="Dana Okafor", email="dana.okafor@example.org",
                                     phone="0300 555 0101")])
        organisations.register_organisation(session, actor=SYSTEM_ACTOR, details=details)
        session.commit()
    year = standing.last_closed_year(today)
    start = int(year[:4]) - 1
    published = datetime.combine(date(start + 1, 2, 14), time(11), UTC)
    body = {"notification_id": "IGT-DEMO-LAPSED-DARS",
            "published_at": published.isoformat().replace("+00:00", "Z"),
            "organisation": {"ods_code": LAPSED_ODS, "name": LAPSED_NAME,
                             "org_type": "Research Organisation", "postcode": "LS1 4HY"},
            "assessment": {"toolkit_version": 13 + start - 2015,
                           "reporting_year": f"{start}/{(start + 1) % 100:02d}",
                           "requirements": [{"id": "114", "level": 2}, {"id": "115", "level": 2},
                                            {"id": "117", "level": 3}]},
            "applications": [{"type": "DARS", "reference": DARS_REFERENCE}]}
    import_records(session, [(1, json.dumps(body).encode())], sla_days=sla_days, backdate=True)


PLANNERS = (  # (ODS code, name, days from today to the plan's target date)
    ("8PL01", "Larkspur House Care Home", 12),
    ("8PL02", "Brookside Hospice", 20),
    ("8PL03", "Elm Court Nursing Home", -10),
)
LEVELS = {"114": 2, "115": 1, "117": 1, "304": 2}
ACTIONS = {"115": ("Adopt and publish the IG policy", "IG Lead"),
           "117": ("Train the remaining staff in IG", "Registered Manager")}


def _register(session: Session, ods_code: str, name: str, org_type: str, postcode: str,
              administrator: tuple[str, str]) -> None:
    if session.scalar(select(Organisation).where(Organisation.ods_code == ods_code)):
        return
    organisations.register_organisation(session, actor=SYSTEM_ACTOR, details=OrganisationDetails(
        ods_code=ods_code, name=name, org_type=org_type, postcode=postcode,
        administrators=[AdministratorDetails(name=administrator[0], email=administrator[1])]))
    session.commit()


def _publish_plan(session: Session, ods_code: str, name: str, target: date, today: date,
                  sla_days: int) -> Case | None:
    year = standing.last_closed_year(today + timedelta(days=366))  # the year under way
    start = int(year[:4])
    published = datetime.combine(min(target, today) - timedelta(days=75), time(10), UTC)
    body = {"notification_id": f"IGT-DEMO-PLAN-{ods_code}",
            "published_at": published.isoformat().replace("+00:00", "Z"),
            "organisation": {"ods_code": ods_code, "name": name,
                             "org_type": "Voluntary Sector", "postcode": "EX1 1AA"},
            "assessment": {"toolkit_version": 13 + start - 2015, "reporting_year": year,
                           "requirements": [{"id": r, "level": lv} for r, lv in LEVELS.items()],
                           "improvement_plan": [
                               {"requirement": r, "action": action, "owner": owner,
                                "target_date": target.isoformat()}
                               for r, (action, owner) in ACTIONS.items()]},
            "applications": [{"type": "N3", "reference": f"IGSOC-{ods_code}"}]}
    import_records(session, [(1, json.dumps(body).encode())], sla_days=sla_days, backdate=True)
    return session.scalar(select(Case).join(Organisation).where(
        Organisation.ods_code == ods_code).order_by(Case.id.desc()).limit(1))


def _as_sent(letters: list[Letter], to: str) -> None:
    """Delivered already, as the demo's other letters: the demo e-mails nobody."""
    for letter in letters:
        letter.to_address = to
        letter.delivery_status = DeliveryStatus.SENT.value
        letter.attempts = 1
        letter.sent_at = datetime.now(UTC)


def _accept_plan(session: Session, case: Case, domain: str, mail_from: str) -> None:
    """Reviewed as a reviewer would: every requirement agreed, the plan accepted."""
    reviewer = find_user(session, f"reviewer@{domain}")
    senior = find_user(session, f"senior@{domain}")
    if case.outcome or reviewer is None or senior is None:
        return
    assign_cases(session, actor=Actor.of(senior), cases=[case], reviewer=reviewer)
    review = review_of(session, case)
    record_findings(session, actor=Actor.of(reviewer), case=case,
                    findings=[FindingInput(r.id, True) for r in review.requirements
                              if r.applicable],
                    plan_decisions={index: True for index in range(len(review.plan))})
    record_outcome(session, actor=Actor.of(reviewer), case=case,
                   outcome=Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN, plan_accepted=True)
    _as_sent(letter_services.generate_due(session, case_id=case.id, mail_from=mail_from),
             "the approval group and the organisation")
    session.flush()
    letter_services.close_if_delivered(session, case.id)  # keeps its accepted plan items
    session.commit()


def _plans_due(session: Session, domain: str, today: date, sla_days: int,
               mail_from: str) -> None:
    """Three care homes whose accepted plans are due within four weeks, or overdue."""
    for number, (ods_code, name, days) in enumerate(PLANNERS, start=1):
        _register(session, ods_code, name, "Voluntary Sector", "EX1 1AA",
                  (f"Manager {number}", f"manager{number}@{ods_code.lower()}.example.org"))
        case = _publish_plan(session, ods_code, name, today + timedelta(days=days), today,
                             sla_days)
        if case is not None:
            _accept_plan(session, case, domain, mail_from)


def ensure_cycle(session: Session, domain: str, *, sla_days: int, mail_from: str,
                 today: date | None = None) -> None:
    """The demo's holders, a lapsed DARS holder and its letter, plans due and overdue."""
    today = today or datetime.now(UTC).date()
    standing.hold(session, session.scalars(select(Case.id)))  # the history's cases too
    session.commit()
    _lapsed_holder(session, today, sla_days)
    standing.find_lapses(session, today=today)
    standing.clear_lapses(session)
    session.commit()
    holder = session.scalar(select(standing.StandingApplication).where(
        standing.StandingApplication.reference == DARS_REFERENCE))
    for lapse in holder.lapses if holder else []:
        letter = lapses.make_lapse_letter(session, lapse_id=lapse.id, mail_from=mail_from,
                                          today=today)
        _as_sent([letter] if letter else [], letter_services.group_address(
            session, holder.approval_group) or "")
    session.commit()
    followup.sync_plans(session, limit=10_000)
    followup.follow_up(session)
    _plans_due(session, domain, today, sla_days, mail_from)
    followup.write_reminders(session, today=today)
    for message in session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == followup.REMINDER_KIND, OutboxMessage.sent_at.is_(None))):
        message.sent_at, message.attempts = datetime.now(UTC), 1  # the demo e-mails nobody
    session.commit()

