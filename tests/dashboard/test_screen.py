"""The dashboard screen: who may open it, and its tables beside the charts."""

from datetime import timedelta

import pytest

from backoffice.core.db import utcnow
from tests.factories import CaseFactory, UserFactory


@pytest.mark.parametrize("role", ["senior_reviewer", "admin"])
def test_senior_reviewers_and_admins_see_the_dashboard_with_its_tables(client, login, session,
                                                                       role):
    rita = UserFactory(name="Rita Reviewer", role="reviewer")
    now = utcnow()
    CaseFactory(status="in_review", assigned_to=rita, opened_at=now - timedelta(days=20),
                due_date=now.date() - timedelta(days=3), reference="R-2026-000042")
    session.commit()
    login(role)
    response = client.get("/admin/dashboard/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for table in ("table-status", "table-age", "table-breaches", "table-throughput",
                  "table-load", "table-tickets"):
        assert f'data-testid="{table}"' in html
    assert "R-2026-000042" in html and "overdue" in html
    assert "vendor/chartjs/chart.umd.js" in html and 'id="chart-throughput"' in html
    assert "SLA dashboard" in client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["reviewer", "helpdesk", "approval_group"])
def test_other_roles_are_refused_the_dashboard_and_do_not_see_it_in_the_menu(client, login,
                                                                              role):
    login(role, group="CAG" if role == "approval_group" else None)
    assert client.get("/admin/dashboard/").status_code == 403
    if role != "approval_group":
        assert "SLA dashboard" not in client.get("/admin/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
