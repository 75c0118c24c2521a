"""foundation: event log, participants, balances, indexer state

Revision ID: 0001
Revises:
Create Date: 2026-11-22 03:14:10.259589
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("auth_nonce",
    sa.Column("nonce", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
    sa.Column("expires_at", sa.BigInteger(), nullable=False),
    sa.Column("used_at", sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint("nonce")
    )
    with op.batch_alter_table("auth_nonce", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_nonce_expires_at"), ["expires_at"], unique=False)

    op.create_table("balance",
    sa.Column("address", sa.String(length=42), nullable=False),
    sa.Column("units", sa.BigInteger(), nullable=False),
    sa.Column("minted_units", sa.BigInteger(), nullable=False),
    sa.Column("burned_units", sa.BigInteger(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("address")
    )
    with op.batch_alter_table("balance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_balance_units"), ["units"], unique=False)

    op.create_table("change_log",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("block_number", sa.BigInteger(), nullable=False),
    sa.Column("table_name", sa.String(length=64), nullable=False),
    sa.Column("row_key", sa.Text(), nullable=False),
    sa.Column("old_row", sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_log_block_number"), ["block_number"], unique=False)

    op.create_table("event_log",
    sa.Column("block_number", sa.BigInteger(), nullable=False),
    sa.Column("block_hash", sa.String(length=66), nullable=False),
    sa.Column("block_time", sa.BigInteger(), nullable=False),
    sa.Column("tx_hash", sa.String(length=66), nullable=False),
    sa.Column("log_index", sa.Integer(), nullable=False),
    sa.Column("contract", sa.String(length=64), nullable=False),
    sa.Column("address", sa.String(length=42), nullable=False),
    sa.Column("name", sa.String(length=64), nullable=False),
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("args", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("tx_hash", "log_index", name="uq_event_log_tx_log")
    )
    with op.batch_alter_table("event_log", schema=None) as batch_op:
        batch_op.create_index("ix_event_log_name_id", ["name", "id"], unique=False)

    op.create_table("event_ref",
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("ref", sa.String(length=80), nullable=False),
    sa.Column("event_id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint("kind", "ref", "event_id")
    )
    with op.batch_alter_table("event_ref", schema=None) as batch_op:
        batch_op.create_index("ix_event_ref_event", ["event_id"], unique=False)

    op.create_table("indexed_block",
    sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("hash", sa.String(length=66), nullable=False),
    sa.Column("parent_hash", sa.String(length=66), nullable=False),
    sa.Column("timestamp", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("number")
    )
    op.create_table("indexer_state",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("chain_id", sa.BigInteger(), nullable=False),
    sa.Column("deployment_key", sa.String(length=66), nullable=False),
    sa.Column("start_block", sa.BigInteger(), nullable=False),
    sa.Column("head_block", sa.BigInteger(), nullable=False),
    sa.Column("head_hash", sa.String(length=66), nullable=False),
    sa.Column("head_time", sa.BigInteger(), nullable=False),
    sa.Column("final_block", sa.BigInteger(), nullable=False),
    sa.Column("events_total", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("chain_head", sa.BigInteger(), nullable=True),
    sa.Column("chain_head_time", sa.BigInteger(), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("halted_reason", sa.Text(), nullable=True),
    sa.Column("heartbeat_at", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    op.create_table("ledger_contract",
    sa.Column("address", sa.String(length=42), nullable=False),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("address")
    )
    op.create_table("participant",
    sa.Column("address", sa.String(length=42), nullable=False),
    sa.Column("identity_hash", sa.String(length=66), nullable=False),
    sa.Column("kyc_expiry", sa.BigInteger(), nullable=False),
    sa.Column("admitted_at", sa.BigInteger(), nullable=False),
    sa.Column("roles", sa.Integer(), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("suspended_reason", sa.Text(), nullable=True),
    sa.Column("admitted_block", sa.BigInteger(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("address")
    )


def downgrade() -> None:
    op.drop_table("participant")
    op.drop_table("ledger_contract")
    op.drop_table("indexer_state")
    op.drop_table("indexed_block")
    with op.batch_alter_table("event_ref", schema=None) as batch_op:
        batch_op.drop_index("ix_event_ref_event")

    op.drop_table("event_ref")
    with op.batch_alter_table("event_log", schema=None) as batch_op:
        batch_op.drop_index("ix_event_log_name_id")

    op.drop_table("event_log")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_log_block_number"))

    op.drop_table("change_log")
    with op.batch_alter_table("balance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_balance_units"))

    op.drop_table("balance")
    with op.batch_alter_table("auth_nonce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_nonce_expires_at"))

    op.drop_table("auth_nonce")
