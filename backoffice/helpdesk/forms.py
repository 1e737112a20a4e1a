"""The public contact form and the ticket page's action forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from backoffice.helpdesk.models import InvitationWay, TicketCategory
from backoffice.helpdesk.services import MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH

HONEYPOT_FIELD = "website"


class ContactForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired("Give your name."),
                                                Length(max=MAX_NAME_LENGTH)])
    email = EmailField("Your e-mail address", validators=[
        DataRequired("Give an e-mail address we can reply to."),
        Email("Give a valid e-mail address, e.g. name@example.org.")])
    organisation_name = StringField("Your organisation",
                                    validators=[Length(max=MAX_NAME_LENGTH)])
    ods_code = StringField("Its ODS code (optional)",
                           validators=[Optional(), Length(max=20)],
                           description="e.g. A81001 or 8HV48, if you know it")
    category = SelectField(
        "What is your query about?",
        choices=[("", "Choose…")] + [(c.value, c.label) for c in TicketCategory],
        validators=[DataRequired("Choose what your query is about.")])
    message = TextAreaField("Your message", validators=[
        DataRequired("Write your message."), Length(max=MAX_MESSAGE_LENGTH)])
    # A field people never see: only a bot fills it in.
    website = StringField("Leave this empty", validators=[Optional()])
    submit = SubmitField("Send")

    def validate_organisation_name(self, field) -> None:
        if not (field.data or "").strip() and not (self.ods_code.data or "").strip():
            raise ValidationError("Give your organisation's name or its ODS code.")

    @property
    def from_a_bot(self) -> bool:
        return bool((self.website.data or "").strip())


class ActionForm(FlaskForm):
    """CSRF only: take, resolve."""


class AssignForm(FlaskForm):
    officer = SelectField("Assign to", coerce=int, validators=[DataRequired()])


class MessageForm(FlaskForm):
    body = TextAreaField("Message", validators=[DataRequired("Write the message.")])


class LinkForm(FlaskForm):
    ods_code = StringField("Organisation (ODS code)", validators=[Optional()])
    case_reference = StringField("Case reference", validators=[Optional()],
                                 description="e.g. R-2026-000123")
    exemption_id = SelectField("Exemption", validators=[Optional()], choices=[],
                               validate_choice=False)


class ReasonForm(FlaskForm):
    reason = TextAreaField("Why reopen it?", validators=[DataRequired("Say why.")])


class PhoneTicketForm(FlaskForm):
    """A phone call the helpdesk took, recorded as a ticket."""

    name = StringField("Caller's name", validators=[DataRequired("Give the caller's name."),
                                                    Length(max=MAX_NAME_LENGTH)])
    phone = StringField("Caller's phone number", validators=[
        DataRequired("Give the number to call them back on."), Length(max=40)])
    email = EmailField("Caller's e-mail (optional)", validators=[
        Optional(), Email("Give a valid e-mail address, e.g. name@example.org.")],
        description="Given: they get the acknowledgement with the reference, and replies")
    organisation_name = StringField("Organisation", validators=[Length(max=MAX_NAME_LENGTH)])
    ods_code = StringField("Its ODS code (optional)", validators=[Optional(), Length(max=20)])
    category = SelectField(
        "What was the call about?",
        choices=[("", "Choose…")] + [(c.value, c.label) for c in TicketCategory],
        validators=[DataRequired("Choose what the call was about.")])
    summary = TextAreaField("Summary of the call", validators=[
        DataRequired("Sum up the call."), Length(max=MAX_MESSAGE_LENGTH)])
    submit = SubmitField("Open the ticket")

    def validate_organisation_name(self, field) -> None:
        if not (field.data or "").strip() and not (self.ods_code.data or "").strip():
            raise ValidationError("Give the caller's organisation or its ODS code.")


class InviteForm(FlaskForm):
    way = RadioField("Send", choices=[(w.value, w.label) for w in InvitationWay],
                     default=InvitationWay.LOG_IN_DETAILS.value,
                     validators=[DataRequired("Choose what to send.")])


class EmailTemplateForm(FlaskForm):
    subject = StringField("Subject", validators=[DataRequired("Write a subject.")])
    body = TextAreaField("E-mail", validators=[DataRequired("Write the e-mail.")])


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Choose a password.")])
    confirm = PasswordField("The same password again",
                            validators=[DataRequired("Type the password again.")])
    submit = SubmitField("Set my password")
