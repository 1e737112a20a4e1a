"""The helpdesk's organisations register: search first, register, branches, administrators."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_admin.contrib.sqla.validators import Unique
from flask_admin.model.form import InlineFormAdmin
from wtforms import SelectField, ValidationError
from wtforms.validators import DataRequired

from backoffice.admin.base import ReadOnlyUnless, StaffModelView, changes_need
from backoffice.cases.services import cases_of
from backoffice.core.audit import trail_for
from backoffice.core.errors import InvalidInput, ServiceError
from backoffice.core.permissions import Permission
from backoffice.extensions import db
from backoffice.notifications import handling
from backoffice.organisations import services
from backoffice.organisations.models import Organisation, OrganisationAdministrator
from backoffice.organisations.types import ORGANISATION_TYPES, canonical_type
from backoffice.users.services import normalise_email


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


def parent_without_loop(form, field):
    own = getattr(form, "_obj", None)
    if own is not None:
        try:
            services.check_parent(own, field.data)
        except InvalidInput as error:
            raise ValidationError(error.message) from error


PREFILLED = ("ods_code", "name", "org_type", "postcode")
KEPT_BY_SEARCH = (*PREFILLED, "from_notification")
NO_TYPE = ("", "Choose a type")


def _prefilled(name: str, value: str) -> str:
    """A type the toolkit sent as an alias is the register's; one it can't map stays blank."""
    if name == "org_type":
        return canonical_type(value) or ""
    return value


class AdministratorInline(InlineFormAdmin):
    form_columns = ("id", "name", "email", "phone")
    form_args = {
        "name": {"validators": [DataRequired(),
                                _normalised_by(services.check_administrator_name)]},
        "email": {"validators": [DataRequired(), _normalised_by(normalise_email)]},
    }


class OrganisationAdmin(ReadOnlyUnless, StaffModelView):
    permission = Permission.VIEW_ORGANISATIONS  # reviewers read; the helpdesk registers
    change_permission = Permission.MANAGE_ORGANISATIONS
    endpoint_permissions = changes_need(Permission.MANAGE_ORGANISATIONS)
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
        "name": {"validators": [DataRequired(), _normalised_by(services.check_name)]},
        "org_type": {"label": "Type (toolkit view)",
                     "choices": [NO_TYPE] + [(t, t) for t in ORGANISATION_TYPES],
                     "validators": [DataRequired("Choose the organisation's type")]},
        "postcode": {"validators": [DataRequired(),
                                    _normalised_by(services.normalise_postcode)]},
        "administrators": {"label": "Organisation Administrator"},
        "parent": {"description": "e.g. the pharmacy head office of a branch, or the host "
                                  "organisation of a team",
                   "validators": [parent_without_loop]},
    }
    form_ajax_refs = {"parent": {"fields": ("ods_code", "name"), "page_size": 10,
                                "placeholder": "Type an ODS code or a name"}}
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
                    getattr(form, name).data = _prefilled(name, request.args[name])
        return form

    def create_model(self, form):
        organisation = super().create_model(form)
        if organisation:
            self._resume(organisation)
        return organisation

    def _resume(self, organisation: Organisation) -> None:
        """Registered: its waiting notifications, and the one it came from, are processed."""
        try:
            waiting = handling.resume_for(
                db.session, actor=self.actor(), organisation=organisation,
                registered_from=request.args.get("from_notification", type=int))
        except ServiceError as error:  # e.g. that notification was linked meanwhile
            db.session.rollback()
            flash(error.message, "error")
            return
        db.session.commit()
        if waiting:
            opened = [case.reference for case in cases_of(db.session, organisation.id,
                                                           open_only=True)]
            cases = (f"; case {', '.join(opened)} opened (listed below)" if opened
                     else "; no case was needed")
            flash(f"{waiting} waiting notification(s) from {organisation.ods_code} "
                  f"processed{cases}.", "success")

    def get_save_return_url(self, model, is_created=False):
        """Registered from an unmatched notification: show the organisation and the case it
        opened, not the list."""
        if is_created and request.args.get("from_notification"):
            return self.get_url(".details_view", id=model.id)
        return super().get_save_return_url(model, is_created)

    def render(self, template, **kwargs):
        if template == self.create_template:
            query = request.args.get("q", "")
            kept = {name: request.args[name] for name in KEPT_BY_SEARCH
                    if request.args.get(name)}
            kwargs.update(search=query, kept=kept,
                          matches=services.search_organisations(db.session, query))
        if template == self.details_template:
            model = kwargs["model"]
            kwargs["trail"] = _trail(model)
            kwargs["cases"] = cases_of(db.session, model.id)
        return super().render(template, **kwargs)


def _trail(organisation: Organisation):
    rows = trail_for(db.session, "organisations", organisation.id)
    for administrator in organisation.administrators:
        rows += trail_for(db.session, "organisation_administrators", administrator.id)
    return sorted(rows, key=lambda row: (row.occurred_at, row.id), reverse=True)
