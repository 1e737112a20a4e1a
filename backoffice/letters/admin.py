"""Staff screens: letter templates, group addresses, failed deliveries, a letter's file."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, request, url_for
from flask_admin import expose
from wtforms.validators import Email

from backoffice.admin.base import StaffModelView, StaffView
from backoffice.core.errors import NotFound, ServiceError
from backoffice.core.jobs import enqueue_after_commit
from backoffice.core.permissions import ApprovalGroup, Permission
from backoffice.extensions import db
from backoffice.letters import delivery, forms, rendering, services, templates
from backoffice.letters.dispatch import DELIVER_LETTER_JOB, DELIVER_OUTBOX_JOB
from backoffice.letters.models import RECIPIENTS, LetterTemplate
from backoffice.letters.wording import Letterhead
from backoffice.reviews.models import OutboxMessage


def _docx(filename: str, content: bytes) -> Response:
    return Response(content, mimetype=rendering.DOCX_MIMETYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


class LetterTemplateView(StaffView):
    """Each recipient's template versions; upload a replacement; download any version."""

    permission = Permission.MANAGE_LETTERS

    @expose("/")
    def index(self):
        versions = {recipient: templates.template_versions(db.session, recipient)
                    for recipient in RECIPIENTS}
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
            template = templates.upload_template(
                db.session, actor=self.actor(), recipient=form.recipient.data,
                filename=upload.filename or "template.docx", content=content,
                note=form.note.data or "")
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            flash(f"Template refused, nothing replaced: {error.message}", "error")
        else:
            flash(f"{template} accepted; new letters to {template.recipient} use it.", "success")
        return redirect(url_for(".index"))

    @expose("/<int:template_id>/download")
    def download(self, template_id: int):
        template = db.session.get(LetterTemplate, template_id)
        if template is None:
            raise NotFound(f"no template {template_id}")
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
        from flask_login import current_user

        from backoffice.core.permissions import user_may

        return user_may(current_user, Permission.MANAGE_LETTERS)

    @expose("/")
    def index(self):
        return self.render("letters/failed.html", letters=delivery.failed_letters(db.session),
                           messages=delivery.failed_outbox(db.session), form=forms.ActionForm(),
                           max_attempts=delivery.MAX_AUTOMATIC_ATTEMPTS)

    @expose("/<int:letter_id>/download")
    def download(self, letter_id: int):
        letter = services.get_letter(db.session, letter_id)
        return _docx(letter.filename, letter.content)

    @expose("/<int:letter_id>/retry", methods=["POST"])
    def retry(self, letter_id: int):
        if not forms.ActionForm().validate_on_submit():
            flash("The form expired; try again.", "error")
            return redirect(url_for(".index"))
        letter = services.get_letter(db.session, letter_id)
        enqueue_after_commit(db.session, DELIVER_LETTER_JOB, letter.id, True,
                             job_id=f"retry-letter-{letter.id}-{letter.attempts}")
        db.session.commit()
        flash(f"{letter.filename}: sending again now.", "success")
        return redirect(request.referrer or url_for(".index"))

    @expose("/outbox/<int:message_pk>/retry", methods=["POST"])
    def retry_outbox(self, message_pk: int):
        if not forms.ActionForm().validate_on_submit():
            flash("The form expired; try again.", "error")
            return redirect(url_for(".index"))
        message = db.session.get(OutboxMessage, message_pk)
        if message is None:
            raise NotFound(f"no message {message_pk}")
        enqueue_after_commit(db.session, DELIVER_OUTBOX_JOB, message.id, True,
                             job_id=f"retry-outbox-{message.id}-{message.attempts}")
        db.session.commit()
        flash(f"“{message.subject}”: sending again now.", "success")
        return redirect(url_for(".index"))

    @expose("/regenerate/<int:case_id>", methods=["POST"])
    def regenerate(self, case_id: int):
        from backoffice.cases.models import Case

        case = db.session.get(Case, case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        if not forms.ActionForm().validate_on_submit():
            flash("The form expired; try again.", "error")
            return redirect(url_for(".index"))
        try:
            settings = current_app.extensions["settings"]
            letters = services.regenerate_letters(
                db.session, actor=self.actor(), case=case, mail_from=settings.mail_from,
                letterhead=Letterhead.of(settings))
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(f"{len(letters)} new letter version(s) made; the old ones are kept.",
                  "success")
        return redirect(url_for("case.review_view", case_id=case.id))
