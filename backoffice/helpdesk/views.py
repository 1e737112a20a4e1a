"""The public contact form: anyone may write in, no login; throttled per address."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_wtf.csrf import CSRFError

from backoffice.core.errors import InvalidInput
from backoffice.core.limits import limiter
from backoffice.core.permissions import public
from backoffice.core.transactions import commit_once
from backoffice.extensions import db
from backoffice.helpdesk import services
from backoffice.helpdesk.forms import ContactForm
from backoffice.helpdesk.mail import HelpdeskContact

bp = Blueprint("helpdesk", __name__)
log = logging.getLogger(__name__)
THANKS_KEY = "contact_reference"


def _contact_limit() -> str:
    return current_app.extensions["settings"].contact_rate_limit


def _form_page(form: ContactForm, status: int = 200):
    settings = current_app.extensions["settings"]
    return render_template("helpdesk/contact.html", form=form,
                           helpdesk_phone=settings.helpdesk_phone,
                           helpdesk_hours=settings.opening_hours.label), status


def _too_many() -> str:
    return ("You have sent several messages in a short time. Wait an hour and try again, "
            f"or e-mail {current_app.extensions['settings'].mail_from}.")


def _ticket_made(response) -> bool:
    """Only a message that went through counts: correcting a form is not a flood."""
    return response.status_code == 302


@bp.route("/contact", methods=["GET", "POST"])
@limiter.limit(_contact_limit, methods=["POST"], error_message=_too_many,
               deduct_when=_ticket_made)
@public
def contact():
    form = ContactForm()
    if form.is_submitted() and form.from_a_bot:
        log.info("contact form honeypot filled; nothing created", extra={"honeypot": True})
        session.pop(THANKS_KEY, None)
        return redirect(url_for(".thanks"))
    if not form.validate_on_submit():
        return _form_page(form, 422 if form.errors else 200)
    try:
        ticket = commit_once(lambda: services.create_ticket(
            db.session, name=form.name.data, email=form.email.data,
            category=form.category.data, message=form.message.data,
            organisation_name=form.organisation_name.data or "",
            ods_code=form.ods_code.data or "",
            contact=HelpdeskContact.of(current_app.extensions["settings"])))
    except InvalidInput as error:
        getattr(form, error.field or "message", form.message).errors.append(error.message)
        return _form_page(form, 422)
    log.info("ticket opened from the contact form", extra={"ticket": ticket.reference})
    session[THANKS_KEY] = ticket.reference
    return redirect(url_for(".thanks"))


@bp.route("/contact/thanks")
@public
def thanks():
    return render_template("helpdesk/thanks.html", reference=session.pop(THANKS_KEY, None))


@bp.errorhandler(429)
def too_many_messages(error):
    form = ContactForm()
    form.message.errors = [error.description]
    return _form_page(form, 429)


@bp.errorhandler(CSRFError)
def form_expired(error):
    form = ContactForm()
    form.message.errors = ["The form expired or was not sent from this site; "
                           "please send it again."]
    return _form_page(form, 400)
