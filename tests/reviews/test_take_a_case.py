"""A reviewer takes the case they are looking at; until it is in review nothing is recorded."""

import os
import re
import threading

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.audit import Actor, trail_for
from backoffice.extensions import db
from backoffice.reviews.guards import WrongState
from backoffice.reviews.taking import take_case
from backoffice.users.models import User
from tests.conftest import form_token
from tests.factories import UserFactory


def test_an_unassigned_case_offers_take_this_case_and_no_findings_form(client, login,
                                                                        open_case):
    case = open_case()
    login("reviewer")
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert "Take this case" in page
    assert "Take this case to record findings and an outcome." in page
    assert "Save findings" not in page and "Agree with all unanswered" not in page
    assert "Record outcome" not in page
    assert re.search(r'name="agree-114" value="agree"\s+disabled', page)


def test_taking_the_case_makes_it_yours_in_review_with_the_forms(client, login, session,
                                                                 open_case):
    case = open_case()
    user = login("reviewer")
    response = client.post(f"/admin/case/take/{case.id}", data={
        "csrf_token": form_token(client, f"/admin/case/review/{case.id}")},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"{case.reference} is yours: due {case.due_date:%d %b %Y}." in page
    assert "Save findings" in page and "Record outcome" in page
    assert "Take this case" not in page
    session.expire_all()
    taken = session.get(Case, case.id)
    assert (taken.status, taken.assigned_to_id) == ("in_review", user.id)
    assert trail_for(session, "cases", case.id)[0].changes == {
        "assigned_to_id": [None, user.id], "status": ["unassigned", "in_review"]}


def test_a_case_someone_else_took_first_is_refused_naming_them(client, login, session,
                                                               open_case, people):
    case = open_case()
    login("reviewer")
    token = form_token(client, f"/admin/case/review/{case.id}")
    rita, rita_actor = people["reviewer"]
    take_case(session, actor=rita_actor, reviewer=rita, case=case)
    session.commit()
    response = client.post(f"/admin/case/take/{case.id}", data={"csrf_token": token},
                           follow_redirects=True)
    assert (f"{case.reference} has been taken by {rita}; it is no longer unassigned"
            in response.get_data(as_text=True))
    session.expire_all()
    assert session.get(Case, case.id).assigned_to_id == rita.id


@pytest.mark.skipif(not os.environ.get("BACKOFFICE_TEST_DATABASE_URL"),
                    reason="concurrent takes are a PostgreSQL drill")
def test_eight_reviewers_taking_the_same_case_at_once_give_it_to_one(app, session, open_case):
    case_id = open_case().id
    reviewer_ids = [UserFactory(role="reviewer").id for _ in range(8)]
    session.commit()
    results: list[str] = []
    start = threading.Barrier(len(reviewer_ids), timeout=30)
    engine = create_engine(db.engine.url, pool_size=len(reviewer_ids), max_overflow=0)

    def work(reviewer_id: int) -> None:
        with Session(engine) as own:
            reviewer, mine = own.get(User, reviewer_id), own.get(Case, case_id)
            start.wait()
            try:
                take_case(own, actor=Actor.of(reviewer), reviewer=reviewer, case=mine)
                own.commit()
                results.append("taken")
            except WrongState as refused:
                own.rollback()
                results.append(refused.message)

    threads = [threading.Thread(target=work, args=(rid,)) for rid in reviewer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engine.dispose()
    assert results.count("taken") == 1
    assert all("has been taken by" in r for r in results if r != "taken")
    session.expire_all()
    assert len([row for row in trail_for(session, "cases", case_id)
                if "assigned_to_id" in row.changes]) == 1
    assert session.scalar(select(Case.assigned_to_id)) in reviewer_ids
