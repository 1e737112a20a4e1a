"""The notification contract (v1.1) as pydantic models: the one definition of a valid body.

v1.1 is additive: requirement comments and evidence, typed covers and the optional
publication batch; every v1 body stays valid.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from backoffice.core.vocabulary import APPLICATION_TYPE_VALUES, APPROVAL_GROUP_OF

APPLICATION_TYPES = APPLICATION_TYPE_VALUES
APPROVAL_GROUPS = {kind.value: group.value for kind, group in APPROVAL_GROUP_OF.items()}
REPORTING_YEAR = re.compile(r"^([0-9]{4})/([0-9]{2})$")

EARLIEST_PUBLICATION = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_PUBLICATION = datetime(2100, 1, 1, tzinfo=UTC)


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


Text = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_storable)]
OptionalText = Annotated[str | None, AfterValidator(lambda v: v if v is None else _storable(v))]
OdsCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{3,10}$", examples=["8HV48"])]

COMMENT_MAX = 20_000
EVIDENCE_MAX = 100          # documents per requirement
DESCRIPTION_MAX = 2_000
URL_MAX = 2_000
BATCH_SIZE_MAX = 100_000    # branches in one head office's batch
SCORE_FIELDS = frozenset({"id", "level", "not_relevant"})
COVER_KINDS = ("study", "branch", "site", "section", "organisation")


class Contract(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class OrganisationIn(Contract):
    ods_code: OdsCode
    name: Text
    org_type: Text
    postcode: OptionalText = None


class EvidenceIn(Contract):
    """A document the toolkit holds as evidence; the back office keeps its description and
    never fetches the URL."""

    name: Text
    description: Annotated[str, Field(max_length=DESCRIPTION_MAX),
                           AfterValidator(_storable)] | None = None
    uploaded_at: AwareDatetime
    sha256: Annotated[str | None, Field(pattern=r"^[0-9A-Fa-f]{64}$")] = None
    size_bytes: Annotated[int | None, Field(ge=0, le=2**53)] = None
    url: Annotated[str | None, Field(max_length=URL_MAX, pattern=r"^https?://[^\s]+$")] = None

    @field_validator("uploaded_at")
    @classmethod
    def uploaded_in_utc(cls, value: datetime) -> datetime:
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            raise ValueError("uploaded_at must fall between 2000 and 2099") from None
        if not EARLIEST_PUBLICATION <= value < LATEST_PUBLICATION:
            raise ValueError("uploaded_at must fall between 2000 and 2099")
        return value


class RequirementIn(Contract):
    id: Annotated[str, Field(pattern=r"^[0-9]{3}$", description="Requirement number, e.g. 114")]
    level: Annotated[int | None, Field(ge=0, le=3)] = None
    not_relevant: bool = False
    comment: Annotated[str | None, Field(
        description="The organisation's supporting comment, up to 20,000 characters (v1.1)")
    ] = None
    evidence: Annotated[list[EvidenceIn], Field(
        max_length=EVIDENCE_MAX, description="Documents uploaded as evidence (v1.1)")] = []

    @field_validator("comment")
    @classmethod
    def comment_fits(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) > COMMENT_MAX:
            raise ValueError(f"a comment is at most {COMMENT_MAX:,} characters "
                             f"(this one has {len(value):,})")
        return _storable(value) or None

    @property
    def has_statement(self) -> bool:
        """Whether the organisation wrote a comment or gave evidence for it."""
        return bool(self.comment) or bool(self.evidence)

    def score(self) -> dict:
        """What the ``requirements`` column keeps (the public reports read it): the id, the
        level or not relevant; never the comment or the evidence."""
        return self.model_dump(include=SCORE_FIELDS, exclude_none=True)

    def statement(self) -> dict:
        """What the ``statements`` column keeps for it: the comment ("" if none) and the
        evidence, as JSON."""
        return {"comment": self.comment or "",
                "evidence": [e.model_dump(mode="json", exclude_none=True) for e in self.evidence]}

    @model_validator(mode="after")
    def level_or_not_relevant(self) -> RequirementIn:
        if self.not_relevant and self.level is not None:
            raise ValueError("a requirement marked not relevant has no level")
        if not self.not_relevant and self.level is None:
            raise ValueError("give a level from 0 to 3, or mark the requirement not_relevant")
        return self


class PlanItemIn(Contract):
    requirement: Annotated[str, Field(pattern=r"^[0-9]{3}$")]
    action: Text
    owner: Text
    target_date: date


class CoverIn(Contract):
    """One of the organisations that this assessment covers (a study, branch, site …)."""

    kind: Annotated[Literal[COVER_KINDS] | None, Field(  # type: ignore[valid-type]
        description="What is covered (v1.1)")] = None
    name: Text
    reference: OptionalText = None
    ods_code: Annotated[OdsCode | None, Field(description="Its ODS code, if it has one (v1.1)")
                        ] = None


class AssessmentIn(Contract):
    toolkit_version: Annotated[int, Field(ge=1, le=99)]
    reporting_year: Annotated[str, Field(examples=["2015/16"])]
    requirements: Annotated[list[RequirementIn], Field(min_length=1, max_length=200)]
    improvement_plan: list[PlanItemIn] = []
    covers: list[CoverIn] = []

    @field_validator("reporting_year")
    @classmethod
    def consecutive_years(cls, value: str) -> str:
        match = REPORTING_YEAR.match(value)
        if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
            raise ValueError("a reporting year looks like 2015/16")
        return value

    @field_validator("requirements")
    @classmethod
    def unique_requirements(cls, value: list[RequirementIn]) -> list[RequirementIn]:
        seen: set[str] = set()
        for item in value:
            if item.id in seen:
                raise ValueError(f"requirement {item.id} is given more than once")
            seen.add(item.id)
        return value

    @model_validator(mode="after")
    def plan_names_known_requirements(self) -> AssessmentIn:
        known = {item.id for item in self.requirements}
        for item in self.improvement_plan:
            if item.requirement not in known:
                raise ValueError(f"improvement plan item for requirement {item.requirement}, "
                                 "which the assessment does not contain")
        return self


class ApplicationIn(Contract):
    type: Literal[APPLICATION_TYPE_VALUES]  # type: ignore[valid-type]
    reference: Text

    @property
    def approval_group(self) -> str:
        return APPROVAL_GROUPS[self.type]


class PublicationBatchIn(Contract):
    """A head office's one assessment, replicated to each of its branches: every branch's
    notification names the same batch (v1.1)."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:/-]{1,64}$", examples=["B-2016-0042"])]
    head_office_ods_code: OdsCode
    size: Annotated[int, Field(ge=1, le=BATCH_SIZE_MAX,
                               description="How many branches the batch publishes for")]


class NotificationIn(Contract):
    """A publication notification, as the toolkit sends it (contract v1.1)."""

    notification_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{1,64}$",
                                          examples=["IGT-13-000123"])]
    published_at: AwareDatetime
    organisation: OrganisationIn
    assessment: AssessmentIn
    applications: list[ApplicationIn] = []
    publication_batch: PublicationBatchIn | None = None

    @field_validator("published_at")
    @classmethod
    def published_in_our_era(cls, value: datetime) -> datetime:
        """Kept in UTC; a date outside 2000–2099 is a mistake, not a publication."""
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            raise ValueError("published_at must fall between 2000 and 2099") from None
        if not EARLIEST_PUBLICATION <= value < LATEST_PUBLICATION:
            raise ValueError("published_at must fall between 2000 and 2099")
        return value


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """pydantic's errors as a list of {field, message}, fields in dotted form."""
    errors = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "body"
        message = item["msg"].removeprefix("Value error, ")
        errors.append({"field": field, "message": message})
    return errors


def published_year(notification: NotificationIn) -> int:
    return notification.published_at.year


__all__ = ["NotificationIn", "field_errors", "APPROVAL_GROUPS", "datetime"]
