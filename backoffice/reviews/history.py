"""The case page's history panel: the organisation's publications and cases, how each level
changed since its previous publication, and its head office or branches.

A fixed number of queries whatever the history's length: the publications (light columns),
the organisation's cases, the previous publication's requirements, its head office, its
branches and those a head office's batch publication covers (the letters of those cases
come from the letters feature, in one query too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Assessment, Case
from backoffice.cases.services import branches_covered
from backoffice.organisations.models import Organisation
from backoffice.reviews.covers import BASELINE

BRANCHES_SHOWN = 50  # a pharmacy head office may have hundreds: the rest are counted
UP, DOWN, SAME, NEW, CHANGED = "up", "down", "same", "new", "changed"


@dataclass(frozen=True)
class Publication:
    id: int
    published_at: datetime
    toolkit_version: int
    reporting_year: str
    flags: list[str]
    case: Case | None
    baseline: bool
    this_case: bool


@dataclass(frozen=True)
class Change:
    """A requirement's level against the previous publication ("level 1", "not relevant")."""

    direction: str  # up, down, same or new
    before: str = ""


@dataclass
class History:
    publications: list[Publication] = field(default_factory=list)
    cases_without_publication: list[Case] = field(default_factory=list)
    previous: Publication | None = None
    changes: dict[str, Change] = field(default_factory=dict)
    head_office: Organisation | None = None
    branches: list[Organisation] = field(default_factory=list)
    more_branches: int = 0
    batch_branches: list[Organisation] = field(default_factory=list)  # a head office's batch
    baseline: bool = False  # the assessment under review is the organisation's first

    @property
    def counts(self) -> dict[str, int]:
        found = {UP: 0, DOWN: 0, SAME: 0, NEW: 0, CHANGED: 0}
        for change in self.changes.values():
            found[change.direction] += 1
        return found

    @property
    def earlier_cases(self) -> list[Case]:
        seen, cases = set(), []
        for publication in self.publications:
            if publication.case is not None and not publication.this_case \
                    and publication.case.id not in seen:
                seen.add(publication.case.id)
                cases.append(publication.case)
        return cases + self.cases_without_publication


def _level(item: dict | None) -> int | None:
    """A published level; None for Not Relevant or a requirement not published."""
    if item is None or item.get("not_relevant"):
        return None
    return item.get("level")


def _as_read(item: dict | None) -> str:
    if item is None:
        return "not published"
    return "not relevant" if item.get("not_relevant") else f"level {item.get('level')}"


def level_changes(before: list[dict], after: list[dict]) -> dict[str, Change]:
    """Each requirement of the newer publication against the earlier one: up, down, the same,
    new (not in the earlier one) or changed (to or from Not Relevant)."""
    earlier = {item["id"]: item for item in before}
    changes = {}
    for item in after:
        old = earlier.get(item["id"])
        if old is None:
            changes[item["id"]] = Change(NEW)
            continue
        was, now = _level(old), _level(item)
        if _as_read(old) == _as_read(item):
            direction = SAME
        elif was is None or now is None:
            direction = CHANGED  # to or from Not Relevant: neither up nor down
        else:
            direction = UP if now > was else DOWN
        changes[item["id"]] = Change(direction, _as_read(old))
    return changes


def _publications(session: Session, case: Case) -> tuple[list[Publication], list[Case]]:
    rows = session.execute(select(
        Assessment.id, Assessment.published_at, Assessment.toolkit_version,
        Assessment.reporting_year, Assessment.flags, Assessment.case_id)
        .where(Assessment.organisation_id == case.organisation_id)
        .order_by(Assessment.published_at, Assessment.id)).all()
    cases = {c.id: c for c in session.scalars(select(Case).where(
        Case.organisation_id == case.organisation_id).order_by(Case.opened_at))}
    publications = [Publication(
        id=row.id, published_at=row.published_at, toolkit_version=row.toolkit_version,
        reporting_year=row.reporting_year, flags=list(row.flags or []),
        case=cases.get(row.case_id), baseline=BASELINE in (row.flags or []) or index == 0,
        this_case=row.case_id == case.id) for index, row in enumerate(rows)]
    return publications, [c for c in cases.values()
                          if c.id != case.id and c.id not in {row.case_id for row in rows}]


def _previous(publications: list[Publication], current_id: int | None) -> Publication | None:
    """The latest publication before the one under review that is not this case's own."""
    before = []
    for publication in publications:
        if publication.id == current_id:
            break
        before.append(publication)
    earlier = [p for p in before if not p.this_case]
    return earlier[-1] if earlier else None


def _family(session: Session, organisation: Organisation, history: History) -> None:
    if organisation.parent_id is not None:
        history.head_office = session.get(Organisation, organisation.parent_id)
    history.branches = list(session.scalars(
        select(Organisation).where(Organisation.parent_id == organisation.id)
        .order_by(Organisation.ods_code).limit(BRANCHES_SHOWN)))
    if len(history.branches) == BRANCHES_SHOWN:
        total = session.scalar(select(func.count()).select_from(Organisation).where(
            Organisation.parent_id == organisation.id))
        history.more_branches = total - BRANCHES_SHOWN


def history_of(session: Session, case: Case, assessment: Assessment | None) -> History:
    """The history panel for a case, against the assessment under review."""
    publications, without = _publications(session, case)
    history = History(publications=publications, cases_without_publication=without)
    current = next((p for p in publications if assessment is not None
                    and p.id == assessment.id), None)
    history.baseline = current is not None and current.baseline
    history.previous = _previous(publications, current.id if current else None)
    if history.previous is not None and assessment is not None:
        before = session.scalar(select(Assessment.requirements).where(
            Assessment.id == history.previous.id))
        history.changes = level_changes(before or [], assessment.requirements)
    _family(session, case.organisation, history)
    history.batch_branches = branches_covered(session, case)
    return history
