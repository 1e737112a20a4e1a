"""The product's words, each defined once: application types, approval groups, outcomes and
case statuses, with the labels people read and the wording letters use.

The notification contract, the read API and its OpenAPI document, the queue's filters,
permissions, letters, the dashboard, the reports and the portal all read them from here.
Adding an application type is a line in ``ApplicationType``, one in ``APPROVAL_GROUP_OF``
and one in ``APPLIED_FOR`` (and, when it names a new approval group, a line in
``ApprovalGroup`` with its addressee and letter wording in ``GROUP_LETTERS``). Values are
stored as plain strings, so no migration is needed unless a new value outgrows its column
(see ``tests/core``).
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
    # HSCIC services that, like N3, go through the IGSoC process (contract v1.1)
    CHOOSE_AND_BOOK = "CHOOSE_AND_BOOK"
    E_REFERRALS = "E_REFERRALS"
    NHS_MAIL = "NHS_MAIL"


class ApprovalGroup(StrEnum):
    """Who is told the outcome of a review in support of an application: the three groups
    the mission names. (PCMD, the Primary Care Mortality Database, is data DAAG advises on,
    not a group: its applications inform DAAG. Migration 2edfe25cff57 moved what the old
    "PCMD" group had to DAAG.)"""

    CAG = "CAG"
    DAAG = "DAAG"
    IGSOC = "IGSoC"


APPROVAL_GROUP_OF: dict[ApplicationType, ApprovalGroup] = {
    ApplicationType.N3: ApprovalGroup.IGSOC,
    ApplicationType.CHOOSE_AND_BOOK: ApprovalGroup.IGSOC,
    ApplicationType.E_REFERRALS: ApprovalGroup.IGSOC,
    ApplicationType.NHS_MAIL: ApprovalGroup.IGSOC,
    ApplicationType.S251: ApprovalGroup.CAG,
    ApplicationType.DARS: ApprovalGroup.DAAG,
    ApplicationType.PCMD: ApprovalGroup.DAAG,
}

# What a letter says the organisation applied for, in the seeds' words (000 §2 and §6,
# 001): the service, never "N3" for another IGSoC service.
APPLIED_FOR: dict[ApplicationType, str] = {
    ApplicationType.N3: "an N3 connection",
    ApplicationType.CHOOSE_AND_BOOK: "Choose and Book",
    ApplicationType.E_REFERRALS: "E-Referrals",
    ApplicationType.NHS_MAIL: "NHS Mail",
    ApplicationType.S251: "section 251 approval",
    ApplicationType.DARS: "data through the Data Access Request Service (DARS)",
    ApplicationType.PCMD: "PCMD data",
}

# How screens name an application type: the contract's code where it is a word people use.
APPLICATION_LABELS: dict[ApplicationType, str] = {
    ApplicationType.CHOOSE_AND_BOOK: "Choose and Book",
    ApplicationType.E_REFERRALS: "E-Referrals",
    ApplicationType.NHS_MAIL: "NHS Mail",
}


def application_label(value: str | None) -> str:
    """``{{ reason.application_type|application_label }}``: "NHS Mail", "S251", "DARS"…"""
    try:
        return APPLICATION_LABELS.get(ApplicationType(value), value)
    except ValueError:
        return value or ""


def applied_for(application_type: str, reference: str) -> str:
    """``"PCMD data (reference PCMD-2016-007)"``: an application as a letter names it."""
    try:
        words = APPLIED_FOR[ApplicationType(application_type)]
    except ValueError:
        words = application_type
    return f"{words} (reference {reference})"


@dataclass(frozen=True)
class GroupLetter:
    """How a group's letter addresses it (``{issuing_body}`` is the setting ISSUING_BODY),
    and what the letter says it answers (a Jinja fragment of the Word template)."""

    addressee: str
    about: str

    def addressed(self, issuing_body: str) -> str:
        return self.addressee.format(issuing_body=issuing_body)


# Every group's letter names what was applied for (``applied_for`` above): the service for
# IGSoC, "PCMD data" or DARS data for DAAG, section 251 approval for CAG.
GROUP_LETTERS: dict[ApprovalGroup, GroupLetter] = {
    ApprovalGroup.CAG: GroupLetter(
        "The Confidentiality Advisory Group (CAG), Health Research Authority",
        "the application for {{ applied_for }}"),
    ApprovalGroup.DAAG: GroupLetter(
        "The Data Access Advisory Group (DAAG), {issuing_body}",
        "the application for {{ applied_for }}"),
    ApprovalGroup.IGSOC: GroupLetter(
        "The IG Statement of Compliance (IGSoC) team, {issuing_body}",
        "the IGSoC application for {{ applied_for }}"),
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
    """``"CAG, DAAG or IGSoC"``: words in a sentence."""
    *first, last = [str(word) for word in words]
    return f"{', '.join(first)} or {last}" if first else last


def init_app(app) -> None:
    """Templates say statuses and outcomes in words: ``{{ case.status|status_label }}``, and
    name the body that runs the reviews as the setting ISSUING_BODY gives it."""
    app.add_template_filter(status_label)
    app.add_template_filter(outcome_label)
    app.jinja_env.globals["issuing_body"] = app.extensions["settings"].issuing_body
    app.add_template_filter(flag_label)
    app.add_template_filter(application_label)


OPEN_STATUSES: tuple[CaseStatus, ...] = tuple(s for s in CaseStatus if s is not CaseStatus.CLOSED)
# The SLA clock stops only while the organisation is asked for information; it runs in
# every other open status, sending letters included.
CLOCK_PAUSED: CaseStatus = CaseStatus.AWAITING_INFORMATION
CLOCK_RUNNING: tuple[CaseStatus, ...] = tuple(s for s in OPEN_STATUSES if s is not CLOCK_PAUSED)


class CaseFlag(StrEnum):
    """What the engine noticed about a publication, recorded on its assessment (and so shown
    on its case); the case's own ``republished`` is shown with them."""

    REPUBLISHED = "republished"
    BASELINE = "baseline"
    VERSION_YEAR_MISMATCH = "version_year_mismatch"
    LATE_PUBLICATION = "late_publication"
    REFERENCE_NOT_IN_COVERS = "reference_not_in_covers"
    NO_COVERS = "no_covers"
    HEAD_OFFICE_UNKNOWN = "head_office_unknown"

    @property
    def label(self) -> str:
        return FLAG_LABELS[self]


FLAG_LABELS: dict[CaseFlag, str] = {
    CaseFlag.REPUBLISHED: "Republished while the case was open",
    CaseFlag.BASELINE: "Baseline: the organisation's first publication",
    CaseFlag.VERSION_YEAR_MISMATCH: "Version and reporting year disagree with the calendar",
    CaseFlag.LATE_PUBLICATION: "Published after 31 March of its reporting year",
    CaseFlag.REFERENCE_NOT_IN_COVERS: "An application's reference is in none of the "
                                      "organisations that this assessment covers",
    CaseFlag.NO_COVERS: "An S251 or DARS application, and no organisations that this "
                        "assessment covers",
    CaseFlag.HEAD_OFFICE_UNKNOWN: "Published in a head office's batch, but the head office "
                                  "is not registered: reviewed on its own",
}
# The applications whose reference the assessment's covers must name (the study or
# data request the assessment supports).
COVERS_CHECKED: frozenset[ApplicationType] = frozenset({ApplicationType.S251,
                                                        ApplicationType.DARS})


def flag_label(value: str | None) -> str:
    """A flag in words ("" for none; an unknown one as it is)."""
    try:
        return CaseFlag(value).label
    except ValueError:
        return value or ""
