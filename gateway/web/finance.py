"""The web app's money pages (issue 11): discount quotes per bank for a supplier's fragment, a core enterprise's
batch confirmation, a bank's funding queue (fund singly or a selection as one portfolio transaction), its exposure
limits and published discount rates per core enterprise, and any party's statement with a CSV download.

Chain actions go through the write API like every other page (a form's ``data-action``; a ``data-batch`` form sends
the rows ticked in its table as one multicall transaction). Publishing discount terms is gateway configuration,
not a chain action: its form posts here and the page re-renders.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from gateway.api.deps import ContextDep, CurrentParty, Party, SessionDep, ledger_now
from gateway.api.errors import FieldError
from gateway.api.pagination import FRAGMENT_ID_PATTERN, PageParams, fragment_id_of, paginate
from gateway.api.routes import quotes as quotes_api
from gateway.api.routes import statement as statement_api
from gateway.models.balances import Balance
from gateway.models.common import table_of
from gateway.models.participants import Participant
from gateway.models.quotes import DiscountTerms, DiscountTermsIn
from gateway.models.receivables import Exposure, Financing, Fragment, Receivable
from gateway.web.views import PAGE_SIZE, Cursor, Day, Listing, _participants, _render, _who
from sdk.generated.enums import FinancingStatus, FragmentStatus, ParticipantStatus, ReceivableStatus, Role
from sdk.types import roles_from_mask

router = APIRouter(include_in_schema=False)
F = table_of(Fragment).c
R = table_of(Receivable).c
FI = table_of(Financing).c
X = table_of(Exposure).c
DT = table_of(DiscountTerms).c
P = table_of(Participant).c
DAY = 86_400
FUNDING_WINDOW = 3_600  # a bank's funding transaction is valid for an hour (the contract's deadline)


def _need(party: Party, *roles: Role, what: str) -> None:
    if not any(party.has(r) for r in roles):
        whom = " or ".join(r.name.lower().replace("_", " ") for r in roles)
        raise FieldError(["path"], f"{what}: this page is for a {whom}", 403, "forbidden")


# ------------------------------------------------------------------------------------------------ quotes
@router.get("/web/view/quotes", response_class=HTMLResponse)
def quotes_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                fragment: Annotated[str | None, Query(max_length=24)] = None) -> HTMLResponse:
    _need(party, Role.SUPPLIER, Role.DISTRIBUTOR, what="discount quotes")
    held = session.execute(
        select(F.id, F.value_units, F.due_date, F.debtor)
        .where(F.holder == party.address, F.status == int(FragmentStatus.ACTIVE)).order_by(F.due_date, F.id)
        .limit(200)).all()
    chosen = None
    if fragment:
        if not re.fullmatch(FRAGMENT_ID_PATTERN, fragment):
            raise FieldError(["query", "fragment"], f"{fragment!r} is not a fragment id (ROOT.INDEX, e.g. 1.0)")
        key = fragment_id_of(fragment)
        chosen = next((f for f in held if f.id == key), None)
        if chosen is None:
            raise FieldError(["query", "fragment"], f"you hold no active fragment {fragment}", 404, "not_found")
    elif held:
        chosen = held[0]
    now = ledger_now(session, ctx)
    quotes = []
    if chosen is not None:
        quotes = quotes_api.quotes_for(session, {"value_units": chosen.value_units, "due_date": chosen.due_date,
                                                 "debtor": chosen.debtor}, now, exclude=party.address)
    return _render(request, "view_quotes.html", party, session, ctx, {
        "held": held, "chosen": chosen, "quotes": quotes})


# ------------------------------------------------------------------------------------------------ batch confirm
@router.get("/web/view/to-confirm", response_class=HTMLResponse)
def to_confirm_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                    sort: Annotated[str | None, Query(pattern="^-?(id|face|due_date)$")] = None,
                    cursor: Cursor = None) -> HTMLResponse:
    _need(party, Role.CORE_ENTERPRISE, what="confirming receivables")
    sort = sort or "id"
    stmt = select(table_of(Receivable)).where(R.debtor == party.address,
                                              R.status == int(ReceivableStatus.REGISTERED))
    rows, count, nxt, prev = paginate(session, stmt, sorts={"id": R.id, "face": R.face_units, "due_date": R.due_date},
                                      id_col=R.id, page=PageParams(PAGE_SIZE, cursor, sort), default="id")
    page = {"data": rows, "count": count, "next_cursor": nxt, "prev_cursor": prev}
    return _render(request, "view_to_confirm.html", party, session, ctx, {
        "page": _Page(page), "listing": Listing("/web/view/to-confirm", sort, {}, cursor)})


class _Page:
    def __init__(self, d: dict[str, Any]) -> None:
        self.data, self.count = d["data"], d["count"]
        self.next_cursor, self.prev_cursor = d["next_cursor"], d["prev_cursor"]


# ------------------------------------------------------------------------------------------------ funding queue
@router.get("/web/view/funding", response_class=HTMLResponse)
def funding_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                 sort: Annotated[str | None, Query(pattern="^-?(fragment_id|value|due_date)$")] = None,
                 cursor: Cursor = None) -> HTMLResponse:
    _need(party, Role.BANK, what="the funding queue")
    sort = sort or "due_date"
    now = ledger_now(session, ctx)
    deadline = now + FUNDING_WINDOW
    stmt = (select(*FI, F.due_date).join(table_of(Fragment), F.id == FI.fragment_id)
            .where(FI.bank == party.address, FI.status == int(FinancingStatus.REQUESTED)))
    rows, count, nxt, prev = paginate(
        session, stmt, sorts={"fragment_id": FI.fragment_id, "value": FI.value_units, "due_date": F.due_date},
        id_col=FI.fragment_id, page=PageParams(PAGE_SIZE, cursor, sort), default="due_date")
    queue = []
    for q in rows:
        days = quotes_api.days_to_maturity(q.due_date, now)
        price = quotes_api.price_of(q.value_units, q.rate_bps, days) or 0
        # the most the bank pays: the price at the deadline (a day boundary crossed meanwhile raises it)
        ceiling = quotes_api.price_of(q.value_units, q.rate_bps, quotes_api.days_to_maturity(q.due_date, deadline))
        item = {"fragment_id": q.fragment_id, "rate_bps": q.rate_bps, "with_recourse": q.with_recourse,
                "max_price": ceiling or price, "deadline": deadline}
        queue.append({"row": q, "days": days, "price": price, "discount": q.value_units - price,
                      "yield_bps": quotes_api.effective_rate_bps(q.value_units, price, days),
                      "params": json.dumps(item)})
    room = {r.debtor: max(int(r.limit_units) - int(r.used_units), 0) for r in session.execute(
        select(X.debtor, X.limit_units, X.used_units).where(X.bank == party.address))}
    return _render(request, "view_funding.html", party, session, ctx, {
        "queue": queue, "page": _Page({"data": rows, "count": count, "next_cursor": nxt, "prev_cursor": prev}),
        "listing": Listing("/web/view/funding", sort, {}, cursor), "room": room,
        "receivables": ctx.deployment.contracts.get("Receivables"),
        "total_price": sum(q["price"] for q in queue), "total_value": sum(q["row"].value_units for q in queue)})


# ------------------------------------------------------------------------------------------------ limits and rates
def _limits(request: Request, party: Party, session: Any, ctx: Any, notice: str | None = None,
            error: str | None = None) -> HTMLResponse:
    cores = [r for r in session.execute(select(P.address, P.roles, P.status).order_by(P.name, P.address))
             if Role.CORE_ENTERPRISE in roles_from_mask(r.roles) and r.status == int(ParticipantStatus.ACTIVE)]
    exposure = {r.debtor: r for r in session.execute(
        select(X.debtor, X.limit_units, X.used_units).where(X.bank == party.address))}
    terms = {r.debtor: r for r in session.execute(select(table_of(DiscountTerms)).where(DT.bank == party.address))}
    queued = dict(session.execute(
        select(FI.debtor, func.sum(FI.value_units)).where(FI.bank == party.address,
                                                          FI.status == int(FinancingStatus.REQUESTED))
        .group_by(FI.debtor)).all())
    rows = []
    for c in cores:
        e = exposure.get(c.address)
        limit, used = (int(e.limit_units), int(e.used_units)) if e is not None else (0, 0)
        rows.append({"debtor": c.address, "limit": limit, "used": used, "available": max(limit - used, 0),
                     "queued": int(queued.get(c.address) or 0), "terms": terms.get(c.address),
                     "share": min(100, used * 100 // limit) if limit else (100 if used else 0)})
    response = _render(request, "view_limits.html", party, session, ctx, {
        "rows": rows, "notice": notice, "error": error})
    return response


@router.get("/web/view/limits", response_class=HTMLResponse)
def limits_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep) -> HTMLResponse:
    _need(party, Role.BANK, what="exposure limits and discount rates")
    return _limits(request, party, session, ctx)


async def form_fields(request: Request) -> dict[str, str]:
    """An htmx form post (application/x-www-form-urlencoded), parsed without python-multipart."""
    body = (await request.body())[:4096].decode("utf-8", "replace")
    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


FormDep = Annotated[dict[str, str], Depends(form_fields)]


@router.post("/web/limits/terms", response_class=HTMLResponse)
def publish_terms(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                  form: FormDep) -> HTMLResponse:
    """Publish or withdraw the bank's discount rate on one core enterprise; re-renders the limits page."""
    _need(party, Role.BANK, what="publishing discount rates")
    request.scope["path"], request.scope["query_string"] = "/web/view/limits", b""  # the page re-rendered is this
    debtor = form.get("debtor", "")
    if form.get("withdraw"):
        try:
            quotes_api.withdraw_discount_terms(debtor, party, session)
        except FieldError:
            pass
        return _limits(request, party, session, ctx, notice="Discount rate withdrawn.")
    try:
        rate = round(float(form.get("rate", "")) * 100)
        days = int(form.get("max_days") or 365)
    except ValueError:
        return _limits(request, party, session, ctx, error="The rate is a percentage (5.75) and the tenor whole days.")
    if not 1 <= rate <= 10_000 or not 1 <= days <= 365:
        return _limits(request, party, session, ctx,
                       error="The rate must be between 0.01% and 100%, the longest tenor 1 to 365 days.")
    try:
        quotes_api.publish_discount_terms(
            debtor, DiscountTermsIn(rate_bps=rate, max_days=days, with_recourse=form.get("recourse") == "yes"),
            party, session, ctx)
    except FieldError as exc:
        detail: Any = exc.detail
        return _limits(request, party, session, ctx, error=str(detail[0]["msg"]))
    return _limits(request, party, session, ctx, notice=f"Published {quotes_api.percent(rate)} up to {days} days.")


# ------------------------------------------------------------------------------------------------ statement
STATEMENT_PAGE = 100  # lines per page of the statement's table (the CSV has them all)


@router.get("/web/view/statement", response_class=HTMLResponse)
def statement_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                   date_from: Day = None, date_to: Day = None,
                   of: Annotated[str | None, Query(max_length=42)] = None,
                   page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> HTMLResponse:
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value:
            statement_api.day_start(name, value)  # a named 422 for a bad date
    st = statement_api.build_statement(session, ctx, party, _who("of", of), date_from or None, date_to or None)
    pages = max(1, -(-st.count // STATEMENT_PAGE))
    page = min(page, pages)
    lines = st.data[(page - 1) * STATEMENT_PAGE: page * STATEMENT_PAGE]

    def iso(ts: int) -> str:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")

    period = {"date_from": iso(st.date_from), "date_to": iso(st.date_to - 1)}
    if of:
        period["party"] = of
    listing = Listing("/web/view/statement", "", {"date_from": period["date_from"], "date_to": period["date_to"],
                                                  "of": of})
    held = session.get(Balance, st.party)
    return _render(request, "view_statement.html", party, session, ctx, {
        "st": st, "lines": lines, "page": page, "page_count": pages, "first_line": (page - 1) * STATEMENT_PAGE + 1,
        "date_from": period["date_from"], "date_to": period["date_to"],
        "prev_url": listing.url(page=page - 1) if page > 1 else None,
        "next_url": listing.url(page=page + 1) if page < pages else None,
        "csv_url": "/v1/statement.csv?" + urlencode(period),
        "csv_name": f"statement-{period['date_from']}-to-{period['date_to']}.csv",
        "balance": held.units if held is not None else 0,
        "people": _participants(session) if party.is_regulator else [], "of": of or ""})
