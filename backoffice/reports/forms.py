"""The public report's search and filters, read from the query string (no CSRF: GET only)."""

from __future__ import annotations

from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from backoffice.core.vocabulary import ORGANISATION_CATEGORY, Outcome
from backoffice.organisations.types import ORGANISATION_TYPES
from backoffice.reports import assessments
from backoffice.reports.services import OutcomeFilters

SEARCH_MAX = 100
VERSION_MAX = 999
YEAR_FORMAT = r"^[0-9]{4}/[0-9]{2}$"


def _printable(_form, field) -> None:
    if field.data and not field.data.isprintable():
        raise ValidationError("Use letters, digits and punctuation only.")


class OutcomeSearchForm(Form):
    q = StringField("Organisation name or ODS code", filters=[lambda v: (v or "").strip()],
                    validators=[Length(max=SEARCH_MAX), _printable])
    outcome = SelectField("Outcome", validators=[Optional()],
                          choices=[("", "Any outcome")] + [(o.value, o.label)
                                                          for o in Outcome])
    version = IntegerField("Toolkit version", validators=[Optional(),
                                                          NumberRange(min=1, max=VERSION_MAX)])
    year = StringField("Reporting year", filters=[lambda v: (v or "").strip()],
                       validators=[Optional(), Regexp(YEAR_FORMAT,
                                                      message="Write the year as 2015/16.")])

    def filters(self) -> OutcomeFilters:
        """The filters that passed validation; a refused value is left out (its error shows)."""
        self.validate()
        return OutcomeFilters(
            search="" if self.q.errors else self.q.data,
            outcome=None if self.outcome.errors else (self.outcome.data or None),
            toolkit_version=None if self.version.errors else self.version.data,
            reporting_year=None if self.year.errors else (self.year.data or None))

    def field_errors(self) -> list[str]:
        """One error for each refused filter (a word in the version field is not also out of
        range)."""
        return [f"{self[name].label.text}: {messages[0]}"
                for name, messages in self.errors.items() if messages]

    def problems(self) -> list[str]:
        return [f"{error} This filter was not applied." for error in self.field_errors()]


class AssessmentSearchForm(Form):
    q = StringField("Organisation name or ODS code", filters=[lambda v: (v or "").strip()],
                    validators=[Length(max=SEARCH_MAX), _printable])
    org_type = SelectField(ORGANISATION_CATEGORY, validators=[Optional()],
                           choices=[("", "Any category")] + [(t, t) for t in ORGANISATION_TYPES])
    version = IntegerField("Toolkit version", validators=[Optional(),
                                                          NumberRange(min=1, max=VERSION_MAX)])
    year = StringField("Reporting year", filters=[lambda v: (v or "").strip()],
                       validators=[Optional(), Regexp(YEAR_FORMAT,
                                                      message="Write the year as 2015/16.")])

    def filters(self) -> assessments.Filters:
        """The filters that passed validation; a refused value is left out (its error shows)."""
        self.validate()
        return assessments.Filters(
            search="" if self.q.errors else self.q.data,
            org_type=None if self.org_type.errors else (self.org_type.data or None),
            toolkit_version=None if self.version.errors else self.version.data,
            reporting_year=None if self.year.errors else (self.year.data or None))

    field_errors = OutcomeSearchForm.field_errors
    problems = OutcomeSearchForm.problems
