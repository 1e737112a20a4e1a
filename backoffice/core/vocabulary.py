"""The product's words, each defined once: application types, approval groups, outcomes and
case statuses, with the labels people read and the wording letters use.

The notification contract, the read API and its OpenAPI document, the queue's filters,
permissions, letters, the dashboard, the reports and the portal all read them from here.
Adding an application type is a line in ``ApplicationType`` and one in ``APPROVAL_GROUP_OF``
(and, when it names a new approval group, a line in ``ApprovalGroup`` with its addressee
and letter wording in ``GROUP_LETTERS``). Values are stored as plain strings, so no
migration is needed unless a new value outgrows its column (see ``tests/core``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# What the register calls an organisation's type, in the toolkit's words: its "organisation
# category" (SCCI0086 §1: the Cabinet Office summary counts each one), which is the toolkit
# "view" it registered for (the care-home guide: the 'Voluntary Sector' view).
ORGANISATION_CATEGORY = "Organisation category"
ORGANISATION_CATEGORY_FIELD = "Organisation category (toolkit view)"


class ApplicationType(StrEnum):
    """What an organisation applied for, as the notification contract names it."""

    N3 = "N3"
    S251 = "S251"
    PCMD = "PCMD"
    DARS = "DARS"


class ApprovalGroup(StrEnum):
    """Who is told the outcome of a review in support of an application."""

    CAG = "CAG"
    DAAG = "DAAG"
    IGSOC = "IGSoC"
    PCMD = "PCMD"


APPROVAL_GROUP_OF: dict[ApplicationType, ApprovalGroup] = {
    ApplicationType.N3: ApprovalGroup.IGSOC,
    ApplicationType.S251: ApprovalGroup.CAG,
    ApplicationType.DARS: ApprovalGroup.DAAG,
    ApplicationType.PCMD: ApprovalGroup.PCMD,
}


@dataclass(frozen=True)
class GroupLetter:
    """How a group's letter addresses it, and what the letter says it answers (a Jinja
    fragment of the Word template, with the group's application reference)."""

    addressee: str
    about: str


GROUP_LETTERS: dict[ApprovalGroup, GroupLetter] = {
    ApprovalGroup.CAG: GroupLetter(
        "The Confidentiality Advisory Group (CAG), Health Research Authority",
        "the section 251 application with CAG reference {{ application_reference }}"),
    ApprovalGroup.DAAG: GroupLetter(
        "The Data Access Advisory Group (DAAG), NHS Digital",
        "the data request with DARS reference {{ application_reference }}"),
    ApprovalGroup.IGSOC: GroupLetter(
        "The IG Statement of Compliance (IGSoC) team, NHS Digital",
        "the N3/IGSoC application with reference {{ application_reference }}"),
    ApprovalGroup.PCMD: GroupLetter(
        "The Primary Care Mortality Database (PCMD) team, NHS Digital",
        "the PCMD application with reference {{ application_reference }}"),
}


APPLICATION_TYPE_VALUES: tuple[str, ...] = tuple(kind.value for kind in ApplicationType)


class Outcome(StrEnum):
    """A review's outcome; the value is the API's, the label the seeds' words."""

    SATISFACTORY = "satisfactory"
    SATISFACTORY_WITH_IMPROVEMENT_PLAN = "satisfactory_with_improvement_plan"
    NOT_SATISFACTORY = "not_satisfactory"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.SATISFACTORY: "Satisfactory",
    Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN: "Satisfactory with Improvement Plan",
    Outcome.NOT_SATISFACTORY: "Not Satisfactory",
}


def outcome_label(value: str | None) -> str:
    """An outcome in words, as screens and letters show it ("" for none or an unknown one)."""
    try:
        return Outcome(value).label
    except ValueError:
        return value or ""


class CaseStatus(StrEnum):
    """Where a case is in its lifecycle (``backoffice.cases.lifecycle`` moves it on)."""

    UNASSIGNED = "unassigned"
    IN_REVIEW = "in_review"
    AWAITING_INFORMATION = "awaiting_information"
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    SENDING_LETTERS = "sending_letters"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.UNASSIGNED: "unassigned",
    CaseStatus.IN_REVIEW: "in review",
    CaseStatus.AWAITING_INFORMATION: "awaiting information",
    CaseStatus.AWAITING_SIGN_OFF: "awaiting sign-off",
    CaseStatus.SENDING_LETTERS: "sending letters",
    CaseStatus.CLOSED: "closed",
}


def status_label(value: str | None) -> str:
    """A case status in words ("" for none)."""
    try:
        return CaseStatus(value).label
    except ValueError:
        return value or ""


def listed(words) -> str:
    """``"N3, S251, PCMD or DARS"``: words in a sentence."""
    *first, last = [str(word) for word in words]
    return f"{', '.join(first)} or {last}" if first else last


def init_app(app) -> None:
    """Templates say statuses and outcomes in words: ``{{ case.status|status_label }}``."""
    app.add_template_filter(status_label)
    app.add_template_filter(outcome_label)


OPEN_STATUSES: tuple[CaseStatus, ...] = tuple(s for s in CaseStatus if s is not CaseStatus.CLOSED)
# The SLA clock stops only while the organisation is asked for information; it runs in
# every other open status, sending letters included.
CLOCK_PAUSED: CaseStatus = CaseStatus.AWAITING_INFORMATION
CLOCK_RUNNING: tuple[CaseStatus, ...] = tuple(s for s in OPEN_STATUSES if s is not CLOCK_PAUSED)
