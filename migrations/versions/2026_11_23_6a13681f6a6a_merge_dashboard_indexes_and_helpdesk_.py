"""merge dashboard indexes and helpdesk tickets

Revision ID: 6a13681f6a6a
Revises: 0464b011aa49, 6ddb85f8b6e9
Create Date: 2026-11-23 20:38:07.232413

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a13681f6a6a'
down_revision = ('0464b011aa49', '6ddb85f8b6e9')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
