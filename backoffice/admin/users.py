"""User management for admins: create, change role, deactivate; never delete."""

from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from wtforms import PasswordField, SelectField
from wtforms.validators import Optional

from backoffice.admin.base import StaffModelView
from backoffice.core.errors import ServiceError
from backoffice.core.permissions import ApprovalGroup, Permission, Role
from backoffice.extensions import db
from backoffice.users import services
from backoffice.users.models import User

ROLE_CHOICES = [(r.value, r.label) for r in Role]
GROUP_CHOICES = [("", "—")] + [(g.value, g.value) for g in ApprovalGroup]


class UserAdmin(StaffModelView):
    permission = Permission.MANAGE_USERS
    column_list = ("email", "name", "role", "approval_group", "active", "last_login_at")
    column_searchable_list = ("email", "name")
    column_filters = ("role", "approval_group", "active")
    column_default_sort = "email"
    column_labels = {"role": "Role", "last_login_at": "Last login"}
    column_formatters = {"role": lambda v, c, user, p: user.role_label}
    column_formatters_detail = column_formatters
    column_choices = {"role": ROLE_CHOICES}
    column_details_exclude_list = ("password_hash",)
    form_columns = ("email", "name", "role", "approval_group", "active", "new_password")
    form_overrides = {"role": SelectField, "approval_group": SelectField}
    form_args = {"role": {"choices": ROLE_CHOICES},
                 "approval_group": {"choices": GROUP_CHOICES, "validators": [Optional()]}}
    form_extra_fields = {"new_password": PasswordField(
        "New password", description="Leave empty to keep it (or to generate one for a new user)")}

    def validate_form(self, form) -> bool:
        """Every field's problem at once: the account rules are checked one by one before the
        service runs, so a wrong e-mail does not hide a missing group."""
        valid = super().validate_form(form)
        if not hasattr(form, "new_password"):  # the delete and action forms
            return valid
        own_id = form._obj.id if getattr(form, "_obj", None) is not None else None
        problems = 0
        for check in _account_checks(form, own_id):
            try:
                check()
            except ServiceError as error:
                _field_error(form, error)
                problems += 1
        return valid and not problems

    def create_model(self, form):
        password = form.new_password.data or None
        try:
            user = services.create_user(
                db.session, actor=self.actor(), email=form.email.data, role=form.role.data,
                group=form.approval_group.data or None, name=form.name.data or "",
                password=password)
            if password is None:
                generated = services.generate_password()
                services.set_password(db.session, actor=self.actor(), user=user,
                                      password=generated)
                flash(f"Password for {user.email}: {generated} — pass it on securely; "
                      "it is not shown again.", "success")
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
            return False
        return user

    def update_model(self, form, model):
        try:
            services.update_user(
                db.session, actor=self.actor(), user=model, email=form.email.data,
                role=form.role.data, group=form.approval_group.data or None,
                name=form.name.data or "", active=form.active.data,
                password=form.new_password.data or None)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            _field_error(form, error)
            return False
        return True

    @action("deactivate", "Deactivate", "Deactivate the selected users? They can no longer log in.")
    def action_deactivate(self, ids):
        deactivated = 0
        for user_id in ids:
            user = services.get_user(db.session, int(user_id))
            try:
                services.deactivate_user(db.session, actor=self.actor(), user=user)
                deactivated += 1
            except ServiceError as error:
                flash(f"{user.email} was left active: {error.message}", "error")
        db.session.commit()
        if deactivated:
            flash(f"{deactivated} user(s) deactivated.", "success")


def _account_checks(form, own_id: int | None):
    """The account rules that do not depend on each other, one callable each."""
    email = (form.email.data or "").strip()

    def email_usable() -> None:
        services.ensure_email_free(db.session, services.normalise_email(email), own_id=own_id)

    checks = [email_usable,
              lambda: services.check_role(form.role.data or "", form.approval_group.data or None)]
    if form.new_password.data:
        checks.append(lambda: services.check_password(form.new_password.data))
    return checks


def _field_error(form, error: ServiceError) -> None:
    field = {"group": "approval_group", "password": "new_password"}.get(error.field, error.field)
    target = getattr(form, field or "", None)
    if target is not None:
        if error.message not in target.errors:
            target.errors = [*target.errors, error.message]
    else:
        flash(error.message, "error")


__all__ = ["UserAdmin", "User"]
