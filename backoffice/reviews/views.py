"""The reply link: an Organisation Administrator answers one information request, without an
account. The page shows that request and its form, nothing else; a link that opens nothing
gets a plain page saying why. Throttled per address; every reply and refusal is logged, and
each reply audited (``replies``)."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from backoffice.cases.models import Case
from backoffice.core.errors import InvalidInput, error_page
from backoffice.core.inputs import accepts_uploads
from backoffice.core.limits import limiter
from backoffice.core.permissions import public
from backoffice.core.transactions import commit_once
from backoffice.extensions import db
from backoffice.reviews import replies
from backoffice.reviews.documents import (
    MAX_DOCUMENT_BYTES,
    MAX_DOCUMENTS,
    MAX_REPLY_BYTES,
    DocumentsRefused,
    checked_documents,
    size_in_words,
)
from backoffice.reviews.forms import ReplyForm

bp = Blueprint("replies", __name__)
log = logging.getLogger(__name__)
SENT_KEY = "reply_sent"
# A lost race (two sends of one form) is run again once: the second then finds it answered.
ATTEMPTS = 2


def _reply_limit() -> str:
    return current_app.extensions["settings"].reply_rate_limit


def _too_many() -> str:
    return ("Many replies or attempts came from your address in a short time. Wait an hour "
            "and try again, or reply to the e-mail instead.")


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _refused(refusal: replies.LinkRefused, request_id: int):
    db.session.rollback()
    log.warning("reply link refused", extra={"information_request": request_id,
                                             "refusal": refusal.reason})
    return render_template("reviews/reply_refused.html", message=refusal.message), \
        refusal.status


def _form_page(form: ReplyForm, asked, status: int = 200):
    case = db.session.get(Case, asked.case_id)
    return render_template("reviews/reply.html", form=form, asked=asked, case=case), status


def case_page_url(case_id: int) -> str:
    """The case page's address for an e-mail: on BACKOFFICE_SITE_URL when set, else on the
    address of this request."""
    site = current_app.extensions["settings"].site_url.rstrip("/")
    if site:
        return site + url_for("case.review_view", case_id=case_id)
    return url_for("case.review_view", case_id=case_id, _external=True)


def _send(form: ReplyForm, request_id: int, token: str, asked):
    try:
        documents = checked_documents(form.uploads())
        reply_input = replies.ReplyInput(
            from_name=form.from_name.data or "", from_email=form.from_email.data or "",
            message=form.message.data or "", documents=documents)
        stored = commit_once(lambda: replies.reply_through_link(
            db.session, secret_key=_secret(), request_id=request_id, token=token,
            reply=reply_input, case_url=case_page_url(asked.case_id)), attempts=ATTEMPTS)
    except DocumentsRefused as refused:
        form.documents.errors = list(refused.problems)
        return _form_page(form, asked, 422)
    except InvalidInput as refused:
        getattr(form, refused.field or "message", form.message).errors.append(
            refused.message[:1].upper() + refused.message[1:] + ".")
        return _form_page(form, asked, 422)
    log.info("reply received through the link", extra={"information_request": request_id,
                                                       "reply": stored.id})
    session[SENT_KEY] = {"name": stored.from_name,
                         "documents": [document.filename for document in stored.documents]}
    return redirect(url_for(".sent"))


@bp.route("/reply/<int:request_id>/<token>", methods=["GET", "POST"])
@limiter.limit(_reply_limit, error_message=_too_many)
@public
@accepts_uploads(MAX_REPLY_BYTES)
def reply(request_id: int, token: str):
    try:
        asked = replies.open_link(db.session, secret_key=_secret(), request_id=request_id,
                                  token=token)
    except replies.LinkRefused as refusal:
        return _refused(refusal, request_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _form_page(form, asked, 422 if form.errors else 200)
    try:
        return _send(form, request_id, token, asked)
    except replies.LinkRefused as refusal:
        return _refused(refusal, request_id)


@bp.route("/reply/sent")
@public
def sent():
    return render_template("reviews/reply_sent.html", sent=session.pop(SENT_KEY, None))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    db.session.rollback()
    return error_page(RequestEntityTooLarge(
        f"Nothing was stored: a reply takes at most {MAX_DOCUMENTS} documents of at most "
        f"{size_in_words(MAX_DOCUMENT_BYTES)} each, and what was sent is larger. Go back, "
        "choose fewer or smaller files and send again.")), 413


@bp.errorhandler(CSRFError)
def form_expired(_error):
    """A form sent without its token: a link that opens nothing says so first; else the form
    again, with what was typed, asking to choose the documents again."""
    if request.endpoint != "replies.reply":
        return error_page(CSRFError()), 400
    request_id, token = request.view_args["request_id"], request.view_args["token"]
    try:
        asked = replies.open_link(db.session, secret_key=_secret(), request_id=request_id,
                                  token=token)
    except replies.LinkRefused as refusal:
        return _refused(refusal, request_id)
    form = ReplyForm(meta={"csrf": True})
    form.message.errors = ["The form expired or was not sent from this page: check your "
                           "reply, choose the documents again and send it again."]
    return _form_page(form, asked, 400)
