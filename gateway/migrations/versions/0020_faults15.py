"""Indexes on fragment and financing status: /v1/alerts finds defaulted fragments and recoursed financings
without reading every row (issue 15: at a million receivables these were sequential scans)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 21:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_fragment_status", "fragment", ["status"])
    op.create_index("ix_financing_status", "financing", ["status"])


def downgrade() -> None:
    op.drop_index("ix_financing_status", table_name="financing")
    op.drop_index("ix_fragment_status", table_name="fragment")
