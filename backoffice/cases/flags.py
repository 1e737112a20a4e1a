"""What a publication's covers say against its applications (000 §2 and §5: "Organisations
that this assessment covers"); the calendar's flags are in ``cases.calendar``.

An S251 or DARS application supports a study or a data request, so the assessment should
cover it: its reference should appear in some cover's reference or name (compared without
case or spacing). No covers at all is flagged ``no_covers`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from backoffice.core.vocabulary import COVERS_CHECKED, CaseFlag

_SPACES = re.compile(r"\s+")


class Application(Protocol):
    type: str
    reference: str


class Cover(Protocol):
    name: str
    reference: str | None


def _plain(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip().casefold()


def names_reference(cover: Cover, reference: str) -> bool:
    """Whether the cover's reference or name contains the application's reference."""
    wanted = _plain(reference)
    return bool(wanted) and any(wanted in _plain(text) for text in (cover.reference, cover.name))


def covers_flags(applications: Iterable[Application], covers: list[Cover]) -> list[str]:
    """``no_covers`` when an S251 or DARS application comes with no covers; else
    ``reference_not_in_covers`` when such an application's reference is in no cover."""
    checked = [a for a in applications if a.type in COVERS_CHECKED]
    if not checked:
        return []
    if not covers:
        return [CaseFlag.NO_COVERS.value]
    if any(not any(names_reference(c, a.reference) for c in covers) for a in checked):
        return [CaseFlag.REFERENCE_NOT_IN_COVERS.value]
    return []
