""""Take next case" takes the most urgent case among those the filters on screen list."""

from datetime import date

from sqlalchemy import select

from backoffice.cases.models import Case, CaseReason
from tests.conftest import form_token
from tests.factories import CaseFactory
from tests.reviews.test_queue_screen import _filter_options


def _case(session, due: date, group: str) -> Case:
    case = CaseFactory(due_date=due)
    session.flush()
    session.add(CaseReason(case_id=case.id, application_type="S251", reference=f"X-{case.id}",
                           approval_group=group))
    session.commit()
    return case


def test_take_next_honours_the_approval_group_filter_on_screen(client, login, session):
    urgent = _case(session, date(2026, 11, 10), "CAG")
    later = _case(session, date(2026, 11, 20), "DAAG")
    login("reviewer")
    [(index, _, _)] = _filter_options(client, "Approval group")
    queue = f"/admin/case/?flt0_{index}=DAAG"
    page = client.get(queue).get_data(as_text=True)
    assert "the most urgent matching the view and filters on screen" in page
    taken = client.post(f"/admin/case/take-next/?flt0_{index}=DAAG", data={
        "csrf_token": form_token(client, queue)}, follow_redirects=True)
    assert f"{later.reference} is yours" in taken.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(Case.status).where(Case.id == urgent.id)) == "unassigned"
    nothing = client.post(f"/admin/case/take-next/?flt0_{index}=DAAG", data={
        "csrf_token": form_token(client, queue)}, follow_redirects=True)
    assert "No unassigned case matches the filters on screen" in nothing.get_data(as_text=True)
    anything = client.post("/admin/case/take-next/", data={
        "csrf_token": form_token(client, "/admin/case/")}, follow_redirects=True)
    assert f"{urgent.reference} is yours" in anything.get_data(as_text=True)
