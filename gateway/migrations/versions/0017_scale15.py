"""PostgreSQL: NOTIFY scf_indexed when the indexer's checkpoint moves (wakes the API replicas' event streams)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 18:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: One channel per database; the payload is "<schema> <head block>", so gateways in several schemas can share it.
CHANNEL = "scf_indexed"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: one process serves the streams, which poll
    # NOTIFY is transactional: listeners hear of a batch (or a rollback) only once it is committed
    op.execute(f"""
        CREATE FUNCTION scf_notify_indexed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_SCHEMA || ' ' || NEW.head_block);
            RETURN NULL;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER indexer_state_notify AFTER INSERT OR UPDATE OF head_block ON indexer_state
        FOR EACH ROW EXECUTE FUNCTION scf_notify_indexed()
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS indexer_state_notify ON indexer_state")
    op.execute("DROP FUNCTION IF EXISTS scf_notify_indexed()")
