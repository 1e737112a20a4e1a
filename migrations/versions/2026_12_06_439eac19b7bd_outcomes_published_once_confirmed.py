"""outcomes published once confirmed

An outcome is published when it is confirmed (recorded; signed off where sign-off applies),
no longer when its case closes after every letter is delivered. ``cases.published_at``
records that moment; the public report's partial indexes follow it. Existing rows: a closed
case with an outcome was published when it closed; a case sending letters has its outcome
confirmed already (at its sign-off, else when it was recorded), with its latest assessment's
version and year.

Revision ID: 439eac19b7bd
Revises: 49691e8d1753
Create Date: 2026-12-06 20:54:53.947936

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '439eac19b7bd'
down_revision = '49691e8d1753'
branch_labels = None
depends_on = None

OLD = "status = 'closed' AND outcome IS NOT NULL"
NEW = "published_at IS NOT NULL AND outcome IS NOT NULL"
INDEXES = {"ix_cases_published": [], "ix_cases_published_version": ["toolkit_version"],
           "ix_cases_published_year": ["reporting_year"]}

BACKFILL = (
    "UPDATE cases SET published_at = closed_at WHERE status = 'closed' AND outcome IS NOT NULL",
    "UPDATE cases SET published_at = COALESCE("
    " (SELECT max(s.signed_at) FROM sign_offs s WHERE s.case_id = cases.id"
    "  AND s.decision = 'approved' AND s.voided_at IS NULL), outcome_at, updated_at)"
    " WHERE status = 'sending_letters' AND outcome IS NOT NULL",
    "UPDATE cases SET"
    " toolkit_version = (SELECT a.toolkit_version FROM assessments a WHERE a.case_id = cases.id"
    "  ORDER BY a.published_at DESC, a.id DESC LIMIT 1),"
    " reporting_year = (SELECT a.reporting_year FROM assessments a WHERE a.case_id = cases.id"
    "  ORDER BY a.published_at DESC, a.id DESC LIMIT 1)"
    " WHERE status = 'sending_letters' AND outcome IS NOT NULL",
)


def _swap_indexes(old_where: str, new_where: str, old_at: str, new_at: str) -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name, leading in INDEXES.items():
            batch_op.drop_index(name, postgresql_where=sa.text(old_where),
                                sqlite_where=sa.text(old_where))
            batch_op.create_index(name, [*leading, new_at, 'id'], unique=False,
                                  postgresql_where=sa.text(new_where),
                                  sqlite_where=sa.text(new_where))


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)
    _swap_indexes(OLD, NEW, 'closed_at', 'published_at')


def downgrade():
    _swap_indexes(NEW, OLD, 'published_at', 'closed_at')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('published_at')
