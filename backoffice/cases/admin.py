"""The review rules: which publications with no application open a case."""

from __future__ import annotations

from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import (
    DataRequired,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from backoffice.cases.calendar import ToolkitVersion
from backoffice.cases.models import ReviewRule
from backoffice.core.admin_views import StaffModelView
from backoffice.core.inputs import fits_an_integer
from backoffice.core.permissions import Permission
from backoffice.core.vocabulary import ORGANISATION_CATEGORY, ApplicationType, listed
from backoffice.extensions import db
from backoffice.organisations.types import ORGANISATION_TYPES


def _position_unused(form, field) -> None:
    """Two rules at one position would leave their order to chance: refuse the second."""
    if not fits_an_integer(field.data):
        return  # the form refuses it on its field (StaffForm)
    editing = getattr(form, "_obj", None)
    taken = db.session.scalar(select(ReviewRule).where(ReviewRule.position == field.data))
    if taken is not None and taken is not editing:
        raise ValidationError(f"Position {field.data} is already used by another rule "
                              f"({taken}); choose a free position.")


class ReviewRuleAdmin(StaffModelView):
    """Which publications with no application open a case (default: record only)."""

    permission = Permission.MANAGE_SETTINGS
    can_delete = True
    column_list = ("position", "org_type", "toolkit_version", "opens_case", "active",
                   "description")
    column_default_sort = "position"
    column_labels = {"org_type": ORGANISATION_CATEGORY, "opens_case": "Opens a case"}
    list_template = "cases/rules_list.html"  # explains the built-in default above the list
    form_columns = ("position", "org_type", "toolkit_version", "opens_case", "active",
                    "description")
    form_overrides = {"org_type": SelectField}
    form_args = {
        "position": {"description": "Lower positions are tried first; each is used once",
                     "validators": [DataRequired(), _position_unused]},
        "org_type": {"label": ORGANISATION_CATEGORY, "choices": [("", "any category")] + [
            (t, t) for t in ORGANISATION_TYPES], "validators": [Optional()]},
        "toolkit_version": {"description": "Leave empty for any version",
                            "validators": [Optional(), NumberRange(1, 99)]},
    }

    def render(self, template, **kwargs):
        """The list explains the built-in rule, naming the applications that always open a case."""
        return super().render(template, application_types=listed(ApplicationType), **kwargs)

    def on_model_change(self, form, model, is_created):
        model.org_type = model.org_type or None


def _a_version(_form, field) -> None:
    """1 to 99, checked before the uniqueness look-up (which a huge number would break)."""
    if field.data is None or not 1 <= field.data <= 99:
        raise StopValidation("Give a toolkit version from 1 to 99.")


class ToolkitVersionAdmin(StaffModelView):
    """The version calendar: which toolkit version serves which reporting year. A
    publication whose version and year disagree with it is accepted, and flagged."""

    permission = Permission.MANAGE_SETTINGS
    can_delete = True
    column_list = ("version", "reporting_year", "released_on")
    column_default_sort = ("version", True)
    column_labels = {"version": "Toolkit version", "released_on": "Release date"}
    column_descriptions = {"reporting_year": "A publication of this version for another "
                                             "reporting year is flagged on its case."}
    form_columns = ("version", "reporting_year", "released_on")
    form_args = {
        "version": {"label": "Toolkit version",
                    "validators": [DataRequired(), _a_version]},
        "reporting_year": {"description": "Like 2015/16",
                           "validators": [DataRequired(), Regexp(
                               r"^20\d\d/\d\d$", message="A reporting year looks like 2015/16")]},
        "released_on": {"label": "Release date", "validators": [Optional()]},
    }

    def on_model_change(self, form, model, is_created):
        start = int(model.reporting_year[:4])
        if (start + 1) % 100 != int(model.reporting_year[5:]):
            raise ValueError("A reporting year names two consecutive years, like 2015/16.")


def screens() -> list:
    """The cases' staff screens, as the staff area lists them."""
    return [ReviewRuleAdmin(ReviewRule, db, name="Review rules", endpoint="rule",
                            category="Administration"),
            ToolkitVersionAdmin(ToolkitVersion, db, name="Toolkit versions",
                                endpoint="toolkit_version", category="Administration")]
