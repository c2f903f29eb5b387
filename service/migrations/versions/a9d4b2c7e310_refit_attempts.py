"""refit attempts: when the global calibration was last refitted, whatever the fit found

Revision ID: a9d4b2c7e310
Revises: f3a8c1d0b7e2
Create Date: 2026-12-07 16:40:00.000000
"""

from alembic import op
import sqlalchemy as sa
import service.models.base


revision = 'a9d4b2c7e310'
down_revision = 'f3a8c1d0b7e2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refit_attempts',
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('decided', sa.Integer(), nullable=False),
    sa.Column('stored', sa.Boolean(), nullable=False),
    sa.Column('attempted_at', service.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('scope')
    )


def downgrade() -> None:
    op.drop_table('refit_attempts')
