"""Prepayment events -> prepayment agreements and instalment schedules. The receipt born pledged at delivery is
projected by the receipt handlers; here the bank is linked to it as its collateral. The seller's guarantee (v2):
collateral locked at acceptance, released or applied at the end; recorded debt after a refund or enforcement.
Claimable balances (`PrepaymentCredited`, `PrepaymentClaimed`) are per account and are kept in the event log only."""

from __future__ import annotations

from typing import Any

from gateway.indexer.handlers.common import link
from gateway.indexer.handlers.warehouse import text
from gateway.indexer.registry import HANDLERS, EventContext
from gateway.indexer.store import UnitOfWork
from gateway.models.links import BANK
from gateway.models.prepayments import Prepayment, PrepaymentInstalment
from sdk.generated.events import (
    PrepaymentAccepted,
    PrepaymentBoughtBack,
    PrepaymentCancelled,
    PrepaymentCredited,
    PrepaymentDebtRecorded,
    PrepaymentDebtRepaid,
    PrepaymentDebtWrittenDown,
    PrepaymentDelivered,
    PrepaymentDeliveryDeadlineExtended,
    PrepaymentEnforced,
    PrepaymentFunded,
    PrepaymentGuaranteeProposed,
    PrepaymentProposed,
    PrepaymentRefunded,
    PrepaymentRepaid,
)

CONTRACT = "Prepayment"
# A credit to a claimable balance changes no agreement column; it is filed in the agreement's event history.
HANDLERS.asset(PrepaymentCredited, "prepayment", contract=CONTRACT)


@HANDLERS.on(PrepaymentProposed, contract=CONTRACT, asset="prepayment")
def proposed(uow: UnitOfWork, ev: PrepaymentProposed, ctx: EventContext) -> None:
    uow.insert(Prepayment, {
        "id": ev.id, "buyer": ev.buyer, "seller": ev.seller, "bank": ev.bank, "warehouse": ev.warehouse,
        "commodity": text(ev.commodity), "unit": text(ev.unit), "quantity": ev.quantity,
        "unit_price_units": ev.unit_price, "price_units": ev.quantity * ev.unit_price, "margin_units": ev.margin,
        "margin_bps": ev.margin_bps, "rate_bps": ev.rate_bps, "delivery_deadline": ev.delivery_deadline,
        "maturity": ev.maturity, "status": int(ev.new_status), "created_at": ctx.block_time,
        "principal_units": ev.quantity * ev.unit_price - ev.margin,  # what the bank is to fund
        "updated_block": ctx.block_number,
    })
    for seq, (due_date, principal) in enumerate(ev.schedule):
        uow.insert(PrepaymentInstalment, {"prepayment_id": ev.id, "seq": seq, "due_date": due_date,
                                          "principal_units": principal})


def _update(uow: UnitOfWork, pid: int, ctx: EventContext, **changes: Any) -> dict[str, Any]:
    return uow.update(Prepayment, pid, updated_block=ctx.block_number, **changes)


@HANDLERS.on(PrepaymentGuaranteeProposed, contract=CONTRACT, asset="prepayment")
def guarantee_proposed(uow: UnitOfWork, ev: PrepaymentGuaranteeProposed, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, collateral_bps=ev.collateral_bps, grace_period=ev.grace_period,
            collateral_units=ev.collateral)


@HANDLERS.on(PrepaymentAccepted, contract=CONTRACT, asset="prepayment")
def accepted(uow: UnitOfWork, ev: PrepaymentAccepted, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, status=int(ev.new_status), collateral_held_units=ev.collateral)


@HANDLERS.on(PrepaymentFunded, contract=CONTRACT, asset="prepayment")
def funded(uow: UnitOfWork, ev: PrepaymentFunded, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, status=int(ev.new_status), principal_units=ev.principal, outstanding_units=ev.principal,
            margin_units=ev.margin, price_units=ev.price, funded_at=ctx.block_time)


@HANDLERS.on(PrepaymentCancelled, contract=CONTRACT, asset="prepayment")
def cancelled(uow: UnitOfWork, ev: PrepaymentCancelled, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, status=int(ev.new_status), closed_at=ctx.block_time, collateral_held_units=0)


@HANDLERS.on(PrepaymentDeliveryDeadlineExtended, contract=CONTRACT, asset="prepayment")
def deadline_extended(uow: UnitOfWork, ev: PrepaymentDeliveryDeadlineExtended, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, delivery_deadline=ev.new_deadline)


@HANDLERS.on(PrepaymentDelivered, contract=CONTRACT, asset="prepayment")
def delivered(uow: UnitOfWork, ev: PrepaymentDelivered, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, status=int(ev.new_status), receipt_id=ev.receipt_id, pledged_quantity=ev.quantity,
            delivered_at=ctx.block_time)
    link(uow, ev.bank, "receipt", ev.receipt_id, BANK)
    ctx.ref("receipt", ev.receipt_id)


@HANDLERS.on(PrepaymentRepaid, contract=CONTRACT, asset="prepayment")
def repaid(uow: UnitOfWork, ev: PrepaymentRepaid, ctx: EventContext) -> None:
    row = uow.require(Prepayment, ev.id)
    closed = ev.outstanding == 0
    _update(uow, ev.id, ctx, status=int(ev.new_status), outstanding_units=ev.outstanding,
            principal_repaid_units=row["principal_repaid_units"] + ev.principal,
            interest_paid_units=row["interest_paid_units"] + ev.interest, pledged_quantity=ev.pledged_quantity,
            released_quantity=row["released_quantity"] + ev.released_quantity,
            closed_at=ctx.block_time if closed else None,
            collateral_held_units=0 if closed else row["collateral_held_units"])
    if ev.released_receipt_id:
        ctx.ref("receipt", ev.released_receipt_id)


@HANDLERS.on(PrepaymentBoughtBack, contract=CONTRACT, asset="prepayment")
def bought_back(uow: UnitOfWork, ev: PrepaymentBoughtBack, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, status=int(ev.new_status), outstanding_units=0, pledged_quantity=0,
            closed_at=ctx.block_time, collateral_held_units=0)
    ctx.ref("receipt", ev.receipt_id)


@HANDLERS.on(PrepaymentEnforced, contract=CONTRACT, asset="prepayment")
def enforced(uow: UnitOfWork, ev: PrepaymentEnforced, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, status=int(ev.new_status), outstanding_units=0, pledged_quantity=0,
            closed_at=ctx.block_time, collateral_held_units=0, debt_to_bank_units=ev.debt)
    link(uow, ev.bank, "receipt", ev.receipt_id, BANK)
    ctx.ref("receipt", ev.receipt_id)


@HANDLERS.on(PrepaymentRefunded, contract=CONTRACT, asset="prepayment")
def refunded(uow: UnitOfWork, ev: PrepaymentRefunded, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, status=int(ev.new_status), outstanding_units=0, closed_at=ctx.block_time,
            collateral_held_units=0)


@HANDLERS.on(PrepaymentDebtRecorded, contract=CONTRACT, asset="prepayment")
def debt_recorded(uow: UnitOfWork, ev: PrepaymentDebtRecorded, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, debt_to_bank_units=ev.owed_to_bank, debt_to_buyer_units=ev.owed_to_buyer)


@HANDLERS.on(PrepaymentDebtRepaid, contract=CONTRACT, asset="prepayment")
def debt_repaid(uow: UnitOfWork, ev: PrepaymentDebtRepaid, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, debt_to_bank_units=ev.owed_to_bank, debt_to_buyer_units=ev.owed_to_buyer)


@HANDLERS.on(PrepaymentDebtWrittenDown, contract=CONTRACT, asset="prepayment")
def debt_written_down(uow: UnitOfWork, ev: PrepaymentDebtWrittenDown, ctx: EventContext) -> None:
    _update(uow, ev.id, ctx, debt_to_bank_units=ev.owed_to_bank)
