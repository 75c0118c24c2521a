"""The filters every list route shares, so that one name means one thing on every resource (issue 10):

- ``status`` — the row's status, by its name; repeat it for several (``?status=active&status=margin_called``). A
  hyphen may stand for the underscore (``margin-called``), as the CLI writes it.
- a **party filter** named after the part a party plays in the row (``supplier``, ``debtor``, ``holder``, ``bank``,
  ``seller``, ``buyer``, ``warehouse``, ``owner``, ``lien_holder``, ``borrower``, ``sender``, ``recipient``): only
  rows where that address plays that part;
- ``counterparty`` — rows where the address plays any part;
- ``due_from`` / ``due_to`` — unix seconds, both included: when the next payment (or action) is due;
- ``min_units`` / ``max_units`` — the row's principal amount in the smallest unit (the face of a receivable, the
  value of a fragment or financing, an offer's amount, a loan's principal, a deal's price, a line's limit).

A value the schema does not allow answers 422 naming the parameter; a range whose bounds cross is allowed and
simply empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from eth_utils import to_checksum_address
from fastapi import Query
from sqlalchemy import ColumnElement, or_

from gateway.api.errors import FieldError
from gateway.api.pagination import Address

#: Status filter: repeatable; its values are listed per route in the OpenAPI document (gateway.api.schema).
StatusQ = Annotated[list[str] | None, Query(description="status name; repeat for several")]


#: A party filter (named after the part: supplier, debtor, holder, bank, ...).
PartyQ = Annotated[Address | None, Query(description="only rows where this address plays the part the parameter "
                                         "names (0x-prefixed, any case)")]


def statuses(values: Sequence[str] | None, names: Mapping[str, int]) -> list[int] | None:
    """The enum values of a status filter, or None without one; 422 naming a value that is not a status."""
    if not values:
        return None
    out = []
    for value in values:
        key = value.strip().lower().replace("-", "_")
        if key not in names:
            raise FieldError(["query", "status"], f"status {value!r} is not one of: {', '.join(names)}")
        out.append(names[key])
    return out


def where_status(stmt: Any, col: ColumnElement[Any], values: Sequence[str] | None, names: Mapping[str, int]) -> Any:
    wanted = statuses(values, names)
    return stmt if wanted is None else stmt.where(col.in_(wanted))


def where_parties(stmt: Any, **pairs: tuple[ColumnElement[Any], str | None]) -> Any:
    """`pairs`: name -> (column, address or None); every given address must play its part."""
    for col, who in pairs.values():
        if who is not None:
            stmt = stmt.where(col == to_checksum_address(who))
    return stmt


def where_counterparty(stmt: Any, who: str | None, *cols: ColumnElement[Any]) -> Any:
    if who is None:
        return stmt
    address = to_checksum_address(who)
    return stmt.where(or_(*(c == address for c in cols)))


def where_range(stmt: Any, col: Any, low: int | None, high: int | None) -> Any:
    if low is not None:
        stmt = stmt.where(col >= low)
    if high is not None:
        stmt = stmt.where(col <= high)
    return stmt
