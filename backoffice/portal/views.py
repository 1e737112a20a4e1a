from flask import Blueprint, render_template
from flask_login import current_user

from backoffice.core.permissions import Permission, requires

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@requires(Permission.VIEW_PORTAL)
def index():
    return render_template("portal/index.html", group=current_user.approval_group)
