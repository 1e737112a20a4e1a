"""Base Flask-Admin views: access from the permission table, CSRF on every form."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, flash, g, redirect, request, session, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.model import typefmt
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto

from backoffice.core.audit import Actor
from backoffice.core.display import NOTHING, when, yes_no
from backoffice.core.errors import ServiceError
from backoffice.core.inputs import fits_an_id
from backoffice.core.permissions import Permission, user_may
from backoffice.dashboard.home import home_for
from backoffice.extensions import db

PAGE_SIZE = 50


class StaffForm(FlaskForm):
    """Flask-WTF's CSRF, plus the edited object Flask-Admin's validators look for."""

    def __init__(self, formdata=_Auto, obj=None, **kwargs):
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, **kwargs)


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
    permission = Permission.STAFF_AREA

    @expose("/")
    def index(self):
        return self.render("admin/home.html", today=date.today(),
                           home=home_for(db.session, current_user, date.today()))


def commit_and_tell(work, done: str) -> bool:
    """Call a service and commit; flash what happened — or, rolled back, the rule that refused."""
    return commit_or_refusal(work, done) is None


def commit_or_refusal(work, done: str) -> ServiceError | None:
    """As ``commit_and_tell``, handing back the refusal (None when done) for the page to show
    again with what was entered."""
    try:
        work()
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return error
    flash(done, "success")
    return None
