"""The read API's shapes: the case filters it accepts, and the JSON it answers with.

The answers are built through these models, so the OpenAPI document generated
from them describes exactly what a client receives.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backoffice.core.vocabulary import (
    APPLICATION_TYPE_VALUES,
    ApprovalGroup,
    CaseFlag,
    CaseStatus,
    Outcome,
)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
CURSOR_MARK = "after:"
CURSOR_MAX_DIGITS = 18

ApplicationType = Literal[APPLICATION_TYPE_VALUES]  # type: ignore[valid-type]
OUTCOMES = tuple(outcome.value for outcome in Outcome)


def encode_cursor(case_id: int) -> str:
    """An opaque cursor: the page that follows it starts after this case."""
    return base64.urlsafe_b64encode(f"{CURSOR_MARK}{case_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The case id a cursor continues after; ValueError when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise ValueError("not a cursor this API gave: use the `next` link as it is") from error
    number = text.removeprefix(CURSOR_MARK)
    if (number == text or not number.isascii() or not number.isdigit()
            or len(number) > CURSOR_MAX_DIGITS):
        raise ValueError("not a cursor this API gave: use the `next` link as it is")
    return int(number)


class CaseQuery(BaseModel):
    """The filters of GET /api/v1/cases, from the query string."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: CaseStatus | None = None
    reason: Annotated[ApplicationType | None, Field(
        description="Cases with an application of this type")] = None
    ods_code: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9]{3,10}$",
                                          description="The organisation's ODS code")] = None
    overdue: Annotated[bool | None, Field(
        description="true: open cases past their due date, except those awaiting information "
                    "(their SLA clock is stopped); false: all the others")] = None
    cursor: Annotated[str | None, Field(
        description="Where the page starts: copy the `next` link rather than building it")] = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE,
                                description="Cases per page")] = DEFAULT_PAGE_SIZE

    @field_validator("reason", "ods_code", mode="before")
    @classmethod
    def upper_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("cursor")
    @classmethod
    def known_cursor(cls, value: str | None) -> str | None:
        if value is not None:
            decode_cursor(value)
        return value

    @property
    def after(self) -> int | None:
        return decode_cursor(self.cursor) if self.cursor else None


class Out(BaseModel):
    """An answer: every field is always present, so the schema marks each one required."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class FieldError(Out):
    field: Annotated[str, Field(examples=["status"])]
    message: str


class Error(Out):
    """A refusal, in plain words."""

    error: str


class FieldErrors(Out):
    """A refusal naming each field that is wrong."""

    error: str
    errors: list[FieldError]


class OrganisationOut(Out):
    ods_code: Annotated[str, Field(examples=["8HV48"])]
    name: str


class ReasonOut(Out):
    """An application the case answers, and the approval group its letter goes to."""

    type: ApplicationType
    reference: Annotated[str, Field(examples=["CAG 4-08(b)/2013"])]
    approval_group: ApprovalGroup


class LetterOut(Out):
    """A current (not superseded) letter of the case and its delivery."""

    recipient: str
    version: int
    sha256: str
    delivery_status: str


class EvidenceOut(Out):
    """A document the organisation uploaded to the toolkit as evidence (its description: the
    back office never fetches it)."""

    name: str
    description: str | None = None
    uploaded_at: datetime
    sha256: str | None = None
    size_bytes: int | None = None
    url: str | None = None


class RequirementOut(Out):
    """A requirement as the organisation assessed it, with what it wrote."""

    id: Annotated[str, Field(examples=["114"])]
    level: Annotated[int | None, Field(description="0–3; null when not relevant")] = None
    not_relevant: bool
    comment: Annotated[str, Field(description="The organisation's comment; \"\" if none")] = ""
    evidence: list[EvidenceOut] = []


class CoverOut(Out):
    """One of the organisations that this assessment covers."""

    kind: Annotated[str | None, Field(
        description="study, branch, site, section or organisation; null when not given",
        examples=["study"])] = None
    name: str
    reference: str | None = None
    ods_code: str | None = None


class AssessmentOut(Out):
    """The latest assessment the case reviews (of a head office's case: one branch's copy of
    the batch's assessment). Never public."""

    toolkit_version: int
    reporting_year: Annotated[str, Field(examples=["2015/16"])]
    requirements: list[RequirementOut]
    covers: list[CoverOut]


class CaseOut(Out):
    """A desk-review case, as the operator contract describes it."""

    reference: Annotated[str, Field(examples=["R-2016-000123"])]
    status: CaseStatus
    organisation: OrganisationOut
    reasons: list[ReasonOut]
    opened_at: datetime
    due_date: date
    outcome: Annotated[Outcome | None, Field(
        description="null until recorded; then one of " + ", ".join(OUTCOMES),
        examples=list(OUTCOMES))] = None
    letters: list[LetterOut]
    notification_ids: Annotated[list[str], Field(
        description="The notifications that opened or joined the case, in order received")]
    flags: Annotated[list[str], Field(
        description="What the back office noticed: " + "; ".join(
            f"{flag.value} ({flag.label})" for flag in CaseFlag),
        examples=[["baseline", "late_publication"]])] = []
    assessment: Annotated[AssessmentOut | None, Field(
        description="The latest assessment the case reviews; null if it has none")] = None


class CasePage(Out):
    cases: list[CaseOut]
    next: Annotated[str | None, Field(
        description="Absolute URL of the next page, or null on the last page")] = None


class NotificationOut(Out):
    """A received notification and what became of it."""

    notification_id: Annotated[str, Field(examples=["IGT-13-000123"])]
    status: Annotated[str, Field(examples=["processed", "unmatched", "accepted"])]
    received_at: datetime
    errors: list[FieldError]
    case_reference: str | None = None


class Receipt(BaseModel):
    """The webhook's answer to a notification."""

    notification_id: str | None
    status: Annotated[str, Field(examples=["accepted", "processed", "unmatched", "rejected",
                                           "conflict"])]
    case_reference: Annotated[str | None, Field(
        description="null while not known: a new notification is processed after the answer")]
    errors: Annotated[list[FieldError], Field(
        description="Present when the notification was rejected or conflicts")] = []


class PublicationYearOut(Out):
    """An organisation's publication in one reporting year."""

    reporting_year: Annotated[str, Field(examples=["2015/16"])]
    status: Annotated[str, Field(
        description="on_time (first published by the end of 31 March of the year's end year, "
                    "UK time), late, or not_published", examples=["on_time"])]
    first_published: datetime | None
    toolkit_version: Annotated[int | None, Field(
        description="The version of its latest publication that year")]
    latest_outcome: Annotated[Outcome | None, Field(
        description="The latest outcome recorded by a review of that year's publications; "
                    "null if none")] = None


class LapseOut(Out):
    """A reporting year the holder had not published for by its 31 March."""

    reporting_year: Annotated[str, Field(examples=["2015/16"])]
    lapsed_on: date
    cleared_at: Annotated[datetime | None, Field(
        description="When a publication for that year cleared it; null while lapsed")]


class StandingApplicationOut(Out):
    """An application the organisation holds (or held) since a case named it: while held it
    must publish every reporting year."""

    type: ApplicationType
    reference: Annotated[str, Field(examples=["DARS-NIC-148533"])]
    approval_group: ApprovalGroup
    held_since: datetime
    ended_at: Annotated[datetime | None, Field(
        description="When the helpdesk or an admin marked it ended; null while held")]
    lapsed: Annotated[bool, Field(description="Held, with a lapse not cleared")]
    lapses: list[LapseOut]


class OrganisationStatusOut(Out):
    """A registered organisation, its publication status per reporting year, the
    application types its cases named and its standing applications (an approval-group
    member sees its own group's only)."""

    ods_code: Annotated[str, Field(examples=["8HV48"])]
    name: str
    org_type: str
    application_types: list[str]
    years: list[PublicationYearOut]
    standing_applications: list[StandingApplicationOut] = []
