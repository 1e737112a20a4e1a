"""Letter templates: the built-in one per recipient, uploaded replacements, every version kept."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.config import DEFAULT_ISSUING_BODY
from backoffice.core.audit import Actor, set_actor
from backoffice.core.errors import InvalidInput
from backoffice.core.requirements import requirement_title
from backoffice.core.vocabulary import (
    APPROVAL_GROUP_OF,
    GROUP_LETTERS,
    ApplicationType,
    ApprovalGroup,
    Outcome,
)
from backoffice.letters import rendering
from backoffice.letters.models import (
    LAPSED,
    ORGANISATION,
    RECIPIENTS,
    TEMPLATE_KINDS,
    LetterTemplate,
)


def addressee(recipient: str, issuing_body: str, organisation_name: str) -> str:
    """Who a letter is addressed to: a group by its name (with the issuing body where the
    group is part of it), the organisation by its name."""
    if recipient == ORGANISATION:
        return organisation_name
    return GROUP_LETTERS[ApprovalGroup(recipient)].addressed(issuing_body)


@cache
def builtin_template(recipient: str) -> bytes:
    """The default template shipped with the back office for a recipient."""
    return (resources.files("backoffice.letters") / "default_templates"
            / f"{recipient}.docx").read_bytes()


def current_template(session: Session, recipient: str) -> LetterTemplate:
    """The newest template version for a recipient. The shipped built-in one is stored as the
    next version when none is stored yet, or when it changed since the stored built-in one was
    taken (a fix to the wording) and no admin has uploaded a replacement since."""
    template = session.scalar(select(LetterTemplate).where(
        LetterTemplate.recipient == recipient).order_by(LetterTemplate.version.desc()).limit(1))
    content = builtin_template(recipient)
    sha = hashlib.sha256(content).hexdigest()
    if template is not None and (not template.builtin or template.sha256 == sha):
        return template
    template = LetterTemplate(recipient=recipient, version=template.version + 1 if template
                              else 1, filename=f"{recipient}.docx", content=content,
                              sha256=sha, size=len(content), builtin=True,
                              note="built-in default")
    session.add(template)
    session.flush()
    return template


def template_versions(session: Session, recipient: str) -> list[LetterTemplate]:
    return list(session.scalars(select(LetterTemplate).where(
        LetterTemplate.recipient == recipient).order_by(LetterTemplate.version.desc())))


def check_recipient(recipient: str, kinds: tuple[str, ...] = RECIPIENTS) -> None:
    if recipient not in kinds:
        raise InvalidInput(f"{recipient!r} is not a letter recipient; use one of "
                           f"{', '.join(kinds)}", field="recipient")


def upload_template(session: Session, *, actor: Actor, recipient: str, filename: str,
                    content: bytes, note: str = "") -> LetterTemplate:
    """Accept a replacement template only if it is a safe .docx that renders a sample case."""
    check_recipient(recipient, TEMPLATE_KINDS)
    samples = ([lapse_sample_context()] if recipient == LAPSED
               else [sample_context(recipient, outcome) for outcome in Outcome])
    rendering.validate_template(content, filename, samples)
    set_actor(session, actor)
    latest = current_template(session, recipient)
    template = LetterTemplate(recipient=recipient, version=latest.version + 1,
                              filename=filename[:255], content=content,
                              sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                              note=note.strip()[:255], uploaded_by_id=actor.user_id)
    session.add(template)
    session.flush()
    return template


def sample_context(recipient: str, outcome: Outcome) -> dict:
    """A made-up case every template must render, with each outcome, before it is accepted."""
    group = recipient != ORGANISATION
    with_plan = outcome is Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN
    not_satisfactory = outcome is Outcome.NOT_SATISFACTORY
    return {
        "letter_reference": f"R-2016-000123/{recipient}/1", "case_reference": "R-2016-000123",
        "date": "31 March 2016", "recipient": recipient,
        "addressee": addressee(recipient, DEFAULT_ISSUING_BODY, "Rosewood Care Home"),
        "salutation": "Colleagues" if group else "Jane Smith",
        "organisation_name": "Rosewood Care Home", "ods_code": "8HV48",
        "organisation_address": "1 High Street\nExeter\nEX1 1AA",
        "toolkit_version": 13, "reporting_year": "2015/16",
        "application_reference": "CAG 4-08(b)/2013",
        "application_references": "S251 CAG 4-08(b)/2013",
        "applied_for": "section 251 approval (reference CAG 4-08(b)/2013)",
        "outcome": outcome.value, "outcome_label": outcome.label,
        "actions": [{"requirement": "117", "requirement_title": requirement_title("117"),
                     "action": "Train remaining staff", "owner": "Registered Manager",
                     "target_date": "31 March 2017"}] if with_plan else [],
        "reasons": "Requirement 114 is at level 0." if not_satisfactory else "",
        "reviewer": "A Reviewer", "signed_off_by": "A Senior Reviewer" if not_satisfactory else "",
        "senior_reviewer": "A Senior Reviewer" if not_satisfactory else "A Reviewer",
        "letterhead_issuing_body": DEFAULT_ISSUING_BODY,
        "letterhead_address": "1 Trevelyan Square, Leeds",
        "letterhead_contact": "exeter.helpdesk@hscic.gov.uk",
        "differing": [{"requirement": "114", "requirement_title": requirement_title("114"),
                       "published": "Level 2", "reviewed": "Level 1",
                       "comment": "No training records were found."}]
        if not_satisfactory else [],
        "next_steps": "What happens next, in a sentence or two.",
        "covers": [{"kind": "Study", "name": "Outcomes of hip replacement",
                    "reference": "CAG 4-08(b)/2013", "ods_code": ""}] if group else [],
        "covers_missing": "",
        "branches": [{"name": "High St Pharmacy", "ods_code": "FA002"}],
        "branches_covered": "High St Pharmacy (FA002)",
    }


def lapse_sample_context() -> dict:
    """A made-up lapse every lapse template must render before it is accepted."""
    kind = ApplicationType.DARS.value
    return {**sample_context(APPROVAL_GROUP_OF[ApplicationType.DARS].value, Outcome.SATISFACTORY),
            "kind": LAPSED, "application_type": kind,
            "application_reference": "DARS-NIC-148533",
            "application_references": f"{kind} DARS-NIC-148533", "held_since": "4 May 2015",
            "deadline": "31 March 2016",
            "outcome_label": "Standing application lapsed: not published for 2015/16"}
