"""The annual cycle as a senior reviewer and the helpdesk meet it: a lapsed DARS holder and an
overdue plan item on the home page; the holder's page; the case page's plan follow-up."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.core.db import utcnow
from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, services
from tests.browser.accessibility import problems
from tests.browser.conftest import log_in, screenshot
from tests.factories import UserFactory
from tests.letters.conftest import case_in_sending_letters, people  # noqa: F401 (fixtures)
from tests.payloads import body, post_processed

pytestmark = pytest.mark.browser


def _closed(session, make, outcome, groups, ods_code) -> Case:
    case = make(outcome, groups=groups, ods_code=ods_code)
    jobs.generate_letters(case.id)
    for letter in services.current_letters(session, case):
        assert jobs.deliver_letter(letter.id) == "sent"
    session.expire_all()
    return session.get(Case, case.id)


def _next_year(client, ods_code: str) -> str:
    payload = body(notification_id=f"IGT-NEXT-{ods_code}", published_at="2017-03-20T10:00:00Z")
    payload["organisation"]["ods_code"] = ods_code
    payload["assessment"].update(toolkit_version=14, reporting_year="2016/17",
                                 improvement_plan=[], requirements=[
                                     {"id": "114", "level": 2}, {"id": "115", "level": 2},
                                     {"id": "117", "level": 1}])
    payload["applications"] = [{"type": "S251", "reference": "CAG 4-08(b)/2013"}]
    return post_processed(client, payload)["case_reference"]


def test_lapsed_holders_and_overdue_plan_items_on_the_home_page_and_the_follow_up_panel(
        page, client, session, case_in_sending_letters, people, smtp_server):  # noqa: F811
    for group, address in (("DAAG", "daag@groups.example.org"), ("CAG", "cag@groups.example.org")):
        services.set_group_address(session, actor=people["admin"][1], group=group, email=address)
    session.commit()
    holder = _closed(session, case_in_sending_letters, Outcome.SATISFACTORY, ("DAAG",), "8DA01")
    overdue = _closed(session, case_in_sending_letters, Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN,
                      ("CAG",), "8PL01")
    _closed(session, case_in_sending_letters, Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN,
            ("CAG",), "8PL02")
    followed = _next_year(client, "8PL02")
    today = utcnow().date()
    end = today.year + 1 if (today.month, today.day) >= (4, 1) else today.year
    jobs.annual_cycle(today=date(end, 4, 1))
    UserFactory(email="sam@example.org", role="senior_reviewer", name="Sam Senior")
    UserFactory(email="hana@example.org", role="helpdesk", name="Hana Helpdesk")
    session.commit()

    log_in(page, "sam@example.org")
    # the DARS holder, and the two S251 holders that did not publish for that year either
    assert page.inner_text("[data-testid=figure-lapsed] .h2") == "3"
    assert "DARS DARS-NIC-148533" in page.inner_text("[data-testid=home-lapsed]")
    assert overdue.reference in page.inner_text("[data-testid=home-plan-overdue]")
    screenshot(page, "annual-cycle-home-senior")
    assert problems(page) == []
    page.click("[data-testid=figure-lapsed]")
    page.wait_for_url("**/admin/standing/**")
    assert "DARS-NIC-148533" in page.inner_text("main")
    screenshot(page, "annual-cycle-standing-lapsed")

    case_id = session.scalar(select(Case.id).where(Case.reference == followed))
    page.goto(f"/admin/case/review/{case_id}")
    panel = page.inner_text("[data-testid=plan-follow-up-earlier]")
    assert "Achieved" in panel and "Not achieved" in panel
    screenshot(page, "annual-cycle-case-follow-up")
    assert problems(page) == []

    page.context.clear_cookies()
    log_in(page, "hana@example.org")
    page.click("[data-testid=home-lapsed] a:has-text('DARS-NIC-148533')")
    page.wait_for_url("**/admin/standing/details/**")
    page.fill("#reason", "Data destroyed; certificate received.")
    page.click("[data-testid=end-standing] button")
    page.wait_for_load_state()
    assert "marked ended" in page.inner_text("main")
    screenshot(page, "annual-cycle-standing-ended")
    page.reload()  # Flask-Admin's flash has an aria-hidden close button: the page itself
    assert "Ended" in page.inner_text("main")
    assert problems(page) == []
    assert holder.organisation_id
