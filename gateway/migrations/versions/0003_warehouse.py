"""warehouse: receipts, prices, loan programs, loans, collateral; covering index for holdings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:10:33.159317
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("commodity_price",
    sa.Column("commodity", sa.String(length=32), nullable=False),
    sa.Column("unit", sa.String(length=8), nullable=False),
    sa.Column("max_age", sa.BigInteger(), nullable=False),
    sa.Column("price_units", sa.BigInteger(), nullable=True),
    sa.Column("observed_at", sa.BigInteger(), nullable=True),
    sa.Column("feeder", sa.String(length=42), nullable=True),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("commodity")
    )
    op.create_table("loan",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("program_id", sa.BigInteger(), nullable=False),
    sa.Column("bank", sa.String(length=42), nullable=False),
    sa.Column("borrower", sa.String(length=42), nullable=False),
    sa.Column("commodity", sa.String(length=32), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("rate_bps", sa.Integer(), nullable=False),
    sa.Column("max_ltv_bps", sa.Integer(), nullable=False),
    sa.Column("margin_call_ltv_bps", sa.Integer(), nullable=False),
    sa.Column("opened_principal_units", sa.BigInteger(), nullable=False),
    sa.Column("principal_units", sa.BigInteger(), nullable=False),
    sa.Column("interest_units", sa.BigInteger(), nullable=False),
    sa.Column("accrued_at", sa.BigInteger(), nullable=False),
    sa.Column("repaid_units", sa.BigInteger(), nullable=False),
    sa.Column("interest_paid_units", sa.BigInteger(), nullable=False),
    sa.Column("maturity", sa.BigInteger(), nullable=False),
    sa.Column("margin_call_deadline", sa.BigInteger(), nullable=True),
    sa.Column("ltv_bps", sa.BigInteger(), nullable=False),
    sa.Column("pledged_quantity", sa.BigInteger(), nullable=False),
    sa.Column("shortfall_units", sa.BigInteger(), nullable=True),
    sa.Column("opened_at", sa.BigInteger(), nullable=False),
    sa.Column("closed_at", sa.BigInteger(), nullable=True),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_bank"), ["bank"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_borrower"), ["borrower"], unique=False)

    op.create_table("loan_collateral",
    sa.Column("loan_id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("receipt_id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint("loan_id", "receipt_id")
    )
    op.create_table("loan_program",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("bank", sa.String(length=42), nullable=False),
    sa.Column("commodity", sa.String(length=32), nullable=False),
    sa.Column("rate_bps", sa.Integer(), nullable=False),
    sa.Column("max_ltv_bps", sa.Integer(), nullable=False),
    sa.Column("margin_call_ltv_bps", sa.Integer(), nullable=False),
    sa.Column("cure_period", sa.BigInteger(), nullable=False),
    sa.Column("max_tenor", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("loan_program", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_program_bank"), ["bank"], unique=False)

    op.create_table("warehouse_receipt",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("warehouse", sa.String(length=42), nullable=False),
    sa.Column("owner", sa.String(length=42), nullable=True),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("lien_holder", sa.String(length=42), nullable=True),
    sa.Column("loan_id", sa.BigInteger(), nullable=True),
    sa.Column("commodity", sa.String(length=32), nullable=False),
    sa.Column("unit", sa.String(length=8), nullable=False),
    sa.Column("grade", sa.String(length=32), nullable=False),
    sa.Column("location", sa.String(length=32), nullable=False),
    sa.Column("lot_id", sa.String(length=32), nullable=False),
    sa.Column("inspection_hash", sa.String(length=66), nullable=False),
    sa.Column("quantity", sa.BigInteger(), nullable=False),
    sa.Column("parent_id", sa.BigInteger(), nullable=True),
    sa.Column("issued_at", sa.BigInteger(), nullable=False),
    sa.Column("delivered_at", sa.BigInteger(), nullable=True),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("warehouse_receipt", schema=None) as batch_op:
        batch_op.create_index("ix_receipt_lot", ["warehouse", "lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_warehouse_receipt_owner"), ["owner"], unique=False)

    with op.batch_alter_table("fragment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fragment_holder_status"))
        batch_op.create_index("ix_fragment_holdings", ["holder", "status", "due_date", "value_units", "paid_units"],
                              unique=False)



def downgrade() -> None:
    with op.batch_alter_table("fragment", schema=None) as batch_op:
        batch_op.drop_index("ix_fragment_holdings")
        batch_op.create_index(batch_op.f("ix_fragment_holder_status"), ["holder", "status"], unique=False)

    with op.batch_alter_table("warehouse_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warehouse_receipt_owner"))
        batch_op.drop_index("ix_receipt_lot")

    op.drop_table("warehouse_receipt")
    with op.batch_alter_table("loan_program", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_program_bank"))

    op.drop_table("loan_program")
    op.drop_table("loan_collateral")
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_borrower"))
        batch_op.drop_index(batch_op.f("ix_loan_bank"))

    op.drop_table("loan")
    op.drop_table("commodity_price")
