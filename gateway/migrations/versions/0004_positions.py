"""positions: maturity summary; index for due-date sorting

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:33:34.025079
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("maturity_summary",
    sa.Column("party", sa.String(length=42), nullable=False),
    sa.Column("side", sa.String(length=8), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("due_date", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("count", sa.BigInteger(), nullable=False),
    sa.Column("outstanding_units", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("party", "side", "status", "due_date")
    )
    with op.batch_alter_table("receivable", schema=None) as batch_op:
        batch_op.create_index("ix_receivable_due", ["due_date", "id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("receivable", schema=None) as batch_op:
        batch_op.drop_index("ix_receivable_due")

    op.drop_table("maturity_summary")
