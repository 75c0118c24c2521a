"""Receivables events -> receivable, fragment (with lineage), offer, financing and exposure rows.

Every state change carries the old and new status, so statuses are copied from events, never inferred. Exposure
follows the contract: +value when a bank funds a discount, -amount for each payout of a financed fragment, -debt
when recourse is exercised, and set outright (limit and used) by ReceivableExposureLimitSet.
"""

from __future__ import annotations

from typing import Any

from gateway.indexer.handlers.common import hex32, link, reason_text
from gateway.indexer.registry import HANDLERS, EventContext
from gateway.indexer.store import UnitOfWork
from gateway.models.links import BANK, DEBTOR, HOLDER, ISSUER, SELLER, LedgerSetting
from gateway.models.positions import MaturitySummary
from gateway.models.receivables import Exposure, Financing, Fragment, Offer, Receivable
from sdk.generated.events import (
    DiscountDeclined,
    DiscountRequested,
    DiscountRequestWithdrawn,
    FinancingRepaid,
    FragmentDefaulted,
    FragmentDiscounted,
    FragmentOfferAccepted,
    FragmentOffered,
    FragmentOfferRejected,
    FragmentOfferWithdrawn,
    FragmentPaid,
    ReceivableCancelled,
    ReceivableConfirmed,
    ReceivableDisputed,
    ReceivableDisputeResolved,
    ReceivableExposureLimitSet,
    ReceivableFragmentCapSet,
    ReceivableGracePeriodSet,
    ReceivableIssued,
    ReceivableMinFragmentValueSet,
    ReceivableRegistered,
    ReceivableRejected,
    ReceivableRepaid,
    RecourseExercised,
    RecourseRepaid,
)
from sdk.types import FinancingStatus, OfferStatus, ReceivableStatus

CONTRACT = "Receivables"
ZERO_HASH = "0x" + "00" * 32


def _involve(uow: UnitOfWork, party: str, root_id: int, fragment_id: int | None, relation: int,
             new_root: bool = False, new_fragment: bool = False) -> None:
    link(uow, party, "receivable", root_id, relation, new=new_root)
    if fragment_id is not None:
        link(uow, party, "fragment", fragment_id, relation, new=new_fragment)


def _created(uow: UnitOfWork, ev: ReceivableRegistered | ReceivableIssued, ctx: EventContext, origin: str) -> None:
    uow.insert(Receivable, {
        "id": ev.root_id, "supplier": ev.supplier, "debtor": ev.debtor, "origin": origin,
        "face_units": ev.face_value, "repaid_units": 0, "due_date": ev.due_date,
        "invoice_hash": hex32(ev.invoice_hash),
        "po_hash": None if hex32(ev.po_hash) == ZERO_HASH else hex32(ev.po_hash),
        "status": int(ev.new_status), "fragment_count": 1, "late": False, "reason": None,
        "created_at": ctx.block_time, "confirmed_at": ctx.block_time if origin == "issued" else None,
        "last_repaid_at": None, "updated_block": ctx.block_number,
    })
    uow.insert(Fragment, {
        "id": ev.fragment_id, "root_id": ev.root_id, "parent_id": None, "depth": 0, "holder": ev.supplier,
        "debtor": ev.debtor, "due_date": ev.due_date, "value_units": ev.face_value, "original_units": ev.face_value,
        "locked_units": 0, "paid_units": 0, "status": 1, "financed": False, "created_at": ctx.block_time,
        "updated_block": ctx.block_number,
    })
    _involve(uow, ev.supplier, ev.root_id, ev.fragment_id, ISSUER | HOLDER, new_root=True, new_fragment=True)
    _involve(uow, ev.debtor, ev.root_id, ev.fragment_id, DEBTOR, new_root=True, new_fragment=True)
    ctx.ref("fragment", ev.fragment_id)


@HANDLERS.on(ReceivableRegistered, contract=CONTRACT, asset="receivable")
def registered(uow: UnitOfWork, ev: ReceivableRegistered, ctx: EventContext) -> None:
    _created(uow, ev, ctx, "registered")


@HANDLERS.on(ReceivableIssued, contract=CONTRACT, asset="receivable")
def issued(uow: UnitOfWork, ev: ReceivableIssued, ctx: EventContext) -> None:
    _created(uow, ev, ctx, "issued")


def _root_status(uow: UnitOfWork, root_id: int, status: int, ctx: EventContext, **more: Any) -> dict[str, Any]:
    return uow.update(Receivable, root_id, status=status, updated_block=ctx.block_number, **more)


@HANDLERS.on(ReceivableConfirmed, contract=CONTRACT, asset="receivable")
def confirmed(uow: UnitOfWork, ev: ReceivableConfirmed, ctx: EventContext) -> None:
    _root_status(uow, ev.root_id, int(ev.new_status), ctx, confirmed_at=ctx.block_time)


@HANDLERS.on(ReceivableRejected, contract=CONTRACT, asset="receivable")
def rejected(uow: UnitOfWork, ev: ReceivableRejected, ctx: EventContext) -> None:
    root = _root_status(uow, ev.root_id, int(ev.new_status), ctx, reason=reason_text(ev.reason))
    ctx.ref("party", root["supplier"])


@HANDLERS.on(ReceivableCancelled, contract=CONTRACT, asset="receivable")
def cancelled(uow: UnitOfWork, ev: ReceivableCancelled, ctx: EventContext) -> None:
    root = _root_status(uow, ev.root_id, int(ev.new_status), ctx)
    ctx.ref("party", root["debtor"])


@HANDLERS.on(ReceivableDisputed, contract=CONTRACT, asset="receivable")
def disputed(uow: UnitOfWork, ev: ReceivableDisputed, ctx: EventContext) -> None:
    _root_status(uow, ev.root_id, int(ev.new_status), ctx, reason=reason_text(ev.reason))


@HANDLERS.on(ReceivableDisputeResolved, contract=CONTRACT, asset="receivable")
def dispute_resolved(uow: UnitOfWork, ev: ReceivableDisputeResolved, ctx: EventContext) -> None:
    root = _root_status(uow, ev.root_id, int(ev.new_status), ctx)
    ctx.ref("party", root["debtor"])


@HANDLERS.on(ReceivableRepaid, contract=CONTRACT, asset="receivable")
def repaid(uow: UnitOfWork, ev: ReceivableRepaid, ctx: EventContext) -> None:
    root = uow.require(Receivable, ev.root_id)
    _root_status(uow, ev.root_id, int(ev.new_status), ctx, repaid_units=ev.total_repaid,
                 late=root["late"] or ev.late, last_repaid_at=ctx.block_time)


# ------------------------------------------------------------------------------------------ offers and splits
@HANDLERS.on(FragmentOffered, contract=CONTRACT, asset="offer")
def offered(uow: UnitOfWork, ev: FragmentOffered, ctx: EventContext) -> None:
    fragment = uow.update(Fragment, ev.fragment_id, locked_units=ev.locked, updated_block=ctx.block_number)
    uow.insert(Offer, {
        "id": ev.offer_id, "fragment_id": ev.fragment_id, "root_id": fragment["root_id"], "child_id": None,
        "sender": ev.from_, "recipient": ev.to, "debtor": fragment["debtor"], "amount_units": ev.amount,
        "expires_at": ev.expires_at or None, "status": int(ev.new_status), "created_at": ctx.block_time,
        "closed_at": None, "updated_block": ctx.block_number,
    })
    ctx.ref("fragment", ev.fragment_id)
    ctx.ref("receivable", fragment["root_id"])


def _offer_closed(uow: UnitOfWork, offer_id: int, status: OfferStatus, ctx: EventContext,
                  child_id: int | None = None) -> dict[str, Any]:
    offer = uow.update(Offer, offer_id, status=int(status), closed_at=ctx.block_time, child_id=child_id,
                       updated_block=ctx.block_number)
    ctx.ref("receivable", offer["root_id"])
    return offer


@HANDLERS.on(FragmentOfferAccepted, contract=CONTRACT, asset="offer")
def offer_accepted(uow: UnitOfWork, ev: FragmentOfferAccepted, ctx: EventContext) -> None:
    _offer_closed(uow, ev.offer_id, ev.new_status, ctx, child_id=ev.child_id)
    parent = uow.require(Fragment, ev.parent_id)
    uow.update(Fragment, ev.parent_id, value_units=ev.parent_value, status=int(ev.parent_status),
               locked_units=parent["locked_units"] - ev.amount, updated_block=ctx.block_number)
    uow.insert(Fragment, {
        "id": ev.child_id, "root_id": parent["root_id"], "parent_id": ev.parent_id, "depth": parent["depth"] + 1,
        "holder": ev.to, "debtor": parent["debtor"], "due_date": parent["due_date"], "value_units": ev.amount,
        "original_units": ev.amount, "locked_units": 0, "paid_units": 0, "status": 1, "financed": False,
        "created_at": ctx.block_time, "updated_block": ctx.block_number,
    })
    root = uow.require(Receivable, parent["root_id"])
    uow.update(Receivable, parent["root_id"], fragment_count=root["fragment_count"] + 1,
               updated_block=ctx.block_number)
    _involve(uow, ev.to, parent["root_id"], ev.child_id, HOLDER, new_fragment=True)
    link(uow, parent["debtor"], "fragment", ev.child_id, DEBTOR, new=True)
    ctx.ref("fragment", ev.parent_id)
    ctx.ref("fragment", ev.child_id)


def _offer_released(uow: UnitOfWork, offer_id: int, fragment_id: int, amount: int, status: OfferStatus,
                    ctx: EventContext) -> None:
    _offer_closed(uow, offer_id, status, ctx)
    fragment = uow.require(Fragment, fragment_id)
    uow.update(Fragment, fragment_id, locked_units=fragment["locked_units"] - amount, updated_block=ctx.block_number)
    ctx.ref("fragment", fragment_id)


@HANDLERS.on(FragmentOfferRejected, contract=CONTRACT, asset="offer")
def offer_rejected(uow: UnitOfWork, ev: FragmentOfferRejected, ctx: EventContext) -> None:
    _offer_released(uow, ev.offer_id, ev.fragment_id, ev.amount, ev.new_status, ctx)


@HANDLERS.on(FragmentOfferWithdrawn, contract=CONTRACT, asset="offer")
def offer_withdrawn(uow: UnitOfWork, ev: FragmentOfferWithdrawn, ctx: EventContext) -> None:
    _offer_released(uow, ev.offer_id, ev.fragment_id, ev.amount, ev.new_status, ctx)


# ------------------------------------------------------------------------------------------ discounts
def _fragment(uow: UnitOfWork, fragment_id: int, ctx: EventContext, **changes: Any) -> dict[str, Any]:
    fragment = uow.update(Fragment, fragment_id, updated_block=ctx.block_number, **changes)
    ctx.ref("receivable", fragment["root_id"])
    return fragment


def _exposure(uow: UnitOfWork, bank: str, debtor: str, delta: int, ctx: EventContext) -> None:
    row = uow.get(Exposure, (bank, debtor)) or {"bank": bank, "debtor": debtor, "limit_units": 0, "used_units": 0}
    row["used_units"] += delta
    row["updated_block"] = ctx.block_number
    uow.put(Exposure, row)


@HANDLERS.on(DiscountRequested, contract=CONTRACT, asset="fragment")
def discount_requested(uow: UnitOfWork, ev: DiscountRequested, ctx: EventContext) -> None:
    fragment = _fragment(uow, ev.fragment_id, ctx, status=int(ev.new_status))
    uow.put(Financing, {
        "fragment_id": ev.fragment_id, "root_id": fragment["root_id"], "bank": ev.bank, "seller": ev.holder,
        "debtor": fragment["debtor"], "value_units": ev.value, "rate_bps": ev.rate_bps,
        "with_recourse": ev.with_recourse, "status": int(FinancingStatus.REQUESTED), "price_units": None,
        "days_to_maturity": None, "requested_at": ctx.block_time, "funded_at": None, "recourse_debt_units": 0,
        "recourse_outstanding_units": 0, "updated_block": ctx.block_number,
    })
    _involve(uow, ev.bank, fragment["root_id"], ev.fragment_id, BANK)


def _discount_closed(uow: UnitOfWork, fragment_id: int, fragment_status: int, status: FinancingStatus,
                     ctx: EventContext) -> None:
    _fragment(uow, fragment_id, ctx, status=fragment_status)
    uow.update(Financing, fragment_id, status=int(status), updated_block=ctx.block_number)


@HANDLERS.on(DiscountRequestWithdrawn, contract=CONTRACT, asset="fragment")
def discount_withdrawn(uow: UnitOfWork, ev: DiscountRequestWithdrawn, ctx: EventContext) -> None:
    _discount_closed(uow, ev.fragment_id, int(ev.new_status), FinancingStatus.WITHDRAWN, ctx)


@HANDLERS.on(DiscountDeclined, contract=CONTRACT, asset="fragment")
def discount_declined(uow: UnitOfWork, ev: DiscountDeclined, ctx: EventContext) -> None:
    _discount_closed(uow, ev.fragment_id, int(ev.new_status), FinancingStatus.DECLINED, ctx)


@HANDLERS.on(FragmentDiscounted, contract=CONTRACT, asset="fragment")
def discounted(uow: UnitOfWork, ev: FragmentDiscounted, ctx: EventContext) -> None:
    fragment = _fragment(uow, ev.fragment_id, ctx, status=int(ev.new_status), holder=ev.bank, financed=True)
    uow.update(Financing, ev.fragment_id, status=int(FinancingStatus.FUNDED), price_units=ev.price,
               days_to_maturity=ev.days_to_maturity, funded_at=ctx.block_time, rate_bps=ev.rate_bps,
               with_recourse=ev.with_recourse, updated_block=ctx.block_number)
    _exposure(uow, ev.bank, ev.debtor, ev.value, ctx)
    _involve(uow, ev.bank, fragment["root_id"], ev.fragment_id, BANK | HOLDER)
    _involve(uow, ev.seller, fragment["root_id"], ev.fragment_id, SELLER)


@HANDLERS.on(ReceivableExposureLimitSet, contract=CONTRACT)
def exposure_limit(uow: UnitOfWork, ev: ReceivableExposureLimitSet, ctx: EventContext) -> None:
    uow.put(Exposure, {"bank": ev.bank, "debtor": ev.debtor, "limit_units": ev.new_limit, "used_units": ev.used,
                       "updated_block": ctx.block_number})


# ------------------------------------------------------------------------------------------ payouts and default
@HANDLERS.on(FragmentPaid, contract=CONTRACT, asset="fragment")
def fragment_paid(uow: UnitOfWork, ev: FragmentPaid, ctx: EventContext) -> None:
    fragment = _fragment(uow, ev.fragment_id, ctx, status=int(ev.new_status), paid_units=ev.total_paid)
    if fragment["financed"]:
        _exposure(uow, ev.holder, fragment["debtor"], -ev.amount, ctx)


@HANDLERS.on(FinancingRepaid, contract=CONTRACT, asset="fragment")
def financing_repaid(uow: UnitOfWork, ev: FinancingRepaid, ctx: EventContext) -> None:
    financing = uow.update(Financing, ev.fragment_id, status=int(ev.new_status), updated_block=ctx.block_number)
    ctx.ref("receivable", financing["root_id"])


@HANDLERS.on(FragmentDefaulted, contract=CONTRACT, asset="fragment")
def defaulted(uow: UnitOfWork, ev: FragmentDefaulted, ctx: EventContext) -> None:
    _fragment(uow, ev.fragment_id, ctx, status=int(ev.new_status))


@HANDLERS.on(RecourseExercised, contract=CONTRACT, asset="fragment")
def recourse(uow: UnitOfWork, ev: RecourseExercised, ctx: EventContext) -> None:
    fragment = _fragment(uow, ev.fragment_id, ctx, status=int(ev.new_status), holder=ev.seller, financed=False)
    uow.update(Financing, ev.fragment_id, status=int(FinancingStatus.RECOURSED), recourse_debt_units=ev.debt,
               recourse_outstanding_units=ev.debt, updated_block=ctx.block_number)
    _exposure(uow, ev.bank, fragment["debtor"], -ev.exposure_released, ctx)
    _involve(uow, ev.seller, fragment["root_id"], ev.fragment_id, HOLDER)


@HANDLERS.on(RecourseRepaid, contract=CONTRACT, asset="fragment")
def recourse_repaid(uow: UnitOfWork, ev: RecourseRepaid, ctx: EventContext) -> None:
    financing = uow.update(Financing, ev.fragment_id, status=int(ev.new_status),
                           recourse_outstanding_units=ev.outstanding, updated_block=ctx.block_number)
    ctx.ref("receivable", financing["root_id"])


# ------------------------------------------------------------------------------------------ configuration
@HANDLERS.on(ReceivableFragmentCapSet, contract=CONTRACT)
def fragment_cap(uow: UnitOfWork, ev: ReceivableFragmentCapSet, ctx: EventContext) -> None:
    uow.put(LedgerSetting, {"name": "receivables.fragment_cap", "value": ev.new_cap, "updated_block": ctx.block_number})


@HANDLERS.on(ReceivableMinFragmentValueSet, contract=CONTRACT)
def min_fragment_value(uow: UnitOfWork, ev: ReceivableMinFragmentValueSet, ctx: EventContext) -> None:
    uow.put(LedgerSetting, {"name": "receivables.min_fragment_value", "value": ev.new_minimum,
                            "updated_block": ctx.block_number})


@HANDLERS.on(ReceivableGracePeriodSet, contract=CONTRACT)
def grace_period(uow: UnitOfWork, ev: ReceivableGracePeriodSet, ctx: EventContext) -> None:
    uow.put(LedgerSetting, {"name": "receivables.grace_period", "value": ev.new_grace_period,
                            "updated_block": ctx.block_number})



# ------------------------------------------------------------------------------------------ maturity summary
OPEN_ROOTS = (int(ReceivableStatus.CONFIRMED), int(ReceivableStatus.DISPUTED))


def _summarise(uow: UnitOfWork, key: tuple[str, str, int, int] | None, count: int, units: int) -> None:
    if key is None:
        return
    party, side, status, due = key
    row = uow.get(MaturitySummary, key) or {"party": party, "side": side, "status": status, "due_date": due,
                                            "count": 0, "outstanding_units": 0}
    row["count"] += count
    row["outstanding_units"] += units
    if row["count"] == 0:
        uow.delete(MaturitySummary, key)
    else:
        uow.put(MaturitySummary, row)


def _held(row: dict[str, Any] | None) -> tuple[tuple[str, str, int, int] | None, int]:
    if row is None or row["value_units"] <= row["paid_units"]:
        return None, 0
    return (row["holder"], "held", row["status"], row["due_date"]), row["value_units"] - row["paid_units"]


def _owed(row: dict[str, Any] | None) -> tuple[tuple[str, str, int, int] | None, int]:
    if row is None or row["status"] not in OPEN_ROOTS or row["face_units"] <= row["repaid_units"]:
        return None, 0
    return (row["debtor"], "owed", row["status"], row["due_date"]), row["face_units"] - row["repaid_units"]


def _summary_trigger(contribution: Any) -> Any:
    def trigger(uow: UnitOfWork, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        (old_key, old_units), (new_key, new_units) = contribution(old), contribution(new)
        if old_key == new_key and old_units == new_units:
            return
        _summarise(uow, old_key, -1, -old_units)
        _summarise(uow, new_key, 1, new_units)

    return trigger


HANDLERS.trigger("fragment")(_summary_trigger(_held))
HANDLERS.trigger("receivable")(_summary_trigger(_owed))
