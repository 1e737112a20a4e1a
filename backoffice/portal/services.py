"""What an approval-group member sees: the letters addressed to their own group, nothing else.

A letter belongs to exactly one recipient; only letters whose recipient is the member's
group are listed, downloaded or acknowledged. Letters to the organisation are never
shown in any portal, and any other letter is "not found", never "forbidden", so its
existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from backoffice.cases.models import Case, CaseReason
from backoffice.core.audit import Actor, record_event, set_actor
from backoffice.core.db import utcnow
from backoffice.core.display import day
from backoffice.core.errors import Conflict, NotFound
from backoffice.core.vocabulary import ApprovalGroup
from backoffice.letters.models import Letter
from backoffice.organisations.models import Organisation
from backoffice.users.models import User

PAGE_SIZE = 50
LARGEST_ID = 2**31 - 1  # letters.id is an INTEGER column
GROUPS = frozenset(group.value for group in ApprovalGroup)


@dataclass(frozen=True)
class PortalFilters:
    search: str = ""
    outcome: str | None = None
    on: date | None = None


@dataclass
class PortalEntry:
    """A case's newest letter to the group, and the older versions of it."""

    letter: Letter
    older: list[Letter] = field(default_factory=list)


@dataclass
class PortalPage:
    """One page of entries, newest first; ``older`` is the ``before`` of the next page,
    ``paged`` whether this is a later page than the first."""

    entries: list[PortalEntry]
    older: int | None = None
    paged: bool = False


def _addressed_to(group: str | None):
    return Letter.recipient == group if group in GROUPS else false()


def _newest_version():
    later = aliased(Letter)
    return ~exists().where(later.case_id == Letter.case_id,
                           later.recipient == Letter.recipient, later.version > Letter.version)


def _search(search: str, group: str | None):
    """An organisation (name or ODS code), a case reference, or the group's own application
    reference (e.g. "CAG 4-08(b)/2013"), whatever its capitals."""
    organisations = select(Organisation.id).where(or_(
        Organisation.ods_code == search.upper(),
        Organisation.name.icontains(search, autoescape=True)))
    own_reference = select(CaseReason.case_id).where(
        CaseReason.approval_group == group, func.upper(CaseReason.reference) == search.upper())
    return or_(Case.reference == search.upper(), Case.organisation_id.in_(organisations),
               Case.id.in_(own_reference))


def _filtered(query, filters: PortalFilters, group: str | None):
    if filters.search:
        query = query.where(_search(filters.search, group))
    if filters.outcome:
        query = query.where(Letter.outcome == filters.outcome)
    if filters.on is not None:
        start = datetime.combine(filters.on, time(), UTC)
        query = query.where(Letter.created_at >= start,
                            Letter.created_at < start + timedelta(days=1))
    return query


def group_letters(session: Session, *, group: str | None, filters: PortalFilters,
                  before: int | None = None, page_size: int | None = None) -> PortalPage:
    """The group's newest letter per case matching the filters, newest first, with the
    older versions of each: a page of them, after the letter ``before`` when given (a
    letter that is not the group's is ignored: the first page)."""
    page_size = page_size or PAGE_SIZE
    after = _after(session, group, before)
    query = (select(Letter).join(Letter.case)
             .options(joinedload(Letter.case).joinedload(Case.organisation),
                      joinedload(Letter.case).selectinload(Case.reasons),
                      joinedload(Letter.acknowledged_by))
             .where(_addressed_to(group), _newest_version(), *after)
             .order_by(Letter.created_at.desc(), Letter.id.desc()).limit(page_size + 1))
    newest = list(session.scalars(_filtered(query, filters, group)).unique())
    older_page = newest[page_size - 1].id if len(newest) > page_size else None
    newest = newest[:page_size]
    return PortalPage([PortalEntry(letter, versions) for letter, versions
                       in zip(newest, _older_versions(session, group, newest), strict=True)],
                      older_page, paged=bool(after))


def _after(session: Session, group: str | None, before: int | None) -> list:
    """The keyset condition of a page after the letter ``before`` (newest first)."""
    anchor = None
    if before is not None and 0 < before <= LARGEST_ID:
        anchor = session.scalar(select(Letter.created_at).where(Letter.id == before,
                                                                _addressed_to(group)))
    if anchor is None:
        return []
    return [or_(Letter.created_at < anchor,
                and_(Letter.created_at == anchor, Letter.id < before))]


def _older_versions(session: Session, group: str | None,
                    newest: list[Letter]) -> list[list[Letter]]:
    older: dict[int, list[Letter]] = {letter.case_id: [] for letter in newest}
    if newest:
        rows = session.scalars(select(Letter).where(
            _addressed_to(group), Letter.case_id.in_(older),
            Letter.id.not_in([letter.id for letter in newest]))
            .order_by(Letter.version.desc()))
        for letter in rows:
            older[letter.case_id].append(letter)
    return [older[letter.case_id] for letter in newest]


def group_letter(session: Session, *, group: str | None, letter_id: int) -> Letter:
    """One of the group's letters; another group's (or the organisation's) is not found."""
    letter = None
    if 0 < letter_id <= LARGEST_ID:
        letter = session.scalar(select(Letter).where(Letter.id == letter_id,
                                                     _addressed_to(group)))
    if letter is None:
        raise NotFound(f"no letter {letter_id}")
    return letter


def acknowledge_letter(session: Session, *, actor: Actor, group: str | None, letter_id: int,
                       member: User) -> Letter:
    """A member of the letter's group acknowledges receipt, once; the case's trail says so."""
    letter = group_letter(session, group=group, letter_id=letter_id)
    if letter.acknowledged_at is not None:
        raise Conflict(f"{letter.filename} was already acknowledged on "
                       f"{day(letter.acknowledged_at)}")
    set_actor(session, actor)
    letter.acknowledged_at = utcnow()
    letter.acknowledged_by_id = member.id
    record_event(session, actor, "acknowledge", "cases", letter.case_id, letter.case.reference,
                 {"letter_acknowledged": [None, f"{letter.recipient} letter v{letter.version} "
                                                f"by {member.email}"]})
    session.flush()
    return letter


