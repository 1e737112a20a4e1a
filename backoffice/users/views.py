"""Log in and log out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select

from backoffice.core.errors import handle_http_error
from backoffice.core.limits import limiter, login_key
from backoffice.core.permissions import AUTHENTICATED, Permission, public, requires, user_may
from backoffice.extensions import db, login_manager
from backoffice.users import services
from backoffice.users.forms import LoginForm, LogoutForm
from backoffice.users.models import User

bp = Blueprint("users", __name__)


# Every signed-in request runs this; built once, it skips building the query each time.
_ACTIVE_USER = select(User).where(User.id == bindparam("user_id"), User.active.is_(True))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user of a request, if still active."""
    return db.session.scalars(_ACTIVE_USER, {"user_id": int(user_id)}).one_or_none()


def landing_page_for(user) -> str:
    if user_may(user, Permission.STAFF_AREA):
        return url_for("admin.index")
    if user_may(user, Permission.VIEW_PORTAL):
        return url_for("portal.index")
    return url_for("users.login")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    return target


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=login_key, methods=["POST"],
               error_message="Too many log-in attempts. Wait a minute and try again.")
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
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or landing_page_for(user))
    return render_template("users/login.html", form=form), 200 if not form.errors else 401


@bp.route("/logout", methods=["POST"])
@requires(AUTHENTICATED)
def logout():
    if LogoutForm().validate_on_submit():
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
