"""The staff area (Flask-Admin), built afresh for each application.

Each feature registers its screens from ``<feature>/admin.py`` (``screens()``: the views,
with their names, endpoints and menu categories); this package only assembles them in the
menu's order, and wires what one feature's screen needs from a feature above it (the
letters and publications on the case page, the notifications a registration sets going).
"""

from __future__ import annotations

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from backoffice.api import admin as api_admin
from backoffice.cases import admin as cases_admin
from backoffice.cases import services as case_services
from backoffice.cases import standing
from backoffice.compliance import views as compliance_views
from backoffice.core import audit_admin
from backoffice.core.admin_views import HomeView
from backoffice.dashboard import home
from backoffice.dashboard import views as dashboard_views
from backoffice.exemptions import admin as exemptions_admin
from backoffice.helpdesk import admin as helpdesk_admin
from backoffice.helpdesk import invitation_admin
from backoffice.letters import admin as letters_admin
from backoffice.notifications import admin as notifications_admin
from backoffice.notifications import handling
from backoffice.organisations import admin as organisations_admin
from backoffice.publication import views as publication_views
from backoffice.reviews import admin as reviews_admin
from backoffice.users import admin as users_admin

# The menu, by endpoint: a category comes where its first screen does.
MENU = ("case", "dashboard", "compliance", "publication_status",
        "ticket", "unmatched", "organisation", "invitation", "standing", "exemption",
        "user", "token", "audit", "notification", "rule", "toolkit_version", "letter_template",
        "group_address", "letter", "email_template")


def _screens() -> list:
    """Every feature's screens, wired: the case page shows letters and publications, and
    registering an organisation processes the notifications waiting for it."""
    return [
        *reviews_admin.screens(page_parts=(letters_admin.case_page_letters,
                                           notifications_admin.case_page_notifications,
                                           reviews_admin.case_page_follow_ups)),
        *cases_admin.screens(),
        *organisations_admin.screens(on_registered=handling.resume_for,
                                     cases_of=case_services.cases_of,
                                     invitations=invitation_admin.AdministratorInvitations(),
                                     standing_of=standing.standing_of),
        *exemptions_admin.screens(),
        *notifications_admin.screens(),
        *helpdesk_admin.screens(),
        *letters_admin.screens(),
        *users_admin.screens(),
        *api_admin.screens(),
        *audit_admin.screens(),
        *dashboard_views.screens(),
        *compliance_views.screens(),
        *publication_views.screens(),
    ]


def _views() -> list:
    screens = _screens()
    unplaced = [view.endpoint for view in screens if view.endpoint not in MENU]
    if unplaced:
        raise LookupError(f"add the screens {unplaced} to admin.MENU")
    return sorted(screens, key=lambda view: MENU.index(view.endpoint))


def init_app(app) -> None:
    admin = Admin(app, name="IGT Review Back Office", url="/admin",
                  index_view=HomeView(name="Home", url="/admin", home_for=home.home_for),
                  theme=Bootstrap4Theme(base_template="admin/staff_base.html", fluid=True))
    for view in _views():
        admin.add_view(view)
    app.extensions["admin_views"] = {view.endpoint: view for view in admin._views}
