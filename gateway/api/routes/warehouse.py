"""Warehouse receipts and pledge loans."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import and_, case, or_, select
from sqlmodel import Session

from gateway.api import scoping
from gateway.api.deps import ContextDep, CurrentParty, SessionDep, ledger_now
from gateway.api.errors import not_found
from gateway.api.filters import PartyQ, StatusQ, where_counterparty, where_parties, where_range, where_status
from gateway.api.pagination import MAX_INT, Address, PageParams, Units, paginate, sorted_page
from gateway.models.common import money, table_of
from gateway.models.warehouse import (
    CommodityPrice,
    Loan,
    LoanCollateral,
    LoanProgram,
    LoanProgramPublic,
    LoanProgramsPublic,
    LoanPublic,
    LoansPublic,
    PricePublic,
    PricesPublic,
    WarehouseReceipt,
    WarehouseReceiptPublic,
    WarehouseReceiptsPublic,
)
from sdk.types import LoanStatus, ProgramStatus, ReceiptStatus
from sdk.warehouse import accrued_interest, goods_value, ltv_bps

router = APIRouter(tags=["warehouse"])
W = table_of(WarehouseReceipt).c
L = table_of(Loan).c
Id = Annotated[int, Path(ge=0, le=MAX_INT)]
RECEIPT_STATUS = {m.name.lower(): int(m) for m in ReceiptStatus if m.name != "NONE"}
LOAN_STATUS = {m.name.lower(): int(m) for m in LoanStatus if m.name != "NONE"}
OPEN_LOANS = (int(LoanStatus.ACTIVE), int(LoanStatus.MARGIN_CALLED))
LOAN_DUE = "unix seconds, of when the borrower must next act: the margin-call deadline while margin-called, else " \
    "the maturity"
Code = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.\-]{1,16}$")]


def is_presented(m: Any) -> bool:
    """A free receipt whose owner approved its warehouse for it: presented for delivery out."""
    return m["status"] == int(ReceiptStatus.FREE) and m["approved"] is not None and m["approved"] == m["warehouse"]


def receipt_public(m: Any) -> WarehouseReceiptPublic:
    skip = ("status", "presented")
    return WarehouseReceiptPublic(**{k: m[k] for k in WarehouseReceiptPublic.model_fields if k not in skip},
                                  status=ReceiptStatus(m["status"]).name.lower(), presented=is_presented(m))


@router.get("/warehouse-receipts", response_model=WarehouseReceiptsPublic,
            summary="Receipts you own or owned, issued (warehouse), or lend against (bank)")
def read_warehouse_receipts(
    party: CurrentParty, session: SessionDep,
    page: Annotated[PageParams, sorted_page("id", "quantity", "issued_at")],
    status: StatusQ = None,
    owner: PartyQ = None, warehouse: PartyQ = None, lien_holder: PartyQ = None,
    counterparty: Annotated[Address | None, Query(description="owner, warehouse or lien holder")] = None,
    commodity: Code = None, lot_id: Code = None,
    presented: Annotated[bool | None, Query(description="only receipts presented for delivery out (true) or "
                                            "not (false)")] = None,
    min_quantity: Annotated[int | None, Query(ge=0, le=MAX_INT)] = None,
    max_quantity: Annotated[int | None, Query(ge=0, le=MAX_INT)] = None,
) -> WarehouseReceiptsPublic:
    stmt = scoping.join_linked(select(table_of(WarehouseReceipt)), party, "receipt", W.id)
    stmt = where_status(stmt, W.status, status, RECEIPT_STATUS)
    stmt = where_parties(stmt, owner=(W.owner, owner), warehouse=(W.warehouse, warehouse),
                         lien_holder=(W.lien_holder, lien_holder))
    stmt = where_counterparty(stmt, counterparty, W.owner, W.warehouse, W.lien_holder)
    if presented is not None:
        shown = and_(W.status == int(ReceiptStatus.FREE), W.approved == W.warehouse)
        stmt = stmt.where(shown if presented else or_(~shown, W.approved.is_(None)))  # NULL: not approved
    if commodity is not None:
        stmt = stmt.where(W.commodity == commodity)
    if lot_id is not None:
        stmt = stmt.where(W.lot_id == lot_id)
    if min_quantity is not None:
        stmt = stmt.where(W.quantity >= min_quantity)
    if max_quantity is not None:
        stmt = stmt.where(W.quantity <= max_quantity)
    rows, count, cursor, prev = paginate(session, stmt, sorts={"id": W.id, "quantity": W.quantity,
                                                         "issued_at": W.issued_at},
                                   id_col=W.id, page=page, default="id")
    return WarehouseReceiptsPublic(data=[receipt_public(r._mapping) for r in rows], count=count,
                                   next_cursor=cursor, prev_cursor=prev)


@router.get("/warehouse-receipts/{receipt_id}", response_model=WarehouseReceiptPublic, summary="One receipt")
def read_warehouse_receipt(receipt_id: Id, party: CurrentParty, session: SessionDep) -> WarehouseReceiptPublic:
    row = session.execute(select(table_of(WarehouseReceipt)).where(W.id == receipt_id,
                                                                    scoping.receipts(party))).first()
    if row is None:
        raise not_found("receipt", receipt_id)
    return receipt_public(row._mapping)


# ------------------------------------------------------------------------------------------ loans
def latest_prices(session: Session) -> dict[str, int]:
    p = table_of(CommodityPrice).c
    return {c: v for c, v in session.execute(select(p.commodity, p.price_units)) if v is not None}


def loan_risk(m: Any, price: int | None, now: int) -> tuple[int, int | None, int | None]:
    """(interest accrued to `now`, collateral value, LTV in bps) of a loan row; value and LTV need a price."""
    interest = m["interest_units"]
    if m["status"] in OPEN_LOANS:
        interest += accrued_interest(m["principal_units"], m["rate_bps"], max(0, now - m["accrued_at"]))
    if price is None or m["status"] not in OPEN_LOANS:
        return interest, None, None
    value = goods_value(m["pledged_quantity"], price)
    return interest, value, (ltv_bps(m["principal_units"] + interest, value) if value else None)


def loan_public(m: Any, receipt_ids: list[int], price: int | None, now: int) -> LoanPublic:
    interest, value, ltv = loan_risk(m, price, now)
    shortfall = m["shortfall_units"]
    return LoanPublic(
        id=m["id"], program_id=m["program_id"], bank=m["bank"], borrower=m["borrower"], commodity=m["commodity"],
        status=LoanStatus(m["status"]).name.lower(), rate_bps=m["rate_bps"], max_ltv_bps=m["max_ltv_bps"],
        margin_call_ltv_bps=m["margin_call_ltv_bps"], opened_principal=money(m["opened_principal_units"]),
        opened_principal_units=m["opened_principal_units"], principal=money(m["principal_units"]),
        principal_units=m["principal_units"], interest=money(interest), interest_units=interest,
        repaid=money(m["repaid_units"]), repaid_units=m["repaid_units"], maturity=m["maturity"],
        margin_call_deadline=m["margin_call_deadline"], pledged_quantity=m["pledged_quantity"],
        receipt_ids=receipt_ids, price=money(price) if price is not None else None, price_units=price,
        collateral_value=money(value) if value is not None else None, collateral_value_units=value, ltv_bps=ltv,
        shortfall=money(shortfall) if shortfall is not None else None, shortfall_units=shortfall,
        opened_at=m["opened_at"], closed_at=m["closed_at"],
    )


def _collateral(session: Session, loan_ids: list[int]) -> dict[int, list[int]]:
    c = table_of(LoanCollateral).c
    out: dict[int, list[int]] = {i: [] for i in loan_ids}
    for loan_id, receipt_id in session.execute(
        select(c.loan_id, c.receipt_id).where(c.loan_id.in_(loan_ids)).order_by(c.loan_id, c.receipt_id)
    ):
        out[loan_id].append(receipt_id)
    return out


@router.get("/loans", response_model=LoansPublic, summary="Pledge loans you borrowed or lent")
def read_loans(
    party: CurrentParty, session: SessionDep, ctx: ContextDep,
    page: Annotated[PageParams, sorted_page("id", "maturity", "principal")],
    status: StatusQ = None,
    borrower: PartyQ = None, bank: PartyQ = None,
    counterparty: Annotated[Address | None, Query(description="bank or borrower")] = None,
    commodity: Code = None,
    due_from: Annotated[int | None, Query(ge=0, le=MAX_INT, description=LOAN_DUE)] = None,
    due_to: Annotated[int | None, Query(ge=0, le=MAX_INT, description=LOAN_DUE)] = None,
    min_units: Units | None = None, max_units: Units | None = None,
) -> LoansPublic:
    stmt = select(table_of(Loan)).where(scoping.loans(party))
    stmt = where_status(stmt, L.status, status, LOAN_STATUS)
    stmt = where_parties(stmt, borrower=(L.borrower, borrower), bank=(L.bank, bank))
    stmt = where_counterparty(stmt, counterparty, L.bank, L.borrower)
    if commodity is not None:
        stmt = stmt.where(L.commodity == commodity)
    due = case((and_(L.status == int(LoanStatus.MARGIN_CALLED), L.margin_call_deadline.is_not(None)),
                L.margin_call_deadline), else_=L.maturity)
    stmt = where_range(where_range(stmt, due, due_from, due_to), L.principal_units, min_units, max_units)
    rows, count, cursor, prev = paginate(
        session, stmt, sorts={"id": L.id, "maturity": L.maturity, "principal": L.principal_units},
        id_col=L.id, page=page, default="id",
    )
    now, prices = ledger_now(session, ctx), latest_prices(session)
    receipts = _collateral(session, [r._mapping["id"] for r in rows])
    data = [loan_public(r._mapping, receipts[r._mapping["id"]], prices.get(r._mapping["commodity"]), now)
            for r in rows]
    return LoansPublic(data=data, count=count, next_cursor=cursor, prev_cursor=prev)


@router.get("/loans/{loan_id}", response_model=LoanPublic, summary="One loan, with LTV at the latest price")
def read_loan(loan_id: Id, party: CurrentParty, session: SessionDep, ctx: ContextDep) -> LoanPublic:
    row = session.execute(select(table_of(Loan)).where(L.id == loan_id, scoping.loans(party))).first()
    if row is None:
        raise not_found("loan", loan_id)
    m = row._mapping
    return loan_public(m, _collateral(session, [loan_id])[loan_id], latest_prices(session).get(m["commodity"]),
                       ledger_now(session, ctx))


# ------------------------------------------------------------------------------------------ programs and prices
P = table_of(LoanProgram).c
PROGRAM_STATUS = {m.name.lower(): int(m) for m in ProgramStatus if m.name != "NONE"}


@router.get("/loan-programs", response_model=LoanProgramsPublic,
            summary="Banks' lending programs: terms, cap and room left (every signed-in participant may see offers)")
def read_loan_programs(
    party: CurrentParty, session: SessionDep, page: Annotated[PageParams, sorted_page("id", "rate")],
    status: StatusQ = None,
    bank: PartyQ = None,
    counterparty: Annotated[Address | None, Query(description="the bank (a program has no other party)")] = None,
    commodity: Code = None,
    min_units: Annotated[int | None, Query(ge=0, le=MAX_INT, description="cap, in the smallest unit")] = None,
    max_units: Annotated[int | None, Query(ge=0, le=MAX_INT, description="cap, in the smallest unit")] = None,
) -> LoanProgramsPublic:
    stmt = select(table_of(LoanProgram))
    stmt = where_status(stmt, P.status, status, PROGRAM_STATUS)
    stmt = where_parties(stmt, bank=(P.bank, bank))
    stmt = where_counterparty(stmt, counterparty, P.bank)
    stmt = where_range(stmt, P.cap_units, min_units, max_units)
    if commodity is not None:
        stmt = stmt.where(P.commodity == commodity)
    rows, count, cursor, prev = paginate(session, stmt, sorts={"id": P.id, "rate": P.rate_bps}, id_col=P.id, page=page,
                                   default="id")
    data = []
    for r in rows:
        m = r._mapping
        room = max(m["cap_units"] - m["outstanding_units"], 0)
        data.append(LoanProgramPublic(
            id=m["id"], bank=m["bank"], commodity=m["commodity"], rate_bps=m["rate_bps"], max_ltv_bps=m["max_ltv_bps"],
            margin_call_ltv_bps=m["margin_call_ltv_bps"], cure_period=m["cure_period"], max_tenor=m["max_tenor"],
            status=ProgramStatus(m["status"]).name.lower(), cap=money(m["cap_units"]), cap_units=m["cap_units"],
            outstanding=money(m["outstanding_units"]), outstanding_units=m["outstanding_units"], available=money(room),
            available_units=room, warehouses_listed=m["warehouses_listed"], borrowers_listed=m["borrowers_listed"]))
    return LoanProgramsPublic(data=data, count=count, next_cursor=cursor, prev_cursor=prev)


@router.get("/prices", response_model=PricesPublic, summary="Latest commodity prices, with staleness")
def read_prices(party: CurrentParty, session: SessionDep, ctx: ContextDep) -> PricesPublic:
    now = ledger_now(session, ctx)
    rows = session.execute(select(table_of(CommodityPrice)).order_by(table_of(CommodityPrice).c.commodity)).all()
    data = []
    for r in rows:
        m = r._mapping
        observed = m["observed_at"]
        data.append(PricePublic(
            commodity=m["commodity"], unit=m["unit"],
            price=money(m["price_units"]) if m["price_units"] is not None else None, price_units=m["price_units"],
            observed_at=observed, max_age=m["max_age"], stale=observed is None or now - observed > m["max_age"],
            feeder=m["feeder"], band_bps=m["band_bps"], proposed_price_units=m["proposed_price_units"],
            proposer=m["proposer"]))
    return PricesPublic(data=data, count=len(data))
