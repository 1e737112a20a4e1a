"""Reading an import file: JSON Lines (one contract body per line) or the flat CSV.

Each record comes with its line number, so the import's summary can name the
lines it rejected. The CSV columns are described in the README.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

CSV_COLUMNS = ("notification_id", "published_at", "ods_code", "organisation_name", "org_type",
               "postcode", "toolkit_version", "reporting_year", "requirements", "applications",
               "improvement_plan", "covers")


def _flat_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for item in filter(None, (part.strip() for part in (text or "").split(";"))):
        key, _, value = item.partition("=")
        pairs.append((key.strip(), value.strip()))
    return pairs


def _requirement(requirement_id: str, value: str) -> dict:
    if value.upper() == "NR":
        return {"id": requirement_id, "not_relevant": True}
    return {"id": requirement_id, "level": int(value) if value.isdigit() else value}


def csv_record(row: dict[str, str]) -> dict:
    """One flat CSV row as a contract body (see the README for the columns)."""
    version = row.get("toolkit_version", "")
    return {
        "notification_id": row.get("notification_id"),
        "published_at": row.get("published_at"),
        "organisation": {"ods_code": row.get("ods_code"), "name": row.get("organisation_name"),
                         "org_type": row.get("org_type"), "postcode": row.get("postcode") or None},
        "assessment": {
            "toolkit_version": int(version) if version.isdigit() else version,
            "reporting_year": row.get("reporting_year"),
            "requirements": [_requirement(k, v) for k, v in _flat_pairs(row.get("requirements"))],
            "improvement_plan": json.loads(row["improvement_plan"])
            if (row.get("improvement_plan") or "").strip() else [],
            "covers": [{"name": k, "reference": v or None}
                       for k, v in _flat_pairs(row.get("covers"))],
        },
        "applications": [{"type": k, "reference": v}
                         for k, v in _flat_pairs(row.get("applications"))],
    }


def read_records(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, raw body) for each record of a JSON Lines or CSV file."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                try:
                    body = json.dumps(csv_record(row)).encode()
                except (ValueError, TypeError) as error:
                    body = json.dumps({"unreadable_row": str(error)}).encode()
                yield reader.line_num, body
        return
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line.strip()
