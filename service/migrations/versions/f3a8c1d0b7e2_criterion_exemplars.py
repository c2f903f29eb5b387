"""criterion exemplars: model answers per criterion for the pre-scorer

Revision ID: f3a8c1d0b7e2
Revises: e6e1132d244d
Create Date: 2026-11-30 07:05:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = 'f3a8c1d0b7e2'
down_revision = 'e6e1132d244d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('criteria', sa.Column('exemplars', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('criteria') as batch_op:
        batch_op.drop_column('exemplars')
