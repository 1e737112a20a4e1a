"""What a letter says beyond the case's facts: the letterhead, the findings where the reviewer
differs from the organisation, and what happens next for each outcome and reader."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.config import (
    DEFAULT_LETTER_ADDRESS,
    DEFAULT_LETTER_CONTACT,
    DEFAULT_LETTER_ISSUING_BODY,
)
from backoffice.core.requirements import requirement_title
from backoffice.core.vocabulary import Outcome
from backoffice.letters.models import ORGANISATION
from backoffice.reviews import findings as reviews
from backoffice.reviews.rules import plan_deadline


@dataclass(frozen=True)
class Letterhead:
    """Who issues the letters and how to reach them (settings ISSUING_BODY, or
    LETTER_ISSUING_BODY where an operator set it, LETTER_ADDRESS and LETTER_CONTACT)."""

    issuing_body: str = DEFAULT_LETTER_ISSUING_BODY
    address: str = DEFAULT_LETTER_ADDRESS
    contact: str = DEFAULT_LETTER_CONTACT

    @classmethod
    def of(cls, settings) -> Letterhead:
        return cls(issuing_body=(settings.letter_issuing_body or settings.issuing_body
                                 or DEFAULT_LETTER_ISSUING_BODY),
                   address=settings.letter_address or DEFAULT_LETTER_ADDRESS,
                   contact=settings.letter_contact or DEFAULT_LETTER_CONTACT)

    def data(self) -> dict[str, str]:
        return {f"letterhead_{key}": value for key, value in asdict(self).items()}


def _level(level: int | None) -> str:
    return "Not relevant" if level is None else f"Level {level}"


def differing_findings(session: Session, case: Case, version: int | None = None) -> list[dict]:
    """Each applicable requirement where the reviewer's level differs from the one published,
    with the reviewer's comment; each named as the assessment's toolkit version states it."""
    findings = reviews.findings_of(session, case)
    rows = []
    for requirement in reviews.review_of(session, case).applicable:
        if requirement.agreed_level is None:
            continue
        finding = findings.get(requirement.id)
        rows.append({"requirement": requirement.id,
                     "requirement_title": requirement_title(requirement.id, version),
                     "published": _level(requirement.self_assessed),
                     "reviewed": _level(requirement.agreed_level),
                     "comment": finding.comment if finding is not None else ""})
    return rows


def next_steps(outcome: str, recipient: str, reporting_year: str) -> str:
    """What happens now, for this reader of this outcome."""
    for_organisation = recipient == ORGANISATION
    if outcome == Outcome.SATISFACTORY:
        if for_organisation:
            return ("No action is needed. Keep your assessment up to date and publish it on "
                    "the IG Toolkit by 31 March each year.")
        return ("The assessment meets the standard for this application: nothing more is "
                "needed on the IG Toolkit before you decide on it.")
    if outcome == Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN:
        deadline = f"{plan_deadline(reporting_year):%-d %B %Y}"
        if for_organisation:
            return (f"Carry out each action by its target date, and by {deadline} at the "
                    "latest; your next published assessment should show them done. Its "
                    "review will check them.")
        return ("The application can go ahead on the improvement plan above. The "
                f"organisation is to complete it by {deadline}; its next review checks it.")
    if for_organisation:
        return ("Work on the reasons above and publish an updated assessment on the IG "
                "Toolkit: a new review starts by itself when you publish.")
    return ("We advise that the application should not go ahead until the organisation "
            "publishes an assessment that meets the standard; we will write to you again "
            "when its review is complete.")
