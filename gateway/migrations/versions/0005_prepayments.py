"""prepayments: agreements and instalment schedules

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 05:00:58.185176
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("prepayment",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("buyer", sa.String(length=42), nullable=False),
    sa.Column("seller", sa.String(length=42), nullable=False),
    sa.Column("bank", sa.String(length=42), nullable=False),
    sa.Column("warehouse", sa.String(length=42), nullable=False),
    sa.Column("commodity", sa.String(length=32), nullable=False),
    sa.Column("unit", sa.String(length=8), nullable=False),
    sa.Column("quantity", sa.BigInteger(), nullable=False),
    sa.Column("unit_price_units", sa.BigInteger(), nullable=False),
    sa.Column("price_units", sa.BigInteger(), nullable=False),
    sa.Column("margin_units", sa.BigInteger(), nullable=False),
    sa.Column("margin_bps", sa.Integer(), nullable=False),
    sa.Column("rate_bps", sa.Integer(), nullable=False),
    sa.Column("principal_units", sa.BigInteger(), nullable=False),
    sa.Column("principal_repaid_units", sa.BigInteger(), nullable=False),
    sa.Column("interest_paid_units", sa.BigInteger(), nullable=False),
    sa.Column("outstanding_units", sa.BigInteger(), nullable=False),
    sa.Column("delivery_deadline", sa.BigInteger(), nullable=False),
    sa.Column("maturity", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("receipt_id", sa.BigInteger(), nullable=True),
    sa.Column("pledged_quantity", sa.BigInteger(), nullable=False),
    sa.Column("released_quantity", sa.BigInteger(), nullable=False),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
    sa.Column("funded_at", sa.BigInteger(), nullable=True),
    sa.Column("delivered_at", sa.BigInteger(), nullable=True),
    sa.Column("closed_at", sa.BigInteger(), nullable=True),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("prepayment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prepayment_bank"), ["bank"], unique=False)
        batch_op.create_index(batch_op.f("ix_prepayment_buyer"), ["buyer"], unique=False)
        batch_op.create_index(batch_op.f("ix_prepayment_seller"), ["seller"], unique=False)
        batch_op.create_index(batch_op.f("ix_prepayment_warehouse"), ["warehouse"], unique=False)

    op.create_table("prepayment_instalment",
    sa.Column("prepayment_id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Column("due_date", sa.BigInteger(), nullable=False),
    sa.Column("principal_units", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("prepayment_id", "seq")
    )


def downgrade() -> None:
    op.drop_table("prepayment_instalment")
    with op.batch_alter_table("prepayment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prepayment_warehouse"))
        batch_op.drop_index(batch_op.f("ix_prepayment_seller"))
        batch_op.drop_index(batch_op.f("ix_prepayment_buyer"))
        batch_op.drop_index(batch_op.f("ix_prepayment_bank"))

    op.drop_table("prepayment")
