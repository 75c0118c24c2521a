"""Pledge loans for the bank and the borrower: LTV at the latest posted price, the margin-call status, and each
side's actions (bank: call margin, foreclose, once the contract would allow them; borrower: add collateral,
repay), plus a chart of the loan's LTV against its commodity's price history.

The list goes through the read API's own route function (``GET /v1/loans``: same scoping, sorts and cursors);
the history is rebuilt from the indexed event log (the loan's own events and the feed's posted prices).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from gateway.api.deps import ContextDep, CurrentParty, SessionDep, ledger_now
from gateway.api.pagination import MAX_INT, PageParams
from gateway.api.routes import warehouse as warehouse_api
from gateway.models.common import table_of
from gateway.models.events import EventLog, EventRef
from gateway.models.warehouse import LoanPublic, WarehouseReceipt
from gateway.web import charts
from gateway.web.views import PAGE_SIZE, Cursor, Listing, Sort, Who, _participants, _render, _status, _who
from sdk.generated.enums import ReceiptStatus
from sdk.warehouse import accrued_interest, code, goods_value, ltv_bps

router = APIRouter(include_in_schema=False)
BPS = 10_000


def standing(loan: LoanPublic, now: int) -> tuple[str, str]:
    """(css class, sentence) of where a loan stands: margin called and until when, above the margin-call LTV,
    above the lending LTV, matured, or within its limits."""
    if loan.status == "margin_called":
        deadline = charts.day(loan.margin_call_deadline) if loan.margin_call_deadline else "—"
        if loan.margin_call_deadline is not None and now > loan.margin_call_deadline:
            return "critical", f"Margin called; the cure period ended on {deadline}: the bank may foreclose"
        return "warning", f"Margin called: cure by {deadline} (add collateral or repay to bring LTV under " \
                          f"{charts.percent(loan.max_ltv_bps)})"
    if loan.status != "active":
        return "", loan.status.replace("_", " ").capitalize()
    if now > loan.maturity:
        return "critical", f"Matured on {charts.day(loan.maturity)} and not repaid: the bank may foreclose"
    if loan.ltv_bps is None:
        return "warning", "No price posted for the goods: LTV unknown"
    if loan.ltv_bps > loan.margin_call_ltv_bps:
        return "critical", f"LTV above the margin-call level {charts.percent(loan.margin_call_ltv_bps)}: " \
                           "a margin call is due"
    if loan.ltv_bps > loan.max_ltv_bps:
        return "warning", f"LTV above the lending limit {charts.percent(loan.max_ltv_bps)}"
    return "", "Within limits"


def may_call_margin(loan: LoanPublic) -> bool:
    """The contract's test: active, and debt x 10,000 > value x margin-call LTV at the latest price."""
    if loan.status != "active" or loan.collateral_value_units is None:
        return False
    return (loan.principal_units + loan.interest_units) * BPS > loan.collateral_value_units * loan.margin_call_ltv_bps


def may_foreclose(loan: LoanPublic, now: int) -> bool:
    if loan.status not in ("active", "margin_called"):
        return False
    uncured = loan.status == "margin_called" and loan.margin_call_deadline is not None \
        and now > loan.margin_call_deadline
    return now > loan.maturity or uncured


# ------------------------------------------------------------------------------------------------ list
@router.get("/web/view/loans", response_class=HTMLResponse)
def loans_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
               sort: Sort = None, cursor: Cursor = None, status: str | None = None,
               counterparty: Who = None) -> HTMLResponse:
    sort = sort or "maturity"
    page = warehouse_api.read_loans(
        party, session, ctx, PageParams(PAGE_SIZE, cursor, sort),
        status=_status("status", status, warehouse_api.LOAN_STATUS), counterparty=_who("counterparty", counterparty),
        commodity=None, due_from=None, due_to=None, min_units=None, max_units=None)
    listing = Listing("/web/view/loans", sort, {"status": status, "counterparty": counterparty}, cursor)
    now = ledger_now(session, ctx)
    return _render(request, "view_loans.html", party, session, ctx, {
        "page": page, "listing": listing, "statuses": list(warehouse_api.LOAN_STATUS),
        "people": _participants(session), "standing": {loan.id: standing(loan, now) for loan in page.data}})


# ------------------------------------------------------------------------------------------------ one loan
def _events(session: Any, kind: str, ref: str, names: tuple[str, ...] | None = None) -> list[Any]:
    e, r = table_of(EventLog).c, table_of(EventRef).c
    stmt = (select(e.id, e.name, e.block_time, e.args).join(table_of(EventRef), r.event_id == e.id)
            .where(r.kind == kind, r.ref == ref))
    if names:
        stmt = stmt.where(e.name.in_(names))
    return list(session.execute(stmt.order_by(e.id).limit(2_000)))


def commodity_ref(commodity: str) -> str:
    """How the indexer files a feed's events under their commodity (the event's first field, a bytes16 code)."""
    return str(code(commodity, 16))


def history(session: Any, loan: LoanPublic, now: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(prices, LTVs) over the loan's life: a point at each posted price and at each of the loan's own events,
    LTV = (principal + interest accrued to then) / (pledged quantity x price then), as the contract computes it."""
    state = {"principal": 0, "interest": 0, "accrued_at": 0, "quantity": 0, "price": 0}
    moments: list[tuple[int, int, str, dict[str, Any]]] = []
    for ev in _events(session, "loan", str(loan.id)):
        moments.append((ev.id, ev.block_time, ev.name, json.loads(ev.args)))
    opened = loan.opened_at
    end = loan.closed_at or now
    for ev in _events(session, "commodity", commodity_ref(loan.commodity), ("PricePosted",)):
        args = json.loads(ev.args)
        if ev.block_time >= opened - 1:
            moments.append((ev.id, ev.block_time, "PricePosted", args))
    moments.sort(key=lambda m: m[0])
    prices: list[tuple[int, int]] = []
    ltvs: list[tuple[int, int]] = []
    for _, when, name, args in moments:
        if when > end:
            break
        if name == "LoanOpened":
            state.update(principal=args["principal"], interest=0, accrued_at=when, quantity=args["quantity"],
                         price=args["price"])
        elif name == "LoanRepaid":
            state.update(principal=args["principal"], interest=args["interest"], accrued_at=when)
        elif name in ("CollateralAdded", "CollateralReleased"):
            state["quantity"] = args["pledged_quantity"]
        elif name == "PricePosted":
            state["price"] = args["price"]
        elif name == "LoanForeclosed":
            state["quantity"] = 0
        else:
            continue
        if not state["quantity"] and name != "LoanForeclosed":
            continue
        if name in ("LoanOpened", "PricePosted"):
            prices.append((when, state["price"]))
        value = goods_value(state["quantity"], state["price"])
        if value:
            debt = state["principal"] + state["interest"] + accrued_interest(
                state["principal"], loan.rate_bps, max(0, when - state["accrued_at"]))
            ltvs.append((when, min(ltv_bps(debt, value), 100 * BPS)))
    if loan.ltv_bps is not None and loan.closed_at is None:
        ltvs.append((now, min(loan.ltv_bps, 100 * BPS)))  # today, at the latest price, interest to today
    return prices, ltvs


@router.get("/web/view/loan", response_class=HTMLResponse)
def loan_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
              id: Annotated[int, Query(ge=0, le=MAX_INT)]) -> HTMLResponse:  # noqa: A002
    loan = warehouse_api.read_loan(id, party, session, ctx)
    now = ledger_now(session, ctx)
    prices, ltvs = history(session, loan, now)
    until = loan.closed_at or now
    price_chart = charts.over_time(
        f"Price of {loan.commodity} per unit", [charts.Line("Posted price", prices)], charts.money,
        axis=lambda v: charts.compact(int(v)), until=until, value_head="Price",
        desc=f"{len(prices)} prices from {charts.day(prices[0][0])}; latest {charts.money(prices[-1][1])}."
        if prices else "No price posted yet.")
    limits = [charts.Line(f"Margin-call LTV {charts.percent(loan.margin_call_ltv_bps)}",
                          [(loan.opened_at, loan.margin_call_ltv_bps), (until, loan.margin_call_ltv_bps)],
                          dashed=True),
              charts.Line(f"Lending limit {charts.percent(loan.max_ltv_bps)}",
                          [(loan.opened_at, loan.max_ltv_bps), (until, loan.max_ltv_bps)], dashed=True)]
    ltv_chart = charts.over_time(
        f"Loan {loan.id}: LTV against the price", [charts.Line("LTV", ltvs), *limits], charts.percent,
        axis=lambda v: f"{v / 100:.0f}%", until=until, value_head="LTV",
        desc=(f"LTV from {charts.percent(ltvs[0][1])} to {charts.percent(ltvs[-1][1])}; margin call above "
              f"{charts.percent(loan.margin_call_ltv_bps)}.") if ltvs else "No LTV yet: no price posted.")
    W = table_of(WarehouseReceipt).c
    spare = session.execute(select(W.id, W.quantity, W.unit, W.lot_id, W.approved).where(
        W.owner == party.address, W.status == int(ReceiptStatus.FREE), W.commodity == loan.commodity)
        .order_by(W.id).limit(50)).all() if loan.borrower == party.address else []
    css, sentence = standing(loan, now)
    return _render(request, "view_loan.html", party, session, ctx, {
        "loan": loan, "standing": sentence, "standing_class": css, "price_chart": price_chart,
        "ltv_chart": ltv_chart, "may_call": may_call_margin(loan), "may_foreclose": may_foreclose(loan, now),
        "spare": spare, "loans": ctx.deployment.contracts.get("PledgeLoans"), "open": loan.status in
        ("active", "margin_called"), "debt": loan.principal_units + loan.interest_units})
