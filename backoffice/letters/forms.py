"""Forms of the letters screens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from backoffice.letters.models import RECIPIENTS


class TemplateUploadForm(FlaskForm):
    recipient = SelectField("Recipient", choices=[(r, r) for r in RECIPIENTS],
                            validators=[DataRequired()])
    file = FileField("Word template (.docx)", validators=[FileRequired()])
    note = StringField("What changed", validators=[Optional(), Length(max=255)])


class ActionForm(FlaskForm):
    """CSRF only: retry now, regenerate."""
