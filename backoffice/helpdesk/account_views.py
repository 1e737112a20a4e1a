"""An Organisation Administrator's side: the set-password link from their invitation, and the
page they land on once logged in."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from backoffice.core.errors import InvalidInput
from backoffice.core.permissions import Permission, public, requires
from backoffice.core.transactions import commit_once
from backoffice.extensions import db
from backoffice.helpdesk import invitations
from backoffice.helpdesk.forms import SetPasswordForm
from backoffice.organisations.models import OrganisationAdministrator
from backoffice.users.services import MIN_PASSWORD_LENGTH

bp = Blueprint("account", __name__, url_prefix="/account")


def _settings():
    return current_app.extensions["settings"]


def _link_refused(reason: str, status: int):
    settings = _settings()
    return render_template("helpdesk/link_refused.html", reason=reason,
                           phone=settings.helpdesk_phone,
                           hours=settings.opening_hours.label), status


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    """The link sets the password once; a used, expired or unknown link says so plainly."""
    secret = _settings().secret_key
    try:
        invitation = invitations.usable_invitation(db.session, token, secret)
    except invitations.LinkNotUsable as refusal:
        return _link_refused(refusal.message, 410)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = commit_once(lambda: invitations.set_password_with_link(
                db.session, token=token, secret_key=secret, password=form.password.data,
                confirm=form.confirm.data))
        except invitations.LinkNotUsable as refusal:
            return _link_refused(refusal.message, 410)
        except InvalidInput as error:
            getattr(form, error.field or "password", form.password).errors.append(error.message)
        else:
            flash(f"Your password is set. Log in with your user name, {user.email}.", "success")
            return redirect(url_for("users.login"))
    return render_template("helpdesk/set_password.html", form=form, invitation=invitation,
                           min_length=MIN_PASSWORD_LENGTH), 422 if form.errors else 200


@bp.route("/")
@requires(Permission.OWN_ACCOUNT)
def index():
    """What an Organisation Administrator sees: the organisations they administer."""
    administered = list(db.session.scalars(
        select(OrganisationAdministrator).where(OrganisationAdministrator.user_id
                                                == current_user.id)))
    settings = _settings()
    return render_template("helpdesk/account.html", administered=administered,
                           phone=settings.helpdesk_phone, hours=settings.opening_hours.label)
