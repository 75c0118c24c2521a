"""losses: when each loss occurred, as its source shows it (a risk pool's period is checked against it)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 18:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("loss", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occurred_at", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("loss", schema=None) as batch_op:
        batch_op.drop_column("occurred_at")
