"""Read-API tokens for admins: issue one to a user (shown once), see who holds one, revoke it.
The same services back ``backoffice tokens``."""

from __future__ import annotations

from flask import flash, make_response, redirect, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectField
from wtforms.validators import DataRequired

from backoffice.api import services
from backoffice.api.models import ApiToken
from backoffice.core.admin_views import StaffModelView
from backoffice.core.errors import ServiceError
from backoffice.core.permissions import Permission, role_may
from backoffice.core.transactions import commit_once
from backoffice.extensions import db
from backoffice.users.models import User


class IssueTokenForm(FlaskForm):
    user = SelectField("For", coerce=int, validators=[DataRequired("Choose who gets it")])


class RevokeForm(FlaskForm):
    pass


def _holders() -> list[tuple[int, str]]:
    """Active users whose role may read the API."""
    users = db.session.scalars(select(User).where(User.active).order_by(User.email))
    return [(user.id, f"{user.email} ({user.role_label})") for user in users
            if role_may(user.role, Permission.READ_API)]


class ApiTokenAdmin(StaffModelView):
    permission = Permission.MANAGE_USERS
    can_create = False
    can_edit = False
    can_delete = False
    column_list = ("user", "prefix", "created_at", "last_used_at", "revoked_at")
    column_details_list = column_list
    column_default_sort = ("created_at", True)
    column_sortable_list = (("user", "user.email"), "prefix", "created_at", "last_used_at",
                            "revoked_at")
    column_searchable_list = ("prefix", "user.email")
    column_filters = ("revoked_at", "last_used_at")
    column_labels = {"last_used_at": "Last used", "revoked_at": "Revoked"}
    column_formatters = {"user": lambda v, c, token, p: f"{token.user} <{token.user.email}>"}
    column_formatters_detail = column_formatters
    list_template = "api/tokens.html"

    @expose("/issue/", methods=["GET", "POST"])
    def issue_view(self):
        """Issue a token; the page that answers shows it once (never stored, never flashed)."""
        form = IssueTokenForm()
        form.user.choices = _holders()
        if form.validate_on_submit():
            try:
                token, plain = services.issue_token(
                    db.session, actor=self.actor(), user=db.session.get(User, form.user.data))
                db.session.commit()
            except ServiceError as error:
                db.session.rollback()
                form.user.errors = [*form.user.errors, error.message]
            else:
                page = make_response(self.render("api/token_issued.html", token=token,
                                                 plain=plain))
                page.headers["Cache-Control"] = "no-store"
                return page
        return self.render("api/issue_token.html", form=form)

    @expose("/revoke/<int:token_id>", methods=["POST"])
    def revoke_view(self, token_id: int):
        if RevokeForm().validate_on_submit():
            token = services.get_token(db.session, token_id)
            try:
                services.revoke_token(db.session, actor=self.actor(), token=token)
                db.session.commit()
                flash(f"Token {token.prefix}… of {token.user.email} revoked.", "success")
            except ServiceError as error:
                db.session.rollback()
                flash(error.message, "error")
        return redirect(url_for(".index_view"))

    def get_query(self):
        return super().get_query().options(joinedload(ApiToken.user))

    @action("revoke", "Revoke", "Revoke the selected tokens? Requests with them are refused "
                                "from now on.")
    def action_revoke(self, ids):
        revoked = commit_once(lambda: sum(self._revoke(int(token_id)) for token_id in ids))
        if revoked:
            flash(f"{revoked} token(s) revoked.", "success")

    def _revoke(self, token_id: int) -> bool:
        """One of the selected tokens; a refusal is shown and the others are still revoked."""
        try:
            services.revoke_token(db.session, actor=self.actor(),
                                  token=services.get_token(db.session, token_id))
        except ServiceError as error:
            flash(error.message, "error")
            return False
        return True


def screens() -> list:
    """The API tokens' staff screens, as the staff area lists them."""
    return [ApiTokenAdmin(ApiToken, db, name="API tokens", endpoint="token",
                          category="Administration")]
