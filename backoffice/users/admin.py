"""User management for admins: create, change role, deactivate; never delete."""

from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from flask_login import current_user, login_user
from wtforms import PasswordField, SelectField
from wtforms.validators import Optional

from backoffice.core.admin_views import StaffModelView
from backoffice.core.errors import ServiceError
from backoffice.core.permissions import Permission, Role
from backoffice.core.transactions import commit_once
from backoffice.core.vocabulary import ApprovalGroup
from backoffice.extensions import db
from backoffice.users import services, twofactor
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
    column_details_exclude_list = ("password_hash", "totp_secret", "totp_last_step")
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

        def create():
            user = services.create_user(
                db.session, actor=self.actor(), email=form.email.data, role=form.role.data,
                group=form.approval_group.data or None, name=form.name.data or "",
                password=password)
            generated = None
            if password is None:
                generated = services.generate_password()
                services.set_password(db.session, actor=self.actor(), user=user,
                                      password=generated)
            return user, generated

        try:
            user, generated = commit_once(create)
        except ServiceError as error:
            _field_error(form, error)
            return False
        if generated:
            flash(f"Password for {user.email}: {generated} — pass it on securely; "
                  "it is not shown again.", "success")
        return user

    def update_model(self, form, model):
        try:
            commit_once(lambda: services.update_user(
                db.session, actor=self.actor(), user=model, email=form.email.data,
                role=form.role.data, group=form.approval_group.data or None,
                name=form.name.data or "", active=form.active.data,
                password=form.new_password.data or None))
        except ServiceError as error:
            _field_error(form, error)
            return False
        if model.id == current_user.id:  # their other sessions ended; this one goes on
            login_user(model)
        return True

    @action("deactivate", "Deactivate", "Deactivate the selected users? They can no longer log in.")
    def action_deactivate(self, ids):
        deactivated = commit_once(lambda: sum(self._deactivate(int(user_id)) for user_id in ids))
        if deactivated:
            flash(f"{deactivated} user(s) deactivated.", "success")

    def _deactivate(self, user_id: int) -> bool:
        """One of the selected users; a refusal is shown and the others are still deactivated."""
        user = services.get_user(db.session, user_id)
        try:
            services.deactivate_user(db.session, actor=self.actor(), user=user)
        except ServiceError as error:
            flash(f"{user.email} was left active: {error.message}", "error")
            return False
        return True
    @action("reset_two_factor", "Reset two-factor log-in",
            "Reset two-factor log-in for the selected users? They set it up again at their next "
            "log-in, and their sessions end.")
    def action_reset_two_factor(self, ids):
        def reset():
            for user_id in ids:
                twofactor.reset_two_factor(db.session, actor=self.actor(),
                                           user=services.get_user(db.session, int(user_id)))

        commit_once(reset)
        flash(f"Two-factor log-in reset for {len(ids)} user(s).", "success")


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


def screens() -> list:
    """The users' staff screens, as the staff area lists them."""
    return [UserAdmin(User, db, name="Users", endpoint="user", category="Administration")]
