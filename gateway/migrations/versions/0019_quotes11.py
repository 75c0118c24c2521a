"""banks' published discount terms (the supplier's quotes per bank)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("discount_terms",
                    sa.Column("bank", sa.String(length=42), nullable=False),
                    sa.Column("debtor", sa.String(length=42), nullable=False),
                    sa.Column("rate_bps", sa.Integer(), nullable=False),
                    sa.Column("max_days", sa.Integer(), nullable=False),
                    sa.Column("with_recourse", sa.Boolean(), nullable=False),
                    sa.Column("updated_at", sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint("bank", "debtor"))
    with op.batch_alter_table("discount_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discount_terms_debtor"), ["debtor"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("discount_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discount_terms_debtor"))
    op.drop_table("discount_terms")
