"""A refused notification's field errors in words a person reads.

``applications.0.type: Input should be 'N3', 'S251', 'PCMD' or 'DARS'`` becomes
``Application 1: type must be one of N3, S251, PCMD or DARS``; the raw detail stays stored.
"""

from __future__ import annotations

import re

ITEMS = {"applications": "Application", "requirements": "Requirement",
         "improvement_plan": "Improvement plan item", "covers": "Cover",
         "evidence": "Evidence item"}
PARTS = {"organisation": "Organisation", "assessment": "", "publication_batch":
         "Publication batch"}
NAMES = {"ods_code": "ODS code", "notification_id": "notification ID",
         "published_at": "publication date", "toolkit_version": "toolkit version",
         "reporting_year": "reporting year", "target_date": "target date",
         "not_relevant": "not relevant", "org_type": "organisation type",
         "uploaded_at": "upload date", "size_bytes": "size", "head_office_ods_code":
         "head office ODS code", "body": "the body"}
MESSAGES = (
    (re.compile(r"^Field required$"), "is missing"),
    (re.compile(r"^Extra inputs are not permitted$"), "is not part of the contract"),
    (re.compile(r"^Input should be a valid integer.*$"), "must be a whole number"),
    (re.compile(r"^Input should be a valid (datetime|date).*$"),
     "must be a date (and time) such as 2016-03-30T14:22:05Z"),
    (re.compile(r"^Input should be a valid string.*$"), "must be text"),
    (re.compile(r"^Input should be a valid list.*$"), "must be a list"),
    (re.compile(r"^Input should be a valid dictionary.*$"), "must be an object ({…})"),
    (re.compile(r"^Input should be less than or equal to (.+)$"), r"must be at most \1"),
    (re.compile(r"^Input should be greater than or equal to (.+)$"), r"must be at least \1"),
    (re.compile(r"^String should have at most (\d+) characters?$"),
     r"must have at most \1 characters"),
)


def _choices(message: str) -> str | None:
    """"Input should be 'N3', 'S251' or 'DARS'" → "must be one of N3, S251 or DARS"."""
    found = re.fullmatch(r"Input should be ('[^']*'(?:, '[^']*')* or '[^']*')", message)
    return "must be one of " + found.group(1).replace("'", "") if found else None


def message_in_words(message: str) -> str:
    choices = _choices(message)
    if choices:
        return choices
    for pattern, words in MESSAGES:
        if pattern.match(message):
            return pattern.sub(words, message)
    return re.sub(r"^Input should be ", "must be ", message)


def _where(parts: list[str], body: dict | None) -> tuple[list[str], str]:
    """("Application 1", …) for the containers, and the field's own name."""
    where, node = [], body
    for index, part in enumerate(parts[:-1]):
        if not part.isdigit():
            node = node.get(part) if isinstance(node, dict) else None
        if part.isdigit() and index and parts[index - 1] in ITEMS:
            label = f"{ITEMS[parts[index - 1]]} {int(part) + 1}"
            item = node[int(part)] if isinstance(node, list) and int(part) < len(node) else None
            if isinstance(item, dict) and item.get("id"):
                label += f" ({item['id']})"
            where.append(label)
            node = item
        elif part in PARTS and PARTS[part]:
            where.append(PARTS[part])
    last = parts[-1] if parts else "body"
    if last.isdigit() and len(parts) > 1 and parts[-2] in ITEMS:
        where.append(f"{ITEMS[parts[-2]]} {int(last) + 1}")
        return where, ""
    return where, NAMES.get(last, last.replace("_", " "))


def error_in_words(field: str, message: str, body: dict | None = None) -> str:
    """One stored error, as a sentence: where, which field, and what it must be."""
    parts = [part for part in field.split(".") if part]
    where, name = _where(parts, body)
    if field == "body" or (parts and parts[-1] in message):  # already a sentence of ours
        said = message if field == "body" else message.replace(parts[-1], name)
    else:
        said = " ".join(part for part in (name, message_in_words(message)) if part)
    if where:
        return f"{', '.join(where)}: {said}"
    return said[:1].upper() + said[1:]
