"""The web app: server-rendered pages (Jinja2) with htmx for the role panel, and one signing module (ethers,
bundled with esbuild into static/signer.js) that signs in the browser. Everything is served from here: no CDN.

``/`` is the landing page with sign-in and, once signed in, the party's workspace; ``/web/panel`` renders the
panel of the signed-in party's roles (the bearer token rides on htmx's requests); ``/docs`` is Swagger UI from
local assets. Actions go through the write API (prepare -> summary -> sign in the page -> submit -> indexed).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from gateway.api.deps import ContextDep, CurrentParty, SessionDep, ledger_now
from gateway.models.balances import Balance
from gateway.models.common import table_of
from gateway.models.participants import Participant
from gateway.models.receivables import Financing, Fragment, Offer, Receivable
from gateway.models.warehouse import WarehouseReceipt
from sdk.display import party_label
from sdk.generated.enums import (
    FinancingStatus,
    FragmentStatus,
    OfferStatus,
    ReceiptStatus,
    ReceivableStatus,
    Role,
)
from sdk.money import DECIMALS, UNIT
from sdk.story import fragment_ref
from sdk.types import roles_from_mask

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)


def money(units: Any) -> str:
    if units is None:
        return "—"
    units = int(units)  # PostgreSQL's SUM is a Decimal
    sign = "-" if units < 0 else ""
    whole, cents = divmod(abs(units), UNIT)
    return f"{sign}{whole:,}.{cents:0{DECIMALS}d}"


def day(ts: int | None) -> str:
    return "—" if not ts else datetime.fromtimestamp(ts, UTC).strftime("%d %b %Y")


def percent(bps: int | None) -> str:
    return "—" if bps is None else f"{bps / 100:.2f}%"


def short(address: str | None) -> str:
    return "—" if not address else f"{address[:6]}…{address[-4:]}"


def fragment(fragment_id: int | None) -> str:
    """A fragment id in its human form, ROOT.INDEX (the integer is in the cell's title and the forms' params)."""
    return "—" if fragment_id is None else fragment_ref(int(fragment_id))


templates.env.filters.update(money=money, day=day, percent=percent, short=short, fragment=fragment)


def mount(app: Any) -> None:
    from gateway.web import desk, finance, lines, loans, maturity, views

    templates.env.globals.update(share=views.share, utilisation_chart=lines.utilisation_chart)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    app.include_router(views.router)
    app.include_router(finance.router)
    for pages in (maturity, loans, desk):
        app.include_router(pages.router)


@router.get("/", response_class=HTMLResponse)
def landing(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "index.html", {})


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="SCF ledger gateway — API",
                               swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                               swagger_css_url="/static/swagger/swagger-ui.css",
                               swagger_favicon_url="/static/swagger/favicon-32x32.png")


class Names:
    """Parties as people read them: the display name beside a short address, or, for a participant without one,
    its roles and a short address (the full address on hover)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.cache: dict[str, str] = {}

    def __call__(self, address: str | None) -> str:
        if not address:
            return "—"
        if address not in self.cache:
            row = self.session.get(Participant, address)
            if row is not None and row.name:
                self.cache[address] = party_label(address, row.name)
                return self.cache[address]
            roles = ", ".join(r.name.lower().replace("_", " ") for r in roles_from_mask(row.roles)) if row else ""
            self.cache[address] = f"{roles} {short(address)}".strip()
        return self.cache[address]


@router.get("/web/panel", response_class=HTMLResponse)
def panel(request: Request, party: CurrentParty, ctx: ContextDep, session: SessionDep) -> HTMLResponse:
    from gateway.web.views import links_of

    me = party.address
    now = ledger_now(session, ctx)
    F, R, OF, FI, W, P = (table_of(m).c for m in (Fragment, Receivable, Offer, Financing, WarehouseReceipt,
                                                  Participant))
    data: dict[str, Any] = {"me": me, "now": now, "roles": sorted(r.name.lower() for r in party.roles),
                            "name": Names(session), "receivables": ctx.deployment.contracts.get("Receivables"),
                            "pages": links_of(party), "src": "/web/panel"}
    held = session.get(Balance, me)
    data["balance"] = held.units if held is not None else 0
    if party.has(Role.SUPPLIER) or party.has(Role.DISTRIBUTOR):
        data["holdings"] = session.execute(
            select(*F).where(F.holder == me, F.status.in_([int(FragmentStatus.ACTIVE),
                                                          int(FragmentStatus.DISCOUNTING),
                                                          int(FragmentStatus.FINANCED)]))
            .order_by(F.due_date, F.id).limit(100)).all()
        data["offers"] = session.execute(
            select(*OF).where(OF.recipient == me, OF.status == int(OfferStatus.OPEN)).order_by(OF.id).limit(100)).all()
        data["banks"] = [r.address for r in session.execute(select(P.address, P.roles)).all()
                         if Role.BANK in roles_from_mask(r.roles)]
    if party.has(Role.CORE_ENTERPRISE):
        data["to_confirm"] = session.execute(
            select(*R).where(R.debtor == me, R.status == int(ReceivableStatus.REGISTERED)).order_by(R.id).limit(100)
        ).all()
        data["confirm_all"] = json.dumps([{"root_id": r.id} for r in data["to_confirm"]])
        data["owed"] = session.execute(
            select(*R).where(R.debtor == me, R.status == int(ReceivableStatus.CONFIRMED)).order_by(R.due_date)
            .limit(100)).all()
    if party.has(Role.BANK):
        data["queue"] = session.execute(
            select(*FI, F.due_date).join(table_of(Fragment), F.id == FI.fragment_id)
            .where(FI.bank == me, FI.status == int(FinancingStatus.REQUESTED)).order_by(F.due_date).limit(100)
        ).all()
        data["portfolio"] = session.execute(
            select(*FI).where(FI.bank == me, FI.status == int(FinancingStatus.FUNDED)).order_by(FI.fragment_id)
            .limit(100)).all()
        data["deadline"] = now + 3_600
        data["fund_all"] = json.dumps([{"fragment_id": q.fragment_id, "rate_bps": q.rate_bps,
                                        "with_recourse": q.with_recourse, "max_price": q.value_units,
                                        "deadline": data["deadline"]} for q in data["queue"]])
    if party.has(Role.WAREHOUSE_OPERATOR):
        data["receipts"] = session.execute(
            select(*W).where(W.warehouse == me).order_by(W.id).limit(100)).all()
        data["free"] = int(ReceiptStatus.FREE)
    if party.is_regulator:
        data["totals"] = [
            (ReceivableStatus(r.status).name.lower(), r.n, r.face)
            for r in session.execute(select(R.status, func.count().label("n"), func.sum(R.face_units).label("face"))
                                     .group_by(R.status).order_by(R.status)).all()]
        data["financed"] = session.execute(
            select(func.count(), func.coalesce(func.sum(FI.price_units), 0))
            .where(FI.status == int(FinancingStatus.FUNDED))).one()
        data["participants"] = session.execute(select(func.count()).select_from(table_of(Participant))).scalar()
    data["status"] = {"fragment": FragmentStatus, "receivable": ReceivableStatus, "receipt": ReceiptStatus}
    return templates.TemplateResponse(request, "panel.html", data)
