"""The case list (the full queue comes with the review screens) and the review rules."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectField
from wtforms.validators import NumberRange, Optional

from backoffice.admin.base import StaffModelView
from backoffice.cases.models import Case, CaseStatus
from backoffice.core.permissions import Permission
from backoffice.core.workingdays import working_days_between
from backoffice.organisations.types import ORGANISATION_TYPES


def _reasons(view, context, case, name) -> Markup:
    items = (Markup("<li>{} {} → <strong>{}</strong></li>").format(
        r.application_type, r.reference, r.approval_group) for r in case.reasons)
    return Markup('<ul class="list-unstyled mb-0">') + Markup("").join(items) + Markup("</ul>")


def _due(view, context, case, name) -> Markup:
    text = case.due_date.strftime("%d %b %Y")
    if case.is_open and case.due_date < date.today():
        return Markup('<span class="text-danger font-weight-bold">{} (overdue)</span>').format(
            text)
    if case.is_open:
        left = working_days_between(date.today(), case.due_date)
        return Markup("{} <small class=\"text-muted\">({} working days left)</small>").format(
            text, left)
    return escape(text)


class CaseAdmin(StaffModelView):
    permission = Permission.VIEW_CASES
    can_create = False
    can_edit = False
    column_list = ("reference", "organisation", "reasons", "status", "opened_at", "due_date",
                   "republished", "assigned_to")
    column_default_sort = [("due_date", False), ("opened_at", False)]
    column_searchable_list = ("reference", "organisation.ods_code", "organisation.name")
    column_filters = ("status", "reasons.approval_group", "reasons.application_type",
                      "due_date", "republished", "organisation.org_type")
    column_labels = {"reasons.approval_group": "Approval group",
                     "reasons.application_type": "Application type",
                     "organisation.org_type": "Organisation type"}
    column_formatters = {"reasons": _reasons, "due_date": _due,
                         "opened_at": lambda v, c, m, p: m.opened_at.strftime("%d %b %Y")}
    column_choices = {"status": [(s.value, s.value.replace("_", " ")) for s in CaseStatus]}
    column_details_list = ("reference", "organisation", "reasons", "status", "opened_at",
                           "due_date", "republished", "assigned_to", "outcome", "closed_at")
    column_formatters_detail = {"reasons": _reasons, "due_date": _due}

    def get_query(self):
        return super().get_query().options(
            joinedload(Case.organisation), joinedload(Case.assigned_to),
            selectinload(Case.reasons))


class ReviewRuleAdmin(StaffModelView):
    """Which publications with no application open a case (default: record only)."""

    permission = Permission.MANAGE_SETTINGS
    can_delete = True
    column_list = ("position", "org_type", "toolkit_version", "opens_case", "active",
                   "description")
    column_default_sort = "position"
    column_labels = {"org_type": "Organisation type", "opens_case": "Opens a case"}
    column_descriptions = {"position": "Rules are tried in this order; the first that matches "
                                       "decides. Publications with an N3, S251, PCMD or DARS "
                                       "application always open a case."}
    form_columns = ("position", "org_type", "toolkit_version", "opens_case", "active",
                    "description")
    form_overrides = {"org_type": SelectField}
    form_args = {
        "org_type": {"label": "Organisation type", "choices": [("", "any type")] + [
            (t, t) for t in ORGANISATION_TYPES], "validators": [Optional()]},
        "toolkit_version": {"description": "Leave empty for any version",
                            "validators": [Optional(), NumberRange(1, 99)]},
    }

    def on_model_change(self, form, model, is_created):
        model.org_type = model.org_type or None
