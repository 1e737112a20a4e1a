"""Reports → Publication status: each organisation's publication in a reporting year, with
filters and a streamed CSV."""

from __future__ import annotations

from flask import Response, request, stream_with_context
from flask_admin import expose
from wtforms import Form, SelectField, StringField
from wtforms.validators import DataRequired, Optional, Regexp

from backoffice.cases import calendar
from backoffice.core.admin_views import StaffView
from backoffice.core.permissions import Permission
from backoffice.core.vocabulary import ORGANISATION_CATEGORY, ApplicationType
from backoffice.extensions import db
from backoffice.organisations.types import ORGANISATION_TYPES
from backoffice.publication import status

YEAR_FORMAT = r"^20[0-9]{2}/[0-9]{2}$"


class StatusFilterForm(Form):
    year = StringField("Reporting year", filters=[lambda v: (v or "").strip()],
                       validators=[DataRequired(), Regexp(YEAR_FORMAT,
                                                          message="Write the year as 2015/16.")])
    org_type = SelectField(ORGANISATION_CATEGORY, validators=[Optional()],
                           choices=[("", "Any category")] + [(t, t) for t in ORGANISATION_TYPES])
    application = SelectField("Standing application", validators=[Optional()],
                              choices=[("", "Any or none")] + [(a.value, a.value)
                                                               for a in ApplicationType])
    status = SelectField("Status", validators=[Optional()],
                         choices=[("", "Any status")] + [(s.value, s.label)
                                                         for s in status.Status])

    def filters(self) -> status.Filters | None:
        if not self.validate():
            return None
        return status.Filters(self.year.data, self.org_type.data or None,
                              self.application.data or None,
                              status.Status(self.status.data) if self.status.data else None)


def _form() -> StatusFilterForm:
    form = StatusFilterForm(request.args)
    if not form.year.raw_data:
        years = sorted(calendar.load(db.session).values())
        form.year.data = years[-1] if years else ""
    return form


class PublicationStatusView(StaffView):
    permission = Permission.VIEW_CASES

    @expose("/")
    def index(self):
        form = _form()
        filters = form.filters()
        after = request.args.get("after", "")[:100] or None
        page = status.page(db.session, filters, after=after) if filters else None
        args = {k: v for k, v in request.args.items() if k != "after" and v}
        args.setdefault("year", form.year.data)
        return self.render("publication/status.html", form=form, page=page, args=args)

    @expose("/status.csv")
    def csv(self):
        form = _form()
        filters = form.filters()
        if filters is None:
            errors = [f"{form[name].label.text}: {message}"
                      for name, messages in form.errors.items() for message in messages]
            return Response("\n".join(errors) + "\n", status=400, mimetype="text/plain")
        name = f"publication-status-{filters.reporting_year.replace('/', '-')}.csv"
        return Response(stream_with_context(status.csv_lines(db.session, filters)),
                        mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}"})


def screens() -> list:
    return [PublicationStatusView(name="Publication status", endpoint="publication_status",
                                  url="publication-status", category="Reports")]
