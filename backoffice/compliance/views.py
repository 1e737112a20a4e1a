"""The compliance report's screen (Flask-Admin): download for admins and senior reviewers;
sending it (once a year) for admins."""

from __future__ import annotations

import io
import tempfile

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_login import current_user

from backoffice.compliance import sending, services, writers
from backoffice.compliance.forms import ComplianceReportForm, SendReportForm
from backoffice.compliance.services import ReportingYear
from backoffice.core.admin_views import StaffView
from backoffice.core.db import utcnow
from backoffice.core.errors import ServiceError
from backoffice.core.permissions import Permission, user_may
from backoffice.core.transactions import commit_once
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
    if file_format in ("attainment.csv", "late.csv"):
        writers.write_attainment_csv(db.session, report, text,
                                     late=file_format == "late.csv")
    else:
        writers.write_counts_csv(db.session, report, text)
    text.detach()
    target.seek(0)
    return target, "text/csv"


def _send(year_text: str):
    settings = current_app.extensions["settings"]
    year = ReportingYear.parse(year_text)
    return sending.send_report(
        db.session, actor=StaffView.actor(), year=year, today=utcnow().date(),
        report_to=sending.addresses(settings.compliance_report_to),
        summary_to=sending.addresses(settings.compliance_summary_to))


class ComplianceReportView(StaffView):
    permission = Permission.COMPLIANCE_REPORT
    endpoint_permissions = {"send_view": Permission.SEND_COMPLIANCE_REPORT}

    @expose("/")
    def index(self):
        form = ComplianceReportForm(request.args)
        years = services.reportable_years(db.session, today=utcnow().date())
        form.year.choices = [(year, year) for year in years]
        settings = current_app.extensions["settings"]
        return self.render(
            "compliance/index.html", form=form, years=years,
            sent={year: sending.sent_report(db.session, year) for year in years},
            may_send=user_may(current_user, Permission.SEND_COMPLIANCE_REPORT),
            send_form=SendReportForm(),
            report_to=sending.addresses(settings.compliance_report_to),
            summary_to=sending.addresses(settings.compliance_summary_to))

    @expose("/send", methods=("POST",))
    def send_view(self):
        """Send a year's report to CQC, Monitor and the Cabinet Office, once; it is then
        published on the Publications page."""
        form = SendReportForm()
        if not form.validate_on_submit():
            flash("The form expired; try again.", "error")
            return redirect(url_for(".index"))
        try:
            sent, now = commit_once(lambda: _send(form.year.data))
        except ServiceError as error:
            flash(error.message, "error")
            return redirect(url_for(".index"))
        if now:
            flash(f"The {sent.reporting_year} compliance report is being sent to "
                  f"{', '.join(sent.report_to + sent.summary_to)}, and is published on the "
                  "Publications page.", "success")
        else:
            flash(f"The {sent.reporting_year} compliance report was already sent on "
                  f"{sent.sent_at:%-d %B %Y}; nothing was sent again.", "info")
        return redirect(url_for(".index"))

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
