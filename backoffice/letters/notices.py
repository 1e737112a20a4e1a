"""Notice letters: when a closed case is reopened, each approval group that had a letter of
its outcome is told, by a short letter made, stored, versioned and e-mailed like the others.

The reopening (in ``reviews``) leaves a "notices due" mark in the outbox; the letters job
makes one notice per group from the ``reopened`` template, as a new version of that group's
letter, so the portal's current letter says the case is under review again and why.
Build the built-in template with ``python -m backoffice.letters.notices``.
"""

from __future__ import annotations

from datetime import date

from docx import Document
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.config import DEFAULT_ISSUING_BODY
from backoffice.core.audit import SYSTEM_ACTOR, set_actor
from backoffice.core.db import utcnow
from backoffice.letters import services
from backoffice.letters.build_templates import short_letter, write_template
from backoffice.letters.models import ORGANISATION, Letter
from backoffice.letters.templates import addressee, current_template
from backoffice.mail.models import OutboxMessage

NOTICES_DUE = "notices_due"
REOPENED = "reopened"  # the notice's kind: its template's key and its letter's outcome mark
REOPENED_LABEL = "Reopened: under review again"


def notice_markers(session: Session, case_id: int) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == NOTICES_DUE, OutboxMessage.case_id == case_id,
        OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id).with_for_update()))


def _notice_data(case: Case, letter: Letter, reason: str, reopened_on: date) -> dict:
    version = letter.version + 1
    return {
        **{key: letter.data.get(key, "") for key in (
            "organisation_name", "ods_code", "toolkit_version", "reporting_year",
            "application_reference", "application_references", "salutation")},
        "kind": REOPENED, "case_reference": case.reference,
        "letter_reference": f"{case.reference}/{letter.recipient}/{version}",
        "recipient": letter.recipient,
        "addressee": addressee(letter.recipient, letter.data.get("letterhead_issuing_body")
                               or DEFAULT_ISSUING_BODY, case.organisation.name),
        "date": f"{reopened_on:%d %B %Y}".lstrip("0"),
        "outcome_label": REOPENED_LABEL,
        "earlier_outcome_label": letter.data.get("outcome_label", ""),
        "earlier_letter_reference": letter.data.get("letter_reference", ""),
        "reason": reason,
    }


def make_notices(session: Session, *, case_id: int, mail_from: str) -> list[Letter]:
    """The notices a reopening asked for, once: each group's current letter is superseded by
    a notice (the organisation's letter stays: its reviewer writes to it with the new one)."""
    markers = notice_markers(session, case_id)
    case = session.get(Case, case_id)
    if not markers or case is None:
        return []
    set_actor(session, SYSTEM_ACTOR)
    marker = markers[-1]
    reopened_on = marker.created_at.date()
    template = current_template(session, REOPENED)
    notices = []
    for letter in services.current_letters(session, case):
        if letter.recipient == ORGANISATION or letter.outcome == REOPENED:
            continue
        letter.superseded_at = utcnow()
        session.flush()
        notice = services.make_letter(
            session, case=case, recipient=letter.recipient, version=letter.version + 1,
            data=_notice_data(case, letter, marker.data.get("reason", ""), reopened_on),
            template=template, mail_from=mail_from)
        notice.outcome = REOPENED
        notices.append(notice)
    session.add_all(notices)
    for handled in markers:
        handled.sent_at = utcnow()
    session.flush()
    return notices


def cases_due_notices(session: Session, limit: int) -> list[int]:
    return list(session.scalars(select(OutboxMessage.case_id).where(
        OutboxMessage.kind == NOTICES_DUE, OutboxMessage.sent_at.is_(None))
        .distinct().order_by(OutboxMessage.case_id).limit(limit)))


# The built-in template ------------------------------------------------------------------


def build() -> Document:
    return short_letter(
        ["External IG Delivery\nOur reference: {{ letter_reference }}"
         "\nCase: {{ case_reference }}\nDate: {{ date }}"],
        "IG Toolkit desk review reopened: {{ organisation_name }} ({{ ods_code }})",
        ["We have reopened the desk review of the Information Governance Toolkit assessment "
         "published by {{ organisation_name }} for version {{ toolkit_version }} "
         "({{ reporting_year }}), case {{ case_reference }}, application "
         "{{ application_reference }}.",
         "Why it was reopened: {{ reason }}",
         "The outcome we sent in letter {{ earlier_letter_reference }} "
         "({{ earlier_outcome_label }}) no longer stands while the review is under way. "
         "Please do not rely on it. We will write again with the outcome when the review "
         "ends."])


if __name__ == "__main__":
    write_template(REOPENED, build())
