"""Warehouse-receipt pledge financing: receipts, the commodity price feed and the pledge loan book.

Units. Quantities are integers in the receipt's unit (e.g. kg). Prices are settlement-token units (cents) per one
unit of quantity, so goods are worth exactly ``quantity * price`` cents. Rates and LTVs are basis points.

Arithmetic. The pure functions below are the contracts' own formulas, step for step, so the SDK can preview a loan
before sending anything:

* limit = quantity x price x max LTV / 10,000, rounded down (the bank never lends a fraction of a cent too much);
* interest = (principal x rate x seconds + carry) / (10,000 x 365 x 86,400), rounded down: actual/365 to the second
  on the outstanding principal, accrued into the loan at every repayment and at foreclosure. The remainder is carried
  into the next accrual, so the interest of any sequence of repayments is, to the cent, the floor of the exact total
  (see :func:`accrue`); only the last fraction of a cent at closing stays with the borrower;
* a repayment pays interest first, then principal, and never takes more than the debt;
* thresholds compare exactly (``debt * 10,000`` against ``value * bps``); reported LTVs are rounded down.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address

from sdk.contracts import ContractBase
from sdk.errors import LedgerValueError
from sdk.events import decode_logs
from sdk.generated.enums import LoanStatus, ProgramStatus, ReceiptAction, ReceiptStatus
from sdk.generated.events import (
    ApprovalForAll,
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
    PriceFeederSet,
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
    ReceiptSplit,
    WarehouseReceiptsApproval,
    WarehouseReceiptsTransfer,
)
from sdk.types import TxResult

__all__ = [
    "BPS",
    "MAX_UINT256",
    "YEAR_SECONDS",
    "Feed",
    "Loan",
    "LoanRisk",
    "LoanStatus",
    "PledgeLoans",
    "PriceBand",
    "PriceFeed",
    "Program",
    "ProgramStatus",
    "Receipt",
    "ReceiptAction",
    "ReceiptStatus",
    "ReceiptTerms",
    "RepaymentWithRelease",
    "Repayment",
    "WarehouseReceipts",
    "accrue",
    "accrued_interest",
    "apply_repayment",
    "code",
    "decode_code",
    "exceeds_ltv",
    "goods_value",
    "inspection_hash",
    "loan_limit",
    "ltv_bps",
    "max_release",
    "seized_quantity",
]

BPS = 10_000
YEAR_SECONDS = 365 * 86_400
MAX_UINT256 = 2**256 - 1


# ---------------------------------------------------------------------------------------------- the contracts' math
def goods_value(quantity: int, price: int) -> int:
    """Value in cents of `quantity` units at `price` cents per unit (exact)."""
    return quantity * price


def loan_limit(quantity: int, price: int, max_ltv_bps: int) -> int:
    """The most a program with `max_ltv_bps` lends against `quantity` at `price`: rounded down."""
    return goods_value(quantity, price) * max_ltv_bps // BPS


def accrue(principal: int, rate_bps: int, seconds: int, carry: int = 0) -> tuple[int, int]:
    """One accrual as the contract makes it: (interest in cents, new carry). `carry` is the remainder left by the
    previous accrual, in cents x 10,000 x 365 days; interest = floor((principal x rate x seconds + carry) / that)."""
    if seconds < 0:
        raise LedgerValueError("elapsed time must not be negative")
    if not 0 <= carry < BPS * YEAR_SECONDS:
        raise LedgerValueError("a carry is a remainder below 10,000 x 365 days")
    return divmod(principal * rate_bps * seconds + carry, BPS * YEAR_SECONDS)


def accrued_interest(principal: int, rate_bps: int, seconds: int, carry: int = 0) -> int:
    """Interest on `principal` at `rate_bps` a year over `seconds`: actual/365 to the second, rounded down after
    adding the `carry` of the previous accrual."""
    return accrue(principal, rate_bps, seconds, carry)[0]


def ltv_bps(debt: int, value: int) -> int:
    """Loan-to-value in basis points, rounded down (the contract reports max uint256 for zero value)."""
    return MAX_UINT256 if value == 0 else debt * BPS // value


def exceeds_ltv(debt: int, value: int, bps: int) -> bool:
    """Whether debt/value is strictly above `bps`, compared exactly as the contract does."""
    return debt * BPS > value * bps


def max_release(total_quantity: int, debt: int, price: int, max_ltv_bps: int) -> int:
    """The largest quantity that may leave a pledge of `total_quantity` while the rest still covers `debt`."""
    per_unit = price * max_ltv_bps
    keep = -(-debt * BPS // per_unit)  # ceiling: the least quantity that covers the debt
    return 0 if keep >= total_quantity else total_quantity - keep


def seized_quantity(quantity: int, debt: int, price: int) -> int:
    """Foreclosure surplus rule: the bank takes the least whole quantity worth at least the debt, or all of it when
    the goods are worth less than the debt."""
    if debt >= quantity * price:
        return quantity
    return -(-debt // price)


@dataclass(frozen=True, slots=True)
class Repayment:
    """How the contract splits a repayment: interest first, then principal; never more than the debt."""

    paid: int
    interest_paid: int
    principal_paid: int
    principal: int  # left
    interest: int  # left


def apply_repayment(principal: int, interest: int, amount: int) -> Repayment:
    """Apply `amount` to a debt of `principal` + `interest` (interest already accrued to the repayment)."""
    paid = min(amount, principal + interest)
    interest_paid = min(paid, interest)
    principal_paid = paid - interest_paid
    return Repayment(paid, interest_paid, principal_paid, principal - principal_paid, interest - interest_paid)


# ---------------------------------------------------------------------------------------------- codes and terms
def code(text: str | bytes, size: int) -> bytes:
    """A short ASCII code as a right-padded bytes`size` value ("CU" -> b"CU\\0..."). Longer text is refused."""
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    if len(raw) > size:
        raise LedgerValueError(f"{raw!r} is {len(raw)} bytes; at most {size}")
    return raw.ljust(size, b"\0")


def decode_code(value: bytes) -> str:
    """The text of a right-padded code (invalid UTF-8 is shown as hex)."""
    raw = bytes(value).rstrip(b"\0")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + raw.hex()


def inspection_hash(document: bytes | str) -> bytes:
    """SHA-256 of an inspection certificate (its bytes, or its text as UTF-8)."""
    data = document.encode("utf-8") if isinstance(document, str) else document
    return hashlib.sha256(data).digest()


def _hash32(value: bytes | str | None) -> bytes:
    if value is None:
        return b"\0" * 32
    if isinstance(value, bytes):
        if len(value) != 32:
            raise LedgerValueError("inspection hash must be 32 bytes (use sdk.warehouse.inspection_hash)")
        return value
    text = value.removeprefix("0x")
    if len(text) != 64:
        raise LedgerValueError("inspection hash must be 32 bytes of hex")
    return bytes.fromhex(text)


def _quantity(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >= 2**64:
        raise LedgerValueError(f"quantities are non-negative integers below 2**64, got {value!r}")
    return value


def _amount(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > MAX_UINT256:
        raise LedgerValueError(f"amounts are non-negative integers in cents, got {value!r}")
    return value


def _cap(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**64:
        raise LedgerValueError(f"a program cap is a positive amount in cents below 2**64, got {value!r}")
    return value


def _optional_address(address: str) -> str | None:
    return None if int(address, 16) == 0 else to_checksum_address(address)


@dataclass(frozen=True, slots=True)
class ReceiptTerms:
    """What a warehouse records about a lot. Codes are short ASCII: commodity, grade, location and lot id at most
    16 bytes, unit at most 4."""

    commodity: str
    unit: str
    lot_id: str
    grade: str = ""
    location: str = ""
    inspection_hash: bytes | str | None = None

    def to_abi(self) -> tuple[bytes, bytes, bytes, bytes, bytes, bytes]:
        return (
            code(self.commodity, 16),
            code(self.unit, 4),
            code(self.grade, 16),
            code(self.location, 16),
            code(self.lot_id, 16),
            _hash32(self.inspection_hash),
        )


# ---------------------------------------------------------------------------------------------- read models
@dataclass(frozen=True, slots=True)
class Receipt:
    """A warehouse receipt as stored. Grade, location and the inspection hash are in the family's ReceiptIssued
    event only (see :meth:`WarehouseReceipts.get_issue`)."""

    id: int
    owner: str | None  # None once delivered
    warehouse: str
    status: ReceiptStatus
    lien_holder: str | None
    quantity: int
    commodity: str
    unit: str
    lot_id: str
    parent_id: int  # 0 for a receipt issued by the warehouse
    issued_at: int

    @property
    def is_live(self) -> bool:
        return self.status in (ReceiptStatus.FREE, ReceiptStatus.PLEDGED)

    @property
    def is_pledged(self) -> bool:
        return self.status == ReceiptStatus.PLEDGED


@dataclass(frozen=True, slots=True)
class Feed:
    """A commodity's listing and latest price (price 0 until the first post)."""

    commodity: str
    unit: str
    price: int  # cents per unit
    observed_at: int
    max_age: int

    @property
    def listed(self) -> bool:
        return self.max_age > 0

    def is_fresh(self, now: int) -> bool:
        return self.price > 0 and now - self.observed_at <= self.max_age


@dataclass(frozen=True, slots=True)
class PriceBand:
    """A commodity's price band (bps of the latest price; 0: off) and its pending out-of-band proposal."""

    band_bps: int
    proposed_price: int  # 0 when nothing is pending
    proposed_at: int
    proposer: str | None


@dataclass(frozen=True, slots=True)
class Program:
    """A bank's lending program: fixed terms for pledge loans on one commodity."""

    id: int
    bank: str
    commodity: str
    rate_bps: int
    max_ltv_bps: int
    margin_call_ltv_bps: int
    cure_period: int
    max_tenor: int
    status: ProgramStatus
    cap: int  # most principal outstanding at once
    outstanding: int  # principal lent and not yet repaid or foreclosed
    warehouses_listed: bool  # only receipts of allow-listed warehouses
    borrowers_listed: bool  # only allow-listed borrowers

    @property
    def headroom(self) -> int:
        """Principal the program can still lend before its cap (0 when the cap was lowered below it)."""
        return max(0, self.cap - self.outstanding)


@dataclass(frozen=True, slots=True)
class Loan:
    """A pledge loan. `interest` is accrued up to `accrued_at`; see :meth:`PledgeLoans.get_debt` for now."""

    id: int
    borrower: str
    bank: str
    program_id: int
    status: LoanStatus
    principal: int
    interest: int
    accrued_at: int
    maturity: int
    margin_call_deadline: int
    receipt_ids: tuple[int, ...]
    shortfall: int
    interest_carry: int = 0  # remainder of the last accrual, in cents x 10,000 x 365 days

    @property
    def is_open(self) -> bool:
        return self.status in (LoanStatus.ACTIVE, LoanStatus.MARGIN_CALLED)

    def debt_at(self, timestamp: int, rate_bps: int) -> int:
        """Principal plus interest accrued to `timestamp` (the contract's formula, carry included)."""
        if not self.is_open:
            return self.principal + self.interest
        return self.principal + self.interest + accrued_interest(
            self.principal, rate_bps, timestamp - self.accrued_at, self.interest_carry
        )


@dataclass(frozen=True, slots=True)
class LoanRisk:
    """LTV of a loan at the latest price; `fresh` says whether that price may be used to act."""

    ltv_bps: int
    debt: int
    value: int
    fresh: bool


@dataclass(frozen=True, slots=True)
class RepaymentWithRelease:
    repaid: LoanRepaid
    released: CollateralReleased


# ---------------------------------------------------------------------------------------------- wrappers
class WarehouseReceipts(ContractBase):
    """ERC-721 warehouse receipts keyed by lot."""

    NAME = "WarehouseReceipts"

    # writes: warehouse
    def issue(self, owner: str, terms: ReceiptTerms, quantity: int) -> ReceiptIssued:
        """Warehouse only: issue a free receipt to `owner` for a lot it holds."""
        result = self._transact("issue", to_checksum_address(owner), terms.to_abi(), _quantity(quantity))
        event: ReceiptIssued = result.one(ReceiptIssued)
        return event

    def deliver(self, receipt_id: int) -> ReceiptDelivered:
        """Warehouse only: deliver the goods out against a presented free receipt and burn it."""
        result = self._transact("deliver", receipt_id)
        event: ReceiptDelivered = result.one(ReceiptDelivered)
        return event

    def set_issuer_approval(self, manager: str, approved: bool = True) -> IssuerApprovalSet:
        """Warehouse only: let a pledge-manager contract (e.g. Prepayment, at delivery-in) issue pledged receipts in
        the signing warehouse's name, or revoke it."""
        result = self._transact("setIssuerApproval", to_checksum_address(manager), approved)
        event: IssuerApprovalSet = result.one(IssuerApprovalSet)
        return event

    def is_issuer_approved(self, warehouse: str, manager: str) -> bool:
        return bool(self._call("isIssuerApproved", to_checksum_address(warehouse), to_checksum_address(manager)))

    def approve_lien(self, receipt_id: int, lien_holder: str) -> WarehouseReceiptsApproval | None:
        """Authorise `lien_holder` (the loan book) to lock `receipt_id` unless the signer already did (for that
        receipt or for all); returns the approval event when one was sent."""
        signer = self._require_signer().address
        holder = to_checksum_address(lien_holder)
        if self.get_receipt(receipt_id).owner != signer:
            return None  # not the signer's to approve: the pledge itself reverts with the named error
        if self.get_approved(receipt_id) == holder or self.is_approved_for_all(signer, holder):
            return None
        return self.approve(receipt_id, holder)

    # writes: holders
    def split(self, receipt_id: int, quantity: int, to: str | None = None) -> ReceiptSplit:
        """Split `quantity` off a free receipt into a new child held by `to` (default: the signer)."""
        target = to_checksum_address(to) if to else self._require_signer().address
        result = self._transact("split", receipt_id, _quantity(quantity), target)
        event: ReceiptSplit = result.one(ReceiptSplit)
        return event

    def transfer(self, receipt_id: int, to: str) -> WarehouseReceiptsTransfer:
        """Pass title to `to` (an active participant); a pledged receipt refuses."""
        sender = self._require_signer().address
        result = self._transact("transferFrom", sender, to_checksum_address(to), receipt_id)
        event: WarehouseReceiptsTransfer = result.one(WarehouseReceiptsTransfer)
        return event

    def transfer_from(self, owner: str, receipt_id: int, to: str) -> WarehouseReceiptsTransfer:
        """As an approved spender or operator, pass `owner`'s receipt to `to` (the spender must be active too)."""
        result = self._transact("transferFrom", to_checksum_address(owner), to_checksum_address(to), receipt_id)
        event: WarehouseReceiptsTransfer = result.one(WarehouseReceiptsTransfer)
        return event

    def approve(self, receipt_id: int, spender: str) -> WarehouseReceiptsApproval:
        """Approve `spender` for one receipt: a lien holder (e.g. the loan book before `pledge`) or a buyer."""
        result = self._transact("approve", to_checksum_address(spender), receipt_id)
        event: WarehouseReceiptsApproval = result.one(WarehouseReceiptsApproval)
        return event

    def set_approval_for_all(self, operator: str, approved: bool = True) -> ApprovalForAll:
        """Approve (or revoke) `operator` for every receipt of the signer, e.g. the loan book for all pledges."""
        result = self._transact("setApprovalForAll", to_checksum_address(operator), approved)
        event: ApprovalForAll = result.one(ApprovalForAll)
        return event

    def get_approved(self, receipt_id: int) -> str | None:
        return _optional_address(self._call("getApproved", receipt_id))

    def is_approved_for_all(self, owner: str, operator: str) -> bool:
        return bool(self._call("isApprovedForAll", to_checksum_address(owner), to_checksum_address(operator)))

    def present(self, receipt_id: int) -> WarehouseReceiptsApproval:
        """Present a receipt for delivery: approve its warehouse to burn it against the goods."""
        receipt = self.get_receipt(receipt_id)
        result = self._transact("approve", receipt.warehouse, receipt_id)
        event: WarehouseReceiptsApproval = result.one(WarehouseReceiptsApproval)
        return event

    # reads
    def get_receipt(self, receipt_id: int) -> Receipt:
        raw = self._call("getReceipt", receipt_id)
        (rid, owner, warehouse, status, lien, quantity, commodity, unit, lot_id, parent, issued_at) = raw
        return Receipt(
            id=int(rid),
            owner=_optional_address(owner),
            warehouse=to_checksum_address(warehouse),
            status=ReceiptStatus(status),
            lien_holder=_optional_address(lien),
            quantity=int(quantity),
            commodity=decode_code(commodity),
            unit=decode_code(unit),
            lot_id=decode_code(lot_id),
            parent_id=int(parent),
            issued_at=int(issued_at),
        )

    def root_of(self, receipt_id: int) -> int:
        """The receipt the warehouse issued at the root of `receipt_id`'s family (itself when not split off)."""
        rid = receipt_id
        while parent := self.get_receipt(rid).parent_id:
            rid = parent
        return rid

    def get_issue(self, receipt_id: int, window: int = 10_000) -> ReceiptIssued:
        """The ReceiptIssued event of `receipt_id`'s family: grade, location and the inspection hash, which the
        contract does not store. Reads the logs in bounded windows from the deployment block."""
        root = self.root_of(receipt_id)
        topics = ["0x" + ReceiptIssued.TOPIC.hex(), "0x" + root.to_bytes(32, "big").hex()]
        head, start = self.chain.block_number, self.ledger.deployment.block
        while start <= head:
            end = min(start + window - 1, head)
            logs = self.chain.w3.eth.get_logs(
                {"address": self.address, "topics": topics, "fromBlock": start, "toBlock": end})
            for record in decode_logs(logs):
                if isinstance(record.event, ReceiptIssued):
                    return record.event
            start = end + 1
        raise LedgerValueError(f"no ReceiptIssued event for receipt {root}")

    def get_inspection_hash(self, receipt_id: int) -> bytes:
        """The inspection certificate's hash of `receipt_id`'s lot, from its family's ReceiptIssued event."""
        return bytes(self.get_issue(receipt_id).inspection_hash)

    def list_receipts(self, receipt_ids: Iterable[int]) -> list[Receipt]:
        return [self.get_receipt(i) for i in receipt_ids]

    def owner_of(self, receipt_id: int) -> str:
        return to_checksum_address(self._call("ownerOf", receipt_id))

    def balance_of(self, account: str) -> int:
        return int(self._call("balanceOf", to_checksum_address(account)))

    def live_receipt_of_lot(self, warehouse: str, lot_id: str) -> int:
        """The receipt issued for the lot while any piece of it is live; 0 when the lot is free."""
        return int(self._call("liveReceiptOfLot", to_checksum_address(warehouse), code(lot_id, 16)))

    def live_pieces_of_lot(self, warehouse: str, lot_id: str) -> int:
        return int(self._call("livePiecesOfLot", to_checksum_address(warehouse), code(lot_id, 16)))

    def next_receipt_id(self) -> int:
        return int(self._call("nextReceiptId"))

    def pledge_manager_role(self) -> bytes:
        return bytes(self._call("PLEDGE_MANAGER_ROLE"))

    def is_pledge_manager(self, account: str) -> bool:
        return bool(self._call("hasRole", self.pledge_manager_role(), to_checksum_address(account)))

    # admin
    def grant_pledge_manager(self, account: str) -> TxResult:
        """Admin only: let a ledger contract hold liens (done by Ledger.deploy for the loan book)."""
        return self._transact("grantRole", self.pledge_manager_role(), to_checksum_address(account))


class PriceFeed(ContractBase):
    """Commodity prices posted by appointed feeders, with a staleness limit per commodity."""

    NAME = "PriceFeed"

    def list_commodity(self, commodity: str, unit: str, max_age: int) -> CommodityListed:
        """Operator only: list `commodity`, quoted in cents per `unit`; prices older than `max_age` s are stale."""
        result = self._transact("listCommodity", code(commodity, 16), code(unit, 4), max_age)
        event: CommodityListed = result.one(CommodityListed)
        return event

    def set_feeder(self, commodity: str, feeder: str, appointed: bool = True) -> PriceFeederSet:
        """Operator only: appoint (or remove) a price feeder for `commodity`."""
        result = self._transact("setFeeder", code(commodity, 16), to_checksum_address(feeder), appointed)
        event: PriceFeederSet = result.one(PriceFeederSet)
        return event

    def post_price(self, commodity: str, price: int, observed_at: int | None = None) -> PricePosted | PriceProposed:
        """Appointed feeder only: post `price` cents per unit, observed at `observed_at` (default: latest block).
        A move beyond the commodity's band does not take effect: it returns the PriceProposed event, and a second
        feeder must :meth:`confirm_price` it."""
        when = self.chain.now() if observed_at is None else observed_at
        result = self._transact("postPrice", code(commodity, 16), _amount(price), when)
        proposed = result.find(PriceProposed)
        if proposed:
            event: PriceProposed = proposed[0]
            return event
        posted: PricePosted = result.one(PricePosted)
        return posted

    def confirm_price(self, commodity: str, price: int, observed_at: int) -> PricePosted:
        """Another appointed feeder: confirm a pending out-of-band proposal (same price and time); it takes effect."""
        result = self._transact("confirmPrice", code(commodity, 16), _amount(price), observed_at)
        event: PricePosted = result.one(PricePosted)
        return event

    def set_price_band(self, commodity: str, band_bps: int) -> PriceBandSet:
        """Operator only: a post moving the price more than `band_bps` from the latest needs a second feeder
        (0 turns the check off)."""
        result = self._transact("setPriceBand", code(commodity, 16), band_bps)
        event: PriceBandSet = result.one(PriceBandSet)
        return event

    def get_price_band(self, commodity: str) -> PriceBand:
        band, price, at, proposer = self._call("getPriceBand", code(commodity, 16))
        return PriceBand(int(band), int(price), int(at), _optional_address(proposer))

    def max_age_ceiling(self) -> int:
        return int(self._call("MAX_AGE_CEILING"))

    def get_feed(self, commodity: str) -> Feed:
        price, observed_at, max_age, unit = self._call("getFeed", code(commodity, 16))
        return Feed(commodity, decode_code(unit), int(price), int(observed_at), int(max_age))

    def fresh_price(self, commodity: str) -> Feed:
        """The latest price if fresh; raises PriceStale / PriceMissing / PriceCommodityNotListed otherwise."""
        price, observed_at, max_age, unit = self._call("freshPrice", code(commodity, 16))
        return Feed(commodity, decode_code(unit), int(price), int(observed_at), int(max_age))

    def is_feeder(self, commodity: str, account: str) -> bool:
        return bool(self._call("isFeeder", code(commodity, 16), to_checksum_address(account)))


class PledgeLoans(ContractBase):
    """The pledge loan book. The bank approves this contract on the settlement token to fund loans; payers
    approve it to repay."""

    NAME = "PledgeLoans"

    # banks
    def open_program(
        self,
        commodity: str,
        *,
        rate_bps: int,
        max_ltv_bps: int,
        margin_call_ltv_bps: int,
        cure_period: int,
        max_tenor: int,
        cap: int,
    ) -> ProgramOpened:
        """Bank only: open a lending program with fixed terms for one listed commodity, lending at most `cap` cents
        of principal outstanding at once (the sum over its open loans)."""
        result = self._transact(
            "openProgram", code(commodity, 16), rate_bps, max_ltv_bps, margin_call_ltv_bps, cure_period, max_tenor,
            cap if cap == 0 else _cap(cap),
        )
        event: ProgramOpened = result.one(ProgramOpened)
        return event

    def set_program_cap(self, program_id: int, cap: int) -> ProgramCapSet:
        """Bank only: change the cap on the program's outstanding principal."""
        result = self._transact("setProgramCap", program_id, cap if cap == 0 else _cap(cap))
        event: ProgramCapSet = result.one(ProgramCapSet)
        return event

    def set_program_allow_lists(self, program_id: int, *, warehouses: bool, borrowers: bool) -> ProgramAllowListsSet:
        """Bank only: lend only against receipts of listed warehouses and/or only to listed borrowers."""
        result = self._transact("setProgramAllowLists", program_id, warehouses, borrowers)
        event: ProgramAllowListsSet = result.one(ProgramAllowListsSet)
        return event

    def list_warehouse(self, program_id: int, warehouse: str, listed: bool = True) -> ProgramWarehouseListed:
        """Bank only: put a warehouse on (or take it off) the program's allow-list."""
        result = self._transact("setProgramWarehouse", program_id, to_checksum_address(warehouse), listed)
        event: ProgramWarehouseListed = result.one(ProgramWarehouseListed)
        return event

    def list_borrower(self, program_id: int, borrower: str, listed: bool = True) -> ProgramBorrowerListed:
        """Bank only: put a borrower on (or take it off) the program's allow-list."""
        result = self._transact("setProgramBorrower", program_id, to_checksum_address(borrower), listed)
        event: ProgramBorrowerListed = result.one(ProgramBorrowerListed)
        return event

    def is_listed(self, program_id: int, warehouse: str, borrower: str) -> tuple[bool, bool]:
        """(warehouse listed, borrower listed) on the program's allow-lists."""
        w, b = self._call("isListed", program_id, to_checksum_address(warehouse), to_checksum_address(borrower))
        return bool(w), bool(b)

    def close_program(self, program_id: int) -> ProgramClosed:
        result = self._transact("closeProgram", program_id)
        event: ProgramClosed = result.one(ProgramClosed)
        return event

    def foreclose(self, loan_id: int) -> LoanForeclosed:
        """Bank only: after an uncured margin call (still breached at a fresh price) or an unpaid maturity, take the
        goods that cover the debt, ceil(debt / price) units (see :func:`seized_quantity`); the rest goes back to the
        borrower free."""
        result = self._transact("foreclose", loan_id)
        event: LoanForeclosed = result.one(LoanForeclosed)
        return event

    # borrowers and payers
    def _receipts(self) -> WarehouseReceipts:
        return WarehouseReceipts(self.ledger, self.ledger.deployment.address("WarehouseReceipts"),
                                 self._require_signer())

    def pledge(self, program_id: int, receipt_id: int, principal: int, maturity: int) -> LoanOpened:
        """Pledge a free receipt under a program and receive `principal` cents from its bank in the same tx. First
        approves this loan book for the receipt (the owner's authorisation of the lien) unless already approved."""
        self._receipts().approve_lien(receipt_id, self.address)
        result = self._transact("pledge", program_id, receipt_id, _amount(principal), maturity)
        event: LoanOpened = result.one(LoanOpened)
        return event

    def repay(self, loan_id: int, amount: int) -> LoanRepaid:
        """Repay up to `amount` cents (interest first), paid straight to the bank. Approve this contract first."""
        result = self._transact("repay", loan_id, _amount(amount))
        event: LoanRepaid = result.one(LoanRepaid)
        return event

    def multicall(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> TxResult:
        """Several calls of this contract by the signer in one atomic transaction (OpenZeppelin Multicall), e.g.
        ``[("repay", (1, 100_00)), ("repay", (2, 100_00))]``; the result carries every call's events."""
        data = [bytes.fromhex(self._encode(fn, *args).removeprefix("0x")) for fn, args in calls]
        return self._transact("multicall", data)

    def repay_in_full(self, loan_id: int) -> LoanRepaid:
        """Repay the whole debt as accrued at the mined block; every pledged receipt is released."""
        return self.repay(loan_id, MAX_UINT256)

    def release(self, loan_id: int, receipt_id: int, quantity: int) -> CollateralReleased:
        """Borrower only: release `quantity` of a pledged receipt, within max LTV at a fresh price."""
        result = self._transact("release", loan_id, receipt_id, _quantity(quantity))
        event: CollateralReleased = result.one(CollateralReleased)
        return event

    def repay_and_release(self, loan_id: int, amount: int, receipt_id: int, quantity: int) -> RepaymentWithRelease:
        """Repay `amount` and release `quantity` of `receipt_id` in one transaction (staged pick-up)."""
        result = self._transact("repayAndRelease", loan_id, _amount(amount), receipt_id, _quantity(quantity))
        return RepaymentWithRelease(result.one(LoanRepaid), result.one(CollateralReleased))

    def add_collateral(self, loan_id: int, receipt_id: int) -> CollateralAdded:
        """Borrower only: pledge another receipt to the loan (cures a margin call once within max LTV). Approves this
        loan book for the receipt first unless already approved."""
        self._receipts().approve_lien(receipt_id, self.address)
        result = self._transact("addCollateral", loan_id, receipt_id)
        event: CollateralAdded = result.one(CollateralAdded)
        return event

    # anyone
    def call_margin(self, loan_id: int) -> MarginCalled:
        """Call margin on a loan whose LTV at a fresh price exceeds its margin-call LTV."""
        result = self._transact("callMargin", loan_id)
        event: MarginCalled = result.one(MarginCalled)
        return event

    def cure(self, loan_id: int) -> MarginCallCured:
        """Lift a margin call once LTV at a fresh price is back within max LTV."""
        result = self._transact("cure", loan_id)
        event: MarginCallCured = result.one(MarginCallCured)
        return event

    # reads
    def get_program(self, program_id: int) -> Program:
        (pid, bank, commodity, rate, max_ltv, mc_ltv, cure_period, max_tenor, status, cap, outstanding,
         warehouses_listed, borrowers_listed) = self._call("getProgram", program_id)
        return Program(
            id=int(pid),
            bank=to_checksum_address(bank),
            commodity=decode_code(commodity),
            rate_bps=int(rate),
            max_ltv_bps=int(max_ltv),
            margin_call_ltv_bps=int(mc_ltv),
            cure_period=int(cure_period),
            max_tenor=int(max_tenor),
            status=ProgramStatus(status),
            cap=int(cap),
            outstanding=int(outstanding),
            warehouses_listed=bool(warehouses_listed),
            borrowers_listed=bool(borrowers_listed),
        )

    def get_loan(self, loan_id: int) -> Loan:
        (lid, borrower, bank, program_id, status, principal, interest, accrued_at, maturity, deadline, receipts,
         shortfall, carry) = self._call("getLoan", loan_id)
        return Loan(
            id=int(lid),
            borrower=to_checksum_address(borrower),
            bank=to_checksum_address(bank),
            program_id=int(program_id),
            status=LoanStatus(status),
            principal=int(principal),
            interest=int(interest),
            accrued_at=int(accrued_at),
            maturity=int(maturity),
            margin_call_deadline=int(deadline),
            receipt_ids=tuple(int(r) for r in receipts),
            shortfall=int(shortfall),
            interest_carry=int(carry),
        )

    def get_debt(self, loan_id: int) -> tuple[int, int]:
        """(principal, interest accrued to the latest block)."""
        principal, interest = self._call("debtOf", loan_id)
        return int(principal), int(interest)

    def get_pledged_quantity(self, loan_id: int) -> int:
        return int(self._call("pledgedQuantityOf", loan_id))

    def get_risk(self, loan_id: int) -> LoanRisk:
        ltv, debt, value, fresh = self._call("ltvOf", loan_id)
        return LoanRisk(int(ltv), int(debt), int(value), bool(fresh))

    def program_count(self) -> int:
        return int(self._call("programCount"))

    def loan_count(self) -> int:
        return int(self._call("loanCount"))

    def max_receipts(self) -> int:
        return int(self._call("MAX_RECEIPTS"))
