"""receivables: receivables, fragments, offers, financings, exposures, party links

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:59:42.255179
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("exposure",
    sa.Column("bank", sa.String(length=42), nullable=False),
    sa.Column("debtor", sa.String(length=42), nullable=False),
    sa.Column("limit_units", sa.BigInteger(), nullable=False),
    sa.Column("used_units", sa.BigInteger(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("bank", "debtor")
    )
    op.create_table("financing",
    sa.Column("fragment_id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("root_id", sa.BigInteger(), nullable=False),
    sa.Column("bank", sa.String(length=42), nullable=False),
    sa.Column("seller", sa.String(length=42), nullable=False),
    sa.Column("debtor", sa.String(length=42), nullable=False),
    sa.Column("value_units", sa.BigInteger(), nullable=False),
    sa.Column("rate_bps", sa.Integer(), nullable=False),
    sa.Column("with_recourse", sa.Boolean(), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("price_units", sa.BigInteger(), nullable=True),
    sa.Column("days_to_maturity", sa.Integer(), nullable=True),
    sa.Column("requested_at", sa.BigInteger(), nullable=False),
    sa.Column("funded_at", sa.BigInteger(), nullable=True),
    sa.Column("recourse_debt_units", sa.BigInteger(), nullable=False),
    sa.Column("recourse_outstanding_units", sa.BigInteger(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("fragment_id")
    )
    with op.batch_alter_table("financing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_financing_bank"), ["bank"], unique=False)
        batch_op.create_index(batch_op.f("ix_financing_debtor"), ["debtor"], unique=False)
        batch_op.create_index(batch_op.f("ix_financing_seller"), ["seller"], unique=False)

    op.create_table("fragment",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("root_id", sa.BigInteger(), nullable=False),
    sa.Column("parent_id", sa.BigInteger(), nullable=True),
    sa.Column("depth", sa.Integer(), nullable=False),
    sa.Column("holder", sa.String(length=42), nullable=False),
    sa.Column("debtor", sa.String(length=42), nullable=False),
    sa.Column("due_date", sa.BigInteger(), nullable=False),
    sa.Column("value_units", sa.BigInteger(), nullable=False),
    sa.Column("original_units", sa.BigInteger(), nullable=False),
    sa.Column("locked_units", sa.BigInteger(), nullable=False),
    sa.Column("paid_units", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("financed", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("fragment", schema=None) as batch_op:
        batch_op.create_index("ix_fragment_holder_status", ["holder", "status"], unique=False)
        batch_op.create_index("ix_fragment_root", ["root_id", "id"], unique=False)

    op.create_table("ledger_setting",
    sa.Column("name", sa.String(length=64), nullable=False),
    sa.Column("value", sa.BigInteger(), nullable=False),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("name")
    )
    op.create_table("offer",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("fragment_id", sa.BigInteger(), nullable=False),
    sa.Column("root_id", sa.BigInteger(), nullable=False),
    sa.Column("child_id", sa.BigInteger(), nullable=True),
    sa.Column("sender", sa.String(length=42), nullable=False),
    sa.Column("recipient", sa.String(length=42), nullable=False),
    sa.Column("debtor", sa.String(length=42), nullable=False),
    sa.Column("amount_units", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
    sa.Column("closed_at", sa.BigInteger(), nullable=True),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_debtor"), ["debtor"], unique=False)
        batch_op.create_index(batch_op.f("ix_offer_fragment_id"), ["fragment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offer_recipient"), ["recipient"], unique=False)
        batch_op.create_index(batch_op.f("ix_offer_sender"), ["sender"], unique=False)

    op.create_table("party_link",
    sa.Column("party", sa.String(length=42), nullable=False),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("relations", sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint("party", "kind", "key")
    )
    with op.batch_alter_table("party_link", schema=None) as batch_op:
        batch_op.create_index("ix_party_link_asset", ["kind", "key"], unique=False)

    op.create_table("receivable",
    sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("supplier", sa.String(length=42), nullable=False),
    sa.Column("debtor", sa.String(length=42), nullable=False),
    sa.Column("origin", sa.String(length=16), nullable=False),
    sa.Column("face_units", sa.BigInteger(), nullable=False),
    sa.Column("repaid_units", sa.BigInteger(), nullable=False),
    sa.Column("due_date", sa.BigInteger(), nullable=False),
    sa.Column("invoice_hash", sa.String(length=66), nullable=False),
    sa.Column("po_hash", sa.String(length=66), nullable=True),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("fragment_count", sa.Integer(), nullable=False),
    sa.Column("late", sa.Boolean(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
    sa.Column("confirmed_at", sa.BigInteger(), nullable=True),
    sa.Column("last_repaid_at", sa.BigInteger(), nullable=True),
    sa.Column("updated_block", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("receivable", schema=None) as batch_op:
        batch_op.create_index("ix_receivable_debtor_due", ["debtor", "due_date"], unique=False)
        batch_op.create_index("ix_receivable_status_due", ["status", "due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_receivable_supplier"), ["supplier"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("receivable", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receivable_supplier"))
        batch_op.drop_index("ix_receivable_status_due")
        batch_op.drop_index("ix_receivable_debtor_due")

    op.drop_table("receivable")
    with op.batch_alter_table("party_link", schema=None) as batch_op:
        batch_op.drop_index("ix_party_link_asset")

    op.drop_table("party_link")
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_sender"))
        batch_op.drop_index(batch_op.f("ix_offer_recipient"))
        batch_op.drop_index(batch_op.f("ix_offer_fragment_id"))
        batch_op.drop_index(batch_op.f("ix_offer_debtor"))

    op.drop_table("offer")
    op.drop_table("ledger_setting")
    with op.batch_alter_table("fragment", schema=None) as batch_op:
        batch_op.drop_index("ix_fragment_root")
        batch_op.drop_index("ix_fragment_holder_status")

    op.drop_table("fragment")
    with op.batch_alter_table("financing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financing_seller"))
        batch_op.drop_index(batch_op.f("ix_financing_debtor"))
        batch_op.drop_index(batch_op.f("ix_financing_bank"))

    op.drop_table("financing")
    op.drop_table("exposure")
