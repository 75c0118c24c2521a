"""inbox: a receipt's approved address (presented for delivery when it is the warehouse); claim payments held for
banks (RiskPool.heldFor)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 21:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("warehouse_receipt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved", sa.String(length=42), nullable=True))
    op.create_table("risk_held",
    sa.Column("bank", sa.String(length=42), nullable=False),
    sa.Column("held_units", sa.BigInteger(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("bank"),
    )


def downgrade() -> None:
    op.drop_table("risk_held")
    with op.batch_alter_table("warehouse_receipt", schema=None) as batch_op:
        batch_op.drop_column("approved")
