"""The SLA dashboard screen (Flask-Admin): figures from services, charts with their tables."""

from __future__ import annotations

from flask import current_app
from flask_admin import expose

from backoffice.core.admin_views import StaffView
from backoffice.core.db import utcnow
from backoffice.core.permissions import Permission
from backoffice.core.vocabulary import status_label
from backoffice.dashboard import services
from backoffice.extensions import db


def _chart_data(open_cases, weeks, load, tickets) -> dict:
    """What the charts draw: the same numbers the tables beside them show.

    Series are lists, not mappings: the JSON encoder sorts keys, and the order matters.
    """
    return {
        "status": {"labels": [status_label(s) for s, _ in open_cases.by_status],
                   "values": [n for _, n in open_cases.by_status]},
        "age": {"labels": [b for b, _ in open_cases.by_band],
                "values": [n for _, n in open_cases.by_band]},
        "throughput": {"labels": [f"{w.start:%d %b}" for w in weeks],
                       "opened": [w.opened for w in weeks],
                       "closed": [w.closed for w in weeks],
                       "median": [w.median_working_days for w in weeks]},
        "load": {"labels": [r.reviewer for r in load],
                 "series": [{"label": status_label(status),
                             "data": [r.by_status[status] for r in load]}
                            for status in services.HELD_STATUSES]},
        "tickets": {"labels": [c for c, _ in tickets.by_category],
                    "series": [{"label": band, "data": [tickets.counts.get((c, band), 0)
                                                        for c, _ in tickets.by_category]}
                               for band in tickets.bands]},
    }


class DashboardView(StaffView):
    permission = Permission.VIEW_DASHBOARD

    @expose("/")
    def index(self):
        today = utcnow().date()
        session = db.session
        open_cases = services.open_cases(session, today=today)
        breaches = services.breaches(session, today=today)
        weeks = services.weekly_throughput(session, today=today)
        load = services.reviewer_load(session, today=today)
        tickets = services.open_tickets(
            session, today=today, now=utcnow(),
            hours=current_app.extensions["settings"].opening_hours)
        return self.render(
            "dashboard/index.html", today=today, open_cases=open_cases, breaches=breaches,
            weeks=weeks, load=load, tickets=tickets, held_statuses=services.HELD_STATUSES,
            chart_data=_chart_data(open_cases, weeks, load, tickets),
            week_label=services.week_label)


def screens() -> list:
    """The SLA dashboard, as the staff area lists it."""
    return [DashboardView(name="SLA dashboard", endpoint="dashboard", url="dashboard",
                          category="Reports")]
