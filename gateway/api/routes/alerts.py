"""/v1/alerts: post-loan monitoring over what you can see.

Receivables maturing within N days, overdue and defaulted ones, unpaid recourse debts; loans whose LTV at the
latest price is above the margin-call threshold, margin-call deadlines, loans maturing or past maturity; credit-line
tranches due or overdue, lines near their limit or expiring (gateway.api.credit_monitoring); risk-pool
programs whose balance is below their open claims plus a reserve. And the steps that wait for the party itself:
payouts to claim, receipts presented for delivery, risk-pool claims to pay, payments to collect, recoveries to
return.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlmodel import Session

from gateway.api import scoping
from gateway.api.credit_monitoring import CREDIT_KINDS, credit_line_alerts
from gateway.api.deps import AppContext, ContextDep, CurrentParty, Party, SessionDep, ledger_now
from gateway.api.errors import FieldError
from gateway.api.routes.receivables import claimable
from gateway.api.routes.riskpool import programs_scope, recovery_owed
from gateway.api.routes.warehouse import OPEN_LOANS, latest_prices, loan_risk
from gateway.models.common import money, table_of
from gateway.models.positions import AlertPublic, AlertsPublic
from gateway.models.prepayments import Prepayment, PrepaymentInstalment
from gateway.models.receivables import Financing, Fragment, Receivable
from gateway.models.riskpool import Loss, RiskClaim, RiskHeld, RiskProgram
from gateway.models.warehouse import Loan, WarehouseReceipt
from sdk.display import FragmentId
from sdk.generated.enums import ClaimStatus
from sdk.types import (
    FinancingStatus,
    FragmentStatus,
    LoanStatus,
    PrepaymentStatus,
    ReceiptStatus,
    ReceivableStatus,
)

router = APIRouter(tags=["alerts"])
DAY = 86_400
KINDS = ("receivable_maturing", "receivable_overdue", "fragment_defaulted", "recourse_outstanding",
         "ltv_above_margin_call", "margin_call_deadline", "loan_maturing", "loan_overdue", "instalment_due",
         "instalment_overdue", *CREDIT_KINDS, "risk_pool_underfunded", "payout_claimable", "receipt_presented",
         "risk_claim_payable", "risk_payment_held", "risk_recovery_owed")
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def _alert(kind: str, severity: str, asset_type: str, asset_id: int, message: str, due_at: int | None,
           units: int | None) -> AlertPublic:
    return AlertPublic(kind=kind, severity=severity, asset_type=asset_type, asset_id=asset_id, message=message,
                       due_at=due_at, amount=money(units) if units is not None else None, amount_units=units)


@router.get("/alerts", response_model=AlertsPublic, summary="Post-loan monitoring alerts on what concerns you")
def read_alerts(
    party: CurrentParty, session: SessionDep, ctx: ContextDep,
    days: Annotated[int | None, Query(ge=0, le=3_650, description="horizon of 'maturing' alerts")] = None,
    kind: Annotated[str | None, Query(pattern="^(" + "|".join(KINDS) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 200,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
    near_limit_bps: Annotated[int | None, Query(ge=1, le=10_000, description="credit-line use (bps of the limit) "
                                                "that raises credit_line_near_limit")] = None,
) -> Response:
    # the same question at the same checkpoint and second has the same answer (gateway.api.answers)
    conf = ctx.settings
    asked = ("alerts", party.address, party.roles, days, kind, limit, cursor, near_limit_bps,
             conf.alert_maturity_days, conf.alert_credit_near_limit_bps, conf.risk_pool_reserve_bps)
    return ctx.answers.answer(session, ctx.now(), asked, lambda now: alerts_of(
        party, session, ctx, days, kind, limit, cursor, near_limit_bps, now=now))


def alerts_of(party: Party, session: Session, ctx: AppContext, days: int | None, kind: str | None, limit: int,
              cursor: str | None, near_limit_bps: int | None = None, *, now: int | None = None) -> AlertsPublic:
    """The alerts of /v1/alerts (`now`: the ledger's clock; read when not given)."""
    now = ledger_now(session, ctx) if now is None else now
    horizon = now + (ctx.settings.alert_maturity_days if days is None else days) * DAY
    out: list[AlertPublic] = []
    r = table_of(Receivable).c
    open_roots = (int(ReceivableStatus.CONFIRMED), int(ReceivableStatus.DISPUTED))
    for row in session.execute(
        select(r.id, r.due_date, r.face_units, r.repaid_units).where(
            scoping.receivables(party), r.status.in_(open_roots), r.repaid_units < r.face_units, r.due_date <= horizon)
    ):
        outstanding = row.face_units - row.repaid_units
        if row.due_date < now:  # overdue once now > due, as the contract has it
            out.append(_alert("receivable_overdue", "critical", "receivable", row.id,
                              f"receivable {row.id} is overdue: {money(outstanding)} unpaid", row.due_date,
                              outstanding))
        else:
            out.append(_alert("receivable_maturing", "warning", "receivable", row.id,
                              f"receivable {row.id} falls due within {(row.due_date - now + DAY - 1) // DAY} days",
                              row.due_date, outstanding))
    f = table_of(Fragment).c
    for row in session.execute(select(f.id, f.due_date, f.value_units, f.paid_units).where(
            scoping.fragments(party), f.status == int(FragmentStatus.DEFAULTED))):
        unpaid = row.value_units - row.paid_units
        out.append(_alert("fragment_defaulted", "critical", "fragment", row.id,
                          f"fragment {row.id} was declared defaulted: {money(unpaid)} unpaid", row.due_date, unpaid))
    fin = table_of(Financing).c
    for row in session.execute(select(fin.fragment_id, fin.recourse_outstanding_units).where(
            scoping.financings(party), fin.status == int(FinancingStatus.RECOURSED))):
        out.append(_alert("recourse_outstanding", "warning", "fragment", row.fragment_id,
                          f"recourse debt on fragment {row.fragment_id} is unpaid", None,
                          row.recourse_outstanding_units))
    ln = table_of(Loan).c
    prices = latest_prices(session)
    for row in session.execute(select(table_of(Loan)).where(scoping.loans(party), ln.status.in_(OPEN_LOANS))):
        m = row._mapping
        interest, _, ltv = loan_risk(m, prices.get(m["commodity"]), now)
        debt = m["principal_units"] + interest
        if m["status"] == int(LoanStatus.MARGIN_CALLED):
            late = m["margin_call_deadline"] is not None and m["margin_call_deadline"] < now
            when = "was due" if late else "is due"
            out.append(_alert("margin_call_deadline", "critical", "loan", m["id"],
                              f"loan {m['id']} is margin-called; the cure {when} by the deadline",
                              m["margin_call_deadline"], debt))
        elif ltv is not None and ltv > m["margin_call_ltv_bps"]:
            out.append(_alert("ltv_above_margin_call", "critical", "loan", m["id"],
                              f"loan {m['id']} LTV {ltv / 100:.2f}% is above its margin-call LTV "
                              f"{m['margin_call_ltv_bps'] / 100:.2f}% at the latest price", None, debt))
        if m["maturity"] < now:
            out.append(_alert("loan_overdue", "critical", "loan", m["id"], f"loan {m['id']} is past maturity",
                              m["maturity"], debt))
        elif m["maturity"] <= horizon:
            out.append(_alert("loan_maturing", "warning", "loan", m["id"], f"loan {m['id']} matures soon",
                              m["maturity"], debt))
    out += _instalments(session, party, now, horizon)
    out += credit_line_alerts(session, party, now, horizon,
                              ctx.settings.alert_credit_near_limit_bps if near_limit_bps is None else near_limit_bps)
    out += risk_pool_alerts(session, party, ctx.settings.risk_pool_reserve_bps)
    out += waiting_for_you(session, party)
    if kind is not None:
        out = [a for a in out if a.kind == kind]
    out.sort(key=_order)
    count = len(out)
    start = 0
    if cursor is not None:  # keyset: the alerts after the last one served, in the same order
        after = _decode(cursor)
        start = sum(1 for a in out if _order(a) <= after)
    page = out[start:start + limit]
    more = len(out) > start + limit
    back = start - limit  # the previous page starts here; at or below 0 it is the first page
    prev = None if start == 0 or not page else _encode(_order(out[back - 1]) if back > 0 else _START)
    return AlertsPublic(as_of=now, data=page, count=count,
                        next_cursor=_encode(_order(page[-1])) if more and page else None, prev_cursor=prev)


#: A cursor before every alert (its key sorts first): the first page, as a previous-page cursor names it.
_START = (-1, -1, "", -1, "")


def _order(a: AlertPublic) -> tuple[int, int, str, int, str]:
    """Most severe first, then soonest due; (asset, kind) makes the order total, so pages never overlap."""
    return (SEVERITY_ORDER[a.severity], a.due_at if a.due_at is not None else 2**62, a.asset_type, a.asset_id, a.kind)


def _encode(key: tuple[int, int, str, int, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, int, str, int, str]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        severity, due, asset_type, asset_id, kind = raw
        key = (int(severity), int(due), str(asset_type), int(asset_id), str(kind))
    except (ValueError, TypeError):
        raise FieldError(["query", "cursor"], "not a cursor of /v1/alerts: pass the next_cursor of a page", 422,
                         "value_error") from None
    return key


def _instalments(session: Any, party: Any, now: int, horizon: int) -> list[AlertPublic]:
    """The next unpaid instalment of each open prepayment: due within the horizon, or overdue."""
    p, i = table_of(Prepayment).c, table_of(PrepaymentInstalment).c
    open_deals = (int(PrepaymentStatus.FUNDED), int(PrepaymentStatus.DELIVERED))
    deals = {row.id: row for row in session.execute(
        select(p.id, p.principal_repaid_units).where(scoping.prepayments(party), p.status.in_(open_deals)))}
    out: list[AlertPublic] = []
    scheduled: dict[int, int] = {}
    for pid, seq, due, units in session.execute(
        select(i.prepayment_id, i.seq, i.due_date, i.principal_units).where(i.prepayment_id.in_(list(deals)))
        .order_by(i.prepayment_id, i.seq)
    ):
        before = scheduled.get(pid, 0)
        scheduled[pid] = before + units
        repaid = deals[pid].principal_repaid_units
        if repaid >= before + units or before > repaid or due > horizon:
            continue  # paid, a later instalment, or not due soon
        owed = before + units - repaid
        late = due < now
        what = "is overdue" if late else "falls due"
        out.append(_alert("instalment_overdue" if late else "instalment_due", "critical" if late else "warning",
                          "prepayment", pid, f"prepayment {pid} instalment {seq + 1} {what}", due, owed))
    return out


# ------------------------------------------------------------------ risk pools (issue 13)
def risk_pool_alerts(session: Any, party: Any, reserve_bps: int) -> list[AlertPublic]:
    """Programs (those the party contributes to or claimed on; the regulator all) whose balance is below their open
    claims plus `reserve_bps` of their deposits: critical while claims wait unpaid, a warning when only the reserve
    is short. The amount is what a top-up needs to restore it."""
    p = table_of(RiskProgram).c
    out: list[AlertPublic] = []
    for row in session.execute(select(p.id, p.name, p.balance_units, p.open_units, p.deposited_units)
                               .where(programs_scope(party)).order_by(p.id)):
        reserve = row.deposited_units * reserve_bps // 10_000
        need = row.open_units + reserve
        if row.balance_units >= need or need == 0:
            continue
        waiting = row.open_units > 0
        what = (f"{money(row.open_units)} of claims wait unpaid" if waiting
                else f"its balance is below the reserve of {money(reserve)}")
        out.append(_alert("risk_pool_underfunded", "critical" if waiting else "warning", "risk_program", row.id,
                          f"risk-pool program {row.id} ({row.name}): {what}; balance {money(row.balance_units)}",
                          None, need - row.balance_units))
    return out


# ------------------------------------------------------------------ steps waiting for the party itself (issue 10)
def waiting_for_you(session: Any, party: Any) -> list[AlertPublic]:
    """What only the party can (or wants to) do next, each message naming the command: payouts of its fragments to
    claim, receipts presented to it (a warehouse) for delivery out, its open risk-pool claims the pool can pay now,
    payments held for it to collect, recoveries it owes back. Never for someone else, not even for the regulator."""
    me = party.address
    out: list[AlertPublic] = []
    f, r = table_of(Fragment).c, table_of(Receivable).c
    for row in session.execute(
        select(f.id, f.value_units, f.paid_units, f.due_date, r.face_units, r.repaid_units)
        .join(table_of(Receivable), r.id == f.root_id)
        .where(f.holder == me, r.repaid_units > 0, f.paid_units < f.value_units).order_by(f.id)
    ):
        owed = claimable(row.value_units, row.paid_units, row.face_units, row.repaid_units)
        if owed > 0:
            label = FragmentId(row.id)
            out.append(_alert("payout_claimable", "info", "fragment", row.id,
                              f"fragment {label}: {money(owed)} repaid to you waits; claim it with "
                              f"`scf receivable claim {label}`", row.due_date, owed))
    w = table_of(WarehouseReceipt).c
    for row in session.execute(
        select(w.id, w.quantity, w.unit, w.commodity, w.lot_id, w.issued_at)
        .where(w.warehouse == me, w.approved == me, w.status == int(ReceiptStatus.FREE)).order_by(w.id)
    ):
        out.append(_alert("receipt_presented", "warning", "receipt", row.id,
                          f"receipt {row.id} ({row.quantity} {row.unit} {row.commodity}, lot {row.lot_id}) was "
                          f"presented for delivery out; deliver with `scf receipt deliver {row.id}`", None, None))
    c, p, lo = table_of(RiskClaim).c, table_of(RiskProgram).c, table_of(Loss).c
    for row in session.execute(
        select(c.id, c.program_id, c.entitlement_units, c.paid_units, c.status, c.net_loss_units, c.returned_units,
               p.balance_units, lo.principal_units, lo.interest_units, lo.recovered_units)
        .join(table_of(RiskProgram), p.id == c.program_id).join(table_of(Loss), lo.id == c.loss_id)
        .where(c.bank == me).order_by(c.id)
    ):
        unpaid = row.entitlement_units - row.paid_units
        if row.status == int(ClaimStatus.OPEN) and unpaid > 0 and row.balance_units > 0:
            out.append(_alert("risk_claim_payable", "warning", "risk_claim", row.id,
                              f"risk-pool claim {row.id}: program {row.program_id} can pay "
                              f"{money(min(unpaid, row.balance_units))} of it now; run "
                              f"`scf risk-pool pay-open {row.program_id}`", None, min(unpaid, row.balance_units)))
        owed = recovery_owed(row.principal_units + row.interest_units, row.recovered_units, row.net_loss_units,
                             row.paid_units, row.returned_units)
        if owed > 0:
            out.append(_alert("risk_recovery_owed", "warning", "risk_claim", row.id,
                              f"risk-pool claim {row.id}: {money(owed)} recovered on the loss is owed back to the "
                              f"pool; run `scf risk-pool return-recovery {row.id}`", None, owed))
    h = table_of(RiskHeld).c
    held = session.execute(select(h.held_units).where(h.bank == me)).scalar_one_or_none() or 0
    if held > 0:
        out.append(_alert("risk_payment_held", "warning", "party", 0,
                          f"{money(held)} of risk-pool claim payments is held for you; collect it with "
                          "`scf risk-pool collect`", None, held))
    return out
