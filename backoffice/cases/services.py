"""Cases and publications: review rules, case numbers, and the open case of an organisation.

What a publication does to cases is decided in ``notifications.engine``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backoffice.cases.models import Assessment, Case, CaseStatus, ReferenceCounter, ReviewRule
from backoffice.organisations.models import Organisation

REFERENCE_FORMAT = "R-{year}-{number:06d}"


def needs_review(rules: Callable[[], Iterable[ReviewRule]], *, organisation: Organisation,
                 toolkit_version: int, applications: list) -> bool:
    """Any application means always; otherwise the first matching active rule; default no."""
    if applications:
        return True
    for rule in rules():
        if not rule.active:
            continue
        if rule.org_type and rule.org_type != organisation.org_type:
            continue
        if rule.toolkit_version and rule.toolkit_version != toolkit_version:
            continue
        return rule.opens_case
    return False


def active_rules(session: Session) -> list[ReviewRule]:
    query = select(ReviewRule).where(ReviewRule.active).order_by(ReviewRule.position,
                                                                  ReviewRule.id)
    return list(session.scalars(query))


def allocate_references(session: Session, year: int, count: int = 1) -> list[str]:
    """Reserve ``count`` consecutive case numbers of this year; the row lock serialises callers."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(ReferenceCounter).values(year=year, last_number=0)
                    .on_conflict_do_nothing(index_elements=["year"]))
    last = session.execute(
        update(ReferenceCounter).where(ReferenceCounter.year == year)
        .values(last_number=ReferenceCounter.last_number + count)
        .returning(ReferenceCounter.last_number)).scalar_one()
    return [REFERENCE_FORMAT.format(year=year, number=n) for n in range(last - count + 1,
                                                                          last + 1)]


def lock_organisations(session: Session, organisation_ids: list[int]) -> None:
    """Lock the organisations' rows, in id order, while their cases are decided.

    Every path that may open a case (the engine's lookups, for a batch or one
    notification; reopening a case) takes these locks first, then the open case, then
    the case-number counter, so two processors deciding one organisation's case take
    turns instead of deadlocking.
    ``FOR NO KEY UPDATE`` does not hold up rows that only refer to the organisation.
    """
    session.execute(select(Organisation.id).where(Organisation.id.in_(organisation_ids))
                    .order_by(Organisation.id).with_for_update(key_share=True)).all()


def find_open_case(session: Session, organisation_id: int) -> Case | None:
    """The organisation's open case, locked (its organisation's row first)."""
    lock_organisations(session, [organisation_id])
    query = select(Case).where(Case.organisation_id == organisation_id,
                               Case.status != CaseStatus.CLOSED.value).with_for_update()
    return session.scalar(query)


def cases_of(session: Session, organisation_id: int, *, open_only: bool = False) -> list[Case]:
    """An organisation's cases, newest first (only the open ones if asked)."""
    query = select(Case).where(Case.organisation_id == organisation_id)
    if open_only:
        query = query.where(Case.open_condition())
    return list(session.scalars(query.order_by(Case.opened_at.desc(), Case.id.desc())))


def branches_covered(session: Session, case: Case) -> list[Organisation]:
    """A head office's case: the branches whose publications (a head-office batch) it
    reviews, by ODS code; none for an ordinary case."""
    query = (select(Organisation).join(Assessment, Assessment.organisation_id == Organisation.id)
             .where(Assessment.case_id == case.id,
                    Assessment.organisation_id != case.organisation_id)
             .distinct().order_by(Organisation.ods_code))
    return list(session.scalars(query))


def latest_assessments(session: Session, case_ids: Sequence[int]) -> dict[int, Assessment]:
    """Each case's latest assessment (the one its review reads), in one query."""
    if not case_ids:
        return {}
    ranked = (select(Assessment.id, func.row_number().over(
        partition_by=Assessment.case_id,
        order_by=(Assessment.published_at.desc(), Assessment.id.desc())).label("rank"))
        .where(Assessment.case_id.in_(case_ids)).subquery())
    query = select(Assessment).join(ranked, (ranked.c.id == Assessment.id) & (ranked.c.rank == 1))
    return {assessment.case_id: assessment for assessment in session.scalars(query)}
