"""The compliance report's download screen (Flask-Admin), for admins and senior reviewers."""

from __future__ import annotations

import io
import tempfile

from flask import flash, redirect, request, send_file, url_for
from flask_admin import expose

from backoffice.compliance import services, writers
from backoffice.compliance.forms import ComplianceReportForm
from backoffice.compliance.services import ReportingYear
from backoffice.core.admin_views import StaffView
from backoffice.core.db import utcnow
from backoffice.core.errors import ServiceError
from backoffice.core.permissions import Permission
from backoffice.extensions import db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(report, file_format: str):
    """The report written to a temporary file, rewound for sending."""
    # Not a context manager: send_file streams it and closes it after the response.
    target = tempfile.TemporaryFile()  # noqa: SIM115
    if file_format == "xlsx":
        writers.write_xlsx(db.session, report, target)
        target.seek(0)
        return target, XLSX_TYPE
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    if file_format == "attainment.csv":
        writers.write_attainment_csv(db.session, report, text)
    else:
        writers.write_counts_csv(db.session, report, text)
    text.detach()
    target.seek(0)
    return target, "text/csv"


class ComplianceReportView(StaffView):
    permission = Permission.COMPLIANCE_REPORT

    @expose("/")
    def index(self):
        form = ComplianceReportForm(request.args)
        years = services.reportable_years(db.session, today=utcnow().date())
        form.year.choices = [(year, year) for year in years]
        return self.render("compliance/index.html", form=form, years=years)

    @expose("/download")
    def download_view(self):
        form = ComplianceReportForm(request.args)
        if not form.validate():
            flash("Choose a reporting year and a format.", "error")
            return redirect(url_for(".index"))
        try:
            year = ReportingYear.parse(form.year.data)
            report = writers.prepare(db.session, year=year, today=utcnow().date())
        except ServiceError as error:
            flash(error.message, "error")
            return redirect(url_for(".index", year=form.year.data, format=form.format.data))
        stream, mimetype = _file(report, form.format.data)
        name = f"compliance-{year.start}-{(year.start + 1) % 100:02d}"
        suffix = "xlsx" if form.format.data == "xlsx" else form.format.data
        return send_file(stream, mimetype=mimetype, as_attachment=True,
                         download_name=f"{name}-{suffix}" if suffix != "xlsx"
                         else f"{name}.xlsx")


def screens() -> list:
    """The compliance report, as the staff area lists it."""
    return [ComplianceReportView(name="Compliance report", endpoint="compliance",
                                 url="compliance", category="Reports")]
