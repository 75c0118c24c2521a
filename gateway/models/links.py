"""Who is involved with what: one row per (party, asset). Scoping filters through it inside the SQL query."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from gateway.models.common import big

# relation bits: why the party sees the asset
ISSUER = 1  # registered or issued it
DEBTOR = 2  # owes it
HOLDER = 4  # holds or held it (or a fragment of it)
BANK = 8  # was asked to finance it, financed it, or lends against it
SELLER = 16  # sold it to a bank
WAREHOUSE = 32  # issued it (a warehouse receipt)
COUNTERPARTY = 64  # any other named party (offer recipient, buyer, seller of a prepayment deal...)


class PartyLink(SQLModel, table=True):
    __tablename__ = "party_link"
    __table_args__ = (Index("ix_party_link_asset", "kind", "key"),)

    party: str = Field(primary_key=True, max_length=42)
    kind: str = Field(primary_key=True, max_length=16)
    key: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    relations: int = 0


class LedgerSetting(SQLModel, table=True):
    """Configuration values the contracts announce by event (e.g. the receivables' grace period)."""

    __tablename__ = "ledger_setting"

    name: str = Field(primary_key=True, max_length=64)
    value: int = big()
    updated_block: int = big()
