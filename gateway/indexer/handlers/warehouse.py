"""WarehouseReceipts, PriceFeed and PledgeLoans events -> receipt, price, program, loan and collateral rows."""

from __future__ import annotations

from typing import Any

from gateway.indexer.handlers.common import hex32, link
from gateway.indexer.registry import HANDLERS, ZERO_ADDRESS, EventContext
from gateway.indexer.store import UnitOfWork
from gateway.models.links import BANK, HOLDER, WAREHOUSE
from gateway.models.warehouse import (
    CommodityPrice,
    IssuerApproval,
    Loan,
    LoanCollateral,
    LoanProgram,
    LoanProgramListing,
    WarehouseReceipt,
)
from sdk.generated.events import (
    CollateralAdded,
    CollateralReleased,
    CommodityListed,
    IssuerApprovalSet,
    LoanForeclosed,
    LoanOpened,
    LoanRepaid,
    MarginCallCured,
    MarginCalled,
    PriceBandSet,
    PriceConfirmed,
    PricePosted,
    PriceProposed,
    ProgramAllowListsSet,
    ProgramBorrowerListed,
    ProgramCapSet,
    ProgramClosed,
    ProgramOpened,
    ProgramWarehouseListed,
    ReceiptDelivered,
    ReceiptIssued,
    ReceiptPledged,
    ReceiptReleased,
    ReceiptSeized,
    ReceiptSplit,
)
from sdk.generated.events import WarehouseReceiptsApproval as ReceiptApproval
from sdk.generated.events import WarehouseReceiptsTransfer as ReceiptTransfer

RECEIPTS, FEED, LOANS = "WarehouseReceipts", "PriceFeed", "PledgeLoans"


def text(raw: bytes) -> str:
    """A right-padded bytesN code ("CU-CATHODE", "kg") as text."""
    return raw.rstrip(b"\0").decode("utf-8", errors="replace")


def _none(address: str) -> str | None:
    return None if address == ZERO_ADDRESS else address


# ------------------------------------------------------------------------------------------ receipts
@HANDLERS.on(ReceiptIssued, contract=RECEIPTS, asset="receipt")
def receipt_issued(uow: UnitOfWork, ev: ReceiptIssued, ctx: EventContext) -> None:
    uow.put(WarehouseReceipt, {
        "id": ev.id, "warehouse": ev.warehouse, "owner": ev.owner, "status": int(ev.new_status),
        "lien_holder": _none(ev.lien_holder), "loan_id": None, "commodity": text(ev.commodity), "unit": text(ev.unit),
        "grade": text(ev.grade), "location": text(ev.location), "lot_id": text(ev.lot_id),
        "inspection_hash": hex32(ev.inspection_hash), "quantity": ev.quantity, "parent_id": None,
        "issued_at": ctx.block_time, "delivered_at": None, "approved": None, "updated_block": ctx.block_number,
    })
    link(uow, ev.owner, "receipt", ev.id, HOLDER)
    link(uow, ev.warehouse, "receipt", ev.id, WAREHOUSE)


@HANDLERS.on(ReceiptSplit, contract=RECEIPTS, asset="receipt")
def receipt_split(uow: UnitOfWork, ev: ReceiptSplit, ctx: EventContext) -> None:
    parent = uow.update(WarehouseReceipt, ev.id, quantity=ev.parent_quantity, status=int(ev.parent_status),
                        updated_block=ctx.block_number)
    uow.put(WarehouseReceipt, {
        **parent, "id": ev.child_id, "owner": ev.child_owner, "status": int(ev.new_status), "lien_holder": None,
        "loan_id": None, "quantity": ev.quantity, "parent_id": ev.id, "issued_at": ctx.block_time,
        "delivered_at": None, "approved": None, "updated_block": ctx.block_number,
    })
    link(uow, ev.child_owner, "receipt", ev.child_id, HOLDER)
    link(uow, parent["warehouse"], "receipt", ev.child_id, WAREHOUSE)
    ctx.ref("receipt", ev.child_id)


@HANDLERS.on(ReceiptTransfer, contract=RECEIPTS, asset="receipt")
def receipt_transferred(uow: UnitOfWork, ev: ReceiptTransfer, ctx: EventContext) -> None:
    if ev.from_ == ZERO_ADDRESS or ev.to == ZERO_ADDRESS:
        return  # mint and burn: ReceiptIssued / ReceiptSplit / ReceiptDelivered carry the state
    # a transfer clears the ERC-721 approval without an Approval event
    uow.update(WarehouseReceipt, ev.token_id, owner=ev.to, approved=None, updated_block=ctx.block_number)
    link(uow, ev.to, "receipt", ev.token_id, HOLDER)


@HANDLERS.on(ReceiptApproval, contract=RECEIPTS)
def receipt_approved(uow: UnitOfWork, ev: ReceiptApproval, ctx: EventContext) -> None:
    """The owner approved an address for the receipt: its warehouse, when presenting it for delivery out."""
    if uow.get(WarehouseReceipt, ev.token_id) is not None:
        uow.update(WarehouseReceipt, ev.token_id, approved=_none(ev.approved), updated_block=ctx.block_number)


def _receipt(uow: UnitOfWork, receipt_id: int, ctx: EventContext, **changes: Any) -> dict[str, Any]:
    return uow.update(WarehouseReceipt, receipt_id, updated_block=ctx.block_number, **changes)


@HANDLERS.on(ReceiptPledged, contract=RECEIPTS, asset="receipt")
def receipt_pledged(uow: UnitOfWork, ev: ReceiptPledged, ctx: EventContext) -> None:
    _receipt(uow, ev.id, ctx, status=int(ev.new_status), lien_holder=ev.lien_holder, approved=None)


@HANDLERS.on(ReceiptReleased, contract=RECEIPTS, asset="receipt")
def receipt_released(uow: UnitOfWork, ev: ReceiptReleased, ctx: EventContext) -> None:
    _receipt(uow, ev.id, ctx, status=int(ev.new_status), lien_holder=None, loan_id=None)


@HANDLERS.on(ReceiptSeized, contract=RECEIPTS, asset="receipt")
def receipt_seized(uow: UnitOfWork, ev: ReceiptSeized, ctx: EventContext) -> None:
    _receipt(uow, ev.id, ctx, status=int(ev.new_status), owner=ev.to, lien_holder=None, loan_id=None)
    link(uow, ev.to, "receipt", ev.id, HOLDER)


@HANDLERS.on(IssuerApprovalSet, contract=RECEIPTS)
def issuer_approval_set(uow: UnitOfWork, ev: IssuerApprovalSet, ctx: EventContext) -> None:
    if ev.new_approved:
        uow.put(IssuerApproval, {"warehouse": ev.warehouse, "manager": ev.manager})
    else:
        uow.delete(IssuerApproval, (ev.warehouse, ev.manager))


@HANDLERS.on(ReceiptDelivered, contract=RECEIPTS, asset="receipt")
def receipt_delivered(uow: UnitOfWork, ev: ReceiptDelivered, ctx: EventContext) -> None:
    _receipt(uow, ev.id, ctx, status=int(ev.new_status), owner=None, delivered_at=ctx.block_time, approved=None)


# ------------------------------------------------------------------------------------------ prices
@HANDLERS.on(CommodityListed, contract=FEED, asset="commodity")
def commodity_listed(uow: UnitOfWork, ev: CommodityListed, ctx: EventContext) -> None:
    key = text(ev.commodity)
    row = uow.get(CommodityPrice, key) or {"commodity": key}
    uow.put(CommodityPrice, {**row, "unit": text(ev.unit), "max_age": ev.new_max_age,
                             "updated_block": ctx.block_number})


@HANDLERS.on(PricePosted, contract=FEED, asset="commodity")
def price_posted(uow: UnitOfWork, ev: PricePosted, ctx: EventContext) -> None:
    # a price in effect ends any pending out-of-band proposal (the contract clears it)
    uow.update(CommodityPrice, text(ev.commodity), price_units=ev.price, observed_at=ev.observed_at,
               feeder=ev.feeder, proposed_price_units=None, proposed_at=None, proposer=None,
               updated_block=ctx.block_number)


@HANDLERS.on(PriceBandSet, contract=FEED, asset="commodity")
def price_band_set(uow: UnitOfWork, ev: PriceBandSet, ctx: EventContext) -> None:
    uow.update(CommodityPrice, text(ev.commodity), band_bps=ev.new_band_bps, updated_block=ctx.block_number)


@HANDLERS.on(PriceProposed, contract=FEED, asset="commodity")
def price_proposed(uow: UnitOfWork, ev: PriceProposed, ctx: EventContext) -> None:
    uow.update(CommodityPrice, text(ev.commodity), proposed_price_units=ev.price, proposed_at=ev.observed_at,
               proposer=ev.feeder, updated_block=ctx.block_number)


HANDLERS.asset(PriceConfirmed, "commodity", contract=FEED)  # PricePosted follows and carries the change


# ------------------------------------------------------------------------------------------ loans
@HANDLERS.on(ProgramOpened, contract=LOANS, asset="program")
def program_opened(uow: UnitOfWork, ev: ProgramOpened, ctx: EventContext) -> None:
    uow.put(LoanProgram, {
        "id": ev.program_id, "bank": ev.bank, "commodity": text(ev.commodity), "rate_bps": ev.rate_bps,
        "max_ltv_bps": ev.max_ltv_bps, "margin_call_ltv_bps": ev.margin_call_ltv_bps, "cure_period": ev.cure_period,
        "max_tenor": ev.max_tenor, "status": int(ev.new_status), "cap_units": ev.cap, "outstanding_units": 0,
        "warehouses_listed": False, "borrowers_listed": False, "updated_block": ctx.block_number,
    })


@HANDLERS.on(ProgramCapSet, contract=LOANS, asset="program")
def program_cap_set(uow: UnitOfWork, ev: ProgramCapSet, ctx: EventContext) -> None:
    uow.update(LoanProgram, ev.program_id, cap_units=ev.new_cap, outstanding_units=ev.outstanding,
               updated_block=ctx.block_number)


@HANDLERS.on(ProgramAllowListsSet, contract=LOANS, asset="program")
def program_allow_lists_set(uow: UnitOfWork, ev: ProgramAllowListsSet, ctx: EventContext) -> None:
    uow.update(LoanProgram, ev.program_id, warehouses_listed=ev.warehouses_listed,
               borrowers_listed=ev.borrowers_listed, updated_block=ctx.block_number)


def _listing(uow: UnitOfWork, program_id: int, kind: str, account: str, listed: bool) -> None:
    key = (program_id, kind, account)
    if listed:
        uow.put(LoanProgramListing, {"program_id": program_id, "kind": kind, "account": account})
    else:
        uow.delete(LoanProgramListing, key)


@HANDLERS.on(ProgramWarehouseListed, contract=LOANS, asset="program")
def program_warehouse_listed(uow: UnitOfWork, ev: ProgramWarehouseListed, ctx: EventContext) -> None:
    _listing(uow, ev.program_id, "warehouse", ev.warehouse, ev.listed)


@HANDLERS.on(ProgramBorrowerListed, contract=LOANS, asset="program")
def program_borrower_listed(uow: UnitOfWork, ev: ProgramBorrowerListed, ctx: EventContext) -> None:
    _listing(uow, ev.program_id, "borrower", ev.borrower, ev.listed)


def _outstanding(uow: UnitOfWork, program_id: int, delta: int, ctx: EventContext) -> None:
    program = uow.require(LoanProgram, program_id)
    uow.update(LoanProgram, program_id, outstanding_units=program["outstanding_units"] + delta,
               updated_block=ctx.block_number)


@HANDLERS.on(ProgramClosed, contract=LOANS, asset="program")
def program_closed(uow: UnitOfWork, ev: ProgramClosed, ctx: EventContext) -> None:
    uow.update(LoanProgram, ev.program_id, status=int(ev.new_status), updated_block=ctx.block_number)


def _pledge(uow: UnitOfWork, loan: dict[str, Any], receipt_id: int, ctx: EventContext) -> None:
    uow.put(LoanCollateral, {"loan_id": loan["id"], "receipt_id": receipt_id})
    _receipt(uow, receipt_id, ctx, loan_id=loan["id"])
    link(uow, loan["bank"], "receipt", receipt_id, BANK)
    ctx.ref("receipt", receipt_id)


@HANDLERS.on(LoanOpened, contract=LOANS, asset="loan")
def loan_opened(uow: UnitOfWork, ev: LoanOpened, ctx: EventContext) -> None:
    program = uow.require(LoanProgram, ev.program_id)
    loan = uow.put(Loan, {
        "id": ev.loan_id, "program_id": ev.program_id, "bank": ev.bank, "borrower": ev.borrower,
        "commodity": program["commodity"], "status": int(ev.new_status), "rate_bps": ev.rate_bps,
        "max_ltv_bps": program["max_ltv_bps"], "margin_call_ltv_bps": program["margin_call_ltv_bps"],
        "opened_principal_units": ev.principal, "principal_units": ev.principal, "interest_units": 0,
        "accrued_at": ctx.block_time, "repaid_units": 0, "interest_paid_units": 0, "maturity": ev.maturity,
        "margin_call_deadline": None, "ltv_bps": ev.ltv_bps, "pledged_quantity": ev.quantity,
        "shortfall_units": None, "seized_quantity": None, "opened_at": ctx.block_time, "closed_at": None,
        "updated_block": ctx.block_number,
    })
    _pledge(uow, loan, ev.receipt_id, ctx)
    _outstanding(uow, ev.program_id, ev.principal, ctx)


def _loan(uow: UnitOfWork, loan_id: int, ctx: EventContext, **changes: Any) -> dict[str, Any]:
    return uow.update(Loan, loan_id, updated_block=ctx.block_number, **changes)


@HANDLERS.on(LoanRepaid, contract=LOANS, asset="loan")
def loan_repaid(uow: UnitOfWork, ev: LoanRepaid, ctx: EventContext) -> None:
    loan = uow.require(Loan, ev.loan_id)
    closed = ev.principal == 0 and ev.interest == 0
    if ev.principal_paid:
        _outstanding(uow, loan["program_id"], -ev.principal_paid, ctx)
    _loan(uow, ev.loan_id, ctx, status=int(ev.new_status), principal_units=ev.principal, interest_units=ev.interest,
          accrued_at=ctx.block_time, repaid_units=loan["repaid_units"] + ev.amount,
          interest_paid_units=loan["interest_paid_units"] + ev.interest_paid,
          margin_call_deadline=loan["margin_call_deadline"] if ev.new_status == ev.old_status else None,
          closed_at=ctx.block_time if closed else None)


@HANDLERS.on(CollateralAdded, contract=LOANS, asset="loan")
def collateral_added(uow: UnitOfWork, ev: CollateralAdded, ctx: EventContext) -> None:
    loan = _loan(uow, ev.loan_id, ctx, status=int(ev.new_status), pledged_quantity=ev.pledged_quantity,
                 **({"margin_call_deadline": None} if ev.new_status != ev.old_status else {}))
    _pledge(uow, loan, ev.receipt_id, ctx)


@HANDLERS.on(CollateralReleased, contract=LOANS, asset="loan")
def collateral_released(uow: UnitOfWork, ev: CollateralReleased, ctx: EventContext) -> None:
    _loan(uow, ev.loan_id, ctx, status=int(ev.new_status), pledged_quantity=ev.pledged_quantity, ltv_bps=ev.ltv_bps)
    if ev.released_receipt_id == ev.receipt_id:  # released whole
        uow.delete(LoanCollateral, (ev.loan_id, ev.receipt_id))
    ctx.ref("receipt", ev.receipt_id)
    ctx.ref("receipt", ev.released_receipt_id)


@HANDLERS.on(MarginCalled, contract=LOANS, asset="loan")
def margin_called(uow: UnitOfWork, ev: MarginCalled, ctx: EventContext) -> None:
    _loan(uow, ev.loan_id, ctx, status=int(ev.new_status), margin_call_deadline=ev.deadline, ltv_bps=ev.ltv_bps)


@HANDLERS.on(MarginCallCured, contract=LOANS, asset="loan")
def margin_cured(uow: UnitOfWork, ev: MarginCallCured, ctx: EventContext) -> None:
    _loan(uow, ev.loan_id, ctx, status=int(ev.new_status), margin_call_deadline=None, ltv_bps=ev.ltv_bps)


@HANDLERS.on(LoanForeclosed, contract=LOANS, asset="loan")
def foreclosed(uow: UnitOfWork, ev: LoanForeclosed, ctx: EventContext) -> None:
    loan = _loan(uow, ev.loan_id, ctx, status=int(ev.new_status), principal_units=ev.principal,
                 interest_units=ev.interest, accrued_at=ctx.block_time, shortfall_units=ev.shortfall,
                 seized_quantity=ev.seized_quantity, margin_call_deadline=None, closed_at=ctx.block_time)
    _outstanding(uow, loan["program_id"], -ev.principal, ctx)
