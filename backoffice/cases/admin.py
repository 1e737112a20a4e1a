"""The review rules: which publications with no application open a case."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectField, TextAreaField
from wtforms.validators import (
    DataRequired,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from backoffice.cases import standing
from backoffice.cases.calendar import ToolkitVersion
from backoffice.cases.models import ReviewRule
from backoffice.cases.standing import StandingApplication, StandingLapse
from backoffice.core.admin_views import ReadOnlyUnless, StaffModelView, changes_need
from backoffice.core.audit import trail_for
from backoffice.core.display import day
from backoffice.core.inputs import fits_an_integer
from backoffice.core.permissions import Permission
from backoffice.core.transactions import commit_or_refusal
from backoffice.core.vocabulary import (
    APPROVAL_GROUP_OF,
    ORGANISATION_CATEGORY,
    ApplicationType,
    ApprovalGroup,
    application_label,
    listed,
)
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


# Standing applications --------------------------------------------------------------------


class HoldingFilter(BaseSQLAFilter):
    """Held (not ended), lapsed (held, a lapse not cleared) or ended."""

    def __init__(self):
        super().__init__(StandingApplication.id, "Standing", options=(
            ("held", "Held"), ("lapsed", "Lapsed"), ("ended", "Ended")))

    def apply(self, query, value, alias=None):
        open_lapse = exists(select(StandingLapse.id).where(
            StandingLapse.standing_application_id == StandingApplication.id,
            StandingLapse.cleared_at.is_(None)))
        return query.filter({"held": StandingApplication.ended_at.is_(None),
                             "lapsed": StandingApplication.ended_at.is_(None) & open_lapse,
                             "ended": StandingApplication.ended_at.is_not(None)}
                            .get(value, StandingApplication.id.is_(None)))

    def operation(self) -> str:
        return "is"


class GroupFilter(BaseSQLAFilter):
    """The applications whose approval group is this one (by the vocabulary's types)."""

    def __init__(self):
        super().__init__(StandingApplication.application_type, "Approval group",
                         options=[(group.value, group.value) for group in ApprovalGroup])

    def apply(self, query, value, alias=None):
        types = [kind.value for kind, group in APPROVAL_GROUP_OF.items() if group == value]
        return query.filter(StandingApplication.application_type.in_(types))

    def operation(self) -> str:
        return "equals"


def _standing_state(view, context, model, name) -> Markup:
    if model.ended_at is not None:
        return Markup("Ended {}").format(day(model.ended_at))
    lapse = model.open_lapse
    if lapse is not None:
        return Markup('<span class="text-danger font-weight-bold">Lapsed: not published for '
                      "{}</span>").format(lapse.reporting_year)
    return Markup("Held")


def _organisation_link(view, context, model, name) -> Markup:
    return Markup('<a href="{}">{}</a> <small class="text-muted">{}</small>').format(
        url_for("organisation.details_view", id=model.organisation_id),
        model.organisation.name, model.organisation.ods_code)


def _case_link(view, context, model, name) -> Markup:
    return Markup('<a href="{}">{}</a>').format(
        url_for("case.review_view", case_id=model.case_id), model.case.reference)


class EndForm(FlaskForm):
    reason = TextAreaField("Why it has ended", validators=[DataRequired(
        message="Say why the application has ended.")])


class StandingApplicationAdmin(ReadOnlyUnless, StaffModelView):
    """Who holds an N3 (IGSoC), S251, DARS or PCMD application, and so must publish each
    year; the helpdesk or an admin marks one ended, saying why."""

    permission = Permission.VIEW_ORGANISATIONS
    change_permission = Permission.MANAGE_ORGANISATIONS
    endpoint_permissions = {**changes_need(Permission.MANAGE_ORGANISATIONS),
                            "end_view": Permission.MANAGE_ORGANISATIONS}
    creates = edits = False
    can_view_details = True
    details_template = "cases/standing_details.html"
    column_list = ("organisation", "application_type", "reference", "approval_group",
                   "held_since", "state", "case")
    column_details_list = ("organisation", "application_type", "reference", "approval_group",
                           "held_since", "state", "case", "ended_at", "ended_by", "end_reason")
    column_labels = {"application_type": "Application", "state": "Standing",
                     "case": "Latest case", "ended_by": "Ended by", "end_reason": "Why ended"}
    column_formatters = {"state": _standing_state, "organisation": _organisation_link,
                         "case": _case_link, "held_since": lambda v, c, m, p: day(m.held_since),
                         "application_type": lambda v, c, m, p: application_label(
                             m.application_type)}
    column_formatters_detail = column_formatters
    column_filters = (HoldingFilter(), GroupFilter(),
                      FilterEqual(StandingApplication.application_type, "Application type",
                                  options=[(k.value, application_label(k.value))
                                           for k in ApplicationType]),
                      "organisation.org_type")
    column_searchable_list = ("reference", "organisation.ods_code", "organisation.name")
    column_sortable_list = ("application_type", "reference", "held_since")
    column_default_sort = ("held_since", True)

    def search_placeholder(self) -> str:
        return "Reference, ODS code or organisation name"

    def get_query(self):
        return super().get_query().options(joinedload(StandingApplication.organisation),
                                           joinedload(StandingApplication.case),
                                           selectinload(StandingApplication.lapses))

    def render(self, template, **kwargs):
        if template == self.details_template:
            model = kwargs["model"]
            kwargs.update(end_form=EndForm() if self.may(self.change_permission) else None,
                          trail=trail_for(db.session, "standing_applications", model.id))
        return super().render(template, **kwargs)

    @expose("/end/<int:standing_id>", methods=["POST"])
    def end_view(self, standing_id: int):
        form = EndForm()
        details = url_for(".details_view", id=standing_id)
        if not form.validate_on_submit():
            flash("Say why the application has ended.", "error")
            return redirect(details)
        commit_or_refusal(lambda: standing.end(db.session, actor=self.actor(),
                                               standing_id=standing_id,
                                               reason=form.reason.data),
                          lambda ended: f"{ended} of {ended.organisation.name} marked ended.")
        return redirect(details)


def screens() -> list:
    """The cases' staff screens, as the staff area lists them."""
    return [StandingApplicationAdmin(StandingApplication, db, name="Standing applications",
                                     endpoint="standing", category="Helpdesk"),
            ReviewRuleAdmin(ReviewRule, db, name="Review rules", endpoint="rule",
                            category="Administration"),
            ToolkitVersionAdmin(ToolkitVersion, db, name="Toolkit versions",
                                endpoint="toolkit_version", category="Administration")]
