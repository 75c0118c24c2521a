"""The audit trail: decoded contract events in chain order, for one party or one asset."""

from __future__ import annotations

import json
from typing import Annotated

from eth_utils import to_checksum_address
from fastapi import APIRouter, Path, Query
from sqlalchemy import ColumnElement, exists, select

from gateway.api import scoping
from gateway.api.deps import CurrentParty, SessionDep
from gateway.api.errors import FieldError, not_found
from gateway.api.pagination import MAX_INT, Address, PageParams, paginate, sorted_page
from gateway.models.common import table_of
from gateway.models.events import EventLog, EventPublic, EventRef, EventsPublic

router = APIRouter(prefix="/events", tags=["events"])
T = table_of(EventLog).c
R = table_of(EventRef).c
ASSET_KINDS = ("receivable", "fragment", "offer", "receipt", "loan", "program", "prepayment", "commodity")


def to_public(row: object) -> EventPublic:
    m = dict(row._mapping)  # type: ignore[attr-defined]
    m["args"] = json.loads(m["args"])
    return EventPublic(**m)


def _ref(kind: str, key: str) -> ColumnElement[bool]:
    return exists(select(R.event_id).where(R.kind == kind, R.ref == key, R.event_id == T.id))


@router.get("", response_model=EventsPublic, summary="Events that concern you, oldest first")
def read_events(
    party: CurrentParty,
    session: SessionDep,
    page: Annotated[PageParams, sorted_page("id")],
    counterparty: Annotated[Address | None, Query(description="events that also name this address")] = None,
    asset_type: Annotated[str | None, Query(pattern="^(" + "|".join(ASSET_KINDS) + ")$")] = None,
    asset_id: Annotated[int | None, Query(ge=0, le=MAX_INT)] = None,
    name: Annotated[str | None, Query(pattern=r"^[A-Za-z][A-Za-z0-9]{0,63}$", description="event name")] = None,
    contract: Annotated[str | None, Query(pattern=r"^[A-Za-z][A-Za-z0-9]{0,63}$")] = None,
    tx_hash: Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{64}$")] = None,
    from_block: Annotated[int | None, Query(ge=0, le=2**39)] = None,
    to_block: Annotated[int | None, Query(ge=0, le=2**39)] = None,
) -> EventsPublic:
    stmt = select(table_of(EventLog)).where(scoping.events(party))
    if counterparty is not None:
        stmt = stmt.where(_ref("party", to_checksum_address(counterparty)))
    if (asset_type is None) != (asset_id is None):
        raise FieldError(["query", "asset_id" if asset_id is None else "asset_type"],
                         "asset_type and asset_id go together")
    if asset_type is not None:
        stmt = stmt.where(_ref(asset_type, str(asset_id)))
    if name is not None:
        stmt = stmt.where(T.name == name)
    if contract is not None:
        stmt = stmt.where(T.contract == contract)
    if tx_hash is not None:
        stmt = stmt.where(T.tx_hash == tx_hash.lower())
    if from_block is not None:
        stmt = stmt.where(T.block_number >= from_block)
    if to_block is not None:
        stmt = stmt.where(T.block_number <= to_block)
    rows, count, cursor, prev = paginate(session, stmt, sorts={"id": T.id}, id_col=T.id, page=page, default="id")
    return EventsPublic(data=[to_public(r) for r in rows], count=count, next_cursor=cursor, prev_cursor=prev)


@router.get("/{event_id}", response_model=EventPublic, summary="One event")
def read_event(event_id: Annotated[int, Path(ge=0, le=MAX_INT)], party: CurrentParty,
               session: SessionDep) -> EventPublic:
    row = session.execute(
        select(table_of(EventLog)).where(T.id == event_id, scoping.events(party))
    ).first()
    if row is None:
        raise not_found("event", event_id)
    return to_public(row)
