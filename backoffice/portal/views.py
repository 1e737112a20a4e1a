"""The approval-group portal: the letters and outcomes addressed to the member's own group."""

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user

from backoffice.core.audit import Actor
from backoffice.core.errors import Conflict
from backoffice.core.permissions import Permission, requires
from backoffice.core.transactions import commit_or_refusal
from backoffice.extensions import db
from backoffice.letters.rendering import DOCX_MIMETYPE
from backoffice.letters.services import COVERS_LETTERS
from backoffice.portal import services
from backoffice.portal.forms import AcknowledgeForm, PortalSearchForm

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@requires(Permission.VIEW_PORTAL)
def index():
    form = PortalSearchForm(request.args)
    before = request.args.get("before", type=int)
    page = services.group_letters(db.session, group=current_user.approval_group,
                                  filters=form.filters(), before=before)
    search = {name: value for name, value in request.args.items() if name != "before"}
    return render_template("portal/index.html", group=current_user.approval_group,
                           form=form, problems=form.problems(), entries=page.entries,
                           older=page.older, paged=page.paged, search=search,
                           acknowledge_form=AcknowledgeForm(),
                           shows_covers=current_user.approval_group in COVERS_LETTERS)


@bp.get("/letters/<int:letter_id>/download")
@requires(Permission.VIEW_PORTAL)
def download(letter_id: int):
    letter = services.group_letter(db.session, group=current_user.approval_group,
                                   letter_id=letter_id)
    return Response(letter.content, mimetype=DOCX_MIMETYPE, headers={
        "Content-Disposition": f'attachment; filename="{letter.filename}"'})


@bp.post("/letters/<int:letter_id>/acknowledge")
@requires(Permission.VIEW_PORTAL)
def acknowledge(letter_id: int):
    commit_or_refusal(lambda: services.acknowledge_letter(
        db.session, actor=Actor.of(current_user), group=current_user.approval_group,
        letter_id=letter_id, member=current_user),
        lambda letter: f"Receipt of {letter.filename} acknowledged.", refusals=Conflict)
    return redirect(url_for("portal.index"))
