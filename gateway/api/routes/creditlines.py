"""Revolving credit lines, with their tranches and history."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import func, select
from sqlmodel import Session

from gateway.api import scoping
from gateway.api.deps import CurrentParty, SessionDep
from gateway.api.errors import not_found
from gateway.api.filters import PartyQ, StatusQ, where_counterparty, where_parties, where_range, where_status
from gateway.api.pagination import MAX_INT, Address, PageParams, Timestamp, Units, paginate, sorted_page
from gateway.models.common import money, table_of
from gateway.models.creditlines import (
    CREDIT_LINE_ASSET,
    CreditLine,
    CreditLineEventPublic,
    CreditLinePublic,
    CreditLinesPublic,
    CreditPledge,
    CreditPledgePublic,
    CreditTranche,
    CreditTranchePublic,
)
from gateway.models.events import EventLog, EventRef
from sdk.types import CreditLineStatus, CreditPledgeStatus, PayeeRule

router = APIRouter(tags=["credit-lines"])
L = table_of(CreditLine).c
T = table_of(CreditTranche).c
STATUS = {m.name.lower(): int(m) for m in CreditLineStatus if m.name != "NONE"}
NEXT_DUE = "unix seconds, of the earliest due date of the line's outstanding tranches (lines with nothing " \
    "outstanding are left out by either bound)"
MONEY = ("drawn", "principal_repaid", "interest_paid", "recovered", "interest")


def next_dues(session: Session, ids: list[int]) -> dict[int, int]:
    """Earliest due date of each line's outstanding tranches."""
    rows = session.execute(select(T.line_id, func.min(T.due)).where(T.line_id.in_(ids), T.principal_units > 0)
                           .group_by(T.line_id))
    return {int(line_id): int(due) for line_id, due in rows}


def pledges_of(session: Session, line_id: int) -> list[CreditPledgePublic]:
    """The receivables pledged to a line, in pledge order."""
    p = table_of(CreditPledge).c
    return [
        CreditPledgePublic(fragment_id=r.fragment_id, status=CreditPledgeStatus(r.status).name.lower(),
                           value=money(r.value_units), value_units=r.value_units,
                           unpaid_units=r.value_units - r.collected_units, collected_units=r.collected_units,
                           to_line_units=r.to_line_units, to_borrower_units=r.to_borrower_units,
                           due_date=r.due_date, pledged_at=r.pledged_at, released_at=r.released_at,
                           return_offer_id=r.return_offer_id)
        for r in session.execute(select(table_of(CreditPledge)).where(p.line_id == line_id)
                                 .order_by(p.pledged_at, p.fragment_id))
    ]


def line_public(m: Any, next_due: int | None, tranches: list[CreditTranchePublic] | None = None,
                history: list[CreditLineEventPublic] | None = None,
                pledges: list[CreditPledgePublic] | None = None) -> CreditLinePublic:
    skip = {"status", "payee_rule", "tranches", "history", "next_due", "pledges"}
    fields: dict[str, Any] = {k: m[k] for k in CreditLinePublic.model_fields if k in m.keys() and k not in skip}
    for name in MONEY:
        fields[name] = money(m[f"{name}_units"])
        fields[f"{name}_units"] = m[f"{name}_units"]
    limit, used = m["limit_units"], m["principal_units"]
    live = m["status"] in (CreditLineStatus.OFFERED, CreditLineStatus.OPEN, CreditLineStatus.FROZEN)
    available = max(limit - used, 0) if live else 0
    fields.update(limit=money(limit), limit_units=limit, used=money(used), used_units=used,
                  available=money(available), available_units=available)
    return CreditLinePublic(**fields, status=CreditLineStatus(m["status"]).name.lower(),
                            payee_rule=PayeeRule(m["payee_rule"]).name.lower().replace("_", "-"),
                            next_due=next_due, tranches=tranches or [], history=history or [],
                            pledges=pledges or [])


@router.get("/credit-lines", response_model=CreditLinesPublic,
            summary="Credit lines you lend or borrow on")
def read_credit_lines(
    party: CurrentParty, session: SessionDep,
    page: Annotated[PageParams, sorted_page("id", "expiry", "limit")],
    status: StatusQ = None,
    borrower: PartyQ = None, bank: PartyQ = None,
    counterparty: Annotated[Address | None, Query(description="bank or borrower")] = None,
    due_from: Annotated[int | None, Query(ge=0, le=MAX_INT, description=NEXT_DUE)] = None,
    due_to: Annotated[int | None, Query(ge=0, le=MAX_INT, description=NEXT_DUE)] = None,
    expiry_from: Timestamp | None = None, expiry_to: Timestamp | None = None,
    min_units: Units | None = None, max_units: Units | None = None,
) -> CreditLinesPublic:
    stmt = select(table_of(CreditLine)).where(scoping.credit_lines(party))
    stmt = where_status(stmt, L.status, status, STATUS)
    stmt = where_parties(stmt, borrower=(L.borrower, borrower), bank=(L.bank, bank))
    stmt = where_counterparty(stmt, counterparty, L.bank, L.borrower)
    if due_from is not None or due_to is not None:  # lines with nothing outstanding have no due date
        next_due = select(func.min(T.due)).where(T.line_id == L.id, T.principal_units > 0).scalar_subquery()
        stmt = where_range(stmt, next_due, due_from, due_to)
    stmt = where_range(where_range(stmt, L.expiry, expiry_from, expiry_to), L.limit_units, min_units, max_units)
    rows, count, cursor, prev = paginate(session, stmt, sorts={"id": L.id, "expiry": L.expiry, "limit": L.limit_units},
                                   id_col=L.id, page=page, default="id")
    dues = next_dues(session, [r._mapping["id"] for r in rows])
    return CreditLinesPublic(data=[line_public(r._mapping, dues.get(r._mapping["id"])) for r in rows],
                             count=count, next_cursor=cursor, prev_cursor=prev)


@router.get("/credit-lines/{line_id}", response_model=CreditLinePublic,
            summary="One credit line with its tranches and the history of draws and repayments")
def read_credit_line(line_id: Annotated[int, Path(ge=0, le=MAX_INT)], party: CurrentParty,
                     session: SessionDep) -> CreditLinePublic:
    row = session.execute(select(table_of(CreditLine)).where(L.id == line_id, scoping.credit_lines(party))).first()
    if row is None:
        raise not_found("credit line", line_id)
    tranches = [
        CreditTranchePublic(tranche_id=t.tranche_id, payee=t.payee, amount=money(t.amount_units),
                            amount_units=t.amount_units, principal=money(t.principal_units),
                            principal_units=t.principal_units, purpose_ref=t.purpose_ref, drawn_at=t.drawn_at,
                            due=t.due, repaid_at=t.repaid_at)
        for t in session.execute(select(table_of(CreditTranche)).where(T.line_id == line_id)
                                 .order_by(T.tranche_id))
    ]
    e, r = table_of(EventLog).c, table_of(EventRef).c
    history = [
        CreditLineEventPublic(id=ev.id, name=ev.name, block_number=ev.block_number, block_time=ev.block_time,
                              tx_hash=ev.tx_hash, args=json.loads(ev.args))
        for ev in session.execute(
            select(e.id, e.name, e.block_number, e.block_time, e.tx_hash, e.args)
            .join(table_of(EventRef), r.event_id == e.id)
            .where(r.kind == CREDIT_LINE_ASSET, r.ref == str(line_id)).order_by(e.id)
        )
    ]
    return line_public(row._mapping, next_dues(session, [line_id]).get(line_id), tranches, history,
                       pledges_of(session, line_id))
