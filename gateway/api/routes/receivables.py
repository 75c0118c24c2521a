"""Receivables (roots), their fragments and lineage, offers and financings."""

from __future__ import annotations

import json
from typing import Annotated, Any

from eth_utils import to_checksum_address
from fastapi import APIRouter, Path, Query
from sqlalchemy import and_, exists, or_, select

from gateway.api import scoping
from gateway.api.deps import ContextDep, CurrentParty, SessionDep, ledger_now
from gateway.api.errors import not_found
from gateway.api.filters import PartyQ, StatusQ, where_counterparty, where_parties, where_status
from gateway.api.names import display_names
from gateway.api.pagination import (
    FRAGMENT_ID_DOC,
    FRAGMENT_ID_PATTERN,
    MAX_INT,
    Address,
    PageParams,
    Timestamp,
    Units,
    fragment_id_of,
    paginate,
    sorted_page,
)
from gateway.models.common import money, table_of
from gateway.models.events import EventLog, EventRef
from gateway.models.links import DEBTOR, PartyLink
from gateway.models.receivables import (
    Exposure,
    ExposurePublic,
    ExposuresPublic,
    Financing,
    FinancingPublic,
    FinancingsPublic,
    Fragment,
    FragmentPublic,
    FragmentsPublic,
    LineageNodePublic,
    LineagePublic,
    Offer,
    OfferPublic,
    OffersPublic,
    Receivable,
    ReceivableDetailPublic,
    ReceivablePublic,
    ReceivablesPublic,
    StoryStepPublic,
)
from sdk.story import STORY_EVENTS, lineage_story, root_of
from sdk.types import FinancingStatus, FragmentStatus, OfferStatus, ReceivableStatus

router = APIRouter(tags=["receivables"])
R = table_of(Receivable).c
F = table_of(Fragment).c
O = table_of(Offer).c  # noqa: E741
FIN = table_of(Financing).c
EV = table_of(EventLog).c
REF = table_of(EventRef).c
Id = Annotated[int, Path(ge=0, le=MAX_INT)]
FragmentId = Annotated[str, Path(pattern=FRAGMENT_ID_PATTERN, description=FRAGMENT_ID_DOC, examples=["1.0", "65536"])]
OPEN_STATUSES = (int(ReceivableStatus.CONFIRMED), int(ReceivableStatus.DISPUTED))


def _names(enum: Any) -> dict[str, int]:
    return {m.name.lower(): int(m) for m in enum if m.name != "NONE"}


RECEIVABLE_STATUS = _names(ReceivableStatus)
FRAGMENT_STATUS = _names(FragmentStatus)
OFFER_STATUS = _names(OfferStatus)
FINANCING_STATUS = _names(FinancingStatus)




def claimable(value: int, paid: int, face: int, repaid: int) -> int:
    """What `claim` pays a fragment now: its pro-rata share of the root's repayments, less what it was paid
    (Receivables._entitled)."""
    if repaid == 0 or face == 0:
        return 0
    return max(value * repaid // face - paid, 0)


def root_totals(session: Any, root_ids: Any) -> dict[int, tuple[int, int]]:
    """(face, repaid) of each root."""
    ids = sorted(set(root_ids))
    return {r.id: (r.face_units, r.repaid_units)
            for r in session.execute(select(R.id, R.face_units, R.repaid_units).where(R.id.in_(ids)))} if ids else {}


def fragment_public(m: Any, roots: dict[int, tuple[int, int]]) -> FragmentPublic:
    face, repaid = roots.get(m["root_id"], (0, 0))
    owed = claimable(m["value_units"], m["paid_units"], face, repaid)
    return FragmentPublic(
        id=m["id"], root_id=m["root_id"], parent_id=m["parent_id"], depth=m["depth"], holder=m["holder"],
        debtor=m["debtor"], due_date=m["due_date"], value=money(m["value_units"]), value_units=m["value_units"],
        locked=money(m["locked_units"]), locked_units=m["locked_units"], paid=money(m["paid_units"]),
        paid_units=m["paid_units"], claimable=money(owed), claimable_units=owed,
        status=FragmentStatus(m["status"]).name.lower(), financed=m["financed"],
    )


def receivable_fields(m: Any, now: int) -> dict[str, Any]:
    outstanding = m["face_units"] - m["repaid_units"]
    return {
        "id": m["id"], "supplier": m["supplier"], "debtor": m["debtor"], "origin": m["origin"],
        "face": money(m["face_units"]), "face_units": m["face_units"], "repaid": money(m["repaid_units"]),
        "repaid_units": m["repaid_units"], "outstanding": money(outstanding), "outstanding_units": outstanding,
        "due_date": m["due_date"],
        "overdue": m["status"] in OPEN_STATUSES and m["due_date"] < now and outstanding > 0,
        "invoice_hash": m["invoice_hash"], "po_hash": m["po_hash"],
        "status": ReceivableStatus(m["status"]).name.lower(),
        "fragment_count": m["fragment_count"], "late": m["late"], "reason": m["reason"],
        "created_at": m["created_at"], "confirmed_at": m["confirmed_at"], "last_repaid_at": m["last_repaid_at"],
    }


def _ranges(stmt: Any, col: Any, low: int | None, high: int | None) -> Any:
    if low is not None:
        stmt = stmt.where(col >= low)
    if high is not None:
        stmt = stmt.where(col <= high)
    return stmt


# ------------------------------------------------------------------------------------------ receivables
@router.get("/receivables", response_model=ReceivablesPublic, summary="Receivables that concern you")
def read_receivables(
    party: CurrentParty, session: SessionDep, ctx: ContextDep,
    page: Annotated[PageParams, sorted_page("id", "due_date", "face", "created_at")],
    status: StatusQ = None,
    overdue: Annotated[bool | None, Query(description="only overdue (true) or not overdue (false)")] = None,
    supplier: PartyQ = None, debtor: PartyQ = None,
    counterparty: Annotated[Address | None, Query(description="supplier or debtor")] = None,
    due_from: Timestamp | None = None, due_to: Timestamp | None = None,
    min_units: Units | None = None, max_units: Units | None = None,
) -> ReceivablesPublic:
    now = ledger_now(session, ctx)
    stmt = scoping.join_linked(select(table_of(Receivable)), party, "receivable", R.id)
    stmt = where_status(stmt, R.status, status, RECEIVABLE_STATUS)
    stmt = where_parties(stmt, supplier=(R.supplier, supplier), debtor=(R.debtor, debtor))
    stmt = where_counterparty(stmt, counterparty, R.supplier, R.debtor)
    if overdue is not None:
        is_overdue = and_(R.status.in_(OPEN_STATUSES), R.due_date < now, R.repaid_units < R.face_units)
        stmt = stmt.where(is_overdue if overdue else ~is_overdue)
    stmt = _ranges(_ranges(stmt, R.due_date, due_from, due_to), R.face_units, min_units, max_units)
    filtered = any(v is not None for v in (status, overdue, supplier, debtor, counterparty, due_from, due_to,
                                           min_units, max_units))
    rows, count, cursor, prev = paginate(
        session, stmt, sorts={"id": R.id, "due_date": R.due_date, "face": R.face_units, "created_at": R.created_at},
        id_col=R.id, page=page, default="id",
        count=None if filtered else scoping.link_count(session, party, "receivable"),
    )
    return ReceivablesPublic(data=[ReceivablePublic(**receivable_fields(r._mapping, now)) for r in rows],
                             count=count, next_cursor=cursor, prev_cursor=prev)


def _visible_root(session: Any, party: Any, root_id: int) -> Any:
    row = session.execute(select(table_of(Receivable)).where(R.id == root_id, scoping.receivables(party))).first()
    if row is None:
        raise not_found("receivable", root_id)
    return row._mapping


@router.get("/receivables/{root_id}", response_model=ReceivableDetailPublic, summary="One receivable")
def read_receivable(root_id: Id, party: CurrentParty, session: SessionDep, ctx: ContextDep) -> ReceivableDetailPublic:
    root = _visible_root(session, party, root_id)
    fragments = session.execute(
        select(table_of(Fragment)).where(F.root_id == root_id, scoping.fragments(party)).order_by(F.id)
    ).all()
    return ReceivableDetailPublic(**receivable_fields(root, ledger_now(session, ctx)),
                                  fragments=[fragment_public(f._mapping, root_totals(session, [root_id]))
                                             for f in fragments])


@router.get("/receivables/{root_id}/lineage", response_model=LineagePublic,
            summary="The fragment tree of a receivable (the part visible to you)")
def read_lineage(root_id: Id, party: CurrentParty, session: SessionDep) -> LineagePublic:
    _visible_root(session, party, root_id)
    link = table_of(PartyLink).c
    debtor_view = party.is_regulator or session.execute(
        select(link.relations).where(link.party == party.address, link.kind == "receivable", link.key == root_id)
    ).scalar_one_or_none() or 0
    full = party.is_regulator or bool(debtor_view & DEBTOR)
    stmt = select(table_of(Fragment)).where(F.root_id == root_id)
    if not full:
        stmt = stmt.where(scoping.fragments(party))
    totals = root_totals(session, [root_id])
    fragments = [fragment_public(r._mapping, totals) for r in session.execute(stmt.order_by(F.id))]
    total = session.execute(select(R.fragment_count).where(R.id == root_id)).scalar_one()
    nodes = {f.id: LineageNodePublic(fragment=f, children=[]) for f in fragments}
    roots: list[LineageNodePublic] = []
    for f in fragments:
        parent = nodes.get(f.parent_id) if f.parent_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[f.id])
    story = _story(session, root_id, None if full else {f.id for f in fragments})
    return LineagePublic(root_id=root_id, complete=len(fragments) == total, roots=roots, story=story)


_ROOT_STEPS = frozenset({"registered", "issued", "confirmed", "rejected", "cancelled", "disputed",
                         "dispute-resolved", "repaid"})


def _story(session: Any, root_id: int, visible: set[int] | None) -> list[StoryStepPublic]:
    """The root's story from the event log; with `visible` (a party's fragments), only the root's own steps, the
    splits that made its fragments or their ancestors, and what happened to its fragments."""
    rows = session.execute(
        select(EV.id, EV.tx_hash, EV.block_time, EV.name, EV.args)
        .where(EV.name.in_(sorted(STORY_EVENTS)),
               exists(select(REF.event_id).where(REF.kind == "receivable", REF.ref == str(root_id),
                                                 REF.event_id == EV.id)))
        .order_by(EV.id)
    ).all()
    events = [(r, json.loads(r.args)) for r in rows]
    events = [(r, a) for r, a in events if root_of(r.name, a) == root_id]
    names = display_names(session, [v for _, a in events for v in a.values() if isinstance(v, str)])
    steps = lineage_story(root_id, [(r.block_time, r.name, a) for r, a in events], names)
    line = None
    if visible is not None:
        parents: dict[int, int | None] = {
            r.id: r.parent_id for r in session.execute(select(F.id, F.parent_id).where(F.root_id == root_id))}
        line = set(visible)
        for fragment in visible:
            ancestor = parents.get(fragment)
            while ancestor is not None:
                line.add(ancestor)
                ancestor = parents.get(ancestor)
    out: list[StoryStepPublic] = []
    for step in steps:
        row = events[step.source][0]
        if visible is not None and line is not None and not (
            step.action in _ROOT_STEPS
            or (step.action == "passed" and step.new_fragment_id in line)
            or (step.action != "passed" and step.fragment_id in visible)
        ):
            continue
        out.append(StoryStepPublic(
            event_id=row.id, tx_hash=row.tx_hash, at=step.at, action=step.action, fragment_id=step.fragment_id,
            new_fragment_id=step.new_fragment_id, party=step.party, counterparty=step.counterparty,
            amount=None if step.amount is None else money(step.amount), amount_units=step.amount, text=step.text,
        ))
    return out


# ------------------------------------------------------------------------------------------ fragments
@router.get("/fragments", response_model=FragmentsPublic, summary="Fragments you hold, held, owe or finance")
def read_fragments(
    party: CurrentParty, session: SessionDep, page: Annotated[PageParams, sorted_page("id", "due_date", "value")],
    status: StatusQ = None,
    holder: PartyQ = None, debtor: PartyQ = None,
    counterparty: Annotated[Address | None, Query(description="holder or debtor")] = None,
    root_id: Annotated[int | None, Query(ge=0, le=MAX_INT)] = None,
    due_from: Timestamp | None = None, due_to: Timestamp | None = None,
    min_units: Units | None = None, max_units: Units | None = None,
) -> FragmentsPublic:
    stmt = scoping.join_linked(select(table_of(Fragment)), party, "fragment", F.id)
    stmt = where_status(stmt, F.status, status, FRAGMENT_STATUS)
    stmt = where_parties(stmt, holder=(F.holder, holder), debtor=(F.debtor, debtor))
    stmt = where_counterparty(stmt, counterparty, F.holder, F.debtor)
    if root_id is not None:
        stmt = stmt.where(F.root_id == root_id)
    stmt = _ranges(_ranges(stmt, F.due_date, due_from, due_to), F.value_units, min_units, max_units)
    filtered = any(v is not None for v in (status, holder, debtor, counterparty, root_id, due_from, due_to,
                                           min_units, max_units))
    rows, count, cursor, prev = paginate(
        session, stmt, sorts={"id": F.id, "due_date": F.due_date, "value": F.value_units}, id_col=F.id, page=page,
        default="id", count=None if filtered else scoping.link_count(session, party, "fragment"))
    roots = root_totals(session, [r._mapping["root_id"] for r in rows])
    return FragmentsPublic(data=[fragment_public(r._mapping, roots) for r in rows], count=count,
                           next_cursor=cursor, prev_cursor=prev)


@router.get("/fragments/{fragment_id}", response_model=FragmentPublic, summary="One fragment")
def read_fragment(fragment_id: FragmentId, party: CurrentParty, session: SessionDep) -> FragmentPublic:
    key = fragment_id_of(fragment_id)
    row = session.execute(select(table_of(Fragment)).where(F.id == key, scoping.fragments(party))).first()
    if row is None:
        raise not_found("fragment", fragment_id)
    return fragment_public(row._mapping, root_totals(session, [row._mapping["root_id"]]))


# ------------------------------------------------------------------------------------------ offers
def offer_public(m: Any) -> OfferPublic:
    return OfferPublic(
        id=m["id"], fragment_id=m["fragment_id"], root_id=m["root_id"], child_id=m["child_id"], sender=m["sender"],
        recipient=m["recipient"], debtor=m["debtor"], amount=money(m["amount_units"]), amount_units=m["amount_units"],
        expires_at=m["expires_at"], status=OfferStatus(m["status"]).name.lower(), created_at=m["created_at"],
        closed_at=m["closed_at"],
    )


@router.get("/offers", response_model=OffersPublic, summary="Offers you made or received, or on what you owe")
def read_offers(
    party: CurrentParty, session: SessionDep,
    page: Annotated[PageParams, sorted_page("id", "amount", "created_at")],
    status: StatusQ = None,
    sender: PartyQ = None, recipient: PartyQ = None,
    counterparty: Annotated[Address | None, Query(description="sender or recipient")] = None,
    fragment_id: Annotated[str | None, Query(pattern=FRAGMENT_ID_PATTERN, description=FRAGMENT_ID_DOC)] = None,
    due_from: Annotated[int | None, Query(ge=0, le=MAX_INT, description="unix seconds: expiring at or after")] = None,
    due_to: Annotated[int | None, Query(ge=0, le=MAX_INT, description="unix seconds: expiring at or before "
                                        "(offers that never expire are left out by either bound)")] = None,
    min_units: Units | None = None, max_units: Units | None = None,
) -> OffersPublic:
    stmt = select(table_of(Offer)).where(scoping.offers(party))
    stmt = where_status(stmt, O.status, status, OFFER_STATUS)
    stmt = where_parties(stmt, sender=(O.sender, sender), recipient=(O.recipient, recipient))
    stmt = where_counterparty(stmt, counterparty, O.sender, O.recipient)
    stmt = _ranges(stmt, O.expires_at, due_from, due_to)
    if fragment_id is not None:
        stmt = stmt.where(O.fragment_id == fragment_id_of(fragment_id))
    stmt = _ranges(stmt, O.amount_units, min_units, max_units)
    rows, count, cursor, prev = paginate(
        session, stmt, sorts={"id": O.id, "amount": O.amount_units, "created_at": O.created_at},
        id_col=O.id, page=page, default="id",
    )
    return OffersPublic(data=[offer_public(r._mapping) for r in rows], count=count,
                        next_cursor=cursor, prev_cursor=prev)


@router.get("/offers/{offer_id}", response_model=OfferPublic, summary="One offer")
def read_offer(offer_id: Id, party: CurrentParty, session: SessionDep) -> OfferPublic:
    row = session.execute(select(table_of(Offer)).where(O.id == offer_id, scoping.offers(party))).first()
    if row is None:
        raise not_found("offer", offer_id)
    return offer_public(row._mapping)


# ------------------------------------------------------------------------------------------ financings
def financing_public(m: Any) -> FinancingPublic:
    price = m["price_units"]
    return FinancingPublic(
        fragment_id=m["fragment_id"], root_id=m["root_id"], bank=m["bank"], seller=m["seller"], debtor=m["debtor"],
        value=money(m["value_units"]), value_units=m["value_units"], rate_bps=m["rate_bps"],
        with_recourse=m["with_recourse"], status=FinancingStatus(m["status"]).name.lower(),
        price=money(price) if price is not None else None, price_units=price, days_to_maturity=m["days_to_maturity"],
        requested_at=m["requested_at"], funded_at=m["funded_at"], recourse_debt=money(m["recourse_debt_units"]),
        recourse_debt_units=m["recourse_debt_units"], recourse_outstanding=money(m["recourse_outstanding_units"]),
        recourse_outstanding_units=m["recourse_outstanding_units"],
    )


@router.get("/financings", response_model=FinancingsPublic,
            summary="Discounts you funded, sold, or that are owed by you")
def read_financings(
    party: CurrentParty, session: SessionDep,
    page: Annotated[PageParams, sorted_page("fragment_id", "value", "requested_at")],
    status: StatusQ = None,
    bank: PartyQ = None, seller: PartyQ = None, debtor: PartyQ = None,
    counterparty: Annotated[Address | None, Query(description="bank, seller or debtor")] = None,
    with_recourse: bool | None = None,
    min_units: Units | None = None, max_units: Units | None = None,
) -> FinancingsPublic:
    stmt = select(table_of(Financing)).where(scoping.financings(party))
    stmt = where_status(stmt, FIN.status, status, FINANCING_STATUS)
    stmt = where_parties(stmt, bank=(FIN.bank, bank), seller=(FIN.seller, seller), debtor=(FIN.debtor, debtor))
    stmt = where_counterparty(stmt, counterparty, FIN.bank, FIN.seller, FIN.debtor)
    if with_recourse is not None:
        stmt = stmt.where(FIN.with_recourse == with_recourse)
    stmt = _ranges(stmt, FIN.value_units, min_units, max_units)
    rows, count, cursor, prev = paginate(
        session, stmt, sorts={"fragment_id": FIN.fragment_id, "value": FIN.value_units,
                              "requested_at": FIN.requested_at},
        id_col=FIN.fragment_id, page=page, default="fragment_id",
    )
    return FinancingsPublic(data=[financing_public(r._mapping) for r in rows], count=count,
                            next_cursor=cursor, prev_cursor=prev)


# ------------------------------------------------------------------------------------------ exposures
X = table_of(Exposure).c


@router.get("/exposures", response_model=ExposuresPublic,
            summary="Banks' exposure to core enterprises: limit, used, available (a bank's own, a debtor's on it)")
def read_exposures(party: CurrentParty, session: SessionDep, bank: Address | None = None,
                   debtor: Address | None = None) -> ExposuresPublic:
    stmt = select(table_of(Exposure)).order_by(X.bank, X.debtor)
    if not party.is_regulator:
        stmt = stmt.where(or_(X.bank == party.address, X.debtor == party.address))
    if bank is not None:
        stmt = stmt.where(X.bank == to_checksum_address(bank))
    if debtor is not None:
        stmt = stmt.where(X.debtor == to_checksum_address(debtor))
    data = []
    for r in session.execute(stmt):
        m = r._mapping
        room = max(m["limit_units"] - m["used_units"], 0)
        data.append(ExposurePublic(bank=m["bank"], debtor=m["debtor"], limit=money(m["limit_units"]),
                                   limit_units=m["limit_units"], used=money(m["used_units"]),
                                   used_units=m["used_units"], available=money(room), available_units=room))
    return ExposuresPublic(data=data, count=len(data))
