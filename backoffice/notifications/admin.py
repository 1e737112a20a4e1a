"""Received notifications (admins) and the helpdesk's unmatched list."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import redirect, url_for
from flask_admin import expose
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.core.admin_views import StaffModelView
from backoffice.core.errors import InvalidInput
from backoffice.core.permissions import Permission
from backoffice.core.transactions import commit_or_refusal
from backoffice.extensions import db
from backoffice.notifications import handling
from backoffice.notifications import services as notification_services
from backoffice.notifications.forms import LinkForm
from backoffice.notifications.models import Notification, NotificationStatus
from backoffice.notifications.wording import error_in_words
from backoffice.reviews.timeline import Event, PagePart


def case_page_notifications(session: Session, case: Case) -> PagePart:
    """The case timeline's publications: each notification that opened or updated the case."""
    received = session.scalars(select(Notification).where(Notification.case_id == case.id))
    return PagePart(events=[Event(n.received_at, "toolkit",
                                  f"publication {n.notification_id} received")
                            for n in received])


def _pretty_body(view, context, notification, name) -> Markup:
    try:
        text = json.dumps(json.loads(notification.raw_body), indent=2, ensure_ascii=False)
    except ValueError:
        text = notification.body_text
    return Markup('<pre class="mb-0">{}</pre>').format(text)


def _body(notification: Notification) -> dict | None:
    try:
        body = json.loads(notification.raw_body)
    except (ValueError, TypeError):
        return None
    return body if isinstance(body, dict) else None


def _errors(view, context, notification, name) -> Markup:
    """Each error in words; the raw field and message folded beneath."""
    errors = notification.errors or []
    if not errors:
        return Markup("")
    body = _body(notification)
    words = (Markup("<li>{}</li>").format(error_in_words(e["field"], e["message"], body))
             for e in errors)
    raw = (Markup("<li><code>{}</code>: {}</li>").format(e["field"], e["message"])
           for e in errors)
    return (Markup('<ul class="mb-1 pl-3" data-testid="errors-in-words">')
            + Markup("").join(words) + Markup("</ul>")
            + Markup('<details><summary class="small">As recorded</summary>'
                     '<ul class="mb-0 pl-3 small">') + Markup("").join(raw)
            + Markup("</ul></details>"))


def _case(view, context, notification, name) -> str:
    return notification.case.reference if notification.case else ""


class NotificationAdmin(StaffModelView):
    permission = Permission.VIEW_NOTIFICATIONS
    can_create = False
    can_edit = False
    column_list = ("received_at", "notification_id", "source", "status", "ods_code",
                   "organisation_name", "case", "errors")
    column_default_sort = ("received_at", True)
    column_filters = ("status", "source", "received_at", "ods_code")
    column_searchable_list = ("notification_id", "ods_code", "organisation_name")
    column_labels = {"ods_code": "ODS code", "organisation_name": "Organisation (as sent)"}
    column_formatters = {"errors": _errors, "case": _case}
    column_details_list = ("notification_id", "status", "source", "received_at",
                           "processed_at", "case", "errors", "headers", "body_sha256",
                           "raw_body")
    column_formatters_detail = {"raw_body": _pretty_body, "errors": _errors, "case": _case}
    column_labels_detail = {"raw_body": "Body, as received"}


def _payload_organisation(notification: Notification) -> dict:
    try:
        organisation = json.loads(notification.raw_body).get("organisation") or {}
    except (ValueError, AttributeError):
        return {}
    return organisation if isinstance(organisation, dict) else {}


def _register_link(view, context, notification, name) -> Markup:
    sent = _payload_organisation(notification)
    query = urlencode({"ods_code": notification.ods_code or "", "name": sent.get("name", ""),
                       "org_type": sent.get("org_type", ""), "postcode": sent.get("postcode")
                       or "", "from_notification": notification.id})
    register = url_for("organisation.create_view") + "?" + query
    link = url_for("unmatched.link_view", notification_pk=notification.id)
    return Markup('<a class="btn btn-sm btn-primary mr-1" href="{}">Register organisation</a>'
                  '<a class="btn btn-sm btn-outline-secondary" href="{}">Link to existing</a>'
                  ).format(register, link)


class UnmatchedAdmin(StaffModelView):
    """Notifications from organisations not registered yet: nothing is dropped."""

    permission = Permission.MANAGE_UNMATCHED
    can_create = False
    can_edit = False
    list_template = "notifications/unmatched_list.html"
    column_list = ("received_at", "notification_id", "ods_code", "organisation_name",
                   "org_type", "postcode", "actions")
    column_default_sort = ("received_at", False)
    column_searchable_list = ("notification_id", "ods_code", "organisation_name")
    column_labels = {"ods_code": "ODS code", "organisation_name": "Organisation (as sent)",
                     "actions": ""}
    column_formatters = {
        "org_type": lambda v, c, m, p: _payload_organisation(m).get("org_type", ""),
        "postcode": lambda v, c, m, p: _payload_organisation(m).get("postcode", ""),
        "actions": _register_link,
    }
    column_details_list = ("notification_id", "status", "received_at", "ods_code",
                           "organisation_name", "raw_body")
    column_formatters_detail = {"raw_body": _pretty_body}

    def get_query(self):
        return super().get_query().filter(Notification.status == NotificationStatus.UNMATCHED)

    def get_count_query(self):
        return super().get_count_query().filter(
            Notification.status == NotificationStatus.UNMATCHED)

    def get_one(self, id):
        notification = super().get_one(id)
        if notification is None or notification.status != NotificationStatus.UNMATCHED:
            return None
        return notification

    @expose("/link/<int:notification_pk>", methods=["GET", "POST"])
    def link_view(self, notification_pk: int):
        notification = notification_services.get_unmatched(db.session, notification_pk)
        form = LinkForm(ods_code=notification.ods_code)
        if form.validate_on_submit() and commit_or_refusal(
                lambda: handling.link(db.session, actor=self.actor(),
                                      notification_pk=notification_pk,
                                      ods_code=form.ods_code.data),
                _opened_message, form=form,
                refusals=InvalidInput) is None:
            return redirect(url_for(".index_view"))
        return self.render("notifications/link.html", form=form, notification=notification,
                           sent=_payload_organisation(notification))


def _opened_message(notification: Notification) -> str:
    if notification.case is not None:
        return f"{notification} is linked; case {notification.case.reference} is open."
    return f"{notification} is linked and recorded; it needs no review."


def screens() -> list:
    """The helpdesk's unmatched list and the admins' list of every notification received."""
    return [UnmatchedAdmin(Notification, db, name="Unmatched notifications",
                           endpoint="unmatched", category="Helpdesk"),
            NotificationAdmin(Notification, db, name="Notifications", endpoint="notification",
                              category="Administration")]
