"""Loading the organisations register from a CSV file: upsert by ODS code."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.core.audit import Actor, set_actor
from backoffice.core.errors import InvalidInput
from backoffice.organisations.models import Organisation
from backoffice.organisations.services import OrganisationDetails

COLUMNS = ("ods_code", "name", "org_type", "address", "postcode", "parent_ods_code")
CHUNK_SIZE = 500
FIELDS = ("name", "org_type", "address", "postcode")


@dataclass
class Rejection:
    line: int
    ods_code: str
    reason: str


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def read(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of the file with their line numbers; refuses a file without the header row."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(f"the header row lacks the column(s): {', '.join(missing)}")
        for row in reader:
            yield reader.line_num, {k: (row.get(k) or "").strip() for k in COLUMNS}


def _parse(rows: Iterable[tuple[int, dict]], summary: ImportSummary):
    seen: dict[str, int] = {}
    parsed: list[tuple[int, OrganisationDetails]] = []
    for line, row in rows:
        try:
            details = OrganisationDetails(**row).cleaned()
        except InvalidInput as error:
            summary.rejected.append(Rejection(line, row.get("ods_code", ""), error.message))
            continue
        if details.ods_code in seen:
            reason = f"ODS code already given at line {seen[details.ods_code]}"
            summary.rejected.append(Rejection(line, details.ods_code, reason))
            continue
        seen[details.ods_code] = line
        parsed.append((line, details))
    return parsed


def _existing_codes(session: Session, codes: set[str]) -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), CHUNK_SIZE):
        chunk = ordered[start:start + CHUNK_SIZE]
        query = select(Organisation).where(Organisation.ods_code.in_(chunk))
        found.update({org.ods_code: org for org in session.scalars(query)})
    return found


def _drop_unknown_parents(session, parsed, summary):
    in_file = {details.ods_code for _, details in parsed}
    wanted = {d.parent_ods_code for _, d in parsed if d.parent_ods_code} - in_file
    known = set(_existing_codes(session, wanted))
    kept = []
    for line, details in parsed:
        parent = details.parent_ods_code
        if parent == details.ods_code:
            summary.rejected.append(Rejection(line, details.ods_code, "its own parent"))
        elif parent and parent not in in_file and parent not in known:
            reason = f"parent organisation {parent} is neither registered nor in the file"
            summary.rejected.append(Rejection(line, details.ods_code, reason))
        else:
            kept.append((line, details))
    return kept


def _upsert(session, details: OrganisationDetails, existing: Organisation | None) -> str:
    if existing is None:
        session.add(Organisation(ods_code=details.ods_code,
                                 **{k: getattr(details, k) for k in FIELDS}))
        return "created"
    changed = False
    for key in FIELDS:
        if getattr(existing, key) != getattr(details, key):
            setattr(existing, key, getattr(details, key))
            changed = True
    return "updated" if changed else "unchanged"


def _link_parents(session, parsed, outcomes: dict[str, str]) -> None:
    codes = {d.ods_code for _, d in parsed} | {d.parent_ods_code for _, d in parsed
                                               if d.parent_ods_code}
    by_code = _existing_codes(session, codes)
    for _, details in parsed:
        if not details.parent_ods_code:
            continue
        organisation, parent = by_code[details.ods_code], by_code[details.parent_ods_code]
        if organisation.parent_id != parent.id:
            organisation.parent_id = parent.id
            if outcomes[details.ods_code] == "unchanged":
                outcomes[details.ods_code] = "updated"


def import_organisations(session: Session, *, actor: Actor, rows: Iterable[tuple[int, dict]],
                         progress: Callable[[int], None] = lambda n: None) -> ImportSummary:
    """Create or update each valid row by ODS code; name every rejected row and why."""
    set_actor(session, actor)
    summary = ImportSummary()
    parsed = _drop_unknown_parents(session, _parse(rows, summary), summary)
    outcomes: dict[str, str] = {}
    for start in range(0, len(parsed), CHUNK_SIZE):
        chunk = parsed[start:start + CHUNK_SIZE]
        existing = _existing_codes(session, {d.ods_code for _, d in chunk})
        for _, details in chunk:
            outcomes[details.ods_code] = _upsert(session, details,
                                                 existing.get(details.ods_code))
        session.flush()
        progress(len(chunk))
    _link_parents(session, parsed, outcomes)
    session.flush()
    for outcome in outcomes.values():
        setattr(summary, outcome, getattr(summary, outcome) + 1)
    return summary
