"""Each staff role's home page says what waits for them now, and every link on it opens."""

import re
from datetime import date, timedelta

import pytest

from backoffice.helpdesk import services as helpdesk
from tests.factories import CaseFactory, OrganisationFactory

STAFF_ROLES = ("reviewer", "senior_reviewer", "helpdesk", "admin")
FIGURE = re.compile(r'<a class="card[^"]*" href="([^"]*)" data-testid="figure-([a-z-]+)">\s*'
                    r'<span class="card-body">\s*<span class="h2 d-block mb-0">(\d+)</span>')


def _figures(html: str) -> dict[str, tuple[str, int]]:
    return {key: (link.replace("&amp;", "&"), int(count))
            for link, key, count in FIGURE.findall(html)}


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_link_on_the_home_page_opens(client, login, role):
    login(role)
    figures = _figures(client.get("/admin/").get_data(as_text=True))
    assert figures
    for link, _count in figures.values():
        assert client.get(link).status_code == 200, link


def test_a_reviewer_sees_their_cases_the_overdue_ones_and_what_is_left_to_take(
        client, login, session):
    reviewer = login("reviewer")
    overdue = CaseFactory(status="in_review", assigned_to=reviewer,
                          due_date=date.today() - timedelta(days=3))
    CaseFactory(status="in_review", assigned_to=reviewer,
                due_date=date.today() + timedelta(days=9))
    CaseFactory(status="unassigned")
    session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    figures = _figures(html)
    assert figures["my-cases"][1] == 2
    assert figures["my-overdue"][1] == 1
    assert figures["unassigned"][1] == 1
    assert f'<a href="/admin/case/review/{overdue.id}">{overdue.reference}</a>' in html
    assert "(overdue)" in html
    assert "Tickets" not in html  # nothing of the helpdesk's


def test_a_senior_sees_the_sign_offs_others_wait_for_not_their_own(client, login, session):
    senior = login("senior_reviewer")
    theirs = CaseFactory(status="awaiting_sign_off", outcome="not_satisfactory",
                         outcome_by=senior)
    others = CaseFactory(status="awaiting_sign_off", outcome="not_satisfactory")
    session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    assert _figures(html)["sign-offs"][1] == 1
    assert others.reference in html
    sign_offs = html[html.index('data-testid="home-sign-offs"'):]
    assert theirs.reference not in sign_offs.split("</table>")[0]


def test_the_helpdesk_sees_new_tickets_and_unmatched_notifications(client, login, session):
    login("helpdesk")
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    ticket = helpdesk.create_ticket(session, name="Pat Manager", email="pat@example.org",
                                    category="publishing", message="Still shows as draft.",
                                    ods_code="8HV48")
    session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    figures = _figures(html)
    assert figures["new-tickets"][1] == 1
    assert figures["unmatched"] == ("/admin/unmatched/", 0)
    assert ticket.reference in html
    assert "My cases" not in html  # the helpdesk records no findings
