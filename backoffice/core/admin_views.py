"""Base Flask-Admin views: access from the permission table, CSRF on every form."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, flash, g, redirect, request, session, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.model import typefmt
from flask_admin.model.filters import BaseIntFilter, BaseIntListFilter
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import IntegerField

from backoffice.core.audit import Actor
from backoffice.core.display import NOTHING, when, yes_no
from backoffice.core.inputs import MAX_ID, fits_an_id, fits_an_integer
from backoffice.core.permissions import Permission, user_may

PAGE_SIZE = 50


class StaffForm(FlaskForm):
    """Flask-WTF's CSRF, plus the edited object Flask-Admin's validators look for."""

    def __init__(self, formdata=_Auto, obj=None, **kwargs):
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        """Whole numbers beyond what the database holds are refused on their field."""
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field, IntegerField) and field.data is not None \
                    and not fits_an_integer(field.data):
                field.errors = [*field.errors, f"Give a whole number up to {MAX_ID}."]
                valid = False
        return valid


class _IdCheckingLoader:
    """A Flask-AJAX field's loader that finds no record for a value no id can have
    (``²``, a number past the column's range) instead of sending it to the database."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def get_one(self, pk):
        return self._loader.get_one(pk) if fits_an_id(pk) else None


def _filter_value_fits(flt, value) -> bool:
    """Flask-Admin's number filters accept what ``int()`` does; the database does not."""
    if isinstance(flt, BaseIntListFilter):
        return all(fits_an_integer(part) for part in str(value).split(",") if part.strip())
    return not isinstance(flt, BaseIntFilter) or fits_an_integer(value)


class GuardedView:
    """Mixin: a view is reachable and listed in the menu only for roles its permission allows."""

    permission: str = Permission.STAFF_AREA
    endpoint_permissions: dict[str, str] = {}  # stricter rules for some of the view's pages

    def is_accessible(self) -> bool:
        return user_may(current_user, self.permission)

    def _handle_view(self, name, **kwargs):
        rule = self.endpoint_permissions.get(name)
        if rule is not None and not user_may(current_user, rule):
            return self.inaccessible_callback(name, **kwargs)
        return super()._handle_view(name, **kwargs)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("users.login", next=request.full_path))
        abort(403)

    @staticmethod
    def may(rule: str) -> bool:
        """Whether the signed-in user passes ``rule`` (for what a page offers)."""
        return user_may(current_user, rule)

    @staticmethod
    def actor() -> Actor:
        return Actor.of(current_user)


SHOUTED = {"id": "ID", "ods": "ODS", "api": "API", "sha256": "SHA-256", "url": "URL"}
FRAMEWORK_PHRASES = {
    "Record was successfully created.": "{name} created.",
    "Record was successfully saved.": "{name} saved.",
}

# Every list and detail page shows dates one way and booleans with words for screen readers.
TYPE_FORMATTERS = dict(typefmt.BASE_FORMATTERS) | {
    type(None): lambda view, value, name=None: NOTHING,
    bool: lambda view, value, name=None: yes_no(value),
    datetime: lambda view, value, name=None: when(value),
    date: lambda view, value, name=None: when(value),
}


class StaffModelView(GuardedView, ModelView):
    form_base_class = StaffForm
    list_template = "admin/model/staff_list.html"
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    page_size = PAGE_SIZE
    can_view_details = True
    can_export = False
    can_delete = False
    create_modal = False
    edit_modal = False

    def _prettify_name(self, name: str) -> str:
        """Column and field names in sentence case ("Received at", "Notification ID"), not
        Flask-Admin's Title Case."""
        text = " ".join(SHOUTED.get(word, word)
                        for word in name.replace(".", " ").replace("_", " ").split())
        return text[:1].upper() + text[1:]

    def get_empty_list_message(self) -> str:
        name = self.name if self.name[:2].isupper() else self.name[:1].lower() + self.name[1:]
        return f"No {name} here yet."

    @property
    def record_noun(self) -> str:
        """What one row is called ("Organisations" → "Organisation")."""
        name = self.name
        return name[:-2] if name.endswith("sses") else name.removesuffix("s")

    def after_model_change(self, form, model, is_created) -> None:
        super().after_model_change(form, model, is_created)
        g.saved_record = str(model)

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        return self._reworded(super().create_view())

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        return self._reworded(super().edit_view())

    def _reworded(self, response):
        """Flask-Admin's own phrases ("Record was successfully created.") in the product's words."""
        flashes = session.get("_flashes")
        if flashes:
            saved = g.get("saved_record")
            name = f"{self.record_noun} {saved}" if saved else self.record_noun
            session["_flashes"] = [
                (category, FRAMEWORK_PHRASES[message].format(name=name)
                 if message in FRAMEWORK_PHRASES else message)
                for category, message in flashes]
        return response

    def get_one(self, id):
        """None (Flask-Admin says the record does not exist) for an id no row can have."""
        return super().get_one(id) if fits_an_id(id) else None

    def _get_list_extra_args(self):
        """A page number below the first or past any the database can count is clamped."""
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_ID)
        return args

    def _get_list_filter_args(self):
        found = super()._get_list_filter_args()
        if not found:
            return found
        fitting = [item for item in found if _filter_value_fits(self._filters[item[0]], item[2])]
        if len(fitting) < len(found):
            flash(f"A number filter was left out: give a whole number up to {MAX_ID}.", "error")
        return fitting

    def _create_ajax_loader(self, name, options):
        return _IdCheckingLoader(super()._create_ajax_loader(name, options))

    def handle_action(self, return_view=None):
        """Bulk actions take record ids; anything else selects nothing."""
        if not all(fits_an_id(rowid) for rowid in request.form.getlist("rowid")):
            flash("Nothing was done: the selection holds something that is not a record.",
                  "error")
            return redirect(self.get_url(".index_view"))
        return super().handle_action(return_view)

    @action("delete", "Delete", "Are you sure you want to delete the selected records?")
    def action_delete(self, ids):
        """Flask-Admin's, with the ids as numbers (PostgreSQL compares no integer to text)."""
        return super().action_delete([int(i) for i in ids])


def changes_need(permission: str) -> dict[str, str]:
    """The pages of a model view that change rows, each needing ``permission``."""
    return dict.fromkeys(("create_view", "edit_view", "delete_view", "action_view",
                          "ajax_lookup", "ajax_update"), permission)


class ReadOnlyUnless:
    """Mixin: a model view everyone with its ``permission`` reads, and only those with
    ``change_permission`` changes (create, edit, actions)."""

    change_permission: str

    @property
    def can_create(self) -> bool:
        return self.may(self.change_permission) and self.creates

    @property
    def can_edit(self) -> bool:
        return self.may(self.change_permission) and self.edits

    creates = True
    edits = True

    def get_actions_list(self):
        if not self.may(self.change_permission):
            return [], {}
        return super().get_actions_list()


class StaffView(GuardedView, BaseView):
    pass


class HomeView(GuardedView, AdminIndexView):
    """The staff home page: what waits for the signed-in user. The assembler hands in
    ``home_for(session, user, today)`` (the dashboard's), which core may not import."""

    permission = Permission.STAFF_AREA

    def __init__(self, *args, home_for=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._home_for = home_for

    @expose("/")
    def index(self):
        from backoffice.extensions import db

        today = date.today()
        home = self._home_for(db.session, current_user, today) if self._home_for else None
        return self.render("admin/home.html", today=today, home=home)
