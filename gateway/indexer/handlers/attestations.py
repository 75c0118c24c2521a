"""DataAttestations events -> attestations (commitments, never values) and consents."""

from __future__ import annotations

from gateway.indexer.handlers.common import hex32
from gateway.indexer.registry import HANDLERS, EventContext
from gateway.indexer.store import UnitOfWork
from gateway.models.attestations import Attestation, Consent
from sdk.generated.events import AttestationPosted, AttestationSuperseded, ConsentGranted, ConsentRevoked
from sdk.warehouse import decode_code

CONTRACT = "DataAttestations"


@HANDLERS.on(AttestationPosted, contract=CONTRACT, asset="attestation")
def posted(uow: UnitOfWork, ev: AttestationPosted, ctx: EventContext) -> None:
    uow.insert(Attestation, {
        "id": ev.id, "subject": ev.subject, "provider": ev.provider, "metric": decode_code(ev.metric),
        "period": ev.period, "commitment": hex32(ev.commitment), "source_hash": hex32(ev.source_hash),
        "supersedes": ev.supersedes, "superseded_by": 0, "status": int(ev.new_status),
        "attested_at": ctx.block_time, "updated_block": ctx.block_number,
    })
    if ev.supersedes:
        ctx.ref("attestation", ev.supersedes)


@HANDLERS.on(AttestationSuperseded, contract=CONTRACT, asset="attestation")
def superseded(uow: UnitOfWork, ev: AttestationSuperseded, ctx: EventContext) -> None:
    uow.update(Attestation, ev.id, status=int(ev.new_status), superseded_by=ev.superseded_by,
               updated_block=ctx.block_number)
    ctx.ref("attestation", ev.superseded_by)


@HANDLERS.on(ConsentGranted, contract=CONTRACT)
def granted(uow: UnitOfWork, ev: ConsentGranted, ctx: EventContext) -> None:
    uow.put(Consent, {"owner": ev.owner, "bank": ev.bank, "granted_at": ctx.block_time,
                      "expires_at": ev.new_expires_at, "revoked_at": None, "updated_block": ctx.block_number})


@HANDLERS.on(ConsentRevoked, contract=CONTRACT)
def revoked(uow: UnitOfWork, ev: ConsentRevoked, ctx: EventContext) -> None:
    uow.update(Consent, (ev.owner, ev.bank), expires_at=0, revoked_at=ctx.block_time, updated_block=ctx.block_number)
