"""What no page accepts: NUL characters in a staff screen's query or form, ids past the
database's range; and how large a request may be (``MAX_CONTENT_LENGTH``, raised for the
views that take documents, ``accepts_uploads``).

PostgreSQL refuses both (a text value cannot hold NUL; an ``integer`` column stops at
2**31 - 1), so they are answered before any query: a 400 that says why, or no page (404).
"""

from __future__ import annotations

from flask import abort, current_app, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from backoffice.core.permissions import PUBLIC

MAX_ID = 2**31 - 1
UPLOAD_LIMIT = "max_upload_bytes"  # the attribute ``accepts_uploads`` gives a view
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class IdConverter(IntegerConverter):
    """``<int:…>`` in a URL: a number past the database's integer range matches no page."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def fits_an_id(value) -> bool:
    """A record id as a query may carry it (``?id=12``): digits within the column's range."""
    text = str(value).strip()
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID


def fits_an_integer(value) -> bool:
    """A whole number as typed in a form or filter (``-12``): ASCII digits within the
    database's ``integer`` range (``int("²")`` fails, and PostgreSQL stops at 2**31 - 1)."""
    text = str(value).strip().removeprefix("-")
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID


def as_integer(value) -> int | None:
    """The whole number a form field holds, or None when it holds none that fits."""
    return int(str(value).strip()) if fits_an_integer(value) else None


def _holds_nul(pairs) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def refuse_nul() -> None:
    """On the staff screens (Flask-Admin's searches and filters pass text straight to SQL);
    the API, the portal and the public pages check their own parameters and say which."""
    if not request.path.startswith("/admin/"):
        return
    form = request.form.items(multi=True) if request.mimetype in FORM_TYPES else ()
    if _holds_nul(request.args.items(multi=True)) or _holds_nul(form):
        abort(400, "The request contains a NUL character, which no field accepts.")


def accepts_uploads(max_bytes: int):
    """A view that takes documents: its requests may be up to ``max_bytes`` (every other
    request stays within MAX_CONTENT_LENGTH); past that the answer is a 413 page."""

    def mark(view):
        setattr(view, UPLOAD_LIMIT, max_bytes)
        return view

    return mark


def raise_upload_limit() -> None:
    """Before the form is read (CSRF reads it): the limit of the view asked for. A staff
    screen's larger limit is for someone logged in; a public view's is for anyone."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, UPLOAD_LIMIT, None)
    if limit is None:
        return
    if getattr(view, "access_rule", None) == PUBLIC or current_user.is_authenticated:
        request.max_content_length = limit


def init_app(app) -> None:
    """Before any route is added (the converter applies to rules as they are added), and
    before CSRF protection (which reads the form) is registered."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(raise_upload_limit)
    app.before_request(refuse_nul)
