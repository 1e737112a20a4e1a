"""Base Flask-Admin views: access from the permission table, CSRF on every form."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto

from backoffice.core.audit import Actor
from backoffice.core.inputs import fits_an_id
from backoffice.core.permissions import Permission, user_may

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
    def actor() -> Actor:
        return Actor.of(current_user)


class StaffModelView(GuardedView, ModelView):
    form_base_class = StaffForm
    page_size = PAGE_SIZE
    can_view_details = True
    can_export = False
    can_delete = False
    create_modal = False
    edit_modal = False

    def get_one(self, id):
        """None (Flask-Admin says the record does not exist) for an id no row can have."""
        return super().get_one(id) if fits_an_id(id) else None


class StaffView(GuardedView, BaseView):
    pass


class HomeView(GuardedView, AdminIndexView):
    permission = Permission.STAFF_AREA

    @expose("/")
    def index(self):
        return self.render("admin/home.html")
