"""The staff area (Flask-Admin), built afresh for each application.

Each feature defines its screens in ``<feature>/admin.py``; this package only assembles
them, and wires what one feature's screen needs from a feature above it (the letters and
publications on the case page, the notifications a registration sets going).
"""

from __future__ import annotations

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from backoffice.api.admin import ApiTokenAdmin
from backoffice.api.models import ApiToken
from backoffice.cases.admin import ReviewRuleAdmin
from backoffice.cases.models import Case, ReviewRule
from backoffice.compliance.views import ComplianceReportView
from backoffice.core.admin_views import HomeView
from backoffice.core.audit import AuditEvent
from backoffice.core.audit_admin import AuditAdmin
from backoffice.dashboard.views import DashboardView
from backoffice.exemptions.admin import ExemptionAdmin
from backoffice.exemptions.models import Exemption
from backoffice.extensions import db
from backoffice.helpdesk.admin import TicketAdmin
from backoffice.helpdesk.models import Ticket
from backoffice.letters.admin import (
    GroupAddressAdmin,
    LetterTemplateView,
    LetterView,
    case_page_letters,
)
from backoffice.letters.models import GroupAddress
from backoffice.notifications import handling
from backoffice.notifications.admin import (
    NotificationAdmin,
    UnmatchedAdmin,
    case_page_notifications,
)
from backoffice.notifications.models import Notification
from backoffice.organisations.admin import OrganisationAdmin
from backoffice.organisations.models import Organisation
from backoffice.reviews.admin import CaseAdmin
from backoffice.users.admin import UserAdmin
from backoffice.users.models import User


def _views():
    return [
        CaseAdmin(Case, db, name="Cases", endpoint="case", category="Reviews",
                  page_parts=(case_page_letters, case_page_notifications)),
        DashboardView(name="SLA dashboard", endpoint="dashboard", url="dashboard",
                      category="Reports"),
        ComplianceReportView(name="Compliance report", endpoint="compliance", url="compliance",
                             category="Reports"),
        TicketAdmin(Ticket, db, name="Tickets", endpoint="ticket", category="Helpdesk"),
        UnmatchedAdmin(Notification, db, name="Unmatched notifications", endpoint="unmatched",
                       category="Helpdesk"),
        OrganisationAdmin(Organisation, db, name="Organisations", endpoint="organisation",
                          category="Helpdesk", on_registered=handling.resume_for),
        ExemptionAdmin(Exemption, db, name="Exemptions", endpoint="exemption",
                       category="Helpdesk"),
        UserAdmin(User, db, name="Users", endpoint="user", category="Administration"),
        ApiTokenAdmin(ApiToken, db, name="API tokens", endpoint="token",
                      category="Administration"),
        AuditAdmin(AuditEvent, db, name="Audit trail", endpoint="audit",
                   category="Administration"),
        NotificationAdmin(Notification, db, name="Notifications", endpoint="notification",
                          category="Administration"),
        ReviewRuleAdmin(ReviewRule, db, name="Review rules", endpoint="rule",
                        category="Administration"),
        LetterTemplateView(name="Letter templates", endpoint="letter_template",
                           category="Administration"),
        GroupAddressAdmin(GroupAddress, db, name="Group addresses", endpoint="group_address",
                          category="Administration"),
        LetterView(name="Failed deliveries", endpoint="letter", category="Administration"),
    ]


def init_app(app) -> None:
    admin = Admin(app, name="IGT Review Back Office", url="/admin",
                  index_view=HomeView(name="Home", url="/admin"),
                  theme=Bootstrap4Theme(base_template="admin/staff_base.html", fluid=True))
    for view in _views():
        admin.add_view(view)
    app.extensions["admin_views"] = {view.endpoint: view for view in admin._views}
