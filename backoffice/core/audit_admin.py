"""The audit trail, read-only, filterable by record, actor and time."""

from backoffice.core.admin_views import StaffModelView
from backoffice.core.audit import AuditEvent
from backoffice.core.permissions import Permission
from backoffice.extensions import db


class AuditAdmin(StaffModelView):
    permission = Permission.VIEW_AUDIT
    can_create = False
    can_edit = False
    can_delete = False
    column_list = ("occurred_at", "actor", "action", "entity_type", "entity_id", "summary",
                   "changes")
    column_filters = ("entity_type", "entity_id", "actor", "action", "occurred_at")
    column_searchable_list = ("actor", "summary")
    column_default_sort = ("occurred_at", True)
    column_formatters = {"changes": lambda v, c, m, p: _changes_text(m.changes)}


def _changes_text(changes: dict) -> str:
    return "; ".join(f"{key}: {old!r} → {new!r}" for key, (old, new) in changes.items())


def screens() -> list:
    """The audit trail, as the staff area lists it."""
    return [AuditAdmin(AuditEvent, db, name="Audit trail", endpoint="audit",
                       category="Administration")]
