"""A senior reviewer opens the SLA dashboard and sees its charts beside their numbers.

With BACKOFFICE_SCREENSHOTS=1 the screenshot is also copied to docs/dashboard.png for the
README.
"""

import os
import shutil

import pytest

from backoffice.core.db import utcnow
from backoffice.dashboard import services
from backoffice.demo.data import load_demo_data
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser
CHARTS = ("chart-status", "chart-age", "chart-throughput", "chart-load", "chart-tickets")


def test_senior_reviewer_opens_the_dashboard_and_sees_its_charts(page, session,
                                                                 project_root):
    logins = load_demo_data(session)
    session.commit()
    senior = next(login for login in logins if login.role == "Senior reviewer")
    open_total = services.open_cases(session, today=utcnow().date()).total

    log_in(page, senior.email, senior.password)
    page.click("a:has-text('Reports')")
    page.click("a:has-text('SLA dashboard')")
    page.wait_for_url("**/admin/dashboard/")

    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}[data-drawn=true]")
        box = page.locator(f"#{chart}").bounding_box()
        assert box["width"] > 200 and box["height"] > 150
    assert page.inner_text("[data-testid=open-total]") == str(open_total)
    assert page.locator("[data-testid=table-throughput] tbody tr").count() == 26
    assert page.locator("[data-testid=table-load] tbody tr").count() >= 3
    page.click("summary:has-text('The numbers, week by week')")
    assert page.locator("[data-testid=table-throughput]").is_visible()
    page.click("summary:has-text('The numbers, week by week')")

    path = screenshot(page, "dashboard")
    if os.environ.get("BACKOFFICE_SCREENSHOTS") == "1":
        shutil.copyfile(path, project_root / "docs" / "dashboard.png")
