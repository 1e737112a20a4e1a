"""What the organisation wrote for each requirement, as the case page shows it: its comment
(long ones folded) and its evidence list (a link only where the toolkit gave an address;
the back office never fetches it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

FOLD_AFTER = 400  # characters of a comment shown before "Read the whole comment"
PREVIEW = 240     # characters of a folded comment shown in its summary
LINKED_SCHEMES = ("https", "http")
KIB, MIB = 1024, 1024 * 1024


@dataclass(frozen=True)
class Evidence:
    name: str
    description: str
    uploaded: datetime | None
    uploaded_text: str  # as given, when it is not a date
    size: str
    url: str | None     # only an http(s) address: anything else is shown as no link


@dataclass(frozen=True)
class Written:
    """A requirement's comment and evidence, ready to show."""

    comment: str
    evidence: list[Evidence]

    @property
    def folded(self) -> bool:
        return len(self.comment) > FOLD_AFTER

    @property
    def preview(self) -> str:
        """The start of a long comment, cut after a whole word."""
        head = self.comment[:PREVIEW]
        if " " in head:
            head = head.rsplit(" ", 1)[0]
        return head.rstrip(" ,;:.") + "…"

    @property
    def empty(self) -> bool:
        return not self.comment.strip() and not self.evidence


def size_text(size_bytes) -> str:
    """"512 bytes", "12 KB", "3.4 MB"; nothing when the toolkit gave no size."""
    if not isinstance(size_bytes, int) or isinstance(size_bytes, bool) or size_bytes < 0:
        return ""
    if size_bytes < KIB:
        return f"{size_bytes} bytes"
    if size_bytes < MIB:
        return f"{size_bytes / KIB:.0f} KB"
    return f"{size_bytes / MIB:.1f} MB"


def linkable(url) -> str | None:
    """The address as a link target when it is a plain http(s) address with a host; a
    ``javascript:`` or ``data:`` address is never made a link."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in LINKED_SCHEMES and parts.netloc else None


def _uploaded(value) -> tuple[datetime | None, str]:
    if isinstance(value, datetime):
        return value, ""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")), ""
    except ValueError:
        return None, "" if value is None else str(value)


def evidence_of(item: dict) -> Evidence:
    uploaded, uploaded_text = _uploaded(item.get("uploaded_at"))
    return Evidence(name=str(item.get("name") or "(no name)"),
                    description=str(item.get("description") or ""),
                    uploaded=uploaded, uploaded_text=uploaded_text,
                    size=size_text(item.get("size_bytes")), url=linkable(item.get("url")))


def written(assessment, requirement_id: str) -> Written:
    """What the assessment carries for a requirement (nothing for a v1 publication)."""
    statement = assessment.statement(requirement_id) if assessment is not None else None
    if statement is None:
        return Written("", [])
    return Written(statement.comment, [evidence_of(item) for item in statement.evidence
                                       if isinstance(item, dict)])
