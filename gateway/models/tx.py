"""The write API's record of relayed transactions: idempotency and the per-sender rate limit across replicas."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from gateway.models.common import big


class TxSubmission(SQLModel, table=True):
    """A signed transaction the gateway relayed (once per hash)."""

    __tablename__ = "tx_submission"
    __table_args__ = (Index("ix_tx_submission_sender_at", "sender", "submitted_at"),)

    tx_hash: str = Field(primary_key=True, max_length=66)
    sender: str = Field(max_length=42)
    target: str = Field(max_length=42)
    nonce: int = big()
    submitted_at: int = big()
