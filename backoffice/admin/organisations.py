"""The helpdesk's organisations register: search first, register, branches, administrators."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_admin.contrib.sqla.validators import Unique
from flask_admin.model.form import InlineFormAdmin
from wtforms import SelectField, ValidationError
from wtforms.validators import DataRequired, Email

from backoffice.admin.base import StaffModelView
from backoffice.core.audit import trail_for
from backoffice.core.errors import InvalidInput
from backoffice.core.permissions import Permission
from backoffice.extensions import db
from backoffice.notifications import handling
from backoffice.organisations import services
from backoffice.organisations.models import Organisation, OrganisationAdministrator
from backoffice.organisations.types import ORGANISATION_TYPES


def _normalised_by(normalise):
    """A WTForms validator that stores the service's normal form or shows its error."""

    def validate(form, field):
        try:
            field.data = normalise(field.data)
        except InvalidInput as error:
            raise ValidationError(error.message) from error

    return validate


def unique_ods_code(form, field):
    own = getattr(form, "_obj", None)
    existing = services.find_by_ods(db.session, field.data)
    if existing is not None and (own is None or existing.id != own.id):
        url = url_for("organisation.details_view", id=existing.id)
        raise ValidationError(services.duplicate_link(existing, url))


PREFILLED = ("ods_code", "name", "org_type", "postcode")


class AdministratorInline(InlineFormAdmin):
    form_columns = ("id", "name", "email", "phone")
    form_args = {"name": {"validators": [DataRequired()]},
                 "email": {"validators": [DataRequired(), Email()]}}


class OrganisationAdmin(StaffModelView):
    permission = Permission.MANAGE_ORGANISATIONS
    create_template = "organisations/create.html"
    details_template = "organisations/details.html"
    column_list = ("ods_code", "name", "org_type", "postcode", "parent")
    column_labels = {"ods_code": "ODS code", "org_type": "Type"}
    column_searchable_list = ("ods_code", "name", "postcode")
    column_filters = ("org_type",)
    column_default_sort = "name"
    column_details_list = ("ods_code", "name", "org_type", "address", "postcode", "parent",
                           "created_at", "updated_at")
    form_columns = ("ods_code", "name", "org_type", "address", "postcode", "parent",
                    "administrators")
    form_overrides = {"org_type": SelectField}
    form_args = {
        "ods_code": {"label": "ODS code", "validators": [
            DataRequired(), _normalised_by(services.normalise_ods_code), unique_ods_code]},
        "name": {"validators": [DataRequired()]},
        "org_type": {"label": "Type (toolkit view)",
                     "choices": [(t, t) for t in ORGANISATION_TYPES]},
        "postcode": {"validators": [DataRequired(),
                                    _normalised_by(services.normalise_postcode)]},
        "administrators": {"label": "Organisation Administrator"},
        "parent": {"description": "e.g. the pharmacy head office of a branch, or the host "
                                  "organisation of a team"},
    }
    form_ajax_refs = {"parent": {"fields": ("ods_code", "name"), "page_size": 10}}
    inline_models = (AdministratorInline(OrganisationAdministrator),)

    def scaffold_form(self):
        """Our ODS check links to the existing organisation; drop the generic one."""
        form = super().scaffold_form()
        validators = form.ods_code.kwargs["validators"]
        form.ods_code.kwargs["validators"] = [v for v in validators if not isinstance(v, Unique)]
        return form

    def create_form(self, obj=None):
        """Filled in from the notification when registering from the unmatched list."""
        form = super().create_form(obj)
        if request.method == "GET":
            for name in PREFILLED:
                if request.args.get(name):
                    getattr(form, name).data = request.args[name]
        return form

    def create_model(self, form):
        organisation = super().create_model(form)
        if organisation:
            waiting = handling.resume_for(db.session, actor=self.actor(),
                                          organisation=organisation)
            db.session.commit()
            if waiting:
                flash(f"{waiting} waiting notification(s) from {organisation.ods_code} "
                      "processed.", "success")
        return organisation

    def render(self, template, **kwargs):
        if template == self.create_template:
            query = request.args.get("q", "")
            kwargs.update(search=query,
                          matches=services.search_organisations(db.session, query))
        if template == self.details_template:
            model = kwargs["model"]
            kwargs["trail"] = _trail(model)
        return super().render(template, **kwargs)


def _trail(organisation: Organisation):
    rows = trail_for(db.session, "organisations", organisation.id)
    for administrator in organisation.administrators:
        rows += trail_for(db.session, "organisation_administrators", administrator.id)
    return sorted(rows, key=lambda row: (row.occurred_at, row.id), reverse=True)
