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

from backoffice.cases.calendar import FLAG_LABELS
from backoffice.core.vocabulary import ApplicationType

# Applications whose reference a cover should name: research studies seeking section 251
# support (CAG) and data releases (DAAG).
CHECKED_TYPES = frozenset({ApplicationType.S251.value, ApplicationType.DARS.value})
NO_COVERS = "no_covers"
REFERENCE_NOT_IN_COVERS = "reference_not_in_covers"
BASELINE = "baseline"
COVER_FLAGS = (NO_COVERS, REFERENCE_NOT_IN_COVERS)
KIND_LABELS = {"study": "Study", "branch": "Branch", "site": "Site", "section": "Section",
               "organisation": "Organisation"}


def flag_label(flag: str) -> str:
    """A case flag in words ("Reference not in covers"), from the one table of labels."""
    return FLAG_LABELS.get(flag) or flag.replace("_", " ").capitalize()


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


def _same_reference(one: str, other: str) -> bool:
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


def references_not_covered(reasons, covers: list[Cover]) -> list[str]:
    """The S251 and DARS references of the case that no cover names."""
    return [f"{reason.application_type} {reason.reference}" for reason in reasons
            if reason.application_type in CHECKED_TYPES
            and not any(_same_reference(reason.reference, cover.reference) for cover in covers)]


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
