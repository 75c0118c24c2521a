"""The indexer's own bookkeeping: checkpoint, recent block hashes, and the change log for unfinalized blocks."""

from __future__ import annotations

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from gateway.models.common import AUTO_ID, big


class IndexerState(SQLModel, table=True):
    """One row: where indexing stands. The checkpoint columns change only in the same transaction as the rows
    derived from the blocks up to it; the status columns are a heartbeat for /health."""

    __tablename__ = "indexer_state"

    id: int = Field(default=1, primary_key=True)
    chain_id: int = big()
    deployment_key: str = Field(max_length=66)
    start_block: int = big()
    # checkpoint: the last block whose events are all applied
    head_block: int = big()
    head_hash: str = Field(max_length=66)
    head_time: int = big(default=0)
    # blocks at or below this are final: no change log is kept for them, and a reorg below it halts the indexer
    final_block: int = big()
    events_total: int = big(default=0)
    # heartbeat
    status: str = Field(default="starting", max_length=16)
    chain_head: int | None = big(default=None, nullable=True)
    chain_head_time: int | None = big(default=None, nullable=True)
    last_error: str | None = Field(default=None, sa_type=Text)
    halted_reason: str | None = Field(default=None, sa_type=Text)
    heartbeat_at: int = big(default=0)


class IndexedBlock(SQLModel, table=True):
    """Hashes of indexed blocks that are not final yet (plus the checkpoint), for the parent-hash check."""

    __tablename__ = "indexed_block"

    number: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    hash: str = Field(max_length=66)
    parent_hash: str = Field(max_length=66)
    timestamp: int = big()


class ChangeLog(SQLModel, table=True):
    """The value a projection row had before an unfinalized block changed it (None: the block created it).

    Rolling back to block B replays entries above B newest first. Entries are pruned once their block is final.
    """

    __tablename__ = "change_log"

    id: int | None = Field(default=None, primary_key=True, sa_type=AUTO_ID)
    block_number: int = big(index=True)
    table_name: str = Field(max_length=64)
    row_key: str = Field(sa_type=Text)
    old_row: str | None = Field(default=None, sa_type=Text)
