"""Prepayment (confirmed-warehouse) agreements."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import select
from sqlmodel import Session

from gateway.api import scoping
from gateway.api.deps import CurrentParty, SessionDep
from gateway.api.errors import not_found
from gateway.api.filters import PartyQ, StatusQ, where_counterparty, where_parties, where_range, where_status
from gateway.api.pagination import MAX_INT, Address, PageParams, Units, paginate, sorted_page
from gateway.models.common import money, table_of
from gateway.models.prepayments import (
    InstalmentPublic,
    Prepayment,
    PrepaymentInstalment,
    PrepaymentPublic,
    PrepaymentsPublic,
)
from sdk.types import PrepaymentStatus

router = APIRouter(tags=["prepayments"])
P = table_of(Prepayment).c
STATUS = {m.name.lower(): int(m) for m in PrepaymentStatus if m.name != "NONE"}
MONEY = ("unit_price", "price", "margin", "principal", "principal_repaid", "interest_paid", "outstanding", "collateral",
         "collateral_held", "debt_to_bank", "debt_to_buyer")


def schedules(session: Session, ids: list[int]) -> dict[int, list[InstalmentPublic]]:
    i = table_of(PrepaymentInstalment).c
    out: dict[int, list[InstalmentPublic]] = {pid: [] for pid in ids}
    for pid, seq, due, units in session.execute(
        select(i.prepayment_id, i.seq, i.due_date, i.principal_units).where(i.prepayment_id.in_(ids))
        .order_by(i.prepayment_id, i.seq)
    ):
        out[pid].append(InstalmentPublic(seq=seq, due_date=due, principal=money(units), principal_units=units))
    return out


def prepayment_public(m: Any, schedule: list[InstalmentPublic]) -> PrepaymentPublic:
    fields: dict[str, Any] = {k: m[k] for k in PrepaymentPublic.model_fields if k in m.keys() and k != "status"}
    for name in MONEY:
        fields[name] = money(m[f"{name}_units"])
        fields[f"{name}_units"] = m[f"{name}_units"]
    return PrepaymentPublic(**fields, status=PrepaymentStatus(m["status"]).name.lower(), schedule=schedule)


@router.get("/prepayments", response_model=PrepaymentsPublic,
            summary="Prepayment deals you are buyer, seller, bank or warehouse of")
def read_prepayments(
    party: CurrentParty, session: SessionDep,
    page: Annotated[PageParams, sorted_page("id", "maturity", "price")],
    status: StatusQ = None,
    buyer: PartyQ = None, seller: PartyQ = None, bank: PartyQ = None, warehouse: PartyQ = None,
    counterparty: Annotated[Address | None, Query(description="buyer, seller, bank or warehouse")] = None,
    due_from: Annotated[int | None, Query(ge=0, le=MAX_INT, description="unix seconds: maturity at or after")] = None,
    due_to: Annotated[int | None, Query(ge=0, le=MAX_INT, description="unix seconds: maturity at or before")] = None,
    min_units: Units | None = None, max_units: Units | None = None,
) -> PrepaymentsPublic:
    stmt = select(table_of(Prepayment)).where(scoping.prepayments(party))
    stmt = where_status(stmt, P.status, status, STATUS)
    stmt = where_parties(stmt, buyer=(P.buyer, buyer), seller=(P.seller, seller), bank=(P.bank, bank),
                         warehouse=(P.warehouse, warehouse))
    stmt = where_counterparty(stmt, counterparty, P.buyer, P.seller, P.bank, P.warehouse)
    stmt = where_range(where_range(stmt, P.maturity, due_from, due_to), P.price_units, min_units, max_units)
    rows, count, cursor, prev = paginate(
        session, stmt, sorts={"id": P.id, "maturity": P.maturity, "price": P.price_units}, id_col=P.id, page=page,
        default="id")
    plans = schedules(session, [r._mapping["id"] for r in rows])
    return PrepaymentsPublic(data=[prepayment_public(r._mapping, plans[r._mapping["id"]]) for r in rows],
                             count=count, next_cursor=cursor, prev_cursor=prev)


@router.get("/prepayments/{prepayment_id}", response_model=PrepaymentPublic, summary="One prepayment deal")
def read_prepayment(prepayment_id: Annotated[int, Path(ge=0, le=MAX_INT)], party: CurrentParty,
                    session: SessionDep) -> PrepaymentPublic:
    row = session.execute(select(table_of(Prepayment)).where(P.id == prepayment_id,
                                                              scoping.prepayments(party))).first()
    if row is None:
        raise not_found("prepayment", prepayment_id)
    return prepayment_public(row._mapping, schedules(session, [prepayment_id])[prepayment_id])
