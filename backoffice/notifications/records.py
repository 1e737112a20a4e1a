"""Reading an import file: JSON Lines (one contract body per line) or the flat CSV.

Each record comes with its line number, so the import's summary can name the
lines it rejected. The CSV columns are described in docs/contract.md ("Back-fill");
the v1.1 columns (``comments``, ``evidence``, covers as JSON, ``batch_id``,
``head_office_ods_code``, ``batch_size``) may be left out or empty.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from backoffice.notifications import services

CSV_COLUMNS = ("notification_id", "published_at", "ods_code", "organisation_name", "org_type",
               "postcode", "toolkit_version", "reporting_year", "requirements", "applications",
               "improvement_plan", "covers", "comments", "evidence", "batch_id",
               "head_office_ods_code", "batch_size")
# A row the CSV reader could not turn into a body: the contract check reports its reason.
UNREADABLE = "unreadable_row"


class UnreadableColumn(ValueError):
    """A CSV cell that is not what its column holds (e.g. not JSON)."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def _flat_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for item in filter(None, (part.strip() for part in (text or "").split(";"))):
        key, _, value = item.partition("=")
        pairs.append((key.strip(), value.strip()))
    return pairs


def _json_cell(row: dict[str, str], column: str, empty):
    """A cell holding JSON, or ``empty`` when it is blank."""
    text = (row.get(column) or "").strip()
    if not text:
        return empty
    try:
        return json.loads(text)
    except ValueError as error:
        raise UnreadableColumn(column, f"not JSON ({error})") from None


def _number(text: str | None):
    text = (text or "").strip()
    return int(text) if text.isdigit() else text


def _requirement(requirement_id: str, value: str, comments: dict, evidence: dict) -> dict:
    if value.upper() == "NR":
        requirement = {"id": requirement_id, "not_relevant": True}
    else:
        requirement = {"id": requirement_id, "level": _number(value)}
    if requirement_id in comments:
        requirement["comment"] = comments[requirement_id]
    if requirement_id in evidence:
        requirement["evidence"] = evidence[requirement_id]
    return requirement


def _by_requirement(row: dict[str, str], column: str, known: set[str]) -> dict:
    """A JSON object keyed by requirement id, each key one of the row's requirements."""
    found = _json_cell(row, column, {})
    if not isinstance(found, dict):
        raise UnreadableColumn(column, 'a JSON object by requirement, e.g. {"114": …}')
    unknown = sorted(set(found) - known)
    if unknown:
        raise UnreadableColumn(column, f"requirement {unknown[0]} is not in the requirements "
                                       "column")
    return found


def _requirements(row: dict[str, str]) -> list[dict]:
    pairs = _flat_pairs(row.get("requirements"))
    known = {key for key, _ in pairs}
    comments = _by_requirement(row, "comments", known)
    evidence = _by_requirement(row, "evidence", known)
    return [_requirement(key, value, comments, evidence) for key, value in pairs]


def _covers(row: dict[str, str]) -> list:
    """``name=reference;…``, or (v1.1, for kind and ODS code) the contract's JSON list."""
    text = (row.get("covers") or "").strip()
    if text.startswith("["):
        return _json_cell(row, "covers", [])
    return [{"name": k, "reference": v or None} for k, v in _flat_pairs(text)]


def _publication_batch(row: dict[str, str]) -> dict | None:
    if not (row.get("batch_id") or "").strip():
        return None
    return {"id": row["batch_id"].strip(),
            "head_office_ods_code": (row.get("head_office_ods_code") or "").strip(),
            "size": _number(row.get("batch_size"))}


def csv_record(row: dict[str, str]) -> dict:
    """One flat CSV row as a contract body (see docs/contract.md for the columns)."""
    record = {
        "notification_id": row.get("notification_id"),
        "published_at": row.get("published_at"),
        "organisation": {"ods_code": row.get("ods_code"), "name": row.get("organisation_name"),
                         "org_type": row.get("org_type"), "postcode": row.get("postcode") or None},
        "assessment": {
            "toolkit_version": _number(row.get("toolkit_version")),
            "reporting_year": row.get("reporting_year"),
            "requirements": _requirements(row),
            "improvement_plan": _json_cell(row, "improvement_plan", []),
            "covers": _covers(row),
        },
        "applications": [{"type": k, "reference": v}
                         for k, v in _flat_pairs(row.get("applications"))],
    }
    batch = _publication_batch(row)
    if batch is not None:
        record["publication_batch"] = batch
    return record


def _unreadable(row: dict[str, str], error: Exception) -> dict:
    """What stands for a row that is not a body: its identity, and the reason."""
    column = error.column if isinstance(error, UnreadableColumn) else "row"
    return {"notification_id": row.get("notification_id"),
            "organisation": {"ods_code": row.get("ods_code"),
                             "name": row.get("organisation_name")},
            UNREADABLE: {"field": column, "message": str(error)}}


def with_row_reason(checked: services.Checked) -> services.Checked:
    """A record as checked against the contract; a CSV row the reader could not read is
    refused with its own reason (the column, and what is wrong with it)."""
    reason = (checked.payload or {}).get(UNREADABLE) if checked.model is None else None
    if isinstance(reason, dict):
        return services.Checked(checked.payload, None, [
            {"field": str(reason.get("field")), "message": str(reason.get("message"))}])
    return checked


def read_records(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, raw body) for each record of a JSON Lines or CSV file."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                try:
                    body = json.dumps(csv_record(row)).encode()
                except (ValueError, TypeError) as error:
                    body = json.dumps(_unreadable(row, error)).encode()
                yield reader.line_num, body
        return
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line.strip()
