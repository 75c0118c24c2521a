"""Shared column types and public-model helpers.

Money leaves the gateway twice, never as a float: a decimal string in token units (``"1234.56"``) and an integer in
the smallest unit (``123456``). Timestamps are unix seconds (block time).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, Table
from sqlmodel import Field, SQLModel

from sdk.money import format_units

#: 64-bit everywhere; an integer primary key that autoincrements on SQLite too.
AUTO_ID = BigInteger().with_variant(Integer(), "sqlite")


def big(**kwargs: Any) -> Any:
    """A 64-bit integer column (amounts in the smallest unit, timestamps, block numbers)."""
    return Field(sa_type=BigInteger, **kwargs)


def money(units: int) -> str:
    """Smallest units as a decimal string in token units."""
    return format_units(units)


def table_of(model: type[SQLModel] | Table) -> Table:
    """The Core table of a SQLModel table class (for bulk statements and typed column access)."""
    if isinstance(model, Table):
        return model
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table
