"""The public contact form and the ticket page's action forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from backoffice.helpdesk.models import TicketCategory
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
