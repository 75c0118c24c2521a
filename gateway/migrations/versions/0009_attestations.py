"""attestations: attested operating data (commitments), consents, uploaded openings

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 15:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("attestation",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("subject", sa.String(length=42), nullable=False),
    sa.Column("provider", sa.String(length=42), nullable=False),
    sa.Column("metric", sa.String(length=32), nullable=False),
    sa.Column("period", sa.Integer(), nullable=False),
    sa.Column("commitment", sa.String(length=66), nullable=False),
    sa.Column("source_hash", sa.String(length=66), nullable=False),
    sa.Column("supersedes", sa.BigInteger(), nullable=False),
    sa.Column("superseded_by", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("attested_at", sa.BigInteger(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("attestation", schema=None) as batch_op:
        batch_op.create_index("ix_attestation_subject_metric", ["subject", "metric", "period"], unique=False)
        batch_op.create_index(batch_op.f("ix_attestation_provider"), ["provider"], unique=False)

    op.create_table("consent",
    sa.Column("owner", sa.String(length=42), nullable=False),
    sa.Column("bank", sa.String(length=42), nullable=False),
    sa.Column("granted_at", sa.BigInteger(), nullable=False),
    sa.Column("expires_at", sa.BigInteger(), nullable=False),
    sa.Column("revoked_at", sa.BigInteger(), nullable=True),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("owner", "bank")
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_bank"), ["bank"], unique=False)

    op.create_table("attestation_opening",
    sa.Column("attestation_id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("value", sa.String(length=78), nullable=False),
    sa.Column("salt", sa.String(length=66), nullable=False),
    sa.Column("uploaded_by", sa.String(length=42), nullable=False),
    sa.Column("uploaded_at", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("attestation_id")
    )


def downgrade() -> None:
    op.drop_table("attestation_opening")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_bank"))
    op.drop_table("consent")
    with op.batch_alter_table("attestation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attestation_provider"))
        batch_op.drop_index("ix_attestation_subject_metric")
    op.drop_table("attestation")
