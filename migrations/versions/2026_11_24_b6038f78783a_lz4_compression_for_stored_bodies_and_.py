"""lz4 compression for stored bodies and assessments

Revision ID: b6038f78783a
Revises: 84bddcf0af7d
Create Date: 2026-11-24 00:09:49.202840

Every notification's raw body and every assessment's requirements are written
once and read seldom; PostgreSQL's default compression (pglz) cost more CPU per
stored notification than anything else it does for the import. lz4 compresses
them about as well at a fraction of the cost. PostgreSQL only, and only where
the server was built with lz4 (otherwise nothing changes); new rows only.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6038f78783a'
down_revision = '84bddcf0af7d'
branch_labels = None
depends_on = None

COLUMNS = (("notifications", "raw_body"), ("assessments", "requirements"),
           ("assessments", "improvement_plan"))


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    return bool(bind.scalar(sa.text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
        "WHERE name = 'default_toast_compression'")))


def _set_compression(method: str) -> None:
    if not _lz4_available():
        return
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade():
    _set_compression("lz4")


def downgrade():
    _set_compression("pglz")
