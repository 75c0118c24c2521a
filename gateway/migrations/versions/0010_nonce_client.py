"""nonce_client: the client address on each login nonce, for the per-client rate limit

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 16:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auth_nonce", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client", sa.String(length=64), nullable=False, server_default=""))
        batch_op.create_index("ix_auth_nonce_client_created", ["client", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auth_nonce", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_nonce_client_created")
        batch_op.drop_column("client")
