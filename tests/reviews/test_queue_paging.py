"""The queue pages by its sort key, counts cheaply and lists open cases most urgent first."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from backoffice.cases.models import Case, CaseReason
from backoffice.core.keyset import decode_cursor, encode_cursor
from tests.factories import insert_organisations

REFERENCE = re.compile(r">(R-2016-\d{6})<")
OPENED = datetime(2016, 4, 1, 9, tzinfo=UTC)


@pytest.fixture
def many_cases(session):
    """120 cases: every fourth closed; due dates repeat so the order needs its tie-breakers."""

    def seed(count: int = 120) -> list[dict]:
        now = datetime.now(UTC)
        org_ids = insert_organisations(session, count, "8Q")
        rows = [{"reference": f"R-2016-{n + 1:06d}", "organisation_id": org_id,
                 "status": "closed" if n % 4 == 0 else "unassigned",
                 "opened_at": OPENED + timedelta(minutes=n % 7),
                 "due_date": date(2016, 4, 15) + timedelta(days=n % 9),
                 "republished": False, "created_at": now, "updated_at": now}
                for n, org_id in enumerate(org_ids)]
        session.execute(insert(Case), rows)
        session.commit()
        return rows

    return seed


def _urgency(rows: list[dict]) -> list[str]:
    ordered = sorted(rows, key=lambda r: (r["due_date"], r["opened_at"], r["reference"]))
    return [row["reference"] for row in ordered]


def _walk(client, url: str) -> list[list[str]]:
    pages = []
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append(REFERENCE.findall(html))
        found = re.search(r'rel="next" data-testid="next-page"\s+href="([^"#]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    return pages


def test_following_next_page_lists_every_open_case_once_in_urgency_order(
        client, login, many_cases):
    rows = many_cases()
    login("reviewer")
    pages = _walk(client, "/admin/case/")
    open_rows = [row for row in rows if row["status"] != "closed"]
    assert [len(page) for page in pages] == [50, 40]
    assert [ref for page in pages for ref in page] == _urgency(open_rows)


def test_pages_keep_the_filters_and_the_all_view_includes_closed_cases(
        client, login, many_cases):
    rows = many_cases()
    login("reviewer")
    everything = [ref for page in _walk(client, "/admin/case/?view=all") for ref in page]
    assert everything == _urgency(rows)
    closed = [ref for page in _walk(client, "/admin/case/?view=all&flt0_0=closed")
              for ref in page]
    assert closed == _urgency([row for row in rows if row["status"] == "closed"])


def test_sorting_by_reference_descending_pages_backwards(client, login, many_cases):
    rows = many_cases()
    login("reviewer")
    pages = _walk(client, "/admin/case/?view=all&sort=0&desc=1")
    assert [ref for page in pages for ref in page] == sorted(
        (row["reference"] for row in rows), reverse=True)


def test_the_count_is_exact_below_the_cap_and_says_more_above_it(
        app, client, login, many_cases, monkeypatch):
    many_cases()
    login("reviewer")
    html = client.get("/admin/case/").get_data(as_text=True)
    assert "90 cases" in html
    monkeypatch.setattr(app.extensions["admin_views"]["case"], "count_cap", 60)
    html = client.get("/admin/case/").get_data(as_text=True)
    assert "60+ cases" in html


def test_a_tampered_cursor_shows_the_first_page_instead_of_an_error(client, login, many_cases):
    rows = many_cases()
    login("reviewer")
    for cursor in ("not-base64!", encode_cursor(("2016-04-15",)), encode_cursor((1, 2, 3)),
                   "W3siYSI6MX1d"):
        response = client.get(f"/admin/case/?after={cursor}")
        assert response.status_code == 200
        first = REFERENCE.findall(response.get_data(as_text=True))
        assert first == _urgency([r for r in rows if r["status"] != "closed"])[:50]


def test_a_cursor_round_trips_dates_and_times():
    key = (date(2016, 4, 15), OPENED, 7)
    assert decode_cursor(encode_cursor(key), (Case.due_date, Case.opened_at, Case.id)) == key


def test_a_case_with_two_reasons_of_the_same_group_is_listed_once(
        app, client, login, session, many_cases):
    many_cases(4)
    case_id = session.scalar(select(Case.id).where(Case.reference == "R-2016-000002"))
    session.execute(insert(CaseReason), [
        {"case_id": case_id, "application_type": "S251", "reference": f"CAG {n}",
         "approval_group": "CAG"} for n in range(2)])
    session.commit()
    login("reviewer")
    view = app.extensions["admin_views"]["case"]
    index = next(i for i, f in enumerate(view._filters) if f.name == "Approval group")
    html = client.get(f"/admin/case/?flt0_{index}=CAG").get_data(as_text=True)
    assert REFERENCE.findall(html) == ["R-2016-000002"]


def test_a_page_costs_the_same_few_queries_however_many_rows_it_shows(
        app, client, login, many_cases):
    many_cases()
    login("reviewer")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = app.extensions["sqlalchemy"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/admin/case/?view=all&flt0_0=closed")
        few = len(statements)
        statements.clear()
        client.get("/admin/case/?view=all")
        assert len(statements) == few
    finally:
        event.remove(engine, "before_cursor_execute", count)
