"""assessment statements and publication batch

Contract v1.1: each requirement's comment and evidence go to their own column,
``assessments.statements`` (never public: the score reports read ``requirements``,
which stays lean), lz4-compressed on PostgreSQL like the other assessment JSON where
the server was built with lz4; ``assessments.publication_batch`` names the head
office's batch a branch's publication came in.

Revision ID: b118c0a362af
Revises: 34e5b2069eff
Create Date: 2026-12-06 20:52:07.806621

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b118c0a362af'
down_revision = '34e5b2069eff'
branch_labels = None
depends_on = None


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    return bool(bind.scalar(sa.text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
        "WHERE name = 'default_toast_compression'")))


def upgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statements', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('publication_batch', sa.String(length=64), nullable=True))
    if _lz4_available():
        op.execute("ALTER TABLE assessments ALTER COLUMN statements SET COMPRESSION lz4")


def downgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('publication_batch')
        batch_op.drop_column('statements')
