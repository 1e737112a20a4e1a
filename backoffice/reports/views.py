"""The public outcomes report: list, detail and CSV, open to anyone."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from flask import Blueprint, Response, render_template, request, stream_with_context

from backoffice.core.errors import NotFound
from backoffice.core.permissions import public
from backoffice.extensions import db
from backoffice.reports import assessments, reopened, services
from backoffice.reports.forms import AssessmentSearchForm, OutcomeSearchForm

bp = Blueprint("reports", __name__, url_prefix="/reports")
CSV_FILENAME = "igt-review-outcomes.csv"


def _filter_args(filters: services.OutcomeFilters) -> dict[str, str]:
    """The valid filters as query parameters, for the next-page and CSV links."""
    args = {"q": filters.search, "outcome": filters.outcome or "",
            "version": filters.toolkit_version or "", "year": filters.reporting_year or ""}
    return {key: str(value) for key, value in args.items() if value}


@bp.get("/outcomes")
@public
def outcomes():
    form = OutcomeSearchForm(request.args)
    filters = form.filters()
    after = services.Cursor.parse(request.args.get("after"))
    problems = form.problems()
    try:
        page = services.outcomes_page(db.session, filters, after=after)
    except services.SearchTooBroad as refused:
        page = services.OutcomePage([], None)
        problems.append(refused.message)
        total = None
    else:
        total = services.count_outcomes(db.session, filters)
    return render_template("reports/outcomes.html", form=form, page=page, total=total,
                           problems=problems, args=_filter_args(filters),
                           first_page=after is None,
                           under_review=reopened.under_review_again(db.session)
                           if after is None else [])


def _started(lines: Iterator[str]) -> Iterator[str]:
    """Run the file up to its first rows before answering, so a database that does not
    answer is a 503 rather than a 200 cut off after the header."""
    head = list(itertools.islice(lines, 2))
    return itertools.chain(head, lines)


def _csv_download(form, csv_lines, filename: str) -> Response:
    """A report's search as a streamed CSV file; a bad filter is a 400 naming its field."""
    filters = form.filters()
    if form.errors:
        return Response("\n".join(form.field_errors()) + "\n", status=400,
                        mimetype="text/plain")
    lines = _started(csv_lines(db.session, filters))
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.get("/outcomes.csv")
@public
def outcomes_csv():
    return _csv_download(OutcomeSearchForm(request.args), services.csv_lines, CSV_FILENAME)


@bp.get("/outcomes/<reference>")
@public
def outcome(reference: str):
    try:
        published, scores = services.published_outcome(db.session, reference)
    except NotFound:
        item = reopened.reopened_case(db.session, reference)
        if item is None:
            raise
        return render_template("reports/under_review.html", item=item)
    return render_template("reports/outcome.html", outcome=published, scores=scores)


ASSESSMENTS_CSV = "igt-published-assessments.csv"


def _assessment_args(filters: assessments.Filters) -> dict[str, str]:
    args = {"q": filters.search, "org_type": filters.org_type or "",
            "version": filters.toolkit_version or "", "year": filters.reporting_year or ""}
    return {key: str(value) for key, value in args.items() if value}


@bp.get("/assessments")
@public
def published_assessments():
    form = AssessmentSearchForm(request.args)
    filters = form.filters()
    after = assessments.Cursor.parse(request.args.get("after"))
    page = assessments.page(db.session, filters, after=after)
    return render_template("reports/assessments.html", form=form, page=page,
                           problems=form.problems(), args=_assessment_args(filters),
                           first_page=after is None)


@bp.get("/assessments.csv")
@public
def published_assessments_csv():
    return _csv_download(AssessmentSearchForm(request.args), assessments.csv_lines,
                         ASSESSMENTS_CSV)


@bp.get("/assessments/<assessment_id>")
@public
def published_assessment(assessment_id: str):
    return render_template("reports/assessment.html",
                           assessment=assessments.one(db.session, assessment_id))
