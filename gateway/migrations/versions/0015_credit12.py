"""credit lines, receivables mode: receivable fragments pledged to lines

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 18:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("credit_pledge",
    sa.Column("fragment_id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("line_id", sa.BigInteger(), nullable=False),
    sa.Column("borrower", sa.String(length=42), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("value_units", sa.BigInteger(), nullable=False),
    sa.Column("collected_units", sa.BigInteger(), nullable=False),
    sa.Column("to_line_units", sa.BigInteger(), nullable=False),
    sa.Column("to_borrower_units", sa.BigInteger(), nullable=False),
    sa.Column("due_date", sa.BigInteger(), nullable=False),
    sa.Column("pledged_at", sa.BigInteger(), nullable=False),
    sa.Column("released_at", sa.BigInteger(), nullable=True),
    sa.Column("return_offer_id", sa.BigInteger(), nullable=True),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("fragment_id")
    )
    with op.batch_alter_table("credit_pledge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_pledge_borrower"), ["borrower"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_pledge_line_id"), ["line_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credit_pledge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_pledge_line_id"))
        batch_op.drop_index(batch_op.f("ix_credit_pledge_borrower"))

    op.drop_table("credit_pledge")
