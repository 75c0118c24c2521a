"""ParticipantRegistry events -> participant and ledger_contract rows."""

from __future__ import annotations

from gateway.indexer.registry import HANDLERS, EventContext
from gateway.indexer.store import UnitOfWork
from gateway.models.participants import LedgerContract, Participant
from sdk.generated.events import (
    LedgerContractSet,
    ParticipantAdmitted,
    ParticipantReadmitted,
    ParticipantRenamed,
    ParticipantResumed,
    ParticipantSuspended,
)

CONTRACT = "ParticipantRegistry"


def _reason(raw: bytes) -> str:
    return raw.rstrip(b"\0").decode("utf-8", errors="replace")


@HANDLERS.on(ParticipantAdmitted, contract=CONTRACT)
def admitted(uow: UnitOfWork, ev: ParticipantAdmitted, ctx: EventContext) -> None:
    uow.put(Participant, {
        "address": ev.account,
        "roles": ev.roles,
        "status": int(ev.new_status),
        "kyc_expiry": ev.kyc_expiry,
        "identity_hash": "0x" + ev.identity_hash.hex(),
        "admitted_at": ctx.block_time,
        "admitted_block": ctx.block_number,
        "updated_block": ctx.block_number,
        "suspended_reason": None,
        "name": None,
    })


@HANDLERS.on(ParticipantRenamed, contract=CONTRACT)
def renamed(uow: UnitOfWork, ev: ParticipantRenamed, ctx: EventContext) -> None:
    uow.update(Participant, ev.account, name=ev.new_name, updated_block=ctx.block_number)


@HANDLERS.on(ParticipantReadmitted, contract=CONTRACT)
def readmitted(uow: UnitOfWork, ev: ParticipantReadmitted, ctx: EventContext) -> None:
    uow.update(Participant, ev.account, roles=ev.roles, status=int(ev.new_status), kyc_expiry=ev.kyc_expiry,
               identity_hash="0x" + ev.identity_hash.hex(), suspended_reason=None, updated_block=ctx.block_number)


@HANDLERS.on(ParticipantSuspended, contract=CONTRACT)
def suspended(uow: UnitOfWork, ev: ParticipantSuspended, ctx: EventContext) -> None:
    uow.update(Participant, ev.account, status=int(ev.new_status), suspended_reason=_reason(ev.reason),
               updated_block=ctx.block_number)


@HANDLERS.on(ParticipantResumed, contract=CONTRACT)
def resumed(uow: UnitOfWork, ev: ParticipantResumed, ctx: EventContext) -> None:
    uow.update(Participant, ev.account, status=int(ev.new_status), suspended_reason=None,
               updated_block=ctx.block_number)


@HANDLERS.on(LedgerContractSet, contract=CONTRACT)
def ledger_contract(uow: UnitOfWork, ev: LedgerContractSet, ctx: EventContext) -> None:
    uow.put(LedgerContract, {"address": ev.account, "enabled": ev.new_enabled, "updated_block": ctx.block_number})
