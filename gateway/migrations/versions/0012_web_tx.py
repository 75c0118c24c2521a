"""web: relayed transactions (write API idempotency and per-sender rate limit)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 16:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("tx_submission",
    sa.Column("tx_hash", sa.String(length=66), nullable=False),
    sa.Column("sender", sa.String(length=42), nullable=False),
    sa.Column("target", sa.String(length=42), nullable=False),
    sa.Column("nonce", sa.BigInteger(), nullable=False),
    sa.Column("submitted_at", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("tx_hash")
    )
    with op.batch_alter_table("tx_submission", schema=None) as batch_op:
        batch_op.create_index("ix_tx_submission_sender_at", ["sender", "submitted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tx_submission", schema=None) as batch_op:
        batch_op.drop_index("ix_tx_submission_sender_at")
    op.drop_table("tx_submission")
