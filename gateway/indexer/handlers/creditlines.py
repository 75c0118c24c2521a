"""CreditLines events -> credit lines, their tranches and the receivables pledged to them. Every event is filed
under its line (asset ``credit_line``), which is what a line's history reads back."""

from __future__ import annotations

from typing import Any

from gateway.indexer.handlers.common import hex32
from gateway.indexer.registry import HANDLERS, EventContext
from gateway.indexer.store import UnitOfWork
from gateway.models.creditlines import CREDIT_LINE_ASSET, CreditLine, CreditPledge, CreditTranche
from sdk.generated.events import (
    CreditLineAccepted,
    CreditLineClosed,
    CreditLineDefaulted,
    CreditLineDrawn,
    CreditLineFrozen,
    CreditLineLimitReduced,
    CreditLineOpened,
    CreditLinePayeeSet,
    CreditLineRecovered,
    CreditLineRepaid,
    CreditLineUnfrozen,
    CreditPayoutHeld,
    CreditReceivableCollected,
    CreditReceivablePledged,
    CreditReceivableReleased,
    CreditRepaymentHeld,
    CreditTrancheRepaid,
)
from sdk.types import CreditLineStatus

CONTRACT = "CreditLines"
ASSET = CREDIT_LINE_ASSET


def _update(uow: UnitOfWork, line_id: int, ctx: EventContext, **changes: Any) -> dict[str, Any]:
    return uow.update(CreditLine, line_id, updated_block=ctx.block_number, **changes)


@HANDLERS.on(CreditLineOpened, contract=CONTRACT, asset=ASSET)
def opened(uow: UnitOfWork, ev: CreditLineOpened, ctx: EventContext) -> None:
    uow.insert(CreditLine, {
        "id": ev.line_id, "bank": ev.bank, "borrower": ev.borrower, "status": int(ev.new_status),
        "payee_rule": int(ev.payee_rule), "limit_units": ev.limit, "rate_bps": ev.rate_bps,
        "surcharge_bps": ev.surcharge_bps, "start": ev.start, "expiry": ev.expiry, "max_tenor": ev.max_tenor,
        "grace": ev.grace, "created_at": ctx.block_time, "updated_block": ctx.block_number,
    })


@HANDLERS.on(CreditLineAccepted, contract=CONTRACT, asset=ASSET)
def accepted(uow: UnitOfWork, ev: CreditLineAccepted, ctx: EventContext) -> None:
    _update(uow, ev.line_id, ctx, status=int(ev.new_status))


@HANDLERS.on(CreditLineFrozen, contract=CONTRACT, asset=ASSET)
def frozen(uow: UnitOfWork, ev: CreditLineFrozen, ctx: EventContext) -> None:
    _update(uow, ev.line_id, ctx, status=int(ev.new_status))


@HANDLERS.on(CreditLineUnfrozen, contract=CONTRACT, asset=ASSET)
def unfrozen(uow: UnitOfWork, ev: CreditLineUnfrozen, ctx: EventContext) -> None:
    _update(uow, ev.line_id, ctx, status=int(ev.new_status))


@HANDLERS.on(CreditLineClosed, contract=CONTRACT, asset=ASSET)
def closed(uow: UnitOfWork, ev: CreditLineClosed, ctx: EventContext) -> None:
    _update(uow, ev.line_id, ctx, status=int(ev.new_status), closed_at=ctx.block_time)


@HANDLERS.on(CreditLinePayeeSet, contract=CONTRACT, asset=ASSET)
def payee_set(uow: UnitOfWork, ev: CreditLinePayeeSet, ctx: EventContext) -> None:
    _update(uow, ev.line_id, ctx, payee_count=ev.payee_count)


@HANDLERS.on(CreditLineLimitReduced, contract=CONTRACT, asset=ASSET)
def limit_reduced(uow: UnitOfWork, ev: CreditLineLimitReduced, ctx: EventContext) -> None:
    _update(uow, ev.line_id, ctx, limit_units=ev.new_limit)


@HANDLERS.on(CreditLineDrawn, contract=CONTRACT, asset=ASSET)
def drawn(uow: UnitOfWork, ev: CreditLineDrawn, ctx: EventContext) -> None:
    uow.insert(CreditTranche, {
        "line_id": ev.line_id, "tranche_id": ev.tranche_id, "payee": ev.payee, "amount_units": ev.amount,
        "principal_units": ev.amount, "purpose_ref": hex32(ev.purpose_ref), "drawn_at": ctx.block_time,
        "due": ev.due,
    })
    row = uow.require(CreditLine, ev.line_id)
    _update(uow, ev.line_id, ctx, principal_units=ev.principal, drawn_units=row["drawn_units"] + ev.amount,
            draw_count=row["draw_count"] + 1)


@HANDLERS.on(CreditTrancheRepaid, contract=CONTRACT, asset=ASSET)
def tranche_repaid(uow: UnitOfWork, ev: CreditTrancheRepaid, ctx: EventContext) -> None:
    uow.update(CreditTranche, (ev.line_id, ev.tranche_id), principal_units=ev.principal_left,
               repaid_at=ctx.block_time if ev.principal_left == 0 else None)


@HANDLERS.on(CreditLineRepaid, contract=CONTRACT, asset=ASSET)
def repaid(uow: UnitOfWork, ev: CreditLineRepaid, ctx: EventContext) -> None:
    row = uow.require(CreditLine, ev.line_id)
    _update(uow, ev.line_id, ctx, principal_units=ev.principal, interest_units=ev.interest,
            principal_repaid_units=row["principal_repaid_units"] + ev.principal_paid,
            interest_paid_units=row["interest_paid_units"] + ev.interest_paid)


@HANDLERS.on(CreditLineDefaulted, contract=CONTRACT, asset=ASSET)
def defaulted(uow: UnitOfWork, ev: CreditLineDefaulted, ctx: EventContext) -> None:
    _update(uow, ev.line_id, ctx, status=int(ev.new_status), principal_units=ev.principal, interest_units=ev.interest,
            loss_principal_units=ev.principal, loss_interest_units=ev.interest, defaulted_at=ctx.block_time)


@HANDLERS.on(CreditLineRecovered, contract=CONTRACT, asset=ASSET)
def recovered(uow: UnitOfWork, ev: CreditLineRecovered, ctx: EventContext) -> None:
    row = uow.require(CreditLine, ev.line_id)
    done = ev.new_status == CreditLineStatus.CLOSED
    _update(uow, ev.line_id, ctx, status=int(ev.new_status), principal_units=ev.principal,
            interest_units=ev.interest, recovered_units=row["recovered_units"] + ev.amount,
            principal_repaid_units=row["principal_repaid_units"] + ev.principal_paid,
            interest_paid_units=row["interest_paid_units"] + ev.interest_paid,
            closed_at=ctx.block_time if done else None)


# A held repayment is counted by the repayment event of the same transaction; file it under the line all the same.
HANDLERS.asset(CreditRepaymentHeld, ASSET, contract=CONTRACT)


# ------------------------------------------------------------------ receivables mode: pledged fragments
# The line's own repayment or recovery in the same transaction updates the line; these keep the pledge rows.
@HANDLERS.on(CreditReceivablePledged, contract=CONTRACT, asset=ASSET)
def receivable_pledged(uow: UnitOfWork, ev: CreditReceivablePledged, ctx: EventContext) -> None:
    uow.insert(CreditPledge, {
        "fragment_id": ev.fragment_id, "line_id": ev.line_id, "borrower": ev.borrower, "status": int(ev.new_status),
        "value_units": ev.value, "due_date": ev.due_date, "pledged_at": ctx.block_time,
        "updated_block": ctx.block_number,
    })


@HANDLERS.on(CreditReceivableCollected, contract=CONTRACT, asset=ASSET)
def receivable_collected(uow: UnitOfWork, ev: CreditReceivableCollected, ctx: EventContext) -> None:
    row = uow.require(CreditPledge, ev.fragment_id)
    uow.update(CreditPledge, ev.fragment_id, collected_units=ev.collected,
               to_line_units=row["to_line_units"] + ev.to_line,
               to_borrower_units=row["to_borrower_units"] + ev.to_borrower, updated_block=ctx.block_number)


@HANDLERS.on(CreditReceivableReleased, contract=CONTRACT, asset=ASSET)
def receivable_released(uow: UnitOfWork, ev: CreditReceivableReleased, ctx: EventContext) -> None:
    row = uow.require(CreditPledge, ev.fragment_id)
    uow.update(CreditPledge, ev.fragment_id, status=int(ev.new_status),
               released_at=row["released_at"] or ctx.block_time, return_offer_id=ev.offer_id or None,
               updated_block=ctx.block_number)


HANDLERS.asset(CreditPayoutHeld, ASSET, contract=CONTRACT)
