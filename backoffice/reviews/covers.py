"""Organisations that this assessment covers, and the case flags the engine wrote.

The rule for covers (000 §2 and §5): a host organisation lists in "Organisations that this
assessment covers" the studies and sections it gives IG assurance for, so that CAG or DAAG can
link an application to the assessment. A missing cover is a gap in that link, not in the
organisation's information governance: it never refuses an outcome, but the case page warns
about it before the outcome is recorded, and the CAG and DAAG letters list the covers (or say
that none were declared), so the group deciding the application sees the gap itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.cases.flags import names_reference
from backoffice.core.vocabulary import COVERS_CHECKED, CaseFlag

# Applications whose reference a cover should name: research studies seeking section 251
# support (CAG) and data releases (DAAG); the engine's flags follow the same rule.
CHECKED_TYPES = frozenset(kind.value for kind in COVERS_CHECKED)
NO_COVERS = CaseFlag.NO_COVERS.value
REFERENCE_NOT_IN_COVERS = CaseFlag.REFERENCE_NOT_IN_COVERS.value
BASELINE = CaseFlag.BASELINE.value
COVER_FLAGS = (REFERENCE_NOT_IN_COVERS, NO_COVERS)
KIND_LABELS = {"study": "Study", "branch": "Branch", "site": "Site", "section": "Section",
               "organisation": "Organisation"}


@dataclass(frozen=True)
class Cover:
    kind: str
    name: str
    reference: str
    ods_code: str


def covers_of(assessment) -> list[Cover]:
    """The covers as published: kind (in words), name, reference and ODS code."""
    items = assessment.covers if assessment is not None else []
    return [Cover(kind=KIND_LABELS.get(item.get("kind") or "", item.get("kind") or ""),
                  name=str(item.get("name") or ""), reference=str(item.get("reference") or ""),
                  ods_code=str(item.get("ods_code") or ""))
            for item in items or [] if isinstance(item, dict)]


def references_not_covered(reasons, covers: list[Cover]) -> list[str]:
    """The S251 and DARS references of the case that no cover names."""
    return [f"{reason.application_type} {reason.reference}" for reason in reasons
            if reason.application_type in CHECKED_TYPES
            and not any(names_reference(cover, reason.reference) for cover in covers)]


def covers_naming_none_of(covers: list[Cover], reasons) -> list[Cover]:
    """The covers that name none of these applications (a group's letter leaves out the
    covers of another group's application: a group never sees another group's)."""
    return [cover for cover in covers
            if not any(names_reference(cover, reason.reference) for reason in reasons)]


def cover_warnings(reasons, covers: list[Cover]) -> list[str]:
    """What the reviewer is warned of before recording an outcome (never a refusal)."""
    checked = [reason for reason in reasons if reason.application_type in CHECKED_TYPES]
    if not checked:
        return []
    if not covers:
        kinds = " or ".join(sorted({reason.application_type for reason in checked}))
        return [f"the assessment lists no organisations that it covers, so no {kinds} "
                "application of this case is linked to it; the approval group will see that "
                "in its letter"]
    return [f"{missing} is named by none of the organisations that this assessment covers; "
            "check that the application belongs to this assessment"
            for missing in references_not_covered(reasons, covers)]
