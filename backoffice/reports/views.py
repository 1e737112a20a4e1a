"""The public outcomes report: list, detail and CSV, open to anyone."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from flask import Blueprint, Response, render_template, request, stream_with_context

from backoffice.core.errors import NotFound
from backoffice.core.permissions import public
from backoffice.extensions import db
from backoffice.reports import reopened, services
from backoffice.reports.forms import OutcomeSearchForm

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
    return render_template("reports/outcomes.html", form=form, page=page,
                           problems=problems, args=_filter_args(filters),
                           first_page=after is None,
                           under_review=reopened.under_review_again(db.session)
                           if after is None else [])


def _started(lines: Iterator[str]) -> Iterator[str]:
    """Run the file up to its first rows before answering, so a database that does not
    answer is a 503 rather than a 200 cut off after the header."""
    head = list(itertools.islice(lines, 2))
    return itertools.chain(head, lines)


@bp.get("/outcomes.csv")
@public
def outcomes_csv():
    form = OutcomeSearchForm(request.args)
    filters = form.filters()
    if form.errors:
        return Response("\n".join(form.field_errors()) + "\n", status=400,
                        mimetype="text/plain")
    lines = _started(services.csv_lines(db.session, filters))
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={CSV_FILENAME}"})


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
