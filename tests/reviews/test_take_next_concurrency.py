"""Sixteen reviewers pressing 'take next' at once never get the same case."""

import os
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.audit import Actor
from backoffice.core.transactions import commit_with_retries
from backoffice.extensions import db
from backoffice.reviews.taking import take_next_case
from backoffice.users.models import User
from tests.factories import UserFactory, insert_organisations

CASES = 1_000
REVIEWERS = 16

pytestmark = pytest.mark.skipif(not os.environ.get("BACKOFFICE_TEST_DATABASE_URL"),
                                reason="concurrent take-next is a PostgreSQL drill")


def _seed_cases(session) -> None:
    now = datetime.now(UTC)
    ids = insert_organisations(session, CASES, "8C")
    session.execute(insert(Case), [
        {"reference": f"R-2016-{n + 1:06d}", "organisation_id": org_id, "status": "unassigned",
         "opened_at": now, "due_date": date(2016, 4, 1) + timedelta(days=n % 40),
         "republished": False, "created_at": now, "updated_at": now}
        for n, org_id in enumerate(ids)])
    session.commit()


def test_sixteen_concurrent_reviewers_take_each_case_exactly_once(app, session):
    _seed_cases(session)
    reviewers = [UserFactory(role="reviewer") for _ in range(REVIEWERS)]
    session.commit()
    reviewer_ids = [reviewer.id for reviewer in reviewers]
    taken: list[list[str]] = [[] for _ in range(REVIEWERS)]
    start = threading.Barrier(REVIEWERS, timeout=30)
    engine = create_engine(db.engine.url, pool_size=REVIEWERS, max_overflow=0)

    def work(index: int) -> None:
        with Session(engine) as own:
            reviewer = own.get(User, reviewer_ids[index])
            start.wait()
            while True:
                case = commit_with_retries(own, lambda: take_next_case(
                    own, actor=Actor.of(reviewer), reviewer=reviewer))
                if case is None:
                    return
                taken[index].append(case.reference)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(REVIEWERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    engine.dispose()
    everything = [ref for refs in taken for ref in refs]
    assert len(everything) == CASES
    assert len(set(everything)) == CASES
    assert sum(1 for refs in taken if refs) > 1
    assert session.scalar(select(func.count(Case.id)).where(Case.status == "unassigned")) == 0
