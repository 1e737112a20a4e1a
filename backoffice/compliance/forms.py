"""The compliance report's download form (a GET form: it changes nothing)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, RadioField, SelectField
from wtforms.validators import InputRequired

FORMATS = (("xlsx", "XLSX workbook: by 31 March, late, and the counts, a sheet each"),
           ("attainment.csv", "CSV: attainment per requirement, published by 31 March "
                              "(CQC and Monitor)"),
           ("late.csv", "CSV: attainment per requirement, published late"),
           ("counts.csv", "CSV: publications per organisation category (Cabinet Office)"))


class ComplianceReportForm(Form):
    # The screen offers the reportable years; a typed link is still checked by the service.
    year = SelectField("Reporting year", validators=[InputRequired()], validate_choice=False,
                       description="Only years that have ended (after 31 March) and have "
                                   "publications are offered.")
    format = RadioField("Format", choices=FORMATS, default="xlsx")


class SendReportForm(FlaskForm):
    """Send a year's report (a POST with CSRF: it sends e-mail and publishes)."""

    year = HiddenField(validators=[InputRequired()])
