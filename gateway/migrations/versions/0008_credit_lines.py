"""credit lines: lines and tranches

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 15:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("credit_line",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("bank", sa.String(length=42), nullable=False),
    sa.Column("borrower", sa.String(length=42), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("payee_rule", sa.Integer(), nullable=False),
    sa.Column("limit_units", sa.BigInteger(), nullable=False),
    sa.Column("principal_units", sa.BigInteger(), nullable=False),
    sa.Column("interest_units", sa.BigInteger(), nullable=False),
    sa.Column("rate_bps", sa.Integer(), nullable=False),
    sa.Column("surcharge_bps", sa.Integer(), nullable=False),
    sa.Column("start", sa.BigInteger(), nullable=False),
    sa.Column("expiry", sa.BigInteger(), nullable=False),
    sa.Column("max_tenor", sa.BigInteger(), nullable=False),
    sa.Column("grace", sa.BigInteger(), nullable=False),
    sa.Column("payee_count", sa.Integer(), nullable=False),
    sa.Column("draw_count", sa.Integer(), nullable=False),
    sa.Column("drawn_units", sa.BigInteger(), nullable=False),
    sa.Column("principal_repaid_units", sa.BigInteger(), nullable=False),
    sa.Column("interest_paid_units", sa.BigInteger(), nullable=False),
    sa.Column("recovered_units", sa.BigInteger(), nullable=False),
    sa.Column("loss_principal_units", sa.BigInteger(), nullable=True),
    sa.Column("loss_interest_units", sa.BigInteger(), nullable=True),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
    sa.Column("defaulted_at", sa.BigInteger(), nullable=True),
    sa.Column("closed_at", sa.BigInteger(), nullable=True),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("credit_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_line_bank"), ["bank"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_line_borrower"), ["borrower"], unique=False)

    op.create_table("credit_tranche",
    sa.Column("line_id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("tranche_id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("payee", sa.String(length=42), nullable=False),
    sa.Column("amount_units", sa.BigInteger(), nullable=False),
    sa.Column("principal_units", sa.BigInteger(), nullable=False),
    sa.Column("purpose_ref", sa.String(length=66), nullable=False),
    sa.Column("drawn_at", sa.BigInteger(), nullable=False),
    sa.Column("due", sa.BigInteger(), nullable=False),
    sa.Column("repaid_at", sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint("line_id", "tranche_id")
    )
    with op.batch_alter_table("credit_tranche", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_tranche_payee"), ["payee"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credit_tranche", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_tranche_payee"))

    op.drop_table("credit_tranche")
    with op.batch_alter_table("credit_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_line_borrower"))
        batch_op.drop_index(batch_op.f("ix_credit_line_bank"))

    op.drop_table("credit_line")
