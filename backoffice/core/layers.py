"""Which package may import which: the declared shape that tests/core/test_import_graph.py
holds every module to (module-level imports and those inside functions alike).

A package is the first name below ``backoffice``: ``backoffice.reviews.services`` is in
``reviews``. ``extensions.py`` and ``config.py`` are part of the foundation, ``core``; the
composition root (``backoffice/__init__.py``: ``create_app``, and ``cli.py``,
``__main__.py``, ``models.py``) builds the application and may import any package.

The shape, bottom up: core imports no feature; users < organisations < exemptions and
cases; mail (the shared outbox) sits on cases; cases < reviews < letters; notifications
(the toolkit's input) opens cases and sets aside review work; the read models (reports,
dashboard, portal, api, compliance) read the features but never import a staff screen
(an ``admin`` module); ``admin/`` only assembles the features' screens; nothing imports
the demo but the command that offers it.

To add an arrow, change this table in the same commit as the import, and say why; the
table must stay free of cycles (the test checks that too). When an import would close a
circle, the usual way out is to let the package above hand the one below what it needs
(see ``reviews.timeline.PagePart`` and ``OrganisationAdmin(on_registered=…)``).
"""

from __future__ import annotations

CORE = "core"
ROOT = "app"
DEMO = "demo"
ASSEMBLER = "admin"

# Top-level modules that are not packages, and the package they count as.
MODULE_PACKAGES = {"extensions": CORE, "config": CORE,
                   "__init__": ROOT, "__main__": ROOT, "cli": ROOT, "models": ROOT}

FEATURES = {
    "users": {CORE},
    "organisations": {CORE, "users"},
    "exemptions": {CORE, "users", "organisations"},
    "cases": {CORE, "users", "organisations"},
    "mail": {CORE, "cases"},
    # organisations: the case page's history panel names the head office or the branches
    "reviews": {CORE, "users", "organisations", "exemptions", "cases", "mail"},
    "letters": {CORE, "users", "cases", "mail", "reviews"},
    "notifications": {CORE, "organisations", "cases", "reviews"},
    "helpdesk": {CORE, "users", "organisations", "exemptions", "cases", "mail"},
}
READ_MODELS = {
    "reports": {CORE, "organisations", "cases", "reviews"},
    # sending the report: the outbox (mail), the admin who sent it (users)
    "compliance": {CORE, "users", "organisations", "cases", "mail"},
    # publication status per organisation and reporting year (staff screen, CSV, API)
    "publication": {CORE, "organisations", "cases"},
    # the figures, and each role's home page: what waits for them now (reviews: the
    # improvement-plan items overdue)
    "dashboard": {CORE, "users", "organisations", "exemptions", "cases", "helpdesk",
                  "letters", "notifications", "reviews"},
    "portal": {CORE, "users", "organisations", "cases", "reviews", "letters"},
    "api": {CORE, "users", "organisations", "cases", "notifications", "letters",
            "publication"},
}
EVERY_PRODUCT_PACKAGE = {CORE, "health", *FEATURES, *READ_MODELS}

ALLOWED: dict[str, set[str]] = {
    CORE: set(),
    "migrations": {CORE},  # env.py reads the database URL from the settings
    "health": {CORE},
    **FEATURES,
    **READ_MODELS,
    ASSEMBLER: EVERY_PRODUCT_PACKAGE - {"health"},
    DEMO: EVERY_PRODUCT_PACKAGE - {"health"},
    ROOT: EVERY_PRODUCT_PACKAGE | {ASSEMBLER, DEMO},
}

# The one module that may import the demo: the command line offers ``backoffice demo``.
DEMO_IMPORTED_BY = {"backoffice.cli"}

# Imports that break the table for now, each with what removes it; the test fails once the
# import is gone, so that the exception goes with it.
PENDING: dict[tuple[str, str], str] = {}
