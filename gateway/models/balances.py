"""Settlement-token balances, rebuilt from Transfer events, with cumulative deposits and withdrawals."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from gateway.models.common import big


class Balance(SQLModel, table=True):
    __tablename__ = "balance"

    address: str = Field(primary_key=True, max_length=42)
    units: int = big(default=0, index=True)
    minted_units: int = big(default=0)
    burned_units: int = big(default=0)
    updated_block: int = big(default=0)


class BalancePublic(SQLModel):
    address: str
    balance: str
    balance_units: int
    minted: str
    minted_units: int
    burned: str
    burned_units: int


class BalancesPublic(SQLModel):
    data: list[BalancePublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")
