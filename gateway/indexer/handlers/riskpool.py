"""LossRegistry and RiskPool events -> losses, programs, their members and claims."""

from __future__ import annotations

from gateway.indexer.registry import HANDLERS, EventContext
from gateway.indexer.store import UnitOfWork
from gateway.models.riskpool import Loss, RiskClaim, RiskHeld, RiskProgram, RiskProgramMember
from sdk.generated.enums import ClaimStatus
from sdk.generated.events import (
    ClaimFiled,
    ClaimPaid,
    ClaimPaymentHeld,
    ClaimPaymentsCollected,
    ContributionDeposited,
    ContributionDrawn,
    ContributionWithdrawn,
    LossRecorded,
    LossRecovered,
    ProgramCreated,
    RecoveryCredited,
    RecoveryReturned,
)

LOSSES = "LossRegistry"
POOL = "RiskPool"


def _member(uow: UnitOfWork, program_id: int, account: str) -> dict[str, object]:
    row = uow.get(RiskProgramMember, (program_id, account))
    if row is None:
        row = uow.insert(RiskProgramMember, {
            "program_id": program_id, "account": account, "contributor": False, "bank": False,
            "deposited_units": 0, "paid_units": 0, "recovered_units": 0,
        })
    return row


@HANDLERS.on(LossRecorded, contract=LOSSES, asset="loss")
def loss_recorded(uow: UnitOfWork, ev: LossRecorded, ctx: EventContext) -> None:
    uow.insert(Loss, {
        "id": ev.loss_id, "source": ev.source, "asset_id": ev.asset_id, "bank": ev.bank, "debtor": ev.debtor,
        "principal_units": ev.principal, "interest_units": ev.interest, "recovered_units": 0,
        "recorded_at": ctx.block_time, "occurred_at": ev.occurred_at, "updated_block": ctx.block_number,
    })
    ctx.ref("party", ev.bank)
    ctx.ref("party", ev.debtor)


@HANDLERS.on(LossRecovered, contract=LOSSES, asset="loss")
def loss_recovered(uow: UnitOfWork, ev: LossRecovered, ctx: EventContext) -> None:
    uow.update(Loss, ev.loss_id, recovered_units=ev.new_recovered, updated_block=ctx.block_number)


@HANDLERS.on(ProgramCreated, contract=POOL, asset="risk_program")
def program_created(uow: UnitOfWork, ev: ProgramCreated, ctx: EventContext) -> None:
    uow.insert(RiskProgram, {
        "id": ev.program_id, "name": ev.name[:200], "start": ev.start, "end": ev.end, "deposited_units": 0,
        "balance_units": 0, "paid_units": 0, "open_units": 0, "recovered_units": 0, "claim_count": 0,
        "created_at": ctx.block_time, "updated_block": ctx.block_number,
    })


@HANDLERS.on(ContributionDeposited, contract=POOL, asset="risk_program")
def deposited(uow: UnitOfWork, ev: ContributionDeposited, ctx: EventContext) -> None:
    program = uow.require(RiskProgram, ev.program_id)
    uow.update(RiskProgram, ev.program_id, deposited_units=program["deposited_units"] + ev.amount,
               balance_units=program["balance_units"] + ev.amount, updated_block=ctx.block_number)
    member = _member(uow, ev.program_id, ev.contributor)
    uow.update(RiskProgramMember, (ev.program_id, ev.contributor), contributor=True,
               deposited_units=int(str(member["deposited_units"])) + ev.amount)


@HANDLERS.on(ContributionWithdrawn, contract=POOL, asset="risk_program")
def withdrawn(uow: UnitOfWork, ev: ContributionWithdrawn, ctx: EventContext) -> None:
    program = uow.require(RiskProgram, ev.program_id)
    uow.update(RiskProgram, ev.program_id, balance_units=program["balance_units"] - ev.amount,
               updated_block=ctx.block_number)


@HANDLERS.on(ClaimFiled, contract=POOL, asset="risk_claim")
def claim_filed(uow: UnitOfWork, ev: ClaimFiled, ctx: EventContext) -> None:
    uow.insert(RiskClaim, {
        "id": ev.claim_id, "program_id": ev.program_id, "loss_id": ev.loss_id, "bank": ev.bank,
        "status": int(ClaimStatus.OPEN), "net_loss_units": ev.net_loss, "entitlement_units": ev.entitlement,
        "paid_units": 0, "returned_units": 0, "filed_at": ctx.block_time, "updated_block": ctx.block_number,
    })
    program = uow.require(RiskProgram, ev.program_id)
    uow.update(RiskProgram, ev.program_id, open_units=program["open_units"] + ev.entitlement,
               claim_count=program["claim_count"] + 1, updated_block=ctx.block_number)
    _member(uow, ev.program_id, ev.bank)
    uow.update(RiskProgramMember, (ev.program_id, ev.bank), bank=True)
    ctx.ref("risk_program", ev.program_id)
    ctx.ref("loss", ev.loss_id)


@HANDLERS.on(ClaimPaid, contract=POOL, asset="risk_claim")
def claim_paid(uow: UnitOfWork, ev: ClaimPaid, ctx: EventContext) -> None:
    claim = uow.update(RiskClaim, ev.claim_id, paid_units=ev.paid, status=int(ev.new_status),
                       updated_block=ctx.block_number)
    program = uow.require(RiskProgram, claim["program_id"])
    uow.update(RiskProgram, claim["program_id"], open_units=program["open_units"] - ev.amount,
               paid_units=program["paid_units"] + ev.amount, balance_units=program["balance_units"] - ev.amount,
               updated_block=ctx.block_number)
    ctx.ref("party", claim["bank"])


@HANDLERS.on(ContributionDrawn, contract=POOL, asset="risk_claim")
def drawn(uow: UnitOfWork, ev: ContributionDrawn, ctx: EventContext) -> None:
    claim = uow.require(RiskClaim, ev.claim_id)
    member = _member(uow, claim["program_id"], ev.contributor)
    uow.update(RiskProgramMember, (claim["program_id"], ev.contributor),
               paid_units=int(str(member["paid_units"])) + ev.amount)


@HANDLERS.on(RecoveryReturned, contract=POOL, asset="risk_claim")
def recovery_returned(uow: UnitOfWork, ev: RecoveryReturned, ctx: EventContext) -> None:
    claim = uow.update(RiskClaim, ev.claim_id, returned_units=ev.returned, updated_block=ctx.block_number)
    program = uow.require(RiskProgram, claim["program_id"])
    uow.update(RiskProgram, claim["program_id"], recovered_units=program["recovered_units"] + ev.amount,
               balance_units=program["balance_units"] + ev.amount, updated_block=ctx.block_number)


@HANDLERS.on(RecoveryCredited, contract=POOL, asset="risk_claim")
def recovery_credited(uow: UnitOfWork, ev: RecoveryCredited, ctx: EventContext) -> None:
    claim = uow.require(RiskClaim, ev.claim_id)
    member = _member(uow, claim["program_id"], ev.contributor)
    uow.update(RiskProgramMember, (claim["program_id"], ev.contributor),
               recovered_units=int(str(member["recovered_units"])) + ev.amount)


@HANDLERS.on(ClaimPaymentHeld, contract=POOL, asset="risk_claim")
def payment_held(uow: UnitOfWork, ev: ClaimPaymentHeld, ctx: EventContext) -> None:
    uow.put(RiskHeld, {"bank": ev.bank, "held_units": ev.held, "updated_block": ctx.block_number})


@HANDLERS.on(ClaimPaymentsCollected, contract=POOL)
def payments_collected(uow: UnitOfWork, ev: ClaimPaymentsCollected, ctx: EventContext) -> None:
    uow.put(RiskHeld, {"bank": ev.bank, "held_units": 0, "updated_block": ctx.block_number})
