"""Credit profiles, attestations and consents.

Who sees a participant's profile and attestation openings: the participant itself, a bank while it holds a live
consent from it (indexed consent, expiry compared with the gateway's ledger time), and the regulator. Everyone else
gets 404, as if the participant had no profile. A provider sees the attestations it posted itself, and uploads their
openings, which are kept only when they open the on-chain commitment.
"""

from __future__ import annotations

from typing import Annotated, Any

from eth_utils import to_checksum_address
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlmodel import Session

from gateway.api.deps import ContextDep, CurrentParty, Party, SessionDep, ledger_now
from gateway.api.errors import FieldError, not_found
from gateway.api.pagination import MAX_INT
from gateway.models.attestations import (
    Attestation,
    AttestationOpening,
    AttestationPublic,
    AttestationsPublic,
    Consent,
    ConsentPublic,
    ConsentsPublic,
    OpeningIn,
)
from gateway.models.common import money, table_of
from gateway.profile.credit import (
    BorrowerFacts,
    DebtorFacts,
    Limit,
    OperatingFacts,
    Score,
    ScoreInputs,
    SupplierFacts,
    TenureFacts,
)
from gateway.profile.load import opens, profile_of
from sdk.generated.enums import AttestationStatus
from sdk.types import Role

router = APIRouter(tags=["credit profiles"])
A = table_of(Attestation).c
O = table_of(AttestationOpening).c  # noqa: E741
C = table_of(Consent).c
AddressPath = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")]
UINT256_MAX = 2**256 - 1


class CreditProfilePublic(BaseModel):
    """A credit profile (see gateway.profile.credit); money in cents (`*_units`), `suggested_limit` as decimal text."""

    address: str
    as_of: int
    scorecard_version: str
    score: Score
    limit: Limit
    suggested_limit: str
    debtor: DebtorFacts
    borrower: BorrowerFacts
    supplier: SupplierFacts
    tenure: TenureFacts
    operating: OperatingFacts
    inputs: ScoreInputs


def has_live_consent(session: Session, owner: str, bank: str, now: int) -> bool:
    expires = session.execute(select(C.expires_at).where(C.owner == owner, C.bank == bank)).scalar()
    return expires is not None and int(expires) > now


def may_see(session: Session, party: Party, subject: str, now: int) -> bool:
    """The subject itself, the regulator, or a bank holding a live consent from the subject."""
    if party.address == subject or party.is_regulator:
        return True
    return party.has(Role.BANK) and has_live_consent(session, subject, party.address, now)


def _public(row: Any, opening: Any | None) -> AttestationPublic:
    return AttestationPublic(
        id=row.id, subject=row.subject, provider=row.provider, metric=row.metric, period=row.period,
        commitment=row.commitment, source_hash=row.source_hash, supersedes=row.supersedes or None,
        superseded_by=row.superseded_by or None, status=AttestationStatus(row.status).name.lower(),
        attested_at=row.attested_at, value=opening.value if opening else None, salt=opening.salt if opening else None,
    )


@router.get("/participants/{address}/attestations", response_model=AttestationsPublic,
            summary="A participant's attestations (with openings when the gateway holds them)")
def read_attestations(
    address: AddressPath, party: CurrentParty, session: SessionDep, ctx: ContextDep,
    metric: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_]{1,16}$")] = None,
    current: Annotated[bool, Query(description="only attestations not superseded")] = False,
) -> AttestationsPublic:
    subject = to_checksum_address(address)
    stmt = select(table_of(Attestation), O.value, O.salt).join(
        table_of(AttestationOpening), O.attestation_id == A.id, isouter=True).where(A.subject == subject)
    if not may_see(session, party, subject, ledger_now(session, ctx)):
        if not session.execute(select(A.id).where(A.subject == subject, A.provider == party.address)).first():
            raise not_found("participant", subject)
        stmt = stmt.where(A.provider == party.address)  # a provider sees what it attested itself
    if metric is not None:
        stmt = stmt.where(A.metric == metric)
    if current:
        stmt = stmt.where(A.superseded_by == 0)
    rows = session.execute(stmt.order_by(A.id)).all()
    data = [_public(r, r if r.value is not None else None) for r in rows]
    return AttestationsPublic(data=data, count=len(data))


@router.put("/attestations/{attestation_id}/opening", response_model=AttestationPublic,
            summary="Upload the opening (value, salt) of an attestation you posted")
def upload_opening(
    attestation_id: Annotated[int, Path(ge=1, le=MAX_INT)], body: OpeningIn, party: CurrentParty,
    session: SessionDep, ctx: ContextDep,
) -> AttestationPublic:
    row = session.execute(select(table_of(Attestation)).where(A.id == attestation_id)).first()
    if row is None or row.provider != party.address:
        # not indexed yet, or someone else's: the same answer, so existence doesn't leak
        raise not_found("attestation", attestation_id)
    if not body.value.isdigit() or int(body.value) > UINT256_MAX:
        raise FieldError(["body", "value"], "value must be a non-negative integer (decimal text) below 2**256")
    salt = body.salt.lower()
    if len(salt) != 66 or not salt.startswith("0x") or any(ch not in "0123456789abcdef" for ch in salt[2:]):
        raise FieldError(["body", "salt"], "salt must be 0x followed by 64 hex digits")
    value = str(int(body.value))
    if not opens(row.commitment, value, salt):
        raise FieldError(["body", "value"], f"(value, salt) does not open the commitment of attestation "
                         f"{attestation_id}")
    existing = session.get(AttestationOpening, attestation_id)
    if existing is None:
        session.add(AttestationOpening(attestation_id=attestation_id, value=value, salt=salt,
                                       uploaded_by=party.address, uploaded_at=ledger_now(session, ctx)))
        session.commit()
    return _public(row, AttestationOpening(attestation_id=attestation_id, value=value, salt=salt,
                                           uploaded_by=party.address, uploaded_at=0))


@router.get("/participants/{address}/credit-profile", response_model=CreditProfilePublic,
            summary="A participant's credit profile")
def read_credit_profile(
    address: AddressPath, party: CurrentParty, session: SessionDep, ctx: ContextDep,
    as_of: Annotated[int | None, Query(ge=0, le=MAX_INT, description="unix seconds; default: the ledger time")]
    = None,
) -> CreditProfilePublic:
    subject = to_checksum_address(address)
    now = ledger_now(session, ctx)
    if not may_see(session, party, subject, now):
        raise not_found("participant", subject)
    if as_of is not None and as_of > now:
        raise FieldError(["query", "as_of"], f"as_of {as_of} is after the ledger time {now}")
    p = profile_of(session, subject, now if as_of is None else as_of)
    return CreditProfilePublic(
        address=p.address, as_of=p.as_of, scorecard_version=p.scorecard_version, score=p.score, limit=p.limit,
        suggested_limit=money(p.limit.units), debtor=p.debtor, borrower=p.borrower, supplier=p.supplier,
        tenure=p.tenure, operating=p.operating, inputs=p.inputs,
    )


@router.get("/consents", response_model=ConsentsPublic,
            summary="Consents you granted, and those granted to you (the regulator: all)")
def read_consents(
    party: CurrentParty, session: SessionDep, ctx: ContextDep,
    live: Annotated[bool, Query(description="only consents live now")] = False,
) -> ConsentsPublic:
    now = ledger_now(session, ctx)
    stmt = select(table_of(Consent))
    if not party.is_regulator:
        stmt = stmt.where(or_(C.owner == party.address, C.bank == party.address))
    if live:
        stmt = stmt.where(C.expires_at > now)
    rows = session.execute(stmt.order_by(C.owner, C.bank)).all()
    data = [ConsentPublic(owner=r.owner, bank=r.bank, granted_at=r.granted_at, expires_at=r.expires_at,
                          revoked_at=r.revoked_at, live=r.expires_at > now) for r in rows]
    return ConsentsPublic(data=data, count=len(data))
