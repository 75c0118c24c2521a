"""The web app's per-role pages: lists that sort, filter and page on the server, through the very route functions
of the read API (same scoping, same sort keys, same keyset cursors), plus credit lines, prepayment deals, alerts,
credit profiles and the regulator's oversight.

Every page is an htmx fragment swapped into ``#panel`` (the bearer token rides on htmx's requests); its first
element, ``#view``, carries the page's own address in ``data-src`` so that the signer re-renders the page the
user is on when an action is indexed or the event stream says something changed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from eth_utils import to_checksum_address
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from gateway.api.deps import ContextDep, CurrentParty, Party, SessionDep, ledger_now
from gateway.api.errors import FieldError
from gateway.api.pagination import MAX_INT, PageParams
from gateway.api.routes import alerts as alerts_api
from gateway.api.routes import creditlines as lines_api
from gateway.api.routes import prepayments as prepay_api
from gateway.api.routes import profile as profile_api
from gateway.api.routes import receivables as recv_api
from gateway.api.routes import riskpool as risk_api
from gateway.api.routes import warehouse as warehouse_api
from gateway.models.attestations import Consent
from gateway.models.common import table_of
from gateway.models.participants import Participant
from gateway.models.receivables import Financing, Receivable
from sdk.generated.enums import FinancingStatus, ReceivableStatus, Role
from sdk.types import roles_from_mask

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
DAY = 86_400
Cursor = Annotated[str | None, Query(max_length=512, pattern=r"^[A-Za-z0-9_\-=]+$")]
Sort = Annotated[str | None, Query(max_length=40, pattern=r"^-?[a-z_]+$")]
Day = Annotated[str | None, Query(max_length=10, description="a date, YYYY-MM-DD")]
Who = Annotated[str | None, Query(max_length=42)]


def _day(name: str, value: str | None, end: bool = False) -> int | None:
    """A date field as unix seconds (UTC midnight; the end of the day for an upper bound)."""
    if not value:
        return None
    try:
        start = datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    except ValueError:
        raise FieldError(["query", name], f"{value!r} is not a date (YYYY-MM-DD)") from None
    return int(start.timestamp()) + (DAY - 1 if end else 0)


def _who(name: str, value: str | None) -> str | None:
    if not value:
        return None
    try:
        return to_checksum_address(value)
    except ValueError:
        raise FieldError(["query", name], f"{value!r} is not an address") from None


def _status(name: str, value: str | None, allowed: dict[str, int]) -> list[str] | None:
    if not value:
        return None
    if value not in allowed:
        raise FieldError(["query", name], f"unknown status {value!r}; choose one of {sorted(allowed)}")
    return [value]  # the API's status filter is repeatable


class Listing:
    """A list page's state: its path, filters and sort; builds the addresses of its sort headers and pages."""

    def __init__(self, path: str, sort: str, filters: dict[str, Any], cursor: str | None = None) -> None:
        self.path, self.sort, self.filters, self.cursor = path, sort, filters, cursor

    def url(self, **override: Any) -> str:
        params = {k: v for k, v in {**self.filters, "sort": self.sort, **override}.items() if v not in (None, "")}
        return f"{self.path}?{urlencode(params)}" if params else self.path

    def sort_url(self, key: str) -> str:
        return self.url(sort=f"-{key}" if self.sort == key else key)

    def aria_sort(self, key: str) -> str:
        if self.sort.lstrip("-") != key:
            return "none"
        return "descending" if self.sort.startswith("-") else "ascending"


def _participants(session: Any) -> list[tuple[str, str, frozenset[Role]]]:
    """(address, label as people read it, roles) of every participant, for the pages' choosers."""
    from gateway.web import Names

    p = table_of(Participant).c
    label = Names(session)
    return [(r.address, label(r.address), frozenset(roles_from_mask(r.roles)))
            for r in session.execute(select(p.address, p.name, p.roles).order_by(p.name, p.address))]


def _render(request: Request, template: str, party: Party, session: Any, ctx: Any, data: dict[str, Any]
            ) -> HTMLResponse:
    from gateway.web import Names, templates

    src = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    base = {"me": party.address, "roles": sorted(r.name.lower() for r in party.roles), "party": party,
            "name": Names(session), "now": ledger_now(session, ctx), "src": src, "pages": links_of(party)}
    return templates.TemplateResponse(request, template, {**base, **data})


# ------------------------------------------------------------------------------------------------ receivables
@router.get("/web/view/receivables", response_class=HTMLResponse)
def receivables_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                     sort: Sort = None, cursor: Cursor = None, status: str | None = None,
                     counterparty: Who = None, due_from: Day = None, due_to: Day = None,
                     overdue: Annotated[str | None, Query(pattern="^(|yes|no)$")] = None) -> HTMLResponse:
    sort = sort or "due_date"
    page = recv_api.read_receivables(
        party, session, ctx, PageParams(PAGE_SIZE, cursor, sort),
        status=_status("status", status, recv_api.RECEIVABLE_STATUS), counterparty=_who("counterparty", counterparty),
        overdue=None if not overdue else overdue == "yes",
        due_from=_day("due_from", due_from), due_to=_day("due_to", due_to, end=True))
    listing = Listing("/web/view/receivables", sort,
                      {"status": status, "counterparty": counterparty, "due_from": due_from, "due_to": due_to,
                       "overdue": overdue}, cursor)
    return _render(request, "view_receivables.html", party, session, ctx, {
        "page": page, "listing": listing, "statuses": list(recv_api.RECEIVABLE_STATUS),
        "people": _participants(session)})


# ------------------------------------------------------------------------------------------------ fragments
@router.get("/web/view/fragments", response_class=HTMLResponse)
def fragments_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                   sort: Sort = None, cursor: Cursor = None, status: str | None = None,
                   mine: Annotated[str | None, Query(pattern="^(|yes)$")] = None,
                   due_from: Day = None, due_to: Day = None) -> HTMLResponse:
    sort = sort or "due_date"
    page = recv_api.read_fragments(
        party, session, PageParams(PAGE_SIZE, cursor, sort), status=_status("status", status, recv_api.FRAGMENT_STATUS),
        holder=party.address if mine else None, due_from=_day("due_from", due_from),
        due_to=_day("due_to", due_to, end=True))
    listing = Listing("/web/view/fragments", sort,
                      {"status": status, "mine": mine, "due_from": due_from, "due_to": due_to}, cursor)
    people = _participants(session)
    return _render(request, "view_fragments.html", party, session, ctx, {
        "page": page, "listing": listing, "statuses": list(recv_api.FRAGMENT_STATUS),
        "suppliers": [p for p in people if p[0] != party.address and (Role.SUPPLIER in p[2] or
                                                                       Role.DISTRIBUTOR in p[2])],
        "expiry": ledger_now(session, ctx) + 7 * DAY})


# ------------------------------------------------------------------------------------------------ discounts
@router.get("/web/view/financings", response_class=HTMLResponse)
def financings_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                    sort: Sort = None, cursor: Cursor = None, status: str | None = None,
                    counterparty: Who = None,
                    recourse: Annotated[str | None, Query(pattern="^(|yes|no)$")] = None) -> HTMLResponse:
    sort = sort or "-requested_at"
    page = recv_api.read_financings(
        party, session, PageParams(PAGE_SIZE, cursor, sort),
        status=_status("status", status, recv_api.FINANCING_STATUS), counterparty=_who("counterparty", counterparty),
        with_recourse=None if not recourse else recourse == "yes")
    listing = Listing("/web/view/financings", sort,
                      {"status": status, "counterparty": counterparty, "recourse": recourse}, cursor)
    return _render(request, "view_financings.html", party, session, ctx, {
        "page": page, "listing": listing, "statuses": list(recv_api.FINANCING_STATUS),
        "people": _participants(session)})


# ------------------------------------------------------------------------------------------------ receipts
@router.get("/web/view/receipts", response_class=HTMLResponse)
def receipts_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                  sort: Sort = None, cursor: Cursor = None, status: str | None = None,
                  counterparty: Who = None,
                  commodity: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.\-]{0,16}$")] = None) -> HTMLResponse:
    sort = sort or "-issued_at"
    page = warehouse_api.read_warehouse_receipts(
        party, session, PageParams(PAGE_SIZE, cursor, sort),
        status=_status("status", status, warehouse_api.RECEIPT_STATUS),
        counterparty=_who("counterparty", counterparty), commodity=commodity or None, lot_id=None,
        min_quantity=None, max_quantity=None)
    listing = Listing("/web/view/receipts", sort,
                      {"status": status, "counterparty": counterparty, "commodity": commodity}, cursor)
    return _render(request, "view_receipts.html", party, session, ctx, {
        "page": page, "listing": listing, "statuses": list(warehouse_api.RECEIPT_STATUS),
        "people": _participants(session)})


# ------------------------------------------------------------------------------------------------ credit lines
@router.get("/web/view/credit-lines", response_class=HTMLResponse)
def credit_lines_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                      sort: Sort = None, cursor: Cursor = None, status: str | None = None,
                      counterparty: Who = None, expiry_from: Day = None, expiry_to: Day = None) -> HTMLResponse:
    sort = sort or "id"
    page = lines_api.read_credit_lines(
        party, session, PageParams(PAGE_SIZE, cursor, sort), status=_status("status", status, lines_api.STATUS),
        counterparty=_who("counterparty", counterparty), expiry_from=_day("expiry_from", expiry_from),
        expiry_to=_day("expiry_to", expiry_to, end=True))
    listing = Listing("/web/view/credit-lines", sort,
                      {"status": status, "counterparty": counterparty, "expiry_from": expiry_from,
                       "expiry_to": expiry_to}, cursor)
    return _render(request, "view_credit_lines.html", party, session, ctx, {
        "page": page, "listing": listing, "statuses": list(lines_api.STATUS), "people": _participants(session)})


@router.get("/web/view/credit-line", response_class=HTMLResponse)
def credit_line_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                     id: Annotated[int, Query(ge=0, le=MAX_INT)]) -> HTMLResponse:  # noqa: A002
    line = lines_api.read_credit_line(id, party, session)
    return _render(request, "view_credit_line.html", party, session, ctx,
                   {"line": line, "people": _participants(session)})


# ------------------------------------------------------------------------------------------------ prepayments
@router.get("/web/view/prepayments", response_class=HTMLResponse)
def prepayments_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                     sort: Sort = None, cursor: Cursor = None, status: str | None = None,
                     counterparty: Who = None, due_from: Day = None, due_to: Day = None) -> HTMLResponse:
    sort = sort or "maturity"
    page = prepay_api.read_prepayments(
        party, session, PageParams(PAGE_SIZE, cursor, sort), status=_status("status", status, prepay_api.STATUS),
        counterparty=_who("counterparty", counterparty), due_from=_day("due_from", due_from),
        due_to=_day("due_to", due_to, end=True))
    listing = Listing("/web/view/prepayments", sort,
                      {"status": status, "counterparty": counterparty, "due_from": due_from, "due_to": due_to}, cursor)
    return _render(request, "view_prepayments.html", party, session, ctx, {
        "page": page, "listing": listing, "statuses": list(prepay_api.STATUS), "people": _participants(session)})


# ------------------------------------------------------------------------------------------------ alerts
@router.get("/web/view/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                kind: Annotated[str | None, Query(max_length=40)] = None,
                days: Annotated[str | None, Query(pattern="^[0-9]{0,4}$", description="empty: the default")] = None,
                cursor: Annotated[str | None, Query(max_length=200)] = None) -> HTMLResponse:
    if kind and kind not in alerts_api.KINDS:
        raise FieldError(["query", "kind"], f"unknown alert kind {kind!r}; choose one of {list(alerts_api.KINDS)}")
    horizon = int(days) if days else None
    if horizon is not None and horizon > 3_650:
        raise FieldError(["query", "days"], "days must be at most 3650")
    page = alerts_api.alerts_of(party, session, ctx, days=horizon, kind=kind or None, limit=PAGE_SIZE,
                                cursor=cursor)
    listing = Listing("/web/view/alerts", "", {"kind": kind, "days": days}, cursor)
    return _render(request, "view_alerts.html", party, session, ctx, {
        "page": page, "listing": listing, "kinds": alerts_api.KINDS, "days": horizon})


# ------------------------------------------------------------------------------------------------ credit profiles
@router.get("/web/view/profile", response_class=HTMLResponse)
def profile_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                 of: Who = None) -> HTMLResponse:
    subject = _who("of", of) or party.address
    profile = profile_api.read_credit_profile(subject, party, session, ctx)
    now = ledger_now(session, ctx)
    c = table_of(Consent).c
    consents = session.execute(select(table_of(Consent)).where(
        (c.owner == party.address) | (c.bank == party.address), c.expires_at > now, c.revoked_at.is_(None))
        .order_by(c.owner, c.bank)).all()
    banks = [p for p in _participants(session) if Role.BANK in p[2] and p[0] != party.address]
    return _render(request, "view_profile.html", party, session, ctx, {
        "subject": subject, "profile": profile, "consents": consents, "banks": banks,
        "consent_until": now + 90 * DAY})


# ------------------------------------------------------------------------------------------------ regulator
@router.get("/web/view/oversight", response_class=HTMLResponse)
def oversight_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep) -> HTMLResponse:
    if not party.is_regulator:
        raise FieldError(["path"], "the oversight page is the regulator's", 403, "forbidden")
    R, FI = table_of(Receivable).c, table_of(Financing).c
    open_roots = (int(ReceivableStatus.CONFIRMED), int(ReceivableStatus.DISPUTED))
    outstanding = (R.face_units - R.repaid_units)
    by_debtor = session.execute(
        select(R.debtor, func.count().label("n"), func.sum(outstanding).label("units"))
        .where(R.status.in_(open_roots)).group_by(R.debtor).order_by(func.sum(outstanding).desc()).limit(20)).all()
    debtor_total = int(session.execute(select(func.coalesce(func.sum(outstanding), 0))
                                       .where(R.status.in_(open_roots))).scalar_one())
    funded = FI.value_units  # face value the banks will collect at maturity
    by_bank = session.execute(
        select(FI.bank, func.count().label("n"), func.sum(funded).label("units"))
        .where(FI.status == int(FinancingStatus.FUNDED)).group_by(FI.bank)
        .order_by(func.sum(funded).desc()).limit(20)).all()
    bank_total = int(session.execute(select(func.coalesce(func.sum(funded), 0))
                                     .where(FI.status == int(FinancingStatus.FUNDED))).scalar_one())
    return _render(request, "view_oversight.html", party, session, ctx, {
        "by_debtor": by_debtor, "debtor_total": debtor_total, "by_bank": by_bank, "bank_total": bank_total,
        "exposures": recv_api.read_exposures(party, session),
        "pools": risk_api.read_risk_pools(party, session, PageParams(PAGE_SIZE, None, None)),
        "losses": risk_api.read_losses(party, session, PageParams(PAGE_SIZE, None, "-recorded_at")),
        "alerts": alerts_api.alerts_of(party, session, ctx, days=None, kind=None, limit=10, cursor=None),
        "people": _participants(session)})


def share(part: Any, total: Any) -> str:
    return "—" if not total else f"{int(part or 0) * 100 / int(total):.1f}%"


def money_pages(party: Party) -> list[tuple[str, str]]:
    """The pages of gateway.web.finance a party's roles use: quotes, batch confirmation, funding, limits, statement."""
    roles = party.roles
    pages = []
    if roles & {Role.SUPPLIER, Role.DISTRIBUTOR}:
        pages.append(("/web/view/quotes", "Discount quotes"))
    if Role.CORE_ENTERPRISE in roles:
        pages.append(("/web/view/to-confirm", "Confirm receivables"))
    if Role.BANK in roles:
        pages += [("/web/view/funding", "Funding queue"), ("/web/view/limits", "Limits and rates")]
    return [*pages, ("/web/view/statement", "Statement")]


def links_of(party: Party) -> list[tuple[str, str]]:
    """The pages a party's roles use, in the order of the navigation."""
    pages = [("/web/panel", "My work")]
    roles = party.roles
    if party.is_regulator or roles & {Role.SUPPLIER, Role.DISTRIBUTOR, Role.CORE_ENTERPRISE, Role.BANK}:
        pages += [("/web/view/receivables", "Receivables"), ("/web/view/fragments", "Fragments")]
    if party.is_regulator or roles & {Role.SUPPLIER, Role.DISTRIBUTOR, Role.CORE_ENTERPRISE, Role.BANK}:
        pages += [("/web/view/financings", "Discounts"), ("/web/view/credit-lines", "Credit lines")]
    if party.is_regulator or roles & {Role.WAREHOUSE_OPERATOR, Role.BANK, Role.SUPPLIER, Role.DISTRIBUTOR,
                                      Role.CORE_ENTERPRISE}:
        pages.append(("/web/view/receipts", "Warehouse receipts"))
    if party.is_regulator or roles & {Role.CORE_ENTERPRISE, Role.BANK, Role.WAREHOUSE_OPERATOR, Role.SUPPLIER,
                                      Role.DISTRIBUTOR}:
        pages.append(("/web/view/prepayments", "Prepayment deals"))
    pages += money_pages(party)
    if roles & {Role.CORE_ENTERPRISE}:
        pages.append(("/web/view/calendar", "Maturity calendar"))
    if roles & {Role.BANK}:
        pages.append(("/web/view/ladder", "Maturity ladder"))
    if party.is_regulator or roles & {Role.BANK, Role.SUPPLIER, Role.DISTRIBUTOR, Role.CORE_ENTERPRISE}:
        pages.append(("/web/view/loans", "Pledge loans"))
    if roles & {Role.WAREHOUSE_OPERATOR}:
        pages.append(("/web/view/warehouse", "Warehouse desk"))
    pages += [("/web/view/alerts", "Alerts"), ("/web/view/profile", "Credit profile")]
    if party.is_regulator:
        pages.append(("/web/view/oversight", "Oversight"))
    return pages

