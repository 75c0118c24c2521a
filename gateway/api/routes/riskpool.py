"""Recorded losses and risk-pool programs with their claims (issue 13)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import ColumnElement, and_, exists, or_, select, true

from gateway.api.deps import CurrentParty, Party, SessionDep
from gateway.api.errors import not_found
from gateway.api.filters import PartyQ, where_counterparty, where_parties
from gateway.api.pagination import MAX_INT, Address, PageParams, paginate, sorted_page
from gateway.models.common import money, table_of
from gateway.models.riskpool import (
    Loss,
    LossesPublic,
    LossPublic,
    RiskClaim,
    RiskClaimPublic,
    RiskMemberPublic,
    RiskProgram,
    RiskProgramMember,
    RiskProgramPublic,
    RiskProgramsPublic,
)
from sdk.generated.enums import ClaimStatus

router = APIRouter(tags=["risk-pools"])
LO = table_of(Loss).c
P = table_of(RiskProgram).c
M = table_of(RiskProgramMember).c
C = table_of(RiskClaim).c


def losses_scope(party: Party) -> ColumnElement[bool]:
    """The bank that suffered a loss and its debtor; the regulator everything."""
    if party.is_regulator:
        return true()
    return or_(LO.bank == party.address, LO.debtor == party.address)


def programs_scope(party: Party) -> ColumnElement[bool]:
    """Programs the party contributed to or claimed on; the regulator every program."""
    if party.is_regulator:
        return true()
    return exists(select(M.program_id).where(M.program_id == P.id, M.account == party.address))


def claims_scope(party: Party, program_id: int) -> ColumnElement[bool]:
    """In a program: a contributor sees every claim, a bank its own, the regulator all."""
    if party.is_regulator:
        return true()
    contributes = exists(select(M.program_id).where(M.program_id == program_id, M.account == party.address,
                                                    M.contributor.is_(True)))
    return or_(contributes, C.bank == party.address)


def recovery_owed(gross: int, recovered: int, claim_net: int, paid: int, returned: int) -> int:
    """The pool's share, not yet returned, of what was recovered on a loss since the claim was filed:
    floor(recovered since filing x paid / net loss at filing), at most paid (RiskPool.recoveryOwed)."""
    if paid == 0 or claim_net == 0:
        return 0
    since = recovered - (gross - claim_net)
    return max(min(since * paid // claim_net, paid) - returned, 0)


def loss_public(m: Any, claim: Any | None) -> LossPublic:
    net = m["principal_units"] + m["interest_units"] - m["recovered_units"]
    return LossPublic(id=m["id"], source=m["source"], asset_id=m["asset_id"], bank=m["bank"], debtor=m["debtor"],
                      principal_units=m["principal_units"], interest_units=m["interest_units"],
                      recovered_units=m["recovered_units"], net=money(net), net_units=net,
                      recorded_at=m["recorded_at"], occurred_at=m["occurred_at"],
                      claim_id=claim.id if claim is not None else None,
                      compensated_units=claim.paid_units if claim is not None else 0)


def program_public(m: Any, members: list[RiskMemberPublic] | None = None,
                   claims: list[RiskClaimPublic] | None = None) -> RiskProgramPublic:
    return RiskProgramPublic(
        id=m["id"], name=m["name"], start=m["start"], end=m["end"], deposited_units=m["deposited_units"],
        balance=money(m["balance_units"]), balance_units=m["balance_units"], paid_units=m["paid_units"],
        open_units=m["open_units"], recovered_units=m["recovered_units"], claim_count=m["claim_count"],
        created_at=m["created_at"], members=members or [], claims=claims or [],
    )


@router.get("/losses", response_model=LossesPublic, summary="Recorded credit losses (yours, as bank or debtor)")
def read_losses(
    party: CurrentParty, session: SessionDep,
    page: Annotated[PageParams, sorted_page("id", "recorded_at", "occurred_at")],
    bank: PartyQ = None, debtor: PartyQ = None,
    counterparty: Annotated[Address | None, Query(description="bank or debtor")] = None,
) -> LossesPublic:
    stmt = select(table_of(Loss)).where(losses_scope(party))
    stmt = where_parties(stmt, bank=(LO.bank, bank), debtor=(LO.debtor, debtor))
    stmt = where_counterparty(stmt, counterparty, LO.bank, LO.debtor)
    rows, count, cursor, prev = paginate(session, stmt, sorts={"id": LO.id, "recorded_at": LO.recorded_at,
                                                        "occurred_at": LO.occurred_at},
                                   id_col=LO.id, page=page, default="id")
    ids = [r._mapping["id"] for r in rows]
    claims = {c.loss_id: c for c in session.execute(select(C.id, C.loss_id, C.paid_units).where(C.loss_id.in_(ids)))}
    return LossesPublic(data=[loss_public(r._mapping, claims.get(r._mapping["id"])) for r in rows], count=count,
                        next_cursor=cursor, prev_cursor=prev)


@router.get("/risk-pools", response_model=RiskProgramsPublic,
            summary="Risk-pool programs you contribute to or claim on")
def read_risk_pools(party: CurrentParty, session: SessionDep,
                    page: Annotated[PageParams, sorted_page("id", "end")]) -> RiskProgramsPublic:
    stmt = select(table_of(RiskProgram)).where(programs_scope(party))
    rows, count, cursor, prev = paginate(session, stmt, sorts={"id": P.id, "end": P.end}, id_col=P.id, page=page,
                                   default="id")
    return RiskProgramsPublic(data=[program_public(r._mapping) for r in rows], count=count,
                              next_cursor=cursor, prev_cursor=prev)


@router.get("/risk-pools/{program_id}", response_model=RiskProgramPublic,
            summary="One risk-pool program with its contributors' exposure and its claims")
def read_risk_pool(program_id: Annotated[int, Path(ge=0, le=MAX_INT)], party: CurrentParty,
                   session: SessionDep) -> RiskProgramPublic:
    row = session.execute(select(table_of(RiskProgram)).where(and_(P.id == program_id, programs_scope(party)))).first()
    if row is None:
        raise not_found("risk-pool program", program_id)
    members = [
        RiskMemberPublic(account=m.account, contributor=m.contributor, bank=m.bank, deposited_units=m.deposited_units,
                         paid_units=m.paid_units, recovered_units=m.recovered_units,
                         exposure_units=m.paid_units - m.recovered_units)
        for m in session.execute(select(table_of(RiskProgramMember)).where(M.program_id == program_id)
                                 .order_by(M.account))
    ]
    claims = [
        RiskClaimPublic(id=c.id, program_id=c.program_id, loss_id=c.loss_id, bank=c.bank,
                        status=ClaimStatus(c.status).name.lower(), net_loss_units=c.net_loss_units,
                        entitlement_units=c.entitlement_units, paid_units=c.paid_units,
                        open_units=c.entitlement_units - c.paid_units, returned_units=c.returned_units,
                        recovery_owed_units=recovery_owed(c.principal_units + c.interest_units, c.recovered_units,
                                                          c.net_loss_units, c.paid_units, c.returned_units),
                        filed_at=c.filed_at)
        for c in session.execute(
            select(table_of(RiskClaim), LO.principal_units, LO.interest_units, LO.recovered_units)
            .join(table_of(Loss), LO.id == C.loss_id)
            .where(C.program_id == program_id, claims_scope(party, program_id)).order_by(C.id))
    ]
    return program_public(row._mapping, members, claims)
