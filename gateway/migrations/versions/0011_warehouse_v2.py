"""warehouse v2: program caps and allow-lists, foreclosure seized quantity, price bands, issuer approvals

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 15:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("loan_program", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cap_units", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("outstanding_units", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("warehouses_listed", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("borrowers_listed", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seized_quantity", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("commodity_price", schema=None) as batch_op:
        batch_op.add_column(sa.Column("band_bps", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("proposed_price_units", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("proposed_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("proposer", sa.String(length=42), nullable=True))
    op.create_table("loan_program_listing",
    sa.Column("program_id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("account", sa.String(length=42), nullable=False),
    sa.PrimaryKeyConstraint("program_id", "kind", "account")
    )
    op.create_table("warehouse_issuer_approval",
    sa.Column("warehouse", sa.String(length=42), nullable=False),
    sa.Column("manager", sa.String(length=42), nullable=False),
    sa.PrimaryKeyConstraint("warehouse", "manager")
    )


def downgrade() -> None:
    op.drop_table("warehouse_issuer_approval")
    op.drop_table("loan_program_listing")
    with op.batch_alter_table("commodity_price", schema=None) as batch_op:
        batch_op.drop_column("proposer")
        batch_op.drop_column("proposed_at")
        batch_op.drop_column("proposed_price_units")
        batch_op.drop_column("band_bps")
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.drop_column("seized_quantity")
    with op.batch_alter_table("loan_program", schema=None) as batch_op:
        batch_op.drop_column("borrowers_listed")
        batch_op.drop_column("warehouses_listed")
        batch_op.drop_column("outstanding_units")
        batch_op.drop_column("cap_units")
