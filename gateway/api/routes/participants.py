"""Participants as the indexed registry has them. A party sees itself; the regulator sees everyone."""

from __future__ import annotations

from typing import Annotated

from eth_utils import to_checksum_address
from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from gateway.api import scoping
from gateway.api.deps import CurrentParty, SessionDep, role_names
from gateway.api.errors import not_found
from gateway.api.pagination import PageParams, paginate, sorted_page
from gateway.models.common import table_of
from gateway.models.participants import Participant, ParticipantPublic, ParticipantsPublic
from sdk.types import ParticipantStatus, Role

router = APIRouter(prefix="/participants", tags=["participants"])
T = table_of(Participant).c
STATUSES = {s.name.lower(): int(s) for s in ParticipantStatus if s != ParticipantStatus.NONE}
ROLES = {r.name.lower(): int(r) for r in Role}


def to_public(row: object) -> ParticipantPublic:
    m = row._mapping  # type: ignore[attr-defined]
    return ParticipantPublic(
        address=m["address"], name=m["name"], identity_hash=m["identity_hash"], kyc_expiry=m["kyc_expiry"],
        admitted_at=m["admitted_at"], roles=role_names(m["roles"]),
        status=ParticipantStatus(m["status"]).name.lower(), suspended_reason=m["suspended_reason"],
    )


@router.get("", response_model=ParticipantsPublic, summary="Participants visible to you")
def read_participants(
    party: CurrentParty,
    session: SessionDep,
    page: Annotated[PageParams, sorted_page("address", "admitted_at", "kyc_expiry")],
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
    role: Annotated[str | None, Query(pattern="^(" + "|".join(ROLES) + ")$")] = None,
) -> ParticipantsPublic:
    stmt = select(table_of(Participant)).where(scoping.participants(party))
    if status is not None:
        stmt = stmt.where(T.status == STATUSES[status])
    if role is not None:
        stmt = stmt.where(T.roles.op("&")(1 << ROLES[role]) != 0)
    rows, count, cursor, prev = paginate(
        session, stmt, sorts={"address": T.address, "admitted_at": T.admitted_at, "kyc_expiry": T.kyc_expiry},
        id_col=T.address, page=page, default="address",
    )
    return ParticipantsPublic(data=[to_public(r) for r in rows], count=count, next_cursor=cursor, prev_cursor=prev)


@router.get("/me", response_model=ParticipantPublic, summary="Your own registry record")
def read_me(party: CurrentParty, session: SessionDep) -> ParticipantPublic:
    row = session.execute(select(table_of(Participant)).where(T.address == party.address)).one()
    return to_public(row)


@router.get("/{address}", response_model=ParticipantPublic, summary="One participant")
def read_participant(
    address: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")], party: CurrentParty, session: SessionDep
) -> ParticipantPublic:
    checksummed = to_checksum_address(address)
    row = session.execute(
        select(table_of(Participant)).where(T.address == checksummed, scoping.participants(party))
    ).first()
    if row is None:
        raise not_found("participant", checksummed)
    return to_public(row)

