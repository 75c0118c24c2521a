"""Participants as the registry's events describe them, and the ledger contracts it flags."""

from __future__ import annotations

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from gateway.models.common import big


class ParticipantBase(SQLModel):
    address: str = Field(primary_key=True, max_length=42)
    name: str | None = Field(default=None, max_length=64, description="display name, a label beside the address "
                             "(set at admission or later by the operator or the participant); null if none")
    identity_hash: str = Field(max_length=66)
    kyc_expiry: int = big()
    admitted_at: int = big()


class Participant(ParticipantBase, table=True):
    __tablename__ = "participant"

    roles: int  # bitmask of sdk.types.Role
    status: int  # sdk.types.ParticipantStatus
    suspended_reason: str | None = Field(default=None, sa_type=Text)
    admitted_block: int = big()
    updated_block: int = big()


class ParticipantPublic(ParticipantBase):
    roles: list[str]
    status: str
    suspended_reason: str | None = None


class ParticipantsPublic(SQLModel):
    data: list[ParticipantPublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")


class LedgerContract(SQLModel, table=True):
    """An address the registry lets hold funds and claims without being a participant."""

    __tablename__ = "ledger_contract"

    address: str = Field(primary_key=True, max_length=42)
    enabled: bool
    updated_block: int = big()


class PartyName(SQLModel):
    """A party as people read it: the address (the key), its display name if it has one, and the label the
    CLI and summaries print, ``Acme Steel (0x1234…abcd)``."""

    address: str = Field(max_length=42)
    name: str | None = None
    label: str
