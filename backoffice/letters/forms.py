"""Forms of the letters screens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from backoffice.letters.models import LAPSED, TEMPLATE_KINDS

LABELS = {LAPSED: "lapsed (standing application lapsed, to its approval group)"}


class TemplateUploadForm(FlaskForm):
    recipient = SelectField("Recipient", choices=[(r, LABELS.get(r, r)) for r in TEMPLATE_KINDS],
                            validators=[DataRequired()])
    file = FileField("Word template (.docx)", validators=[FileRequired()])
    note = StringField("What changed", validators=[Optional(), Length(max=255)])


class ActionForm(FlaskForm):
    """CSRF only: retry now, regenerate."""
