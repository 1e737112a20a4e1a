"""The one permission table: which role may do what.

Every plain view declares its rule with ``requires``/``public``, every
Flask-Admin view with its ``permission`` attribute, and the API token check
consults the same table. A route with no rule fails the authorization test.
"""

from __future__ import annotations

from enum import StrEnum
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user


class Role(StrEnum):
    REVIEWER = "reviewer"
    SENIOR_REVIEWER = "senior_reviewer"
    HELPDESK = "helpdesk"
    APPROVAL_GROUP = "approval_group"
    ADMIN = "admin"
    # An organisation's IG Toolkit administrator: registered (and invited) by the helpdesk;
    # sets their own password from the invitation and sees their own account page only.
    ORGANISATION_ADMINISTRATOR = "organisation_administrator"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Permission(StrEnum):
    STAFF_AREA = "staff_area"
    VIEW_CASES = "view_cases"
    WORK_CASES = "work_cases"
    TRIAGE_CASES = "triage_cases"
    SIGN_OFF = "sign_off"
    VIEW_ORGANISATIONS = "view_organisations"
    MANAGE_ORGANISATIONS = "manage_organisations"
    VIEW_EXEMPTIONS = "view_exemptions"
    MANAGE_EXEMPTIONS = "manage_exemptions"
    MANAGE_UNMATCHED = "manage_unmatched"
    MANAGE_TICKETS = "manage_tickets"
    VIEW_AUDIT = "view_audit"
    VIEW_PORTAL = "view_portal"
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    VIEW_NOTIFICATIONS = "view_notifications"
    READ_API = "read_api"
    MANAGE_LETTERS = "manage_letters"
    VIEW_DASHBOARD = "view_dashboard"
    COMPLIANCE_REPORT = "compliance_report"
    MANAGE_EMAIL_TEMPLATES = "manage_email_templates"
    OWN_ACCOUNT = "own_account"
    SEND_COMPLIANCE_REPORT = "send_compliance_report"


PUBLIC = "public"
AUTHENTICATED = "authenticated"
SIGNED = "signed"  # no role passes: only the toolkit's HMAC signature does
TOKEN_PREFIX = "token:"  # "token:<permission>": a bearer token of a user whose role holds it

# Reading organisations and exemptions (and, for the helpdesk, cases) is for every staff
# role; changing them is for the role whose work it is.
_STAFF_READING = {Permission.STAFF_AREA, Permission.VIEW_CASES, Permission.VIEW_ORGANISATIONS,
                  Permission.VIEW_EXEMPTIONS}
_REVIEWER = _STAFF_READING | {Permission.WORK_CASES, Permission.READ_API}
_REPORTS = {Permission.VIEW_DASHBOARD, Permission.COMPLIANCE_REPORT}
_SENIOR = _REVIEWER | _REPORTS | {Permission.TRIAGE_CASES, Permission.SIGN_OFF,
                                  Permission.VIEW_AUDIT, Permission.VIEW_NOTIFICATIONS}
_HELPDESK = _STAFF_READING | {
    Permission.MANAGE_ORGANISATIONS,
    Permission.MANAGE_EXEMPTIONS,
    Permission.MANAGE_UNMATCHED,
    Permission.MANAGE_TICKETS,
    Permission.MANAGE_EMAIL_TEMPLATES,
    Permission.VIEW_NOTIFICATIONS,
}
_ADMIN = _REPORTS | _STAFF_READING | {
    Permission.MANAGE_ORGANISATIONS,
    Permission.MANAGE_EXEMPTIONS,
    Permission.MANAGE_UNMATCHED,
    Permission.MANAGE_TICKETS,
    Permission.VIEW_AUDIT,
    Permission.MANAGE_USERS,
    Permission.MANAGE_SETTINGS,
    Permission.VIEW_NOTIFICATIONS,
    Permission.READ_API,
    Permission.MANAGE_LETTERS,
    Permission.MANAGE_EMAIL_TEMPLATES,
    Permission.SEND_COMPLIANCE_REPORT,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.REVIEWER: frozenset(_REVIEWER),
    Role.SENIOR_REVIEWER: frozenset(_SENIOR),
    Role.HELPDESK: frozenset(_HELPDESK),
    Role.APPROVAL_GROUP: frozenset({Permission.VIEW_PORTAL, Permission.READ_API}),
    Role.ADMIN: frozenset(_ADMIN),
    Role.ORGANISATION_ADMINISTRATOR: frozenset({Permission.OWN_ACCOUNT}),
}


def role_may(role: str | None, rule: str) -> bool:
    """Whether a user of this role (None: anonymous) passes an access rule."""
    if rule == PUBLIC:
        return True
    if role is None or rule == SIGNED:
        return False
    if rule == AUTHENTICATED:
        return True
    permission = Permission(rule.removeprefix(TOKEN_PREFIX))
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())


def user_may(user, rule: str) -> bool:
    role = user.role if getattr(user, "is_authenticated", False) else None
    return role_may(role, rule)


def _guard(rule: str):
    if user_may(current_user, rule):
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("users.login", next=request.full_path))
    abort(403)


def requires(rule: str):
    """Decorate a view so that only users whose role passes ``rule`` reach it."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            refusal = _guard(rule)
            return refusal if refusal is not None else view(*args, **kwargs)

        guarded.access_rule = rule
        return guarded

    return decorate


def access_rule(rule: str):
    """Declare a rule a view checks itself (a signature, an API token)."""

    def declare(view):
        view.access_rule = rule
        return view

    return declare


def public(view):
    """Mark a view as open to anyone, logged in or not."""
    view.access_rule = PUBLIC
    return view


def access_rule_for(app, endpoint: str) -> str | None:
    """The rule an endpoint declares: its view's, or its Flask-Admin view's."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = app.view_functions.get(endpoint)
    rule = getattr(view, "access_rule", None)
    if rule:
        return rule
    view_name, _, function = endpoint.partition(".")
    admin_view = app.extensions.get("admin_views", {}).get(view_name)
    if admin_view is None:
        return None
    return admin_view.endpoint_permissions.get(function, admin_view.permission)
