"""Read-API tokens for admins: see who holds one, and revoke it; tokens are issued from the CLI."""

from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from sqlalchemy.orm import joinedload

from backoffice.api import services
from backoffice.api.models import ApiToken
from backoffice.core.admin_views import StaffModelView
from backoffice.core.errors import ServiceError
from backoffice.core.permissions import Permission
from backoffice.core.transactions import commit_once
from backoffice.extensions import db


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
