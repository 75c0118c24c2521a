"""The append-only event log (the audit trail) and what each event refers to (parties, assets)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.models.common import big

#: Event ids sort in chain order: block number in the high bits, the log's index in its block in the low bits.
LOG_INDEX_BITS = 24


def event_id(block_number: int, log_index: int) -> int:
    if not 0 <= log_index < 1 << LOG_INDEX_BITS:
        raise ValueError(f"log index {log_index} out of range")
    return (block_number << LOG_INDEX_BITS) | log_index


def first_event_id(block_number: int) -> int:
    return block_number << LOG_INDEX_BITS


class EventLogBase(SQLModel):
    block_number: int = big()
    block_hash: str = Field(max_length=66)
    block_time: int = big()
    tx_hash: str = Field(max_length=66)
    log_index: int
    contract: str = Field(max_length=64)
    address: str = Field(max_length=42)
    name: str = Field(max_length=64)


class EventLog(EventLogBase, table=True):
    """One decoded contract event, keyed by (transaction hash, log index). Never updated; rows of orphaned blocks
    are deleted by a rollback."""

    __tablename__ = "event_log"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index", name="uq_event_log_tx_log"),
        Index("ix_event_log_name_id", "name", "id"),
    )

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    args: str = Field(sa_type=Text)  # JSON: the event's fields, ints as ints, bytes as 0x-hex


class EventRef(SQLModel, table=True):
    """Links an event to a party (kind ``party``, an address) or an asset (``receivable``, ``receipt``...)."""

    __tablename__ = "event_ref"
    __table_args__ = (Index("ix_event_ref_event", "event_id"),)

    kind: str = Field(primary_key=True, max_length=16)
    ref: str = Field(primary_key=True, max_length=80)
    event_id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})


class EventPublic(EventLogBase):
    id: int
    args: dict[str, Any]


class EventsPublic(SQLModel):
    data: list[EventPublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")
