"""The schema comes from the Alembic revisions, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from backoffice.extensions import db


def test_models_and_migrations_do_not_drift(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models differ from migrations: {differences}"


def test_migrations_form_a_single_line(project_root):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(project_root / "backoffice" / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(project_root / "backoffice" / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
