"""The warehouse's desk: receipts their holders have presented for delivery out (deliver them), and goods awaiting
inspection in — funded prepayment deals naming this warehouse, whose seller must deliver the goods before the
deadline; the warehouse inspects them and confirms the delivery, which issues the receipt pledged to the bank.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from gateway.api.deps import ContextDep, CurrentParty, SessionDep, ledger_now
from gateway.api.errors import FieldError
from gateway.api.pagination import PageParams
from gateway.api.routes import warehouse as warehouse_api
from gateway.models.common import table_of
from gateway.models.prepayments import Prepayment
from gateway.models.warehouse import IssuerApproval, WarehouseReceipt
from gateway.web.views import PAGE_SIZE, Cursor, Listing, _render
from sdk.generated.enums import PrepaymentStatus, ReceiptStatus, Role

router = APIRouter(include_in_schema=False)


@router.get("/web/view/warehouse", response_class=HTMLResponse)
def warehouse_page(request: Request, party: CurrentParty, session: SessionDep, ctx: ContextDep,
                   cursor: Cursor = None) -> HTMLResponse:
    if not party.has(Role.WAREHOUSE_OPERATOR):
        raise FieldError(["path"], "the warehouse desk is a warehouse operator's", 403, "forbidden")
    me = party.address
    presented = warehouse_api.read_warehouse_receipts(
        party, session, PageParams(PAGE_SIZE, cursor, "issued_at"), status=None, counterparty=me, commodity=None,
        lot_id=None, min_quantity=None, max_quantity=None, presented=True)
    presented.data = [r for r in presented.data if r.warehouse == me]  # not one it holds as owner elsewhere
    P = table_of(Prepayment).c
    awaiting = session.execute(select(table_of(Prepayment)).where(
        P.warehouse == me, P.status == int(PrepaymentStatus.FUNDED)).order_by(P.delivery_deadline, P.id)
        .limit(100)).all()
    W = table_of(WarehouseReceipt).c
    counts: dict[str, Any] = {ReceiptStatus(s).name.lower(): (n, q) for s, n, q in session.execute(
        select(W.status, func.count(), func.sum(W.quantity)).where(W.warehouse == me).group_by(W.status))}
    prepayment = ctx.deployment.contracts.get("Prepayment")
    approved = prepayment is not None and session.get(IssuerApproval, (me, prepayment)) is not None
    return _render(request, "view_warehouse.html", party, session, ctx, {
        "prepayment": prepayment, "issuer_approved": approved,
        "presented": presented, "listing": Listing("/web/view/warehouse", "issued_at", {}, cursor),
        "awaiting": awaiting, "counts": counts, "now": ledger_now(session, ctx)})
