"""How values read on every screen: one date style and words for internal names.

The words themselves live in ``backoffice/core/vocabulary.py`` (and ``Role.label``); this
module only shapes them for a screen.
"""

from __future__ import annotations

from datetime import date, datetime

from markupsafe import Markup

from backoffice.core.permissions import Role
from backoffice.core.vocabulary import CaseStatus, Outcome

NOTHING = "—"

# The words come from the vocabulary; a screen's cell starts with a capital ("In review").
CASE_STATUS_LABELS = {status.value: status.label[:1].upper() + status.label[1:]
                      for status in CaseStatus}
OUTCOME_LABELS = {outcome.value: outcome.label for outcome in Outcome}
ROLE_LABELS = {role.value: role.label for role in Role}


def _parsed(value: datetime | date | str) -> datetime | date:
    """A value read by plain SQL may come as ISO text (SQLite)."""
    if not isinstance(value, str):
        return value
    return (datetime.fromisoformat(value) if len(value) > len("2026-12-06")
            else date.fromisoformat(value))


def when(value: datetime | date | str | None) -> str:
    """A moment as people write it, "6 Dec 2026 14:05"; a day as "6 Dec 2026"."""
    if value is None or value == "":
        return NOTHING
    value = _parsed(value)
    if isinstance(value, datetime):
        return f"{value.day} {value:%b %Y %H:%M}"
    return f"{value.day} {value:%b %Y}"


def day(value: datetime | date | str | None) -> str:
    """Only the day of a moment, "6 Dec 2026"."""
    if value is None or value == "":
        return NOTHING
    value = _parsed(value)
    return f"{value.day} {value:%b %Y}"


def words(value: str | None) -> str:
    """An internal name a screen must not show as it is ("in_review" → "In review")."""
    if not value:
        return NOTHING
    for labels in (CASE_STATUS_LABELS, OUTCOME_LABELS, ROLE_LABELS):
        if value in labels:
            return labels[value]
    return str(value).replace("_", " ").capitalize()


def status_label(value: str | None) -> str:
    return CASE_STATUS_LABELS.get(value or "", words(value))


def outcome_label(value: str | None) -> str:
    return OUTCOME_LABELS.get(value or "", words(value))


def yes_no(value: bool | None) -> Markup:
    """A tick or a cross with its words for screen readers (an icon alone says nothing)."""
    if value is None:
        return Markup(NOTHING)
    icon, text = ("fa-check-circle text-success", "Yes") if value else ("fa-minus-circle", "No")
    return Markup('<span class="fa {}" aria-hidden="true"></span>'
                  '<span class="sr-only">{}</span>').format(icon, text)


def init_app(app) -> None:
    app.add_template_filter(when)
    app.add_template_filter(day)
    app.add_template_filter(words)
    app.add_template_filter(status_label)
    app.add_template_filter(outcome_label)
