"""Settlement-token balances: yours, or everyone's for the regulator."""

from __future__ import annotations

from typing import Annotated

from eth_utils import to_checksum_address
from fastapi import APIRouter, Path
from sqlalchemy import select

from gateway.api import scoping
from gateway.api.deps import CurrentParty, SessionDep
from gateway.api.errors import not_found
from gateway.api.pagination import PageParams, Units, paginate, sorted_page
from gateway.models.balances import Balance, BalancePublic, BalancesPublic
from gateway.models.common import money, table_of

router = APIRouter(prefix="/balances", tags=["balances"])
T = table_of(Balance).c


def to_public(row: object) -> BalancePublic:
    m = row._mapping  # type: ignore[attr-defined]
    return BalancePublic(
        address=m["address"], balance=money(m["units"]), balance_units=m["units"], minted=money(m["minted_units"]),
        minted_units=m["minted_units"], burned=money(m["burned_units"]), burned_units=m["burned_units"],
    )


@router.get("", response_model=BalancesPublic, summary="Settlement-token balances visible to you")
def read_balances(
    party: CurrentParty, session: SessionDep, page: Annotated[PageParams, sorted_page("address", "balance")],
    min_units: Units | None = None,
    max_units: Units | None = None,
) -> BalancesPublic:
    stmt = select(table_of(Balance)).where(scoping.balances(party))
    if min_units is not None:
        stmt = stmt.where(T.units >= min_units)
    if max_units is not None:
        stmt = stmt.where(T.units <= max_units)
    rows, count, cursor, prev = paginate(session, stmt, sorts={"address": T.address, "balance": T.units},
                                   id_col=T.address, page=page, default="address")
    return BalancesPublic(data=[to_public(r) for r in rows], count=count, next_cursor=cursor, prev_cursor=prev)


@router.get("/{address}", response_model=BalancePublic, summary="One balance")
def read_balance(
    address: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")], party: CurrentParty, session: SessionDep
) -> BalancePublic:
    checksummed = to_checksum_address(address)
    row = session.execute(
        select(table_of(Balance)).where(T.address == checksummed, scoping.balances(party))
    ).first()
    if row is not None:
        return to_public(row)
    if checksummed == party.address:  # no token movement yet
        return BalancePublic(address=checksummed, balance=money(0), balance_units=0, minted=money(0), minted_units=0,
                             burned=money(0), burned_units=0)
    raise not_found("balance", checksummed)
