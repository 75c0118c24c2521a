"""/v1/positions: a bank's exposure per core enterprise against its limit; receivables by status and maturity;
credit lines' utilisation and tranche maturity (see gateway.api.credit_monitoring)."""

from __future__ import annotations

from typing import Annotated, Any

from eth_utils import to_checksum_address
from fastapi import APIRouter, Query, Response
from sqlalchemy import case, func, literal, select
from sqlmodel import Session

from gateway.api.credit_monitoring import credit_line_positions
from gateway.api.deps import ContextDep, CurrentParty, SessionDep
from gateway.api.errors import not_found
from gateway.api.pagination import Address
from gateway.models.common import money, table_of
from gateway.models.positions import (
    BucketPublic,
    ExposurePositionPublic,
    LoanPositionPublic,
    MaturitySummary,
    PositionsPublic,
)
from gateway.models.receivables import Exposure
from gateway.models.riskpool import (
    ContributionPositionPublic,
    Loss,
    LossPositionPublic,
    RiskClaim,
    RiskHeld,
    RiskProgram,
    RiskProgramMember,
)
from gateway.models.warehouse import Loan
from sdk.types import FragmentStatus, LoanStatus, ReceivableStatus

router = APIRouter(tags=["positions"])
DAY = 86_400
BUCKETS = ((30, "0-30d"), (60, "31-60d"), (90, "61-90d"), (180, "91-180d"))


def bucket_of(due: Any, now: int) -> Any:
    """SQL expression naming the maturity bucket of a due date."""
    whens = [(due < now, literal("overdue"))]  # the contracts' rule: overdue once now > due
    whens += [(due <= now + days * DAY, literal(name)) for days, name in BUCKETS]
    return case(*whens, else_=literal(">180d"))


def _buckets(session: Session, who: str, side: str, names: Any, now: int) -> list[BucketPublic]:
    m = table_of(MaturitySummary).c
    bucket = bucket_of(m.due_date, now).label("bucket")
    rows = session.execute(
        select(m.status, bucket, func.sum(m.count), func.sum(m.outstanding_units))
        .where(m.party == who, m.side == side).group_by(m.status, bucket).order_by(m.status, bucket)
    ).all()
    return [BucketPublic(status=names(s).name.lower(), bucket=b, count=int(n), outstanding=money(int(total)),
                         outstanding_units=int(total)) for s, b, n, total in rows]


@router.get("/positions", response_model=PositionsPublic, summary="Your positions (the regulator may name a party)")
def read_positions(
    party: CurrentParty, session: SessionDep, ctx: ContextDep,
    of: Annotated[Address | None, Query(description="regulator only: whose positions")] = None,
) -> Response:
    who = party.address
    if of is not None:
        asked = to_checksum_address(of)
        if asked != who and not party.is_regulator:
            raise not_found("positions of", asked)
        who = asked
    # the same question at the same checkpoint and second has the same answer (gateway.api.answers)
    return ctx.answers.answer(session, ctx.now(), ("positions", who), lambda now: positions_of(session, who, now))


def positions_of(session: Session, who: str, now: int) -> PositionsPublic:
    """The positions of `who` at the ledger's clock `now`."""
    e = table_of(Exposure).c
    exposures = []
    for row in session.execute(select(table_of(Exposure)).where(e.bank == who).order_by(e.debtor)):
        m = row._mapping
        available = max(m["limit_units"] - m["used_units"], 0)
        exposures.append(ExposurePositionPublic(
            debtor=m["debtor"], limit=money(m["limit_units"]), limit_units=m["limit_units"],
            used=money(m["used_units"]), used_units=m["used_units"], available=money(available),
            available_units=available,
            utilisation_bps=m["used_units"] * 10_000 // m["limit_units"] if m["limit_units"] else None,
        ))
    holdings = _buckets(session, who, "held", FragmentStatus, now)
    payables = _buckets(session, who, "owed", ReceivableStatus, now)
    ln = table_of(Loan).c
    open_loans = (int(LoanStatus.ACTIVE), int(LoanStatus.MARGIN_CALLED))
    loans = []
    for role, mine, other in (("lender", ln.bank, ln.borrower), ("borrower", ln.borrower, ln.bank)):
        for counterparty, n, principal in session.execute(
            select(other, func.count(), func.sum(ln.principal_units))
            .where(mine == who, ln.status.in_(open_loans)).group_by(other).order_by(other)
        ):
            loans.append(LoanPositionPublic(role=role, counterparty=counterparty, open_loans=n,
                                            principal=money(int(principal)), principal_units=int(principal)))
    return PositionsPublic(party=who, as_of=now, exposures=exposures, holdings=holdings, payables=payables,
                           loans=loans, credit_lines=credit_line_positions(session, who, now),
                           risk_losses=risk_losses(session, who),
                           risk_contributions=risk_contributions(session, who))


# ------------------------------------------------------------------ risk pools (issue 13)
def risk_losses(session: Session, bank: str) -> LossPositionPublic | None:
    """`bank`'s recorded losses, what the risk pools made good and what it bears itself; None if it has none.

    Per claim, the pool's share of a recovery since filing is floor(recovered since filing x paid / net loss at
    filing), at most paid: the contract's rule (RiskPool._owedTotal), so `recovery_owed` equals its
    `recoveryOwed` read."""
    lo, c = table_of(Loss).c, table_of(RiskClaim).c
    rows = session.execute(
        select(lo.principal_units, lo.interest_units, lo.recovered_units, c.net_loss_units, c.entitlement_units,
               c.paid_units, c.returned_units)
        .select_from(table_of(Loss).outerjoin(table_of(RiskClaim), c.loss_id == lo.id)).where(lo.bank == bank)
    ).all()
    if not rows:
        return None
    principal = interest = recovered = net = kept = pending = owed = claimed = 0
    for p, i, r, claim_net, entitlement, paid, returned in rows:
        principal, interest, recovered, net = principal + p, interest + i, recovered + r, net + p + i - r
        if claim_net is None:
            continue
        claimed += 1
        since = r - (p + i - claim_net)  # recovered after the claim was filed
        share = min(since * paid // claim_net, paid) if paid else 0
        owed += max(share - returned, 0)
        kept += paid - max(share, returned)
        pending += entitlement - paid
    uncompensated = max(net - kept - pending, 0)
    held = session.execute(select(table_of(RiskHeld).c.held_units)
                           .where(table_of(RiskHeld).c.bank == bank)).scalar_one_or_none() or 0
    return LossPositionPublic(
        losses=len(rows), claimed=claimed, principal_units=principal, interest_units=interest,
        recovered_units=recovered, net=money(net), net_units=net, compensated=money(kept), compensated_units=kept,
        pending_units=pending, recovery_owed_units=owed, held_units=held, uncompensated=money(uncompensated),
        uncompensated_units=uncompensated)


def risk_contributions(session: Session, contributor: str) -> list[ContributionPositionPublic]:
    """The programs `contributor` deposited into, with what its deposits paid out and got back."""
    m, p = table_of(RiskProgramMember).c, table_of(RiskProgram).c
    return [
        ContributionPositionPublic(
            program_id=row.program_id, name=row.name, deposited_units=row.deposited_units, paid_units=row.paid_units,
            recovered_units=row.recovered_units, exposure=money(row.paid_units - row.recovered_units),
            exposure_units=row.paid_units - row.recovered_units, program_balance_units=row.balance_units,
            program_open_units=row.open_units)
        for row in session.execute(
            select(m.program_id, p.name, m.deposited_units, m.paid_units, m.recovered_units, p.balance_units,
                   p.open_units)
            .join(table_of(RiskProgram), p.id == m.program_id)
            .where(m.account == contributor, m.contributor.is_(True)).order_by(m.program_id))
    ]
