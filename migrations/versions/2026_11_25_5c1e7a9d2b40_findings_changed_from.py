"""findings changed from: a republication's changed levels need answering again

Revision ID: 5c1e7a9d2b40
Revises: dc764b0c5fd2
Create Date: 2026-11-25 09:00:00.000000

When a newer assessment joins an open case, a finding on a requirement whose
level (or Not Relevant status) it changed keeps how the requirement read when
the finding was made ("level 1"), and no longer counts until the reviewer
answers again. Existing findings stand (NULL).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e7a9d2b40'
down_revision = 'dc764b0c5fd2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_from', sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_column('changed_from')
