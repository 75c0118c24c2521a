"""prepayment v2: the seller's guarantee (collateral, grace period) and its recorded debt

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 15:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("collateral_bps", sa.Integer()),
    ("grace_period", sa.BigInteger()),
    ("collateral_units", sa.BigInteger()),
    ("collateral_held_units", sa.BigInteger()),
    ("debt_to_bank_units", sa.BigInteger()),
    ("debt_to_buyer_units", sa.BigInteger()),
)


def upgrade() -> None:
    with op.batch_alter_table("prepayment", schema=None) as batch_op:
        for name, kind in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("prepayment", schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
