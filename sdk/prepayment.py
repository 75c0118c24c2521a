"""Prepayment (confirmed-warehouse, 保兑仓) financing: buyer, seller, bank and warehouse in one agreement.

Flow and who signs what:

1. the buyer (Distributor) approves this contract for the margin and :meth:`Prepayment.propose` s the terms;
2. the seller (CoreEnterprise) :meth:`~Prepayment.accept` s, which is its buy-back guarantee, and locks its
   collateral, ``ceil(principal x collateral bps / 10,000)``, in the contract (approved for it first);
3. the bank approves the principal and :meth:`~Prepayment.fund` s: the seller receives the full price (margin +
   principal) in the same transaction;
4. the warehouse :meth:`~Prepayment.confirm_delivery` s the goods in: a receipt for the whole quantity is issued to
   the buyer, born pledged under the agreement;
5. the buyer approves and :meth:`~Prepayment.repay` s principal in instalments with the accrued interest on top;
   each repayment releases goods as a free child receipt (staged pick-up), the last one the pledged receipt itself;
6. after maturity with principal outstanding the bank calls :meth:`~Prepayment.buy_back` (the collateral pays
   first, the seller approved the rest of :meth:`~Prepayment.quote_buy_back`); after maturity plus the grace period
   the bank can always :meth:`~Prepayment.enforce`: the goods are seized to it, the collateral pays it and the rest
   is recorded as the seller's debt (:meth:`~Prepayment.repay_debt`). After the delivery deadline without delivery
   the bank calls :meth:`~Prepayment.demand_refund`: the collateral pays the bank, then the buyer's margin; the rest
   is recorded debt. The bank may :meth:`~Prepayment.extend_delivery_deadline`; the warehouse cannot confirm after
   the deadline. Before funding, any of buyer, seller and bank may :meth:`~Prepayment.cancel`, which returns the
   margin (and credits the collateral). Money the contract owes a party (released collateral, refunded margin) is
   credited and withdrawn with :meth:`~Prepayment.claim`.

Arithmetic (the contract's, step for step, mirrored by the pure functions below). Money is integer cents.

* price = quantity x unit price; margin = price x margin bps / 10,000 rounded down; principal = price - margin (so
  the bank funds the rounding remainder);
* interest = (outstanding x rate bps x seconds + carry) / (10,000 x 365 x 86,400) rounded down, actual/365 to the
  second since the last repayment (funding at first), paid in full with every repayment; the remainder is the new
  carry, so the sum over any sequence of repayments equals one payment at the end, to the cent
  (:func:`interest_with_carry`);
* released goods after repaying R of principal P out of quantity Q: floor(Q x R / P); each repayment releases the
  increase, so rounding never releases more than the proportion and the last repayment releases the remainder;
* collateral = ceil(principal x collateral bps / 10,000), locked at acceptance, released in full at the end;
* buy-back: the seller owes outstanding principal + interest + the buyer's remaining margin, floor(margin x
  outstanding / principal) (the remainder stays with the seller), the collateral pays first, and takes the
  unreleased goods;
* enforcement: the bank takes the unreleased goods; the collateral pays outstanding principal + interest; the rest
  is the seller's recorded debt;
* refund: the seller owes the bank principal + interest since funding and the buyer its margin; the collateral pays
  the bank first, then the buyer; the rest is recorded debt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from eth_utils import to_checksum_address

from sdk.contracts import ContractBase
from sdk.errors import LedgerValueError
from sdk.generated.enums import PrepaymentParty, PrepaymentStatus
from sdk.generated.events import (
    PrepaymentAccepted,
    PrepaymentBoughtBack,
    PrepaymentCancelled,
    PrepaymentClaimed,
    PrepaymentDebtRepaid,
    PrepaymentDebtWrittenDown,
    PrepaymentDelivered,
    PrepaymentDeliveryDeadlineExtended,
    PrepaymentEnforced,
    PrepaymentFunded,
    PrepaymentProposed,
    PrepaymentRefunded,
    PrepaymentRepaid,
)
from sdk.generated.events import SettlementTokenApproval as Approval
from sdk.token import SettlementToken
from sdk.warehouse import BPS, accrued_interest, code, decode_code

__all__ = [
    "Approval",
    "BuyBackQuote",
    "Instalment",
    "NextInstalment",
    "Prepayment",
    "PrepaymentAgreement",
    "PrepaymentParty",
    "PrepaymentStatus",
    "PrepaymentTerms",
    "RefundQuote",
    "RepaymentQuote",
    "accrued_interest",
    "collateral_of",
    "equal_instalments",
    "forfeited_margin",
    "interest_with_carry",
    "margin_of",
    "released_quantity",
    "schedule_of",
]

OPEN_STATUSES = frozenset({PrepaymentStatus.PROPOSED, PrepaymentStatus.ACCEPTED})
LIVE_STATUSES = frozenset({PrepaymentStatus.FUNDED, PrepaymentStatus.DELIVERED})
COLLATERAL_STATUSES = frozenset({PrepaymentStatus.ACCEPTED, PrepaymentStatus.FUNDED, PrepaymentStatus.DELIVERED})
#: Defaults of the guarantee terms: 20 % of the principal locked at acceptance, 7 days' grace after maturity.
DEFAULT_COLLATERAL_BPS = 2_000
DEFAULT_GRACE_PERIOD = 7 * 86_400
MAX_GRACE_PERIOD = 365 * 86_400
#: Interest is counted in units of 1 / (10,000 x 365 days) of a cent x bps; the carry stays below this.
INTEREST_DENOMINATOR = BPS * 365 * 86_400


# ---------------------------------------------------------------------------------------------- the contract's math
def margin_of(price: int, margin_bps: int) -> int:
    """The buyer's margin on `price`: rounded down, so the bank funds the remainder."""
    return price * margin_bps // BPS


def released_quantity(quantity: int, principal: int, repaid: int) -> int:
    """Goods released once `repaid` of `principal` is repaid: floor(quantity x repaid / principal)."""
    return 0 if principal == 0 else quantity * repaid // principal


def forfeited_margin(margin: int, principal: int, outstanding: int) -> int:
    """The buyer's remaining margin taken by the bank at buy-back: floor(margin x outstanding / principal)."""
    return 0 if principal == 0 else margin * outstanding // principal


def collateral_of(principal: int, collateral_bps: int) -> int:
    """The seller's collateral: ceil(principal x collateral bps / 10,000), rounded against the guarantor."""
    return -(-principal * collateral_bps // BPS)


def interest_with_carry(outstanding: int, rate_bps: int, seconds: int, carry: int = 0) -> tuple[int, int]:
    """The contract's accrual: (interest, new carry) = divmod(outstanding x rate x seconds + carry, 10,000 x 365 d)."""
    if seconds < 0:
        raise LedgerValueError("elapsed time must not be negative")
    return divmod(outstanding * rate_bps * seconds + carry, INTEREST_DENOMINATOR)


def equal_instalments(principal: int, due_dates: Sequence[int]) -> tuple[Instalment, ...]:
    """Split `principal` into equal instalments at `due_dates`, rounded down; the last carries the remainder."""
    if not due_dates:
        raise LedgerValueError("a schedule needs at least one due date")
    share = principal // len(due_dates)
    amounts = [share] * (len(due_dates) - 1) + [principal - share * (len(due_dates) - 1)]
    return tuple(Instalment(int(d), a) for d, a in zip(due_dates, amounts, strict=True))


def schedule_of(event: PrepaymentProposed) -> tuple[Instalment, ...]:
    """The instalments published in a proposal event."""
    return tuple(Instalment(int(due), int(amount)) for due, amount in event.schedule)


def _bytes32(value: bytes | str | None) -> bytes:
    """A 32-byte hash given as bytes or hex (None: zero); see sdk.warehouse.inspection_hash to make one."""
    if value is None:
        return b"\0" * 32
    try:
        raw = value if isinstance(value, bytes) else bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise LedgerValueError("inspection hash must be 32 bytes (use sdk.warehouse.inspection_hash)")
    return raw


def _units(value: int, what: str = "amount") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise LedgerValueError(f"{what} must be a non-negative integer in cents, got {value!r}")
    return value


# ---------------------------------------------------------------------------------------------- values
@dataclass(frozen=True, slots=True)
class Instalment:
    """One planned principal repayment (unix seconds, cents)."""

    due_date: int
    principal: int

    def to_abi(self) -> tuple[int, int]:
        return (int(self.due_date), _units(self.principal, "instalment principal"))


@dataclass(frozen=True, slots=True)
class PrepaymentTerms:
    """What the buyer proposes. Commodity at most 16 ASCII bytes, unit at most 4; rates in basis points."""

    seller: str
    bank: str
    warehouse: str
    commodity: str
    unit: str
    quantity: int
    unit_price: int  # cents per unit of goods
    margin_bps: int
    rate_bps: int
    delivery_deadline: int  # unix seconds
    maturity: int  # unix seconds
    collateral_bps: int = DEFAULT_COLLATERAL_BPS  # the seller's collateral, bps of the principal: 0..10,000
    grace_period: int = DEFAULT_GRACE_PERIOD  # seconds after maturity before the bank may enforce

    @property
    def price(self) -> int:
        return self.quantity * self.unit_price

    @property
    def collateral(self) -> int:
        return collateral_of(self.principal, self.collateral_bps)

    @property
    def margin(self) -> int:
        return margin_of(self.price, self.margin_bps)

    @property
    def principal(self) -> int:
        return self.price - self.margin

    def to_abi(self) -> tuple[str, str, str, bytes, bytes, int, int, int, int, int, int, int, int]:
        if isinstance(self.collateral_bps, bool) or not isinstance(self.collateral_bps, int) or not (
            0 <= self.collateral_bps <= BPS
        ):
            raise LedgerValueError(f"collateral share must be 0..{BPS} bps, got {self.collateral_bps!r}")
        if isinstance(self.grace_period, bool) or not isinstance(self.grace_period, int) or not (
            0 <= self.grace_period <= MAX_GRACE_PERIOD
        ):
            raise LedgerValueError(f"grace period must be 0..{MAX_GRACE_PERIOD} seconds, got {self.grace_period!r}")
        return (
            to_checksum_address(self.seller),
            to_checksum_address(self.bank),
            to_checksum_address(self.warehouse),
            code(self.commodity, 16),
            code(self.unit, 4),
            _units(self.quantity, "quantity"),
            _units(self.unit_price, "unit price"),
            self.margin_bps,
            self.rate_bps,
            self.delivery_deadline,
            self.maturity,
            self.collateral_bps,
            self.grace_period,
        )


@dataclass(frozen=True, slots=True)
class PrepaymentAgreement:
    """An agreement as stored. `interest_from` is where interest starts accruing on `outstanding`."""

    id: int
    status: PrepaymentStatus
    buyer: str
    seller: str
    bank: str
    warehouse: str
    commodity: str
    unit: str
    quantity: int
    unit_price: int
    price: int
    margin: int
    principal: int
    margin_bps: int
    rate_bps: int
    delivery_deadline: int
    maturity: int
    interest_from: int
    principal_repaid: int
    released_quantity: int
    receipt_id: int
    instalment_count: int
    collateral_bps: int
    grace_period: int
    collateral: int  # locked at acceptance: ceil(principal x collateral bps / 10,000)
    collateral_held: int  # held by the contract now (Accepted, Funded, Delivered)
    interest_carry: int  # sub-cent remainder carried forward
    debt_to_bank: int  # the seller's recorded debt (Refunded, Defaulted)
    debt_to_buyer: int

    @property
    def enforceable_from(self) -> int:
        """The bank may enforce the guarantee after this time: maturity + grace period."""
        return self.maturity + self.grace_period

    @property
    def debt(self) -> int:
        """The seller's recorded debt still unpaid."""
        return self.debt_to_bank + self.debt_to_buyer

    @property
    def outstanding(self) -> int:
        """Principal still owed (0 once repaid, bought back, refunded or cancelled)."""
        if self.status in (PrepaymentStatus.FUNDED, PrepaymentStatus.DELIVERED):
            return self.principal - self.principal_repaid
        return 0

    @property
    def pledged_quantity(self) -> int:
        """Goods still pledged under the agreement (the pledged receipt's quantity while Delivered)."""
        return self.quantity - self.released_quantity if self.status == PrepaymentStatus.DELIVERED else 0

    def interest_at(self, timestamp: int) -> int:
        """Interest accrued on the outstanding principal up to `timestamp` (the contract's formula)."""
        if self.status not in LIVE_STATUSES:
            return 0
        seconds = max(timestamp - self.interest_from, 0)
        return interest_with_carry(self.outstanding, self.rate_bps, seconds, self.interest_carry)[0]

    def is_party(self, account: str) -> bool:
        address = to_checksum_address(account)
        return address in (self.buyer, self.seller, self.bank, self.warehouse)


@dataclass(frozen=True, slots=True)
class RepaymentQuote:
    """What repaying `principal` costs at the latest block and what it releases."""

    principal: int
    interest: int
    total: int
    released_quantity: int


@dataclass(frozen=True, slots=True)
class BuyBackQuote:
    """What a buy-back costs the seller at the latest block: all of it goes to the bank."""

    principal: int
    interest: int
    forfeited_margin: int
    quantity: int

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.forfeited_margin


@dataclass(frozen=True, slots=True)
class RefundQuote:
    """What a refund costs the seller at the latest block: principal + interest to the bank, margin to the buyer."""

    principal: int
    interest: int
    margin: int

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.margin


@dataclass(frozen=True, slots=True)
class NextInstalment:
    """The first instalment not yet covered by the principal repaid, and what is left of it."""

    index: int
    due_date: int
    principal_due: int


# ---------------------------------------------------------------------------------------------- wrapper
class Prepayment(ContractBase):
    """Prepayment agreements. Payers approve this contract on the settlement token first (:meth:`authorize`)."""

    NAME = "Prepayment"

    # writes: buyer
    def propose(self, terms: PrepaymentTerms, schedule: Iterable[Instalment]) -> PrepaymentProposed:
        """Buyer only: propose `terms` with the instalment `schedule` and deposit the margin (approve it first)."""
        items = [i.to_abi() for i in schedule]
        result = self._transact("propose", terms.to_abi(), items)
        event: PrepaymentProposed = result.one(PrepaymentProposed)
        return event

    def repay(self, agreement_id: int, principal: int) -> PrepaymentRepaid:
        """Buyer only: repay `principal` plus all accrued interest to the bank; releases the proportional goods.
        Approve principal + interest at the mined block first (see :meth:`authorize_repayment`)."""
        result = self._transact("repay", agreement_id, _units(principal, "principal"))
        event: PrepaymentRepaid = result.one(PrepaymentRepaid)
        return event

    def repay_in_full(self, agreement_id: int) -> PrepaymentRepaid:
        """Buyer only: repay all outstanding principal; releases every remaining unit of goods."""
        return self.repay(agreement_id, self.get_agreement(agreement_id).outstanding)

    # writes: seller
    def accept(self, agreement_id: int, *, approve_collateral: bool = True) -> PrepaymentAccepted:
        """Seller only: accept the agreement, giving the buy-back guarantee and locking its collateral.
        With `approve_collateral` (default), first approves exactly the collateral when the allowance is short."""
        if approve_collateral:
            collateral = self.get_agreement(agreement_id).collateral
            token = SettlementToken(self.ledger, self.ledger.token.address, self._require_signer())
            if collateral and token.allowance(self._require_signer().address, self.address) < collateral:
                self.authorize(collateral)
        result = self._transact("accept", agreement_id)
        event: PrepaymentAccepted = result.one(PrepaymentAccepted)
        return event

    # writes: anyone (normally the seller)
    def repay_debt(self, agreement_id: int, amount: int) -> PrepaymentDebtRepaid:
        """Repay the seller's recorded debt (bank's share first); approve `amount` first (:meth:`authorize`)."""
        if _units(amount) == 0:
            raise LedgerValueError("debt repayment must be more than 0")
        result = self._transact("repayDebt", agreement_id, amount)
        event: PrepaymentDebtRepaid = result.one(PrepaymentDebtRepaid)
        return event

    def claim(self) -> PrepaymentClaimed:
        """Withdraw the signer's whole claimable balance (released collateral, refunded margin)."""
        result = self._transact("claim")
        event: PrepaymentClaimed = result.one(PrepaymentClaimed)
        return event

    # writes: bank
    def fund(self, agreement_id: int) -> PrepaymentFunded:
        """Bank only: fund the principal (approve it first); the seller receives the full price."""
        result = self._transact("fund", agreement_id)
        event: PrepaymentFunded = result.one(PrepaymentFunded)
        return event

    def buy_back(self, agreement_id: int) -> PrepaymentBoughtBack:
        """Bank only, after maturity: collect the buy-back (collateral first, then the seller's payment); the seller
        takes the unreleased goods."""
        result = self._transact("buyBack", agreement_id)
        event: PrepaymentBoughtBack = result.one(PrepaymentBoughtBack)
        return event

    def enforce(self, agreement_id: int) -> PrepaymentEnforced:
        """Bank only, after maturity + grace: seize the unreleased goods, take the collateral, record the rest as the
        seller's debt. Needs nothing from the seller or the buyer."""
        result = self._transact("enforce", agreement_id)
        event: PrepaymentEnforced = result.one(PrepaymentEnforced)
        return event

    def demand_refund(self, agreement_id: int) -> PrepaymentRefunded:
        """Bank only, after the delivery deadline without delivery: the collateral pays the bank, then the buyer's
        margin (credited); the rest is recorded as the seller's debt."""
        result = self._transact("demandRefund", agreement_id)
        event: PrepaymentRefunded = result.one(PrepaymentRefunded)
        return event

    def extend_delivery_deadline(self, agreement_id: int, new_deadline: int) -> PrepaymentDeliveryDeadlineExtended:
        """Bank only, while Funded: move the delivery deadline later (not past maturity)."""
        if isinstance(new_deadline, bool) or not isinstance(new_deadline, int) or new_deadline <= 0:
            raise LedgerValueError(f"new deadline must be a unix time in seconds, got {new_deadline!r}")
        result = self._transact("extendDeliveryDeadline", agreement_id, new_deadline)
        event: PrepaymentDeliveryDeadlineExtended = result.one(PrepaymentDeliveryDeadlineExtended)
        return event

    def write_down_debt(self, agreement_id: int, amount: int) -> PrepaymentDebtWrittenDown:
        """Bank only: reduce the seller's debt to the bank (e.g. by the proceeds of the seized goods)."""
        if _units(amount) == 0:
            raise LedgerValueError("write-down must be more than 0")
        result = self._transact("writeDownDebt", agreement_id, amount)
        event: PrepaymentDebtWrittenDown = result.one(PrepaymentDebtWrittenDown)
        return event

    # writes: warehouse
    def confirm_delivery(
        self,
        agreement_id: int,
        lot_id: str,
        *,
        grade: str = "",
        location: str = "",
        inspection_hash: bytes | str | None = None,
    ) -> PrepaymentDelivered:
        """Warehouse only: confirm the whole quantity in as lot `lot_id`; issues the receipt born pledged."""
        result = self._transact(
            "confirmDelivery", agreement_id, code(lot_id, 16), code(grade, 16), code(location, 16),
            _bytes32(inspection_hash),
        )
        event: PrepaymentDelivered = result.one(PrepaymentDelivered)
        return event

    # writes: buyer, seller or bank
    def cancel(self, agreement_id: int) -> PrepaymentCancelled:
        """Buyer, seller or bank, before funding: cancel the agreement. The margin goes back to the buyer: paid when
        the buyer cancels, credited (:meth:`claim`) when the seller or the bank does; any collateral is credited
        to the seller."""
        result = self._transact("cancel", agreement_id)
        event: PrepaymentCancelled = result.one(PrepaymentCancelled)
        return event

    # approvals (settlement token, signed by the same party)
    def authorize(self, units: int) -> Approval:
        """Approve this contract to pull `units` cents from the signer (replaces any earlier allowance)."""
        token = SettlementToken(self.ledger, self.ledger.token.address, self._require_signer())
        return token.approve(self.address, _units(units))

    def authorize_repayment(self, agreement_id: int, principal: int, *, slack_seconds: int = 3_600) -> Approval:
        """Approve principal + the interest accrued `slack_seconds` from now, enough for the next block."""
        a = self.get_agreement(agreement_id)
        return self.authorize(_units(principal) + a.interest_at(self.chain.now() + slack_seconds))

    def authorize_buy_back(self, agreement_id: int, *, slack_seconds: int = 3_600) -> Approval:
        """Seller: approve what a buy-back will cost beyond its collateral, with `slack_seconds` of interest."""
        q = self.quote_buy_back(agreement_id)
        a = self.get_agreement(agreement_id)
        owed = q.principal + q.forfeited_margin + a.interest_at(self.chain.now() + slack_seconds)
        return self.authorize(max(owed - a.collateral_held, 0))

    def authorize_collateral(self, agreement_id: int) -> Approval:
        """Seller: approve exactly the collateral that accepting locks."""
        return self.authorize(self.get_agreement(agreement_id).collateral)

    # reads
    def get_agreement(self, agreement_id: int) -> PrepaymentAgreement:
        (aid, status, buyer, seller, bank, warehouse, commodity, unit, quantity, unit_price, price, margin, principal,
         margin_bps, rate_bps, deadline, maturity, interest_from, repaid, released, receipt_id, count, collateral_bps,
         grace_period, collateral, collateral_held, carry, debt_to_bank, debt_to_buyer) = self._call(
            "getAgreement", agreement_id
        )
        return PrepaymentAgreement(
            id=int(aid),
            status=PrepaymentStatus(status),
            buyer=to_checksum_address(buyer),
            seller=to_checksum_address(seller),
            bank=to_checksum_address(bank),
            warehouse=to_checksum_address(warehouse),
            commodity=decode_code(commodity),
            unit=decode_code(unit),
            quantity=int(quantity),
            unit_price=int(unit_price),
            price=int(price),
            margin=int(margin),
            principal=int(principal),
            margin_bps=int(margin_bps),
            rate_bps=int(rate_bps),
            delivery_deadline=int(deadline),
            maturity=int(maturity),
            interest_from=int(interest_from),
            principal_repaid=int(repaid),
            released_quantity=int(released),
            receipt_id=int(receipt_id),
            instalment_count=int(count),
            collateral_bps=int(collateral_bps),
            grace_period=int(grace_period),
            collateral=int(collateral),
            collateral_held=int(collateral_held),
            interest_carry=int(carry),
            debt_to_bank=int(debt_to_bank),
            debt_to_buyer=int(debt_to_buyer),
        )

    def list_agreements(
        self, *, party: str | None = None, statuses: Iterable[PrepaymentStatus] | None = None
    ) -> list[PrepaymentAgreement]:
        """Every agreement, optionally only those where `party` is one of the four parties or in `statuses`."""
        wanted = frozenset(statuses) if statuses is not None else None
        out = []
        for agreement_id in range(1, self.next_agreement_id()):
            a = self.get_agreement(agreement_id)
            if party is not None and not a.is_party(party):
                continue
            if wanted is not None and a.status not in wanted:
                continue
            out.append(a)
        return out

    def get_schedule(self, agreement_id: int) -> tuple[Instalment, ...]:
        return tuple(Instalment(int(d), int(p)) for d, p in self._call("getSchedule", agreement_id))

    def accrued_interest(self, agreement_id: int) -> int:
        """Interest accrued at the latest block on the outstanding principal (0 unless Funded or Delivered)."""
        return int(self._call("accruedInterest", agreement_id))

    def quote_repayment(self, agreement_id: int, principal: int) -> RepaymentQuote:
        interest, total, released = self._call("quoteRepayment", agreement_id, _units(principal, "principal"))
        return RepaymentQuote(principal, int(interest), int(total), int(released))

    def quote_buy_back(self, agreement_id: int) -> BuyBackQuote:
        principal, interest, forfeited, quantity = self._call("quoteBuyBack", agreement_id)
        return BuyBackQuote(int(principal), int(interest), int(forfeited), int(quantity))

    def quote_refund(self, agreement_id: int) -> RefundQuote:
        principal, interest, margin = self._call("quoteRefund", agreement_id)
        return RefundQuote(int(principal), int(interest), int(margin))

    def next_instalment(self, agreement_id: int) -> NextInstalment | None:
        """The next instalment with principal still due, or None when the schedule is covered."""
        index, due_date, principal_due = self._call("nextInstalment", agreement_id)
        if int(principal_due) == 0:
            return None
        return NextInstalment(int(index), int(due_date), int(principal_due))

    def claimable(self, account: str) -> int:
        """What `account` can withdraw with :meth:`claim`."""
        return int(self._call("claimable", to_checksum_address(account)))

    def next_agreement_id(self) -> int:
        return int(self._call("nextAgreementId"))

    def max_instalments(self) -> int:
        return int(self._call("MAX_INSTALMENTS"))

    def max_rate_bps(self) -> int:
        return int(self._call("MAX_RATE_BPS"))

    def max_grace_period(self) -> int:
        return int(self._call("MAX_GRACE_PERIOD"))
