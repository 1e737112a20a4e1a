"""Staff screens: letter templates, group addresses, failed deliveries, a letter's file."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy.orm import Session
from wtforms.validators import Email

from backoffice.cases.models import Case
from backoffice.core.admin_views import StaffModelView, StaffView
from backoffice.core.db import get_or_not_found
from backoffice.core.errors import ServiceError
from backoffice.core.permissions import Permission, user_may
from backoffice.core.transactions import commit_once, commit_or_refusal
from backoffice.core.vocabulary import ApprovalGroup
from backoffice.extensions import db
from backoffice.letters import delivery, forms, rendering, services, templates
from backoffice.letters.models import TEMPLATE_KINDS, GroupAddress, LetterTemplate
from backoffice.letters.wording import Letterhead
from backoffice.mail import delivery as mail_delivery
from backoffice.mail import services as mail_services
from backoffice.reviews.timeline import PagePart


def case_page_letters(session: Session, case: Case) -> PagePart:
    """The case page's letters: each version, and whether this user may send or regenerate."""
    return PagePart(context={
        "letters": services.letters_of(session, case), "letters_form": forms.ActionForm(),
        "history_letters": services.current_letters_of_organisation(
            session, case.organisation_id, but=case.id),
        "may_manage_letters": user_may(current_user, Permission.MANAGE_LETTERS)})


def _docx(filename: str, content: bytes) -> Response:
    return Response(content, mimetype=rendering.DOCX_MIMETYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


class LetterTemplateView(StaffView):
    """Each recipient's template versions; upload a replacement; download any version."""

    permission = Permission.MANAGE_LETTERS

    @expose("/")
    def index(self):
        versions = {recipient: templates.template_versions(db.session, recipient)
                    for recipient in TEMPLATE_KINDS}
        return self.render("letters/templates.html", versions=versions,
                           form=forms.TemplateUploadForm(),
                           placeholders=rendering.PLACEHOLDERS)

    @expose("/upload", methods=["POST"])
    def upload(self):
        form = forms.TemplateUploadForm()
        if not form.validate_on_submit():
            flash("Choose a recipient and a .docx file.", "error")
            return redirect(url_for(".index"))
        upload = form.file.data
        content = upload.read(rendering.MAX_TEMPLATE_BYTES + 1)
        try:
            template = commit_once(lambda: templates.upload_template(
                db.session, actor=self.actor(), recipient=form.recipient.data,
                filename=upload.filename or "template.docx", content=content,
                note=form.note.data or ""))
        except ServiceError as error:
            flash(f"Template refused, nothing replaced: {error.message}", "error")
        else:
            flash(f"{template} accepted; new letters to {template.recipient} use it.", "success")
        return redirect(url_for(".index"))

    @expose("/<int:template_id>/download")
    def download(self, template_id: int):
        template = get_or_not_found(db.session, LetterTemplate, template_id, what="template")
        return _docx(f"{template.recipient}-v{template.version}.docx", template.content)


class GroupAddressAdmin(StaffModelView):
    permission = Permission.MANAGE_LETTERS
    column_list = ("group", "email", "updated_at")
    form_columns = ("group", "email")
    form_choices = {"group": [(g.value, g.value) for g in ApprovalGroup]}
    form_args = {"email": {"validators": [Email()]}}
    can_delete = True


class LetterView(StaffView):
    """A letter's file (anyone who sees cases), failed deliveries and retry (admins)."""

    permission = Permission.VIEW_CASES
    endpoint_permissions = {"index": Permission.MANAGE_LETTERS,
                            "retry": Permission.MANAGE_LETTERS,
                            "retry_outbox": Permission.MANAGE_LETTERS,
                            "regenerate": Permission.MANAGE_LETTERS}

    def is_visible(self) -> bool:
        return user_may(current_user, Permission.MANAGE_LETTERS)

    @expose("/")
    def index(self):
        return self.render("letters/failed.html", letters=delivery.failed_letters(db.session),
                           messages=mail_delivery.failed_outbox(db.session),
                           form=forms.ActionForm(),
                           max_attempts=mail_delivery.MAX_AUTOMATIC_ATTEMPTS)

    @expose("/<int:letter_id>/download")
    def download(self, letter_id: int):
        letter = services.get_letter(db.session, letter_id)
        return _docx(letter.filename, letter.content)

    @expose("/<int:letter_id>/retry", methods=["POST"])
    def retry(self, letter_id: int):
        if not forms.ActionForm().validate_on_submit():
            flash("The form expired; try again.", "error")
            return redirect(url_for(".index"))
        letter = commit_once(lambda: services.retry_letter(
            db.session, actor=self.actor(), letter_id=letter_id))
        flash(f"{letter.filename}: sending again now.", "success")
        return redirect(request.referrer or url_for(".index"))

    @expose("/outbox/<int:message_pk>/retry", methods=["POST"])
    def retry_outbox(self, message_pk: int):
        if not forms.ActionForm().validate_on_submit():
            flash("The form expired; try again.", "error")
            return redirect(url_for(".index"))
        message = commit_once(lambda: mail_services.retry_outbox_message(
            db.session, actor=self.actor(), message_pk=message_pk))
        flash(f"“{message.subject}”: sending again now.", "success")
        return redirect(url_for(".index"))

    @expose("/regenerate/<int:case_id>", methods=["POST"])
    def regenerate(self, case_id: int):
        case = get_or_not_found(db.session, Case, case_id)
        if not forms.ActionForm().validate_on_submit():
            flash("The form expired; try again.", "error")
            return redirect(url_for(".index"))
        settings = current_app.extensions["settings"]
        commit_or_refusal(lambda: services.regenerate_letters(
            db.session, actor=self.actor(), case=case, mail_from=settings.mail_from,
            letterhead=Letterhead.of(settings)),
            lambda letters: f"{len(letters)} new letter version(s) made; the old ones are kept.")
        return redirect(url_for("case.review_view", case_id=case.id))


def screens() -> list:
    """Letter templates, group addresses and failed deliveries, as the staff area lists them."""
    return [LetterTemplateView(name="Letter templates", endpoint="letter_template",
                               category="Administration"),
            GroupAddressAdmin(GroupAddress, db, name="Group addresses",
                              endpoint="group_address", category="Administration"),
            LetterView(name="Failed deliveries", endpoint="letter", category="Administration")]
