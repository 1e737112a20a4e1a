"""While a case awaits information its SLA clock is stopped: it is never overdue, and
"information received" says what the pause did to the due date."""

from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.core.workingdays import add_working_days, working_days_between
from tests.conftest import form_token
from tests.factories import CaseFactory


def test_the_queue_shows_a_paused_case_as_paused_not_overdue(client, login, session):
    user = login("reviewer")
    late = date.today() - timedelta(days=10)
    CaseFactory(status="awaiting_information", due_date=late, assigned_to=user,
                reference="R-2026-000801")
    CaseFactory(status="in_review", due_date=late, assigned_to=user,
                reference="R-2026-000802")
    session.commit()
    page = client.get("/admin/case/").get_data(as_text=True)
    paused_row = page[page.index("R-2026-000801"):page.index("R-2026-000802")]
    assert "(clock paused)" in paused_row and "(overdue)" not in paused_row
    assert page.count("(overdue)") == 1
    overdue_view = client.get("/admin/case/?view=overdue").get_data(as_text=True)
    assert "R-2026-000802" in overdue_view and "R-2026-000801" not in overdue_view
    assert Case.is_overdue(session.scalar(select(Case).where(
        Case.reference == "R-2026-000801")), date.today()) is False


def _next_monday() -> datetime:
    today = date.today()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime(monday.year, monday.month, monday.day, 9, tzinfo=UTC)


def _post_at(client, moment: datetime, case, action: str, **data) -> str:
    """A POST from the case page as the reviewer would send it at that moment."""
    with time_machine.travel(moment, tick=False):
        token = form_token(client, f"/admin/case/review/{case.id}")
        return client.post(f"/admin/case/{action}/{case.id}", data={
            "csrf_token": token, **data}, follow_redirects=True).get_data(as_text=True)


def _taken_case(client, login, session, open_case) -> tuple[Case, date]:
    case = open_case()
    login("reviewer")
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    session.expire_all()
    return case, session.get(Case, case.id).due_date


def test_information_received_the_same_day_says_the_due_date_stays(client, login, session,
                                                                   open_case):
    case, due = _taken_case(client, login, session, open_case)
    monday = _next_monday()
    page = _post_at(client, monday, case, "request-information",
                    message="Please send the training log")
    assert "(SLA clock paused while awaiting information)" in page
    page = _post_at(client, monday + timedelta(hours=6), case, "information-received")
    assert ("Information received; the SLA clock runs again. No working day passed while it "
            f"was stopped, so the due date stays {due:%d %b %Y}.") in page
    assert "moved" not in page
    session.expire_all()
    assert session.get(Case, case.id).due_date == due


def test_information_received_days_later_says_from_which_date_to_which(client, login, session,
                                                                       open_case):
    case, due = _taken_case(client, login, session, open_case)
    monday = _next_monday()
    _post_at(client, monday, case, "request-information", message="Please send the log")
    page = _post_at(client, monday + timedelta(days=3), case, "information-received")
    session.expire_all()
    moved = session.get(Case, case.id).due_date
    paused = working_days_between(monday.date(), monday.date() + timedelta(days=3))
    assert paused > 0 and moved == add_working_days(due, paused)
    assert (f"It was stopped for {paused} working days, so the due date moved from "
            f"{due:%d %b %Y} to {moved:%d %b %Y}.") in page
