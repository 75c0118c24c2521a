"""Revolving credit lines: a bank's line, drawn in tranches that pay a named payee, repaid any day.

Arithmetic. :func:`quote_interest` is the contract's accrual, step for step, so the SDK can preview what a line owes
at any instant and a test can check the chain to the unit:

* numerator = sum over outstanding tranches of principal x rate x seconds since the last accrual, plus, for each
  tranche past its due date, principal x surcharge x seconds past due (since the later of due date and last accrual);
* interest = (numerator + carry) // (10,000 x 365 x 86,400); the remainder is the new carry. Accrual is brought up
  to date before every change of principal, so many small repayments cost exactly what one repayment at the end
  costs;
* a repayment pays accrued interest first, then principal, the tranche falling due first (ties: the older one);
* a defaulted line no longer accrues: its loss was recorded at default.

Receivables mode (self-repayment): :meth:`CreditLines.pledge_receivable` pledges a confirmed receivable fragment to a
line (the fragment is offered to the CreditLines contract and accepted by it, so the borrower can no longer move or
claim it); :meth:`CreditLines.collect_receivable` (anyone) applies its payout to the line first and pays the rest to
the borrower (:func:`payout_split` computes the split off chain); :meth:`CreditLines.release_receivable` gives it
back once the line owes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address

from sdk.contracts import ContractBase
from sdk.errors import LedgerValueError
from sdk.generated.enums import CreditLineStatus, CreditPledgeStatus, PayeeRule
from sdk.generated.events import (
    CreditLineAccepted,
    CreditLineClosed,
    CreditLineDefaulted,
    CreditLineDrawn,
    CreditLineFrozen,
    CreditLineLimitReduced,
    CreditLineOpened,
    CreditLinePayeeSet,
    CreditLineRecovered,
    CreditLineRepaid,
    CreditLineUnfrozen,
    CreditPayoutHeld,
    CreditReceivableCollected,
    CreditReceivablePledged,
    CreditReceivableReleased,
    CreditRepaymentHeld,
    CreditRepaymentsCollected,
    CreditTrancheRepaid,
    FragmentOffered,
)
from sdk.types import TxResult

__all__ = [
    "BPS",
    "DAY",
    "DENOMINATOR",
    "MAX_UINT256",
    "YEAR_SECONDS",
    "CreditLine",
    "CreditLineStatus",
    "CreditLines",
    "CreditPledgeStatus",
    "Pledge",
    "PledgeCollection",
    "CreditTerms",
    "Draw",
    "PayeeRule",
    "Repayment",
    "Tranche",
    "accrue",
    "payout_split",
    "purpose_hash",
    "quote_interest",
    "repayment_split",
]

BPS = 10_000
DAY = 86_400
YEAR_SECONDS = 365 * DAY
DENOMINATOR = BPS * YEAR_SECONDS
MAX_UINT256 = 2**256 - 1


@dataclass(frozen=True, slots=True)
class Tranche:
    """One outstanding draw of a line."""

    id: int
    principal: int  # outstanding, cents
    drawn_at: int
    due: int

    def is_overdue(self, at: int) -> bool:
        return self.due < at


@dataclass(frozen=True, slots=True)
class CreditLine:
    """A line as the contract records it; `interest` and `carry` as of `accrued_at` (see :func:`quote_interest`)."""

    id: int
    bank: str
    borrower: str
    status: CreditLineStatus
    payee_rule: PayeeRule
    limit: int
    principal: int
    interest: int
    carry: int
    accrued_at: int
    rate_bps: int
    surcharge_bps: int
    start: int
    expiry: int
    max_tenor: int
    grace: int
    next_due: int  # 0 when nothing is outstanding
    draw_count: int
    payee_count: int
    tranches: tuple[Tranche, ...]

    @property
    def available(self) -> int:
        """Limit minus outstanding principal."""
        return self.limit - self.principal

    @property
    def used(self) -> int:
        return self.principal

    def is_drawable(self, at: int) -> bool:
        """Open, inside its availability window, and no tranche past its due date."""
        overdue = self.next_due != 0 and self.next_due < at
        return self.status == CreditLineStatus.OPEN and self.start <= at < self.expiry and not overdue

    def can_default(self, at: int) -> bool:
        return (
            self.status in (CreditLineStatus.OPEN, CreditLineStatus.FROZEN)
            and self.next_due != 0
            and at > self.next_due + self.grace
        )


@dataclass(frozen=True, slots=True)
class CreditTerms:
    """What the bank offers. Times are unix seconds; `max_tenor` and `grace` are seconds."""

    borrower: str
    limit: int
    rate_bps: int
    start: int
    expiry: int
    max_tenor: int
    grace: int
    surcharge_bps: int = 0
    payee_rule: PayeeRule = PayeeRule.ANY_SUPPLIER

    def as_tuple(self) -> tuple[str, int, int, int, int, int, int, int, int]:
        return (
            to_checksum_address(self.borrower),
            _units(self.limit, "limit"),
            self.rate_bps,
            self.surcharge_bps,
            self.start,
            self.expiry,
            self.max_tenor,
            self.grace,
            int(self.payee_rule),
        )


@dataclass(frozen=True, slots=True)
class Draw:
    """One draw of a batch: `amount` cents to `payee`, due `tenor` seconds after the draw."""

    payee: str
    amount: int
    tenor: int
    purpose: bytes | str


@dataclass(frozen=True, slots=True)
class Repayment:
    """What a repayment of `amount` would take, computed off chain (see :func:`repayment_split`)."""

    paid: int
    interest_paid: int
    principal_paid: int
    principal: int  # left
    interest: int  # left


@dataclass(frozen=True, slots=True)
class Pledge:
    """A receivable fragment pledged to a line (held by the CreditLines contract)."""

    fragment_id: int
    line_id: int
    status: CreditPledgeStatus
    value: int  # the fragment's value when pledged
    collected: int  # payouts collected so far

    @property
    def unpaid(self) -> int:
        """Value still to be paid out by the receivable's debtor."""
        return self.value - self.collected


@dataclass(frozen=True, slots=True)
class PledgeCollection:
    """What one collection of a pledged fragment's payout did."""

    collected: CreditReceivableCollected
    repayment: CreditLineRepaid | CreditLineRecovered | None  # None when the line owed nothing

    @property
    def to_line(self) -> int:
        return int(self.collected.to_line)

    @property
    def to_borrower(self) -> int:
        return int(self.collected.to_borrower)


# ------------------------------------------------------------------ the contract's arithmetic, in Python


def accrue(line: CreditLine, at: int) -> tuple[int, int]:
    """(interest, carry) of `line` brought up to time `at`: the contract's ``_accrued``, to the unit."""
    interest, carry = line.interest, line.carry
    since = line.accrued_at
    if at <= since or line.principal == 0 or line.status == CreditLineStatus.DEFAULTED:
        return interest, carry
    numerator = line.principal * line.rate_bps * (at - since) + carry
    if line.surcharge_bps and line.next_due < at:
        for t in line.tranches:
            if t.due < at:
                numerator += t.principal * line.surcharge_bps * (at - max(t.due, since))
    return interest + numerator // DENOMINATOR, numerator % DENOMINATOR


def quote_interest(line: CreditLine, at: int) -> int:
    """Interest the line owes at time `at` (accrued and unpaid), exactly as the contract will compute it."""
    return accrue(line, at)[0]


def repayment_split(line: CreditLine, amount: int, at: int) -> Repayment:
    """How a repayment of `amount` at time `at` splits: interest first, then principal; never more than owed."""
    interest = quote_interest(line, at)
    owed = interest + line.principal
    paid = min(amount, owed)
    interest_paid = min(paid, interest)
    principal_paid = paid - interest_paid
    return Repayment(paid, interest_paid, principal_paid, line.principal - principal_paid, interest - interest_paid)


def payout_split(line: CreditLine, payout: int, at: int, pledged: bool = True) -> tuple[int, int]:
    """(to the line, to the borrower) of a pledged fragment's `payout` collected at time `at`: the line's debt
    first (interest, then principal), never more than it owes; the rest to the borrower. A released pledge, or a
    line that is closed or only offered, sends everything to the borrower."""
    live = line.status in (CreditLineStatus.OPEN, CreditLineStatus.FROZEN, CreditLineStatus.DEFAULTED)
    to_line = repayment_split(line, payout, at).paid if pledged and live else 0
    return to_line, payout - to_line


def purpose_hash(document: bytes | str) -> bytes:
    """SHA-256 of a purchase order or invoice (its bytes, or its text as UTF-8): a draw's purpose reference."""
    data = document.encode("utf-8") if isinstance(document, str) else document
    return hashlib.sha256(data).digest()


def _purpose(value: bytes | str) -> bytes:
    """A purpose reference: 32 bytes, 0x-hex of 32 bytes, or any other text (hashed with :func:`purpose_hash`)."""
    if isinstance(value, bytes):
        if len(value) != 32:
            raise LedgerValueError("a purpose reference is 32 bytes (use sdk.creditlines.purpose_hash)")
        return value
    text = value.removeprefix("0x")
    if len(text) == 64:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    if not value:
        raise LedgerValueError("a draw needs a purpose reference (a purchase order or invoice)")
    return purpose_hash(value)


def _units(value: int, what: str = "amount") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > MAX_UINT256:
        raise LedgerValueError(f"{what} must be a non-negative integer in cents, got {value!r}")
    return value


def _seconds(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >= 2**32:
        raise LedgerValueError(f"{what} must be a whole number of seconds, got {value!r}")
    return value


# ------------------------------------------------------------------ the wrapper


class CreditLines(ContractBase):
    """The credit line book. The bank approves this contract on the settlement token (each draw takes at most the
    line's available limit); payers approve it to repay."""

    NAME = "CreditLines"

    # banks
    def open(self, terms: CreditTerms) -> CreditLineOpened:
        """Bank only: offer a line; the borrower accepts it with :meth:`accept`."""
        result = self._transact("open", terms.as_tuple())
        event: CreditLineOpened = result.one(CreditLineOpened)
        return event

    def set_payee(self, line_id: int, payee: str, allowed: bool = True) -> CreditLinePayeeSet:
        """Bank only: add a payee to the line's allow-list (or remove it with ``allowed=False``)."""
        result = self._transact("setPayee", line_id, to_checksum_address(payee), allowed)
        event: CreditLinePayeeSet = result.one(CreditLinePayeeSet)
        return event

    def reduce_limit(self, line_id: int, new_limit: int) -> CreditLineLimitReduced:
        result = self._transact("reduceLimit", line_id, _units(new_limit, "limit"))
        event: CreditLineLimitReduced = result.one(CreditLineLimitReduced)
        return event

    def freeze(self, line_id: int) -> CreditLineFrozen:
        result = self._transact("freeze", line_id)
        event: CreditLineFrozen = result.one(CreditLineFrozen)
        return event

    def unfreeze(self, line_id: int) -> CreditLineUnfrozen:
        result = self._transact("unfreeze", line_id)
        event: CreditLineUnfrozen = result.one(CreditLineUnfrozen)
        return event

    def declare_default(self, line_id: int) -> CreditLineDefaulted:
        """Bank only: after a due date plus grace, record the loss; draws stop and interest stops accruing."""
        result = self._transact("declareDefault", line_id)
        event: CreditLineDefaulted = result.one(CreditLineDefaulted)
        return event

    def collect_held(self) -> CreditRepaymentsCollected:
        """Collect what was held for the caller while it could not receive (a bank's repayments, a borrower's
        share of a receivable payout)."""
        result = self._transact("collectHeld")
        event: CreditRepaymentsCollected = result.one(CreditRepaymentsCollected)
        return event

    # borrowers
    def accept(self, line_id: int) -> CreditLineAccepted:
        result = self._transact("accept", line_id)
        event: CreditLineAccepted = result.one(CreditLineAccepted)
        return event

    def draw(self, line_id: int, amount: int, payee: str, tenor: int, purpose: bytes | str) -> CreditLineDrawn:
        """Borrower only: the bank pays `amount` cents to `payee` now; the tranche falls due `tenor` seconds later.
        `purpose` is the hash of the purchase order or invoice (or its text, hashed here)."""
        result = self._transact(
            "draw", line_id, _units(amount), to_checksum_address(payee), _seconds(tenor, "tenor"), _purpose(purpose)
        )
        event: CreditLineDrawn = result.one(CreditLineDrawn)
        return event

    def draw_many(self, line_id: int, draws: Sequence[Draw]) -> tuple[CreditLineDrawn, ...]:
        """Several draws in one transaction through Multicall (a payroll to many suppliers): all or none."""
        if not draws:
            raise LedgerValueError("draw_many needs at least one draw")
        calls = [
            bytes.fromhex(
                self._encode(
                    "draw",
                    line_id,
                    _units(d.amount),
                    to_checksum_address(d.payee),
                    _seconds(d.tenor, "tenor"),
                    _purpose(d.purpose),
                ).removeprefix("0x")
            )
            for d in draws
        ]
        result = self._transact("multicall", calls)
        return tuple(result.find(CreditLineDrawn))

    def close(self, line_id: int) -> CreditLineClosed:
        result = self._transact("close", line_id)
        event: CreditLineClosed = result.one(CreditLineClosed)
        return event

    # receivables mode (self-repayment)
    def pledge(self, line_id: int, offer_id: int) -> CreditReceivablePledged:
        """Borrower: pledge the fragment of its open offer `offer_id` (made on Receivables to this contract) to the
        line. The event carries the fragment id this contract now holds."""
        result = self._transact("pledgeReceivable", line_id, offer_id)
        event: CreditReceivablePledged = result.one(CreditReceivablePledged)
        return event

    def pledge_receivable(self, line_id: int, fragment: int, amount: int | None = None) -> CreditReceivablePledged:
        """Borrower: pledge `amount` (default: all the unlocked value) of a confirmed fragment it holds to the line,
        in two transactions: the offer to this contract on Receivables, then :meth:`pledge`."""
        from sdk.receivables import Receivables

        signer = self._require_signer()
        book = Receivables(self.ledger, self.ledger.deployment.address("Receivables"), signer)
        if amount is None:
            held = book.get_fragment(fragment)
            amount = held.value - held.locked
        offered: FragmentOffered = book.offer(fragment, self.address, _units(amount))
        return self.pledge(line_id, int(offered.offer_id))

    def collect_receivable(self, fragment_id: int) -> PledgeCollection:
        """Anyone: collect a pledged fragment's payout (claiming it from Receivables when due) and apply it: the
        line's debt first, the rest to the borrower."""
        result = self._transact("collectReceivable", fragment_id)
        repayment = result.find(CreditLineRepaid) or result.find(CreditLineRecovered)
        return PledgeCollection(result.one(CreditReceivableCollected), repayment[0] if repayment else None)

    def release_receivable(self, fragment_id: int) -> CreditReceivableReleased:
        """Borrower, once the line owes nothing: release the pledge. When the receivable still allows a transfer
        the fragment is offered back (accept it with ``receivables.accept(event.offer_id)``); otherwise its later
        payouts reach the borrower through :meth:`collect_receivable`."""
        result = self._transact("releaseReceivable", fragment_id)
        event: CreditReceivableReleased = result.one(CreditReceivableReleased)
        return event

    def get_pledge(self, fragment_id: int) -> Pledge:
        fid, line_id, status, value, collected = self._call("getPledge", fragment_id)
        return Pledge(int(fid), int(line_id), CreditPledgeStatus(status), int(value), int(collected))

    def pledged_of(self, line_id: int) -> int:
        """Unpaid value of the fragments pledged to the line (its borrowing base under PLEDGED_RECEIVABLES)."""
        return int(self._call("pledgedOf", line_id))

    # anyone
    def repay(self, line_id: int, amount: int) -> CreditLineRepaid | CreditLineRecovered:
        """Repay up to `amount` cents (interest first, then the tranche due first); a recovery on a defaulted line.
        Approve this contract on the token first."""
        result = self._transact("repay", line_id, _units(amount))
        return self._repayment_event(result)

    def repay_in_full(self, line_id: int) -> CreditLineRepaid | CreditLineRecovered:
        """Repay everything owed at the mined block (the contract never takes more)."""
        return self.repay(line_id, MAX_UINT256)

    @staticmethod
    def _repayment_event(result: TxResult) -> CreditLineRepaid | CreditLineRecovered:
        found = result.find(CreditLineRepaid) or result.find(CreditLineRecovered)
        if len(found) != 1:
            raise LookupError(f"expected one repayment event in {result.tx_hash}")
        event: CreditLineRepaid | CreditLineRecovered = found[0]
        return event

    # reads
    def get_line(self, line_id: int) -> CreditLine:
        raw = self._call("getLine", line_id)
        return _line_from_abi(raw)

    def get_debt(self, line_id: int) -> tuple[int, int]:
        """(principal, interest accrued to the latest block)."""
        principal, interest = self._call("debtOf", line_id)
        return int(principal), int(interest)

    def get_available(self, line_id: int) -> int:
        return int(self._call("availableOf", line_id))

    def is_payee_allowed(self, line_id: int, payee: str) -> bool:
        return bool(self._call("isPayeeAllowed", line_id, to_checksum_address(payee)))

    def held_for(self, bank: str) -> int:
        return int(self._call("heldFor", to_checksum_address(bank)))

    def line_count(self) -> int:
        return int(self._call("lineCount"))

    def list_lines(self, party: str | None = None) -> list[CreditLine]:
        """Every line, or those where `party` is the bank or the borrower (reads each line; for a full book use
        the gateway)."""
        lines = [self.get_line(i) for i in range(1, self.line_count() + 1)]
        if party is None:
            return lines
        who = to_checksum_address(party)
        return [line for line in lines if who in (line.bank, line.borrower)]

    def max_tranches(self) -> int:
        return int(self._call("MAX_TRANCHES"))

    def max_payees(self) -> int:
        return int(self._call("MAX_PAYEES"))


def _line_from_abi(raw: Any) -> CreditLine:
    (lid, bank, borrower, status, rule, limit, principal, interest, carry, accrued_at, rate, surcharge, start,
     expiry, max_tenor, grace, next_due, draw_count, payee_count, tranches) = raw
    return CreditLine(
        id=int(lid),
        bank=to_checksum_address(bank),
        borrower=to_checksum_address(borrower),
        status=CreditLineStatus(status),
        payee_rule=PayeeRule(rule),
        limit=int(limit),
        principal=int(principal),
        interest=int(interest),
        carry=int(carry),
        accrued_at=int(accrued_at),
        rate_bps=int(rate),
        surcharge_bps=int(surcharge),
        start=int(start),
        expiry=int(expiry),
        max_tenor=int(max_tenor),
        grace=int(grace),
        next_due=int(next_due),
        draw_count=int(draw_count),
        payee_count=int(payee_count),
        tranches=tuple(Tranche(int(t[0]), int(t[1]), int(t[2]), int(t[3])) for t in tranches),
    )


# Re-exported so callers can match events without importing the generated module.
EVENTS = (
    CreditLineOpened,
    CreditLineAccepted,
    CreditLinePayeeSet,
    CreditLineDrawn,
    CreditTrancheRepaid,
    CreditLineRepaid,
    CreditLineLimitReduced,
    CreditLineFrozen,
    CreditLineUnfrozen,
    CreditLineClosed,
    CreditLineDefaulted,
    CreditLineRecovered,
    CreditRepaymentHeld,
    CreditRepaymentsCollected,
    CreditReceivablePledged,
    CreditReceivableCollected,
    CreditReceivableReleased,
    CreditPayoutHeld,
)
