"""Lapse letters: when a standing application lapses (its holder has not published for a
reporting year by 31 March, ``cases.standing``), its approval group is told by a letter from
a template of its own (``lapsed``), made, stored, versioned, e-mailed and shown in the
group's portal like the outcome letters, as the newest version of that group's letter on the
case that last named the application.

Exactly once per holder and year: the lapse row is locked and names its letter in the same
transaction. The letter waits while the case's own letter to that group is not delivered (a
lapse letter never stops an outcome letter), and is not made once the lapse is cleared.
Build the built-in template with ``python -m backoffice.letters.lapses``.
"""

from __future__ import annotations

from datetime import date

from docx import Document
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import CaseStatus
from backoffice.cases.standing import StandingApplication, StandingLapse
from backoffice.core.audit import SYSTEM_ACTOR, set_actor
from backoffice.core.db import utcnow
from backoffice.core.display import day
from backoffice.letters import services
from backoffice.letters.build_templates import short_letter, write_template
from backoffice.letters.models import LAPSED, DeliveryStatus, Letter
from backoffice.letters.templates import addressee, current_template
from backoffice.letters.wording import Letterhead

LAPSED_LABEL = "Standing application lapsed"
# a case whose outcome letters are on their way: the lapse letter waits for them
WAITING_STATUSES = (CaseStatus.AWAITING_SIGN_OFF.value, CaseStatus.SENDING_LETTERS.value)


def _deadline_day(reporting_year: str) -> str:
    return f"31 March {int(reporting_year[:4]) + 1}"


def _lapse_data(lapse: StandingLapse, group: str, version: int, today: date,
                letterhead: Letterhead | None) -> dict:
    standing = lapse.standing
    case, organisation = standing.case, standing.organisation
    head = (letterhead or Letterhead()).data()
    return {
        "kind": LAPSED, "case_reference": case.reference,
        "letter_reference": f"{case.reference}/{group}/{version}",
        "recipient": group,
        "addressee": addressee(group, head["letterhead_issuing_body"], organisation.name),
        "salutation": "Colleagues",
        "date": f"{today:%d %B %Y}".lstrip("0"),
        "organisation_name": organisation.name, "ods_code": organisation.ods_code,
        "application_type": standing.application_type,
        "application_reference": standing.reference,
        "application_references": f"{standing.application_type} {standing.reference}",
        "held_since": day(standing.held_since),
        "reporting_year": lapse.reporting_year,
        "deadline": _deadline_day(lapse.reporting_year),
        "outcome_label": f"{LAPSED_LABEL}: not published for {lapse.reporting_year}",
        **head,
    }


def _waits_for(session: Session, lapse: StandingLapse, group: str) -> bool:
    """The case's outcome letters are not final or not delivered yet: the lapse letter waits."""
    case = lapse.standing.case
    if case.status in WAITING_STATUSES:
        return True
    current = [letter for letter in services.current_letters(session, case)
               if letter.recipient == group]
    return any(letter.delivery_status != DeliveryStatus.SENT.value for letter in current)


def make_lapse_letter(session: Session, *, lapse_id: int, mail_from: str, today: date,
                      letterhead: Letterhead | None = None) -> Letter | None:
    """The group's letter for one lapse, once: None when it is made already, cleared, or
    waiting for the case's own letter to the group."""
    lapse = session.scalar(select(StandingLapse).where(StandingLapse.id == lapse_id)
                           .with_for_update())
    if lapse is None or lapse.letter_id is not None or lapse.cleared_at is not None \
            or lapse.standing.ended_at is not None:
        return None
    group = lapse.standing.approval_group
    if not group or _waits_for(session, lapse, group):
        return None
    set_actor(session, SYSTEM_ACTOR)
    case = lapse.standing.case
    for letter in services.current_letters(session, case):
        if letter.recipient == group:
            letter.superseded_at = utcnow()
    session.flush()
    latest = session.scalar(select(func.max(Letter.version)).where(
        Letter.case_id == case.id, Letter.recipient == group)) or 0
    letter = services.make_letter(
        session, case=case, recipient=group, version=latest + 1,
        data=_lapse_data(lapse, group, latest + 1, today, letterhead),
        template=current_template(session, LAPSED), mail_from=mail_from)
    letter.outcome = LAPSED
    session.add(letter)
    session.flush()
    lapse.letter_id = letter.id
    session.flush()
    return letter


def lapses_due_letters(session: Session, limit: int) -> list[int]:
    """Lapses not cleared, of applications still held, whose group has no letter yet."""
    return list(session.scalars(select(StandingLapse.id).join(StandingLapse.standing).where(
        StandingLapse.letter_id.is_(None), StandingLapse.cleared_at.is_(None),
        StandingApplication.ended_at.is_(None)).order_by(StandingLapse.id).limit(limit)))


# The built-in template ------------------------------------------------------------------


def build() -> Document:
    return short_letter(
        ["{{ letterhead_issuing_body }} External IG Delivery\n"
         "{{ letterhead_address }}\n{{ letterhead_contact }}",
         "Our reference: {{ letter_reference }}\nCase: {{ case_reference }}\nDate: {{ date }}"],
        "Standing application lapsed: {{ organisation_name }} ({{ ods_code }})",
        ["{{ organisation_name }} ({{ ods_code }}) holds the {{ application_type }} "
         "application {{ application_reference }} (since {{ held_since }}, case "
         "{{ case_reference }}). An organisation holding it must complete and publish an "
         "annual IG Toolkit assessment for as long as it holds it.",
         "It had not published an assessment for the reporting year {{ reporting_year }} by "
         "{{ deadline }}, so its IG assurance for this application has lapsed.",
         "We will review its assessment when it publishes, and write to you again with the "
         "outcome. Please take this into account in any decision on the application."])


if __name__ == "__main__":
    write_template(LAPSED, build())
