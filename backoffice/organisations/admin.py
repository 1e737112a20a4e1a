"""The helpdesk's organisations register: search first, register, branches, administrators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask import request, url_for
from flask_admin.contrib.sqla.validators import Unique
from flask_admin.model.form import InlineFormAdmin
from sqlalchemy.orm import Session
from wtforms import SelectField, ValidationError
from wtforms.validators import DataRequired, Optional

from backoffice.core.admin_views import ReadOnlyUnless, StaffModelView, changes_need
from backoffice.core.audit import Actor, trail_for
from backoffice.core.errors import InvalidInput, ServiceError
from backoffice.core.inputs import fits_an_id
from backoffice.core.permissions import Permission
from backoffice.core.transactions import commit_once, commit_or_refusal, show_refusal
from backoffice.core.vocabulary import ORGANISATION_CATEGORY, ORGANISATION_CATEGORY_FIELD
from backoffice.extensions import db
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


class Resume(Protocol):
    def __call__(self, session: Session, *, actor: Actor, organisation: Organisation,
                 registered_from: int | None) -> int: ...


class Invitations(Protocol):
    """Log-in invitations of Organisation Administrators (the helpdesk's, above this package)."""

    choices: list[tuple[str, str]]
    default: str

    def send(self, session: Session, *, actor: Actor,
             administrators: list[OrganisationAdministrator], way: str) -> None: ...

    def state(self, session: Session, administrator: OrganisationAdministrator) -> str: ...


class CasesOf(Protocol):
    def __call__(self, session: Session, organisation_id: int, *,
                 open_only: bool = False) -> list: ...


PREFILLED = ("ods_code", "name", "org_type", "address", "postcode")
KEPT_BY_SEARCH = (*PREFILLED, "from_notification")
NO_TYPE = ("", "Choose a category")


def _prefilled(name: str, value: str) -> str:
    """A type the toolkit sent as an alias is the register's; one it can't map stays blank."""
    if name == "org_type":
        return canonical_type(value) or ""
    return value


def _details(form) -> services.OrganisationDetails:
    """What the register's form says, as the organisation services take it."""
    parent = form.parent.data
    return services.OrganisationDetails(
        ods_code=form.ods_code.data, name=form.name.data, org_type=form.org_type.data,
        postcode=form.postcode.data, address=form.address.data or "",
        parent_ods_code=parent.ods_code if parent is not None else None,
        administrators=_administrators(form))


def _administrators(form) -> list[services.AdministratorDetails]:
    """The administrator rows: a row with an id is one already registered; a ticked "delete"
    removes it."""
    rows = []
    for entry in form.administrators.entries:
        pk = entry.get_pk()
        rows.append(services.AdministratorDetails(
            name=entry.form.name.data or "", email=entry.form.email.data or "",
            phone=entry.form.phone.data or "", id=int(pk) if fits_an_id(pk or "") else None,
            remove=getattr(entry, "_should_delete", False)))
    return rows


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
    column_labels = {"ods_code": "ODS code", "org_type": ORGANISATION_CATEGORY}
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
        "org_type": {"label": ORGANISATION_CATEGORY_FIELD,
                     "choices": [NO_TYPE] + [(t, t) for t in ORGANISATION_TYPES],
                     "validators": [DataRequired("Choose the organisation's category")]},
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
        """Our ODS check links to the existing organisation; drop the generic one. With
        invitations wired, the form asks what new administrators are sent."""
        form = super().scaffold_form()
        validators = form.ods_code.kwargs["validators"]
        form.ods_code.kwargs["validators"] = [v for v in validators if not isinstance(v, Unique)]
        if self.invitations is not None:
            form.invitation = SelectField(
                "Send new Organisation Administrators", choices=self.invitations.choices,
                default=self.invitations.default, validators=[Optional()],
                description="SCCI0086 §4: log-in details in two e-mails, or the "
                            "instructions to register themselves")
        return form

    def create_form(self, obj=None):
        """Filled in from the notification when registering from the unmatched list."""
        form = super().create_form(obj)
        if request.method == "GET":
            for name in PREFILLED:
                if request.args.get(name):
                    getattr(form, name).data = _prefilled(name, request.args[name])
        return form

    def __init__(self, *args, on_registered: Resume | None = None,
                 cases_of: CasesOf | None = None, invitations: Invitations | None = None,
                 standing_of: Callable[[Session, int], list] | None = None, **kwargs):
        """``on_registered``: what a registration sets going (the notifications waiting for
        this ODS code are processed); ``cases_of``: an organisation's cases, for its page.
        Both are given by the screen that assembles the staff area, since the notifications
        and cases packages are above this one."""
        self.invitations = invitations  # before the form is scaffolded
        super().__init__(*args, **kwargs)
        self.on_registered = on_registered
        self.cases_of = cases_of or (lambda session, organisation_id, open_only=False: [])
        # its standing applications (cases.standing), for its page
        self.standing_of = standing_of

    def create_model(self, form):
        """Registered by the organisation services, then its waiting notifications resume."""
        details = _details(form)
        details.administrators = [row for row in details.administrators if not row.remove]

        def register():
            organisation = services.register_organisation(db.session, actor=self.actor(),
                                                          details=details)
            self._invite(form, list(organisation.administrators))
            return organisation

        organisation = self._saved(register)
        if organisation:
            self.after_model_change(form, organisation, True)
        if organisation and self.on_registered is not None:
            self._resume(organisation)
        return organisation

    def update_model(self, form, model) -> bool:
        """Edited through the organisation services; each change is audited."""
        details = _details(form)

        def update():
            services.update_organisation(db.session, actor=self.actor(), organisation=model,
                                         details=details)
            before = {administrator.id for administrator in model.administrators}
            services.update_administrators(db.session, actor=self.actor(), organisation=model,
                                           administrators=details.administrators)
            self._invite(form, [administrator for administrator in model.administrators
                                if administrator.id not in before])
            return model

        saved = self._saved(update)
        if saved:
            self.after_model_change(form, model, False)
        return bool(saved)

    def _invite(self, form, administrators: list[OrganisationAdministrator]) -> None:
        """New administrators get what the form chose, in the same transaction."""
        if self.invitations is None or not administrators or not hasattr(form, "invitation"):
            return
        self.invitations.send(db.session, actor=self.actor(), administrators=administrators,
                              way=form.invitation.data or "")

    @staticmethod
    def _saved(work):
        """Run a service and commit; a refusal is rolled back and shown on the form's page."""
        try:
            return commit_once(work)
        except ServiceError as error:
            show_refusal(error)
            return False

    def _resume(self, organisation: Organisation) -> None:
        """Registered: its waiting notifications, and the one it came from, are processed."""
        commit_or_refusal(  # refused e.g. when that notification was linked meanwhile
            lambda: self.on_registered(
                db.session, actor=self.actor(), organisation=organisation,
                registered_from=request.args.get("from_notification", type=int)),
            lambda waiting: waiting and self._processed(organisation, waiting))

    def _processed(self, organisation: Organisation, waiting: int) -> str:
        """What registering did with the notifications that waited: the cases it opened."""
        opened = [case.reference
                  for case in self.cases_of(db.session, organisation.id, open_only=True)]
        cases = (f"; case {', '.join(opened)} opened (listed below)" if opened
                 else "; no case was needed")
        return (f"{waiting} waiting notification(s) from {organisation.ods_code} "
                f"processed{cases}.")

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
            kwargs["cases"] = self.cases_of(db.session, model.id)
            kwargs["log_in"] = {administrator.id: self.invitations.state(db.session,
                                                                          administrator)
                                for administrator in model.administrators} \
                if self.invitations is not None else {}
            kwargs["standing"] = (self.standing_of(db.session, model.id)
                                  if self.standing_of else None)
        return super().render(template, **kwargs)


def _trail(organisation: Organisation):
    rows = trail_for(db.session, "organisations", organisation.id)
    for administrator in organisation.administrators:
        rows += trail_for(db.session, "organisation_administrators", administrator.id)
    return sorted(rows, key=lambda row: (row.occurred_at, row.id), reverse=True)


def screens(*, on_registered: Resume | None = None, cases_of: CasesOf | None = None,
            invitations: Invitations | None = None,
            standing_of: Callable[[Session, int], list] | None = None) -> list:
    """The organisations register; ``on_registered``: what a registration sets going;
    ``cases_of``: an organisation's cases, ``standing_of``: its standing applications,
    listed on its page; ``invitations``: the log-in invitations of its administrators."""
    return [OrganisationAdmin(Organisation, db, name="Organisations", endpoint="organisation",
                              category="Helpdesk", on_registered=on_registered,
                              cases_of=cases_of, invitations=invitations,
                              standing_of=standing_of)]

