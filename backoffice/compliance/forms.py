"""The compliance report's download form (a GET form: it changes nothing)."""

from __future__ import annotations

from wtforms import Form, RadioField, StringField
from wtforms.validators import InputRequired

FORMATS = (("xlsx", "XLSX workbook: both parts, a sheet each"),
           ("attainment.csv", "CSV: attainment per requirement (CQC and Monitor)"),
           ("counts.csv", "CSV: publications per organisation type (Cabinet Office)"))


class ComplianceReportForm(Form):
    year = StringField("Reporting year", validators=[InputRequired()],
                       description="For example 2015/16; available once its 31 March has "
                                   "passed.")
    format = RadioField("Format", choices=FORMATS, default="xlsx")
