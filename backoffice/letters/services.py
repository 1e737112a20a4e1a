"""Letters: templates per recipient, generating each case's letters, closing delivered cases.

A case in ``sending_letters`` gets one letter for each approval group its reasons name and
one for the organisation. Each is stored with its checksum, its template version and the
data filled in, so it can be explained and made again; a new version never replaces an old.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases import lifecycle
from backoffice.cases.models import Case, CaseStatus
from backoffice.cases.services import branches_covered
from backoffice.core.audit import SYSTEM_ACTOR, Actor, record_event, set_actor
from backoffice.core.db import get_or_not_found, utcnow
from backoffice.core.errors import InvalidInput
from backoffice.core.jobs import enqueue_after_commit
from backoffice.core.requirements import requirement_title
from backoffice.core.vocabulary import (
    ApprovalGroup,
    Outcome,
    applied_for,
    outcome_label,
    status_label,
)
from backoffice.letters import rendering
from backoffice.letters.dispatch import DELIVER_LETTER_JOB
from backoffice.letters.models import (
    ORGANISATION,
    RECIPIENTS,
    DeliveryStatus,
    GroupAddress,
    Letter,
    LetterTemplate,
)
from backoffice.letters.templates import (
    addressee,
    check_recipient,
    current_template,
)
from backoffice.letters.wording import Letterhead, differing_findings, next_steps
from backoffice.mail.models import OutboxMessage
from backoffice.reviews import followup
from backoffice.reviews.covers import (
    Cover,
    covers_naming_none_of,
    covers_of,
    references_not_covered,
)
from backoffice.reviews.findings import current_sign_off, review_of, signed_digest
from backoffice.reviews.guards import latest_assessment

LETTERS_DUE = "letters_due"
COVERS_LETTERS = frozenset({ApprovalGroup.CAG.value, ApprovalGroup.DAAG.value})
LETTERS_OPEN_TO_REGENERATE = (CaseStatus.SENDING_LETTERS, CaseStatus.CLOSED)
# What a letter says --------------------------------------------------------------------


def recipients_of(case: Case) -> list[str]:
    """Each approval group the case's reasons name, in a fixed order, then the organisation."""
    named = {reason.approval_group for reason in case.reasons}
    return [r for r in RECIPIENTS if r in named] + [ORGANISATION]


def _references(case: Case, recipient: str) -> tuple[str, str, str]:
    """This recipient's references only: a group never sees another group's application.
    Each also in words: what was applied for ("PCMD data (reference PCMD-2016-007)")."""
    mine = [r for r in case.reasons if recipient in (ORGANISATION, r.approval_group)]
    own = "; ".join(r.reference for r in mine)
    described = "; ".join(f"{r.application_type} {r.reference}" for r in mine)
    in_words = [applied_for(r.application_type, r.reference) for r in mine]
    return own, described, _and(in_words)


def _and(words: list[str]) -> str:
    *first, last = words or [""]
    return f"{', '.join(first)} and {last}" if first else last


def _actions(session: Session, case: Case, version: int) -> list[dict]:
    if case.outcome != Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN.value:
        return []
    review = review_of(session, case)
    return [{"requirement": item.requirement,
             "requirement_title": requirement_title(item.requirement, version),
             "action": item.action, "owner": item.owner,
             "target_date": f"{item.target_date:%d %B %Y}" if item.target_date else ""}
            for item in review.plan if item.accepted]


def _signed_off_by(session: Session, case: Case) -> str:
    """Who signed off the outcome the case has now, or nobody: only a Not Satisfactory outcome
    is signed off, and a sign-off of an earlier outcome (before a reopening) does not count."""
    signed = current_sign_off(session, case)
    if signed is None or signed.digest != signed_digest(session, case):
        return ""
    return str(signed.signed_by)


def _people(session: Session, case: Case) -> tuple[str, str, str]:
    """The reviewer, who signed off (or nobody) and who signs the letter."""
    reviewer = str(case.outcome_by) if case.outcome_by else "External IG Delivery"
    signed_off_by = _signed_off_by(session, case)
    return reviewer, signed_off_by, signed_off_by or reviewer


def _address(case: Case) -> str:
    organisation = case.organisation
    return "\n".join(part for part in (organisation.address.strip(), organisation.postcode)
                     if part)


def _salutation(case: Case, recipient: str) -> str:
    if recipient != ORGANISATION:
        return "Colleagues"
    admins = case.organisation.administrators
    return admins[0].name if admins else "Information Governance Lead"


def case_data(session: Session, case: Case, today: date,
              letterhead: Letterhead | None = None) -> dict:
    """What every letter of the case says, whoever it is for."""
    assessment = latest_assessment(session, case)
    if assessment is None:
        raise InvalidInput(f"{case.reference} has no published assessment; a letter names the "
                           "toolkit version and reporting year its outcome was recorded on")
    reviewer, signed_off_by, signatory = _people(session, case)
    return {
        "case_reference": case.reference,
        "date": f"{today:%d %B %Y}".lstrip("0"),
        "organisation_name": case.organisation.name,
        "ods_code": case.organisation.ods_code,
        "organisation_address": _address(case),
        "toolkit_version": assessment.toolkit_version,
        "reporting_year": assessment.reporting_year,
        "outcome": case.outcome or "",
        "outcome_label": outcome_label(case.outcome),
        "actions": _actions(session, case, assessment.toolkit_version),
        "reasons": case.outcome_reasons if case.outcome == Outcome.NOT_SATISFACTORY else "",
        "reviewer": reviewer,
        "signed_off_by": signed_off_by,
        "senior_reviewer": signatory,
        "differing": differing_findings(session, case, assessment.toolkit_version),
        "covers": [asdict(cover) for cover in covers_of(assessment)],
        **_branches(session, case),
        **(letterhead or Letterhead()).data(),
    }


def _branches(session: Session, case: Case) -> dict:
    """A head office's case: the branches its batch covers, as a list and in a sentence."""
    branches = [{"name": b.name, "ods_code": b.ods_code}
                for b in branches_covered(session, case)]
    return {"branches": branches,
            "branches_covered": ", ".join(f"{b['name']} ({b['ods_code']})" for b in branches)}


def letter_data(case: Case, recipient: str, version: int, common: dict) -> dict:
    """The snapshot a letter is filled from: everything it says, and nothing of other groups."""
    own, described, in_words = _references(case, recipient)
    return {
        **common,
        "letter_reference": f"{case.reference}/{recipient}/{version}",
        "recipient": recipient,
        "addressee": addressee(recipient, common["letterhead_issuing_body"],
                               case.organisation.name),
        "salutation": _salutation(case, recipient),
        "application_reference": own,
        "application_references": described,
        "applied_for": in_words,
        "next_steps": next_steps(common["outcome"], recipient, common["reporting_year"]),
        **_covers_for(case, recipient, common["covers"]),
    }


def _covers_for(case: Case, recipient: str, covers: list[dict]) -> dict:
    """The covers, and this group's references no cover names: for CAG and DAAG only, who
    link a study's or a release's application to the assessment (000 §5). A cover naming
    another group's application is left out: a group never sees another group's."""
    if recipient not in COVERS_LETTERS:
        return {"covers": [], "covers_missing": ""}
    mine = [reason for reason in case.reasons if reason.approval_group == recipient]
    others = [reason for reason in case.reasons if reason.approval_group != recipient]
    shown = covers_naming_none_of([Cover(**cover) for cover in covers], others)
    missing = references_not_covered(mine, shown)
    return {"covers": [asdict(cover) for cover in shown], "covers_missing": "; ".join(missing)}


# Generating ----------------------------------------------------------------------------


def message_id_for(letter: Letter, mail_from: str) -> str:
    """A stable Message-ID per letter version: a resent copy carries the same one."""
    domain = mail_from.rpartition("@")[2] or "localhost"
    reference = letter.data["case_reference"]
    return (f"<letter.{reference}.{letter.recipient}.v{letter.version}."
            f"{letter.sha256[:16]}@{domain}>")


def _latest_versions(session: Session, case: Case) -> dict[str, int]:
    return dict(session.execute(select(Letter.recipient, func.max(Letter.version)).where(
        Letter.case_id == case.id).group_by(Letter.recipient)).all())


def _supersede_current(session: Session, case: Case) -> None:
    """Older versions stay, marked superseded (an audited change); they are never sent."""
    now = utcnow()
    for letter in current_letters(session, case):
        letter.superseded_at = now
    session.flush()


def make_letter(session: Session, *, case: Case, recipient: str, version: int,
                data: dict, template: LetterTemplate, mail_from: str) -> Letter:
    """Fill a template with a data snapshot and store the result with its checksum."""
    content = rendering.render(template.content, data)
    sha = hashlib.sha256(content).hexdigest()
    letter = Letter(case_id=case.id, recipient=recipient, version=version,
                    filename=f"{case.reference}-{recipient}-v{version}.docx",
                    content=content, sha256=sha, size=len(content),
                    template_version_id=template.id, data=data, outcome=case.outcome or "",
                    delivery_status=DeliveryStatus.PENDING.value, attempts=0)
    letter.message_id = message_id_for(letter, mail_from)
    return letter


def generate_letters(session: Session, *, actor: Actor, case: Case, mail_from: str,
                     today: date | None = None,
                     letterhead: Letterhead | None = None) -> list[Letter]:
    """A new version of each recipient's letter from the newest templates; old ones are kept."""
    if case.outcome is None:
        raise InvalidInput(f"{case.reference} has no outcome; there is nothing to write")
    set_actor(session, actor)
    common = case_data(session, case, today or utcnow().date(), letterhead)
    latest = _latest_versions(session, case)
    recipients = recipients_of(case)
    templates = {recipient: current_template(session, recipient) for recipient in recipients}
    _supersede_current(session, case)
    letters = []
    for recipient in recipients:
        version = latest.get(recipient, 0) + 1
        letter = make_letter(session, case=case, recipient=recipient, version=version,
                             data=letter_data(case, recipient, version, common),
                             template=templates[recipient], mail_from=mail_from)
        letter.created_by_id = actor.user_id
        letters.append(letter)
    session.add_all(letters)
    session.flush()
    return letters


def regenerate_letters(session: Session, *, actor: Actor, case: Case, mail_from: str,
                       letterhead: Letterhead | None = None) -> list[Letter]:
    """An admin makes the letters again (say, after a template fix); the old versions stay."""
    if case.status not in LETTERS_OPEN_TO_REGENERATE:
        raise InvalidInput(f"{case.reference} is {status_label(case.status)}; letters are "
                           "made once its outcome is final")
    letters = generate_letters(session, actor=actor, case=case, mail_from=mail_from,
                               letterhead=letterhead)
    record_event(session, actor, "regenerate", "cases", case.id, case.reference,
                 {"letters": [None, [f"{lt.recipient} v{lt.version}" for lt in letters]]})
    return letters


def due_markers(session: Session, case_id: int) -> list[OutboxMessage]:
    """The unhandled 'letters due' marks the review services wrote for this case."""
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == LETTERS_DUE, OutboxMessage.case_id == case_id,
        OutboxMessage.sent_at.is_(None)).with_for_update()))


def generation_due(session: Session, case: Case) -> bool:
    """Letters are due: a mark is waiting, or a case sending letters has none current."""
    if case.status != CaseStatus.SENDING_LETTERS:
        return False
    return bool(due_markers(session, case.id)) or not current_letters(session, case)


def generate_due(session: Session, *, case_id: int, mail_from: str,
                 letterhead: Letterhead | None = None) -> list[Letter]:
    """Make the letters a case is due, once: the marks are handled in the same transaction."""
    case = session.get(Case, case_id)
    if case is None or not generation_due(session, case):
        return []
    letters = generate_letters(session, actor=SYSTEM_ACTOR, case=case, mail_from=mail_from,
                               letterhead=letterhead)
    for marker in due_markers(session, case_id):
        marker.sent_at = utcnow()
    session.flush()
    return letters


def cases_due_letters(session: Session, limit: int) -> list[int]:
    marked = select(OutboxMessage.case_id).where(OutboxMessage.kind == LETTERS_DUE,
                                                 OutboxMessage.sent_at.is_(None))
    with_letters = select(Letter.case_id).where(Letter.superseded_at.is_(None))
    query = (select(Case.id).where(Case.status == CaseStatus.SENDING_LETTERS.value)
             .where(Case.id.in_(marked) | Case.id.not_in(with_letters))
             .order_by(Case.id).limit(limit))
    return list(session.scalars(query))


# Reading --------------------------------------------------------------------------------


def current_letters(session: Session, case: Case) -> list[Letter]:
    return list(session.scalars(select(Letter).where(
        Letter.case_id == case.id, Letter.superseded_at.is_(None)).order_by(Letter.id)))


def letters_of(session: Session, case: Case) -> list[Letter]:
    """Every version of every letter of a case: current first, then newest first."""
    return list(session.scalars(select(Letter).where(Letter.case_id == case.id).order_by(
        Letter.superseded_at.is_not(None), Letter.recipient, Letter.version.desc())))


def current_letters_of_organisation(session: Session, organisation_id: int, *,
                                    but: int | None = None) -> dict[int, list[Letter]]:
    """The current letters of each of an organisation's cases (but one), by case, in one
    query: the case page's history panel links to them."""
    query = (select(Letter).join(Case, Case.id == Letter.case_id)
             .where(Case.organisation_id == organisation_id, Letter.superseded_at.is_(None),
                    Case.id != (but or 0))
             .order_by(Letter.case_id, Letter.recipient, Letter.version))
    found: dict[int, list[Letter]] = {}
    for letter in session.scalars(query):
        found.setdefault(letter.case_id, []).append(letter)
    return found


def get_letter(session: Session, letter_id: int) -> Letter:
    return get_or_not_found(session, Letter, letter_id)


def group_address(session: Session, group: str) -> str | None:
    row = session.scalar(select(GroupAddress).where(GroupAddress.group == group))
    return row.email if row is not None else None


def set_group_address(session: Session, *, actor: Actor, group: str, email: str) -> GroupAddress:
    """Where a group's letters go; one address per approval group."""
    check_recipient(group)
    if group == ORGANISATION:
        raise InvalidInput("the organisation's letters go to its administrators", field="group")
    set_actor(session, actor)
    row = session.scalar(select(GroupAddress).where(GroupAddress.group == group))
    if row is None:
        row = GroupAddress(group=group, email=email.strip())
        session.add(row)
    row.email = email.strip()
    session.flush()
    return row


# Closing --------------------------------------------------------------------------------


def close_if_delivered(session: Session, case_id: int) -> bool:
    """A case sending letters closes once every current letter is sent and none are due."""
    case = session.get(Case, case_id)
    if case is None or case.status != CaseStatus.SENDING_LETTERS:
        return False
    letters = current_letters(session, case)
    if not letters or any(lt.delivery_status != DeliveryStatus.SENT for lt in letters):
        return False
    if due_markers(session, case_id):
        return False
    lifecycle.close(session, actor=SYSTEM_ACTOR, case=case)
    followup.record_plan(session, case)  # its accepted plan items, to follow up
    return True


def cases_ready_to_close(session: Session, limit: int) -> list[int]:
    unsent = select(Letter.case_id).where(Letter.superseded_at.is_(None),
                                          Letter.delivery_status != DeliveryStatus.SENT.value)
    with_letters = select(Letter.case_id).where(Letter.superseded_at.is_(None))
    query = (select(Case.id).where(Case.status == CaseStatus.SENDING_LETTERS.value,
                                   Case.id.in_(with_letters), Case.id.not_in(unsent))
             .order_by(Case.id).limit(limit))
    return list(session.scalars(query))


@dataclass
class LetterSummary:
    recipient: str
    version: int
    sha256: str
    delivery_status: str


def summaries(session: Session, case_ids: list[int]) -> dict[int, list[LetterSummary]]:
    """The current letters of many cases at once, for the read API."""
    found: dict[int, list[LetterSummary]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    rows = session.execute(select(Letter.case_id, Letter.recipient, Letter.version,
                                  Letter.sha256, Letter.delivery_status)
                           .where(Letter.case_id.in_(case_ids), Letter.superseded_at.is_(None))
                           .order_by(Letter.case_id, Letter.id))
    for case_id, recipient, version, sha, status in rows:
        found[case_id].append(LetterSummary(recipient, version, sha, status))
    return found


def retry_letter(session: Session, *, actor: Actor, letter_id: int) -> Letter:
    """An admin sends a letter version again now, whatever its backoff says; audited."""
    letter = get_letter(session, letter_id)
    enqueue_after_commit(session, DELIVER_LETTER_JOB, letter.id, True,
                         job_id=f"retry-letter-{letter.id}-{letter.attempts}")
    record_event(session, actor, "retry_delivery", "letters", letter.id, letter.filename,
                 {"delivery": [letter.last_error or "not sent yet", "sending again now"]})
    return letter
