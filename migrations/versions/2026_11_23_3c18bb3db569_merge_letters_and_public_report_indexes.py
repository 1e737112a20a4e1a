"""merge letters and public report indexes

Revision ID: 3c18bb3db569
Revises: 17ec0c9f2b00, 4c95e820b1ba
Create Date: 2026-11-23 20:35:27.727999

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c18bb3db569'
down_revision = ('17ec0c9f2b00', '4c95e820b1ba')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
