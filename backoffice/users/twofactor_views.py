"""The second step of logging in, and enrolling an authenticator app."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired

from backoffice.core.errors import InvalidInput
from backoffice.core.limits import limiter, login_failed
from backoffice.core.permissions import public
from backoffice.extensions import db
from backoffice.users import services, twofactor
from backoffice.users.models import User

bp = Blueprint("two_factor", __name__)
PENDING = "two_factor_user"  # the user who gave the right password, awaiting the code
PENDING_SINCE = "two_factor_since"
PENDING_NEXT = "two_factor_next"
NEW_SECRET = "two_factor_new_secret"
PENDING_SECONDS = 300


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired()])
    submit = SubmitField("Continue")


def start(user: User, next_page: str | None):
    """Password accepted: remember who, and ask for the code (or to enrol first)."""
    session[PENDING], session[PENDING_SINCE] = user.get_id(), int(time.time())
    session[PENDING_NEXT] = next_page
    return redirect(url_for("two_factor.verify" if user.totp_secret else "two_factor.enrol"))


def _pending_user() -> User | None:
    if time.time() - session.get(PENDING_SINCE, 0) > PENDING_SECONDS:
        return None
    return services.user_of_session(db.session, session.get(PENDING) or "")


def _finish(user: User):
    from backoffice.users.views import landing_page_for

    next_page = session.get(PENDING_NEXT)
    for key in (PENDING, PENDING_SINCE, PENDING_NEXT, NEW_SECRET):
        session.pop(key, None)
    login_user(user)
    return next_page or landing_page_for(user)


def _second_factor_key() -> str:
    return "second-factor:" + (session.get(PENDING) or "").partition(".")[0]


def _limit() -> str:
    return current_app.extensions["settings"].login_rate_limit


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(_limit, key_func=_second_factor_key, methods=["POST"], deduct_when=login_failed,
               error_message="Too many wrong codes. Wait a minute and try again.")
@public
def verify():
    user = _pending_user()
    if user is None or not user.totp_secret:
        return redirect(url_for("users.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if twofactor.check_code(db.session, user=user, code=form.code.data):
            db.session.commit()
            return redirect(_finish(user))
        form.code.errors.append("That code does not match. Use the app's current code, "
                                "or one of your recovery codes.")
    return render_template("users/two_factor.html", form=form), 401 if form.errors else 200


@bp.route("/login/two-factor/enrol", methods=["GET", "POST"])
@public  # the password was given (a pending log-in) or the user is logged in
def enrol():
    user = _pending_user() or (current_user._get_current_object()
                               if current_user.is_authenticated else None)
    if user is None:
        return redirect(url_for("users.login"))
    if user.totp_secret and not current_user.is_authenticated:
        return redirect(url_for(".verify"))
    secret = session.setdefault(NEW_SECRET, twofactor.new_secret())
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.enrol(db.session, user=user, secret=secret, code=form.code.data)
            db.session.commit()
        except InvalidInput as error:
            db.session.rollback()
            form.code.errors.append(error.message)
        else:
            return render_template("users/recovery_codes.html", codes=codes,
                                   next_page=_finish(user))
    return render_template("users/two_factor_enrol.html", form=form, secret=secret,
                           qr_code=Markup(twofactor.qr_code_svg(user, secret)),
                           enrolled=bool(user.totp_secret)), 422 if form.errors else 200


@bp.errorhandler(429)
def too_many_codes(error):
    form = CodeForm()
    form.code.errors = [error.description]
    return render_template("users/two_factor.html", form=form), 429
