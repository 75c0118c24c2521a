"""risk pool: recorded losses, risk-pool programs, their members and claims

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 16:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("loss",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("source", sa.String(length=42), nullable=False),
    sa.Column("asset_id", sa.BigInteger(), nullable=False),
    sa.Column("bank", sa.String(length=42), nullable=False),
    sa.Column("debtor", sa.String(length=42), nullable=False),
    sa.Column("principal_units", sa.BigInteger(), nullable=False),
    sa.Column("interest_units", sa.BigInteger(), nullable=False),
    sa.Column("recovered_units", sa.BigInteger(), nullable=False),
    sa.Column("recorded_at", sa.BigInteger(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("loss", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loss_bank"), ["bank"], unique=False)
        batch_op.create_index(batch_op.f("ix_loss_debtor"), ["debtor"], unique=False)

    op.create_table("risk_program",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("start", sa.BigInteger(), nullable=False),
    sa.Column("end", sa.BigInteger(), nullable=False),
    sa.Column("deposited_units", sa.BigInteger(), nullable=False),
    sa.Column("balance_units", sa.BigInteger(), nullable=False),
    sa.Column("paid_units", sa.BigInteger(), nullable=False),
    sa.Column("open_units", sa.BigInteger(), nullable=False),
    sa.Column("recovered_units", sa.BigInteger(), nullable=False),
    sa.Column("claim_count", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    op.create_table("risk_program_member",
    sa.Column("program_id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("account", sa.String(length=42), nullable=False),
    sa.Column("contributor", sa.Boolean(), nullable=False),
    sa.Column("bank", sa.Boolean(), nullable=False),
    sa.Column("deposited_units", sa.BigInteger(), nullable=False),
    sa.Column("paid_units", sa.BigInteger(), nullable=False),
    sa.Column("recovered_units", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("program_id", "account")
    )
    op.create_table("risk_claim",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("program_id", sa.BigInteger(), nullable=False),
    sa.Column("loss_id", sa.BigInteger(), nullable=False),
    sa.Column("bank", sa.String(length=42), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("net_loss_units", sa.BigInteger(), nullable=False),
    sa.Column("entitlement_units", sa.BigInteger(), nullable=False),
    sa.Column("paid_units", sa.BigInteger(), nullable=False),
    sa.Column("returned_units", sa.BigInteger(), nullable=False),
    sa.Column("filed_at", sa.BigInteger(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("risk_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_claim_bank"), ["bank"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_claim_loss_id"), ["loss_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_claim_program_id"), ["program_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_claim_program_id"))
        batch_op.drop_index(batch_op.f("ix_risk_claim_loss_id"))
        batch_op.drop_index(batch_op.f("ix_risk_claim_bank"))

    op.drop_table("risk_claim")
    op.drop_table("risk_program_member")
    op.drop_table("risk_program")
    with op.batch_alter_table("loss", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loss_debtor"))
        batch_op.drop_index(batch_op.f("ix_loss_bank"))

    op.drop_table("loss")
