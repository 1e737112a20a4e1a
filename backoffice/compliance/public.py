"""The Publications page, open to anyone: each reporting year's compliance report once it was
sent, its counts per organisation category as a table and the XLSX exactly as sent."""

from __future__ import annotations

import io

from flask import Blueprint, render_template, send_file

from backoffice.compliance import sending
from backoffice.core.errors import NotFound
from backoffice.core.permissions import public
from backoffice.extensions import db

bp = Blueprint("publications", __name__, url_prefix="/reports/publications")


@bp.get("")
@public
def index():
    return render_template("compliance/publications.html",
                           reports=sending.sent_reports(db.session))


@bp.get("/<int:start>-<int:end>.xlsx")
@public
def download(start: int, end: int):
    sent = sending.sent_report(db.session, f"{start:04d}/{end:02d}")
    if sent is None:
        raise NotFound("no compliance report was published for that year")
    response = send_file(io.BytesIO(sent.content), mimetype=sending.XLSX_TYPE,
                         as_attachment=True, download_name=sent.filename)
    response.headers["Digest"] = f"sha-256={sent.sha256}"  # hex, as the report page shows it
    return response
