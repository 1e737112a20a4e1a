"""The portal's search (a GET form) and the acknowledge button (a POST with CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, Form, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

from backoffice.core.vocabulary import Outcome
from backoffice.portal.services import PortalFilters

SEARCH_MAX = 100


def _printable(_form, field) -> None:
    if field.data and not field.data.isprintable():
        raise ValidationError("Use letters, digits and punctuation only.")


class PortalSearchForm(Form):
    q = StringField("Organisation, ODS code, case or your application reference",
                    filters=[lambda v: (v or "").strip()],
                    validators=[Length(max=SEARCH_MAX), _printable])
    outcome = SelectField("Outcome", validators=[Optional()],
                          choices=[("", "Any outcome")] + [(o.value, o.label)
                                                          for o in Outcome])
    on = DateField("Letter date", validators=[Optional()])

    def filters(self) -> PortalFilters:
        """The filters that passed validation; a refused value is left out (its error shows)."""
        self.validate()
        return PortalFilters(search="" if self.q.errors else self.q.data,
                             outcome=None if self.outcome.errors else (self.outcome.data or None),
                             on=None if self.on.errors else self.on.data)

    def problems(self) -> list[str]:
        return [f"{self[name].label.text}: {messages[0]} This filter was not applied."
                for name, messages in self.errors.items() if messages]


class AcknowledgeForm(FlaskForm):
    submit = SubmitField("Acknowledge receipt")
