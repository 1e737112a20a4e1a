"""Log in and log out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from backoffice.core.errors import handle_http_error
from backoffice.core.limits import limiter, login_account_key, login_address_key, login_failed
from backoffice.core.permissions import AUTHENTICATED, Permission, public, requires, user_may
from backoffice.extensions import db, login_manager
from backoffice.users import services, twofactor, twofactor_views
from backoffice.users.forms import LoginForm, LogoutForm
from backoffice.users.models import User

bp = Blueprint("users", __name__)


@login_manager.user_loader
def load_user(session_user_id: str) -> User | None:
    """The signed-in user of a request, if still active and their sessions not ended."""
    return services.user_of_session(db.session, session_user_id)


def landing_page_for(user) -> str:
    if user_may(user, Permission.STAFF_AREA):
        return url_for("admin.index")
    if user_may(user, Permission.VIEW_PORTAL):
        return url_for("portal.index")
    if user_may(user, Permission.OWN_ACCOUNT):
        return url_for("account.index")
    return url_for("users.login")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    return target


def _login_limit() -> str:
    return current_app.extensions["settings"].login_rate_limit


def _login_address_limit() -> str:
    return current_app.extensions["settings"].login_address_rate_limit


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=login_account_key, methods=["POST"],
               deduct_when=login_failed,
               error_message="Too many log-in attempts. Wait a minute and try again.")
@limiter.limit(_login_address_limit, key_func=login_address_key, methods=["POST"],
               deduct_when=login_failed,
               error_message="Too many failed log-ins from your network. "
                             "Wait a minute and try again.")
@public
def login():
    if current_user.is_authenticated:
        return redirect(landing_page_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session, email=form.email.data, password=form.password.data)
        if user is None:
            form.password.errors.append("That e-mail and password do not match an active account.")
        else:
            db.session.commit()
            next_page = _safe_next(request.args.get("next"))
            if twofactor.needs_second_factor(
                    user, current_app.extensions["settings"].two_factor_roles):
                return twofactor_views.start(user, next_page)
            login_user(user)
            return redirect(next_page or landing_page_for(user))
    return render_template("users/login.html", form=form), 200 if not form.errors else 401


@bp.route("/logout", methods=["POST"])
@requires(AUTHENTICATED)
def logout():
    if LogoutForm().validate_on_submit():
        services.log_out(db.session, user=current_user._get_current_object())
        db.session.commit()
        logout_user()
        flash("You are logged out.", "info")
    return redirect(url_for("users.login"))


@bp.route("/")
@public
def home():
    if current_user.is_authenticated:
        return redirect(landing_page_for(current_user))
    return render_template("public/landing.html")


@bp.app_errorhandler(429)
def too_many_requests(error):
    if request.endpoint == "users.login":
        form = LoginForm()
        form.password.errors = [error.description]
        return render_template("users/login.html", form=form), 429
    return handle_http_error(error)
