"""review queue indexes: clear-cases-first and oldest-first orders

Revision ID: c7d2e9a41f05
Revises: b041e868bd29
Create Date: 2026-11-30 05:00:00

The first index is on the queue's sort key written as literal SQL (service.operations.insights
uses the same expressions), so SQLite and PostgreSQL can read the first page in index order.
"""

from alembic import op

revision = "c7d2e9a41f05"
down_revision = "b041e868bd29"
branch_labels = None
depends_on = None

CLEAR = (
    "CREATE INDEX ix_submissions_queue_clear ON submissions ("
    "(CASE WHEN band = 'likely_pass' THEN 0 WHEN band = 'likely_fail' THEN 1 ELSE 2 END), "
    "(-coalesce(score, -1.0)), submitted_at, id)"
)


def upgrade() -> None:
    op.execute(CLEAR)
    op.create_index("ix_submissions_queue_age", "submissions", ["submitted_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_submissions_queue_age", table_name="submissions")
    op.drop_index("ix_submissions_queue_clear", table_name="submissions")
