"""A case past its due date says by how many working days, on its page and as it is taken."""

from datetime import UTC, datetime

import time_machine

from tests.conftest import form_token


def test_the_case_page_and_take_next_say_overdue_by_n_working_days(client, login, session,
                                                                   open_case):
    with time_machine.travel(datetime(2016, 5, 23, 9, tzinfo=UTC), tick=False):
        case = open_case()  # due Tuesday 7 June 2016 (10 working days, a bank holiday)
    with time_machine.travel(datetime(2016, 6, 10, 9, tzinfo=UTC), tick=False):
        login("reviewer")
        taken = client.post("/admin/case/take-next/", data={
            "csrf_token": form_token(client, "/admin/case/")}, follow_redirects=True)
        page = taken.get_data(as_text=True)
    assert f"{case.reference} is yours: due 7 Jun 2016, overdue by 3 working days." in page
    assert '<strong class="text-danger" data-testid="overdue">(overdue by 3 working days)' \
        in page


def test_a_case_within_its_due_date_says_nothing_of_being_overdue(client, login, session,
                                                                  open_case):
    with time_machine.travel(datetime(2016, 5, 23, 9, tzinfo=UTC), tick=False):
        case = open_case()
        login("reviewer")
        taken = client.post("/admin/case/take-next/", data={
            "csrf_token": form_token(client, "/admin/case/")}, follow_redirects=True)
    page = taken.get_data(as_text=True)
    assert f"{case.reference} is yours: due 7 Jun 2016." in page
    assert 'data-testid="overdue"' not in page
