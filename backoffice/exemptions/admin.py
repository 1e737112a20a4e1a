"""Exemption requests and decisions, for the helpdesk."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from markupsafe import Markup
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, NumberRange

from backoffice.core.admin_views import ReadOnlyUnless, StaffModelView, changes_need
from backoffice.core.audit import trail_for
from backoffice.core.errors import ServiceError
from backoffice.core.permissions import Permission
from backoffice.core.requirements import requirement_title, short_title
from backoffice.core.transactions import commit_once, show_refusal
from backoffice.exemptions import services
from backoffice.exemptions.forms import DecisionForm
from backoffice.exemptions.models import Exemption
from backoffice.extensions import db

LIST_TITLE = 60


def _requirement(requirement_id: str, version: int | None = None) -> Markup:
    """The id and the title (as that toolkit version states it) cut at a word, the whole
    title in a tooltip."""
    title = requirement_title(requirement_id, version)
    return Markup('{} – <span title="{}">{}</span>').format(
        requirement_id, title, short_title(title, LIST_TITLE))


class ExemptionAdmin(ReadOnlyUnless, StaffModelView):
    permission = Permission.VIEW_EXEMPTIONS  # reviewers read; the helpdesk decides
    change_permission = Permission.MANAGE_EXEMPTIONS
    endpoint_permissions = {**changes_need(Permission.MANAGE_EXEMPTIONS),
                            "decide_view": Permission.MANAGE_EXEMPTIONS}
    edits = False
    details_template = "exemptions/details.html"
    column_list = ("organisation", "toolkit_version", "requirement_id", "status", "reason",
                   "decision_reason", "decided_by", "decided_at")
    column_labels = {"requirement_id": "Requirement", "toolkit_version": "Version",
                     "reason": "Why requested", "decision_reason": "Why decided"}
    column_filters = ("status", "toolkit_version", "requirement_id", "organisation.ods_code")
    column_searchable_list = ("requirement_id", "organisation.ods_code", "organisation.name")
    column_default_sort = ("created_at", True)
    column_formatters = {"requirement_id": lambda v, c, m, p: _requirement(m.requirement_id,
                                                                           m.toolkit_version)}
    form_columns = ("organisation", "toolkit_version", "requirement_id", "reason")
    form_overrides = {"toolkit_version": IntegerField, "reason": TextAreaField}
    form_args = {
        "organisation": {"validators": [DataRequired()]},
        "toolkit_version": {"label": "Toolkit version", "validators": [
            DataRequired(), NumberRange(services.MIN_TOOLKIT_VERSION,
                                        services.MAX_TOOLKIT_VERSION)]},
        "requirement_id": {"label": "Requirement", "description": "e.g. 321 where records are "
                           "on paper only, 304 where no Smartcards are used"},
        "reason": {"validators": [DataRequired()]},
    }
    form_ajax_refs = {"organisation": {"fields": ("ods_code", "name"), "page_size": 10,
                                      "placeholder": "Type an ODS code or a name"}}

    def create_model(self, form):
        try:
            return commit_once(lambda: services.request_exemption(
                db.session, actor=self.actor(), organisation=form.organisation.data,
                toolkit_version=form.toolkit_version.data,
                requirement_id=form.requirement_id.data or "", reason=form.reason.data or ""))
        except ServiceError as error:
            show_refusal(error, form)
            return False

    def render(self, template, **kwargs):
        if template == self.details_template:
            model = kwargs["model"]
            kwargs.update(decision_form=DecisionForm() if self.may(self.change_permission)
                          else None,
                          trail=trail_for(db.session, "exemptions", model.id),
                          title=requirement_title(model.requirement_id,
                                                  model.toolkit_version))
        return super().render(template, **kwargs)

    @expose("/decide/<int:exemption_id>", methods=["POST"])
    def decide_view(self, exemption_id: int):
        exemption = services.get_exemption(db.session, exemption_id)
        form = DecisionForm()
        details = url_for(".details_view", id=exemption.id)
        if not form.validate_on_submit():
            flash("Choose approve or reject and give the reason.", "error")
            return redirect(details)
        decide = (services.approve_exemption if form.decision.data == "approve"
                  else services.reject_exemption)
        commit_once(lambda: decide(db.session, actor=self.actor(), exemption=exemption,
                                   reason=form.decision_reason.data))
        flash(f"Exemption {exemption.status}.", "success")
        return redirect(request.args.get("url") or details)


def screens() -> list:
    """The exemptions' staff screens, as the staff area lists them."""
    return [ExemptionAdmin(Exemption, db, name="Exemptions", endpoint="exemption",
                           category="Helpdesk")]
