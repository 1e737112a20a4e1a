"""Every model module, imported together so the metadata (and Alembic) sees all tables."""

from importlib import import_module

MODEL_MODULES = (
    "backoffice.core.audit",
    "backoffice.users.models",
    "backoffice.organisations.models",
    "backoffice.exemptions.models",
    "backoffice.cases.models",
    "backoffice.cases.calendar",
    "backoffice.cases.standing",
    "backoffice.cases.publications",
    "backoffice.notifications.models",
    "backoffice.mail.models",
    "backoffice.api.models",
    "backoffice.reviews.models",
    "backoffice.reviews.followup",
    "backoffice.letters.models",
    "backoffice.helpdesk.models",
    "backoffice.compliance.models",
)


def load_all() -> None:
    for name in MODEL_MODULES:
        import_module(name)
