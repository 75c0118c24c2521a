"""Risk compensation pools paid only against losses the ledger recorded (issue 13).

Two contracts:

* ``LossRegistry`` (:class:`Losses`, ``ledger.losses``): anyone asks it to record the loss on an asset of a registered
  ledger contract; it reads the loss from that contract's own state (a defaulted fragment discounted without
  recourse, a foreclosed pledge loan's shortfall, a defaulted credit line) and later re-reads recoveries.
* ``RiskPool`` (:class:`RiskPool`, ``ledger.risk_pool``): programs funded by contributors with committed shares pay
  covered banks graded compensation on those losses.

Arithmetic (the contract's, to the unit; see :func:`graded`, :func:`entitlement`, :func:`split_payment`):

* graded(x) = sum over tiers k of floor(portion of x between upTo[k-1] and upTo[k] x rate_k / 10,000);
* a claim's entitlement = graded(L + n) - graded(L), capped by the per-claim cap and what is left of the per-bank
  cap (L: the bank's net loss already claimed in the program; n: the loss's principal + interest - recovered);
* the pool pays p = min(unpaid entitlement, min over contributors of floor(balance x 10,000 / share)), taking
  floor(p x share / 10,000) from each contributor and the rounding remainder from the contributors in listed order
  that still have balance; whatever it cannot pay stays open, paid later in filing order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils import to_checksum_address

from sdk.contracts import ContractBase
from sdk.errors import LedgerValueError
from sdk.generated.enums import ClaimStatus, LossSourceKind
from sdk.generated.events import (
    ClaimPaid,
    ClaimPaymentsCollected,
    ContributionDeposited,
    ContributionWithdrawn,
    LossRecorded,
    LossRecovered,
    LossSourceSet,
    ProgramCreated,
    RecoveryReturned,
)
from sdk.types import TxResult

__all__ = [
    "BPS",
    "CLAIM_WINDOW",
    "MAX_LIST",
    "Claim",
    "ClaimQuote",
    "ClaimStatus",
    "ContributorAccount",
    "Loss",
    "LossSourceKind",
    "Losses",
    "Program",
    "ProgramState",
    "ProgramTerms",
    "RiskPool",
    "entitlement",
    "graded",
    "split_payment",
]

BPS = 10_000
MAX_LIST = 8
#: Claims may be filed until the period's end plus this; contributors withdraw only from then on (the contract's).
CLAIM_WINDOW = 90 * 86_400
MAX_UINT256 = 2**256 - 1


@dataclass(frozen=True, slots=True)
class Loss:
    """A recorded loss. ``net`` = principal + interest - recovered."""

    id: int
    source: str
    asset_id: int
    kind: LossSourceKind
    bank: str
    debtor: str
    principal: int
    interest: int
    recovered: int
    recorded_at: int
    occurred_at: int  # when the loss occurred as its source shows it; a program's period is checked against it

    @property
    def net(self) -> int:
        return self.principal + self.interest - self.recovered


@dataclass(frozen=True, slots=True)
class ProgramTerms:
    """A program's rules. ``grades`` are (upTo, rateBps) tiers of a bank's cumulative net loss, ascending."""

    name: str
    banks: tuple[str, ...]
    sources: tuple[str, ...]
    start: int
    end: int
    contributors: tuple[str, ...]
    shares_bps: tuple[int, ...]
    grades: tuple[tuple[int, int], ...]
    cap_per_claim: int
    cap_per_bank: int

    def validate(self) -> None:
        """The contract's creation checks, with a readable message."""
        for what, items in (("banks", self.banks), ("sources", self.sources), ("contributors", self.contributors)):
            if not 1 <= len(items) <= MAX_LIST or len({a.lower() for a in items}) != len(items):
                raise LedgerValueError(f"{what}: 1 to {MAX_LIST} distinct addresses, got {len(items)}")
        if len(self.shares_bps) != len(self.contributors) or any(s <= 0 for s in self.shares_bps):
            raise LedgerValueError("one positive share (bps) per contributor")
        if sum(self.shares_bps) != BPS:
            raise LedgerValueError(f"shares must sum to 10,000 bps, got {sum(self.shares_bps)}")
        if not 1 <= len(self.grades) <= MAX_LIST:
            raise LedgerValueError(f"1 to {MAX_LIST} grades, got {len(self.grades)}")
        low = 0
        for k, (up_to, rate) in enumerate(self.grades):
            if up_to <= low or not 0 <= rate <= BPS:
                raise LedgerValueError(f"grade {k}: thresholds must ascend and rates be <= 10,000 bps")
            low = up_to
        if self.start >= self.end:
            raise LedgerValueError("the period must end after it starts")
        if self.cap_per_claim <= 0 or self.cap_per_bank <= 0:
            raise LedgerValueError("caps must be positive")

    def as_tuple(self) -> tuple[object, ...]:
        return (
            self.name,
            [to_checksum_address(a) for a in self.banks],
            [to_checksum_address(a) for a in self.sources],
            self.start,
            self.end,
            [to_checksum_address(a) for a in self.contributors],
            list(self.shares_bps),
            [g[0] for g in self.grades],
            [g[1] for g in self.grades],
            self.cap_per_claim,
            self.cap_per_bank,
        )


@dataclass(frozen=True, slots=True)
class ProgramState:
    deposited: int
    balance: int
    paid: int
    open: int
    recovered: int
    withdrawn: int
    claim_count: int
    queue_head: int
    queue_length: int


@dataclass(frozen=True, slots=True)
class Program:
    id: int
    terms: ProgramTerms
    state: ProgramState


@dataclass(frozen=True, slots=True)
class ContributorAccount:
    """A contributor's account in a program; ``exposure`` = paid - recovered."""

    share_bps: int
    deposited: int
    balance: int
    paid: int
    recovered: int
    withdrawn: int

    @property
    def exposure(self) -> int:
        return self.paid - self.recovered


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    program_id: int
    loss_id: int
    bank: str
    status: ClaimStatus
    net_loss: int
    recovered_at_filing: int
    entitlement: int
    paid: int
    returned: int
    filed_at: int

    @property
    def open(self) -> int:
        return self.entitlement - self.paid


@dataclass(frozen=True, slots=True)
class ClaimQuote:
    """What filing a claim would do now: its entitlement, what is paid at once (by contributor) and what stays open."""

    net_loss: int
    entitlement: int
    paid_now: int
    open: int
    draws: tuple[int, ...]  # per contributor, in the program's order


# ------------------------------------------------------------------ the contract's arithmetic, in Python


def graded(grades: Sequence[tuple[int, int]], cumulative: int) -> int:
    """graded(x): each tier's portion of `cumulative` at its rate, rounded down per tier."""
    total, low = 0, 0
    for up_to, rate in grades:
        if cumulative <= low:
            break
        total += (min(cumulative, up_to) - low) * rate // BPS
        low = up_to
    return total


def entitlement(terms: ProgramTerms, bank_loss: int, bank_entitled: int, net_loss: int) -> int:
    """A claim's graded and capped entitlement, given the bank's net loss and entitlement already claimed."""
    value = graded(terms.grades, bank_loss + net_loss) - graded(terms.grades, bank_loss)
    return min(value, terms.cap_per_claim, terms.cap_per_bank - bank_entitled)


def split_payment(shares_bps: Sequence[int], balances: Sequence[int], want: int) -> tuple[int, ...]:
    """What each contributor pays towards `want` (the contract's ``_payClaim``); the sum is what is paid now."""
    payable = want
    for share, balance in zip(shares_bps, balances, strict=True):
        payable = min(payable, balance * BPS // share)
    parts = [payable * share // BPS for share in shares_bps]
    paid = sum(parts)
    for i, balance in enumerate(balances):
        if paid >= payable:
            break
        take = min(balance - parts[i], payable - paid)
        parts[i] += take
        paid += take
    return tuple(parts)


def _units(value: int, what: str = "amount") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > MAX_UINT256:
        raise LedgerValueError(f"{what} must be a non-negative integer in cents, got {value!r}")
    return value


# ------------------------------------------------------------------ wrappers


class Losses(ContractBase):
    """The loss registry: losses read from the ledger contracts that produced them."""

    NAME = "LossRegistry"

    def set_source(self, source: str, kind: LossSourceKind) -> LossSourceSet:
        """Operator only: register a ledger contract as a loss source (kind NONE removes it)."""
        event: LossSourceSet = self._transact("setSource", to_checksum_address(source), int(kind)).one(LossSourceSet)
        return event

    def record(self, source: str, asset_id: int) -> LossRecorded:
        """Anyone: record the loss the source shows on `asset_id`."""
        result = self._transact("recordLoss", to_checksum_address(source), _units(asset_id, "asset id"))
        event: LossRecorded = result.one(LossRecorded)
        return event

    def record_recovery(self, loss_id: int) -> LossRecovered:
        """Anyone: record what the source shows recovered since."""
        event: LossRecovered = self._transact("recordRecovery", _units(loss_id, "loss id")).one(LossRecovered)
        return event

    def get(self, loss_id: int) -> Loss:
        r = self._call("getLoss", _units(loss_id, "loss id"))
        return Loss(
            id=int(r[0]), source=to_checksum_address(r[1]), asset_id=int(r[2]), kind=LossSourceKind(r[3]),
            bank=to_checksum_address(r[4]), debtor=to_checksum_address(r[5]), principal=int(r[6]),
            interest=int(r[7]), recovered=int(r[8]), recorded_at=int(r[9]),
            occurred_at=int(r[10]),
        )

    def loss_of(self, source: str, asset_id: int) -> int:
        return int(self._call("lossOf", to_checksum_address(source), asset_id))

    def source_kind(self, source: str) -> LossSourceKind:
        return LossSourceKind(self._call("sourceKind", to_checksum_address(source)))

    def count(self) -> int:
        return int(self._call("lossCount"))

    def all(self) -> list[Loss]:
        return [self.get(i) for i in range(1, self.count() + 1)]


class RiskPool(ContractBase):
    """Risk compensation programs. Contributors approve this contract on the settlement token to deposit; a bank
    approves it to return its share of recoveries."""

    NAME = "RiskPool"

    # operator
    def create_program(self, terms: ProgramTerms) -> ProgramCreated:
        terms.validate()
        event: ProgramCreated = self._transact("createProgram", terms.as_tuple()).one(ProgramCreated)
        return event

    # contributors
    def deposit(self, program_id: int, amount: int) -> ContributionDeposited:
        result = self._transact("deposit", program_id, _units(amount))
        event: ContributionDeposited = result.one(ContributionDeposited)
        return event

    def withdraw(self, program_id: int, amount: int) -> ContributionWithdrawn:
        result = self._transact("withdraw", program_id, _units(amount))
        event: ContributionWithdrawn = result.one(ContributionWithdrawn)
        return event

    # banks
    def file_claim(self, program_id: int, loss_id: int) -> TxResult:
        """Covered bank: claim a recorded loss; the result holds ClaimFiled and, if anything was paid, ClaimPaid."""
        return self._transact("fileClaim", program_id, loss_id)

    def return_recovery(self, claim_id: int) -> RecoveryReturned:
        """Return the bank's owed share of a recovery (`recovery_owed`) to the pool, taken from the claim's bank under
        its approval of the pool; anyone may send it."""
        event: RecoveryReturned = self._transact("returnRecovery", claim_id).one(RecoveryReturned)
        return event

    def collect(self) -> ClaimPaymentsCollected:
        """Bank: take the payments on its open claims that :meth:`pay_open_claims` set aside for it."""
        event: ClaimPaymentsCollected = self._transact("collect").one(ClaimPaymentsCollected)
        return event

    # anyone
    def pay_open_claims(self, program_id: int, max_count: int = 8) -> list[ClaimPaid]:
        """Pay open claims in filing order (at most `max_count`); the money is held for each bank to collect."""
        return list(self._transact("payOpenClaims", program_id, max_count).find(ClaimPaid))

    # reads
    def terms(self, program_id: int) -> ProgramTerms:
        r = self._call("getTerms", program_id)
        return ProgramTerms(
            name=r[0], banks=tuple(to_checksum_address(a) for a in r[1]),
            sources=tuple(to_checksum_address(a) for a in r[2]), start=int(r[3]), end=int(r[4]),
            contributors=tuple(to_checksum_address(a) for a in r[5]), shares_bps=tuple(int(s) for s in r[6]),
            grades=tuple((int(u), int(g)) for u, g in zip(r[7], r[8], strict=True)),
            cap_per_claim=int(r[9]), cap_per_bank=int(r[10]),
        )

    def state(self, program_id: int) -> ProgramState:
        return ProgramState(*(int(v) for v in self._call("getState", program_id)))

    def get_program(self, program_id: int) -> Program:
        return Program(program_id, self.terms(program_id), self.state(program_id))

    def programs(self) -> list[Program]:
        return [self.get_program(i) for i in range(1, self.program_count() + 1)]

    def program_count(self) -> int:
        return int(self._call("programCount"))

    def contributor(self, program_id: int, contributor: str) -> ContributorAccount:
        r = self._call("getContributor", program_id, to_checksum_address(contributor))
        return ContributorAccount(*(int(v) for v in r))

    def get_claim(self, claim_id: int) -> Claim:
        r = self._call("getClaim", claim_id)
        return Claim(
            id=int(r[0]), program_id=int(r[1]), loss_id=int(r[2]), bank=to_checksum_address(r[3]),
            status=ClaimStatus(r[4]), net_loss=int(r[5]), recovered_at_filing=int(r[6]), entitlement=int(r[7]),
            paid=int(r[8]), returned=int(r[9]), filed_at=int(r[10]),
        )

    def claim_of_loss(self, loss_id: int) -> int:
        return int(self._call("claimOfLoss", loss_id))

    def bank_totals(self, program_id: int, bank: str) -> tuple[int, int]:
        loss, entitled = self._call("bankTotals", program_id, to_checksum_address(bank))
        return int(loss), int(entitled)

    def graded(self, program_id: int, cumulative: int) -> int:
        return int(self._call("graded", program_id, cumulative))

    def held_for(self, bank: str) -> int:
        return int(self._call("heldFor", to_checksum_address(bank)))

    def recovery_owed(self, claim_id: int) -> int:
        return int(self._call("recoveryOwed", claim_id))

    def quote(self, program_id: int, loss_id: int) -> ClaimQuote:
        """What the chain will pay if the loss's bank files a claim now, computed off chain from plain reads (the
        checks — bank, source, period, claimed before — are the contract's; this assumes they pass)."""
        terms = self.terms(program_id)
        state = self.state(program_id)
        loss = Losses(self.ledger, self.ledger.deployment.address("LossRegistry")).get(loss_id)
        bank_loss, bank_entitled = self.bank_totals(program_id, loss.bank)
        value = entitlement(terms, bank_loss, bank_entitled, loss.net)
        if state.queue_head < state.queue_length:  # others wait ahead of it: nothing is paid at filing
            draws: tuple[int, ...] = tuple(0 for _ in terms.contributors)
        else:
            balances = [self.contributor(program_id, c).balance for c in terms.contributors]
            draws = split_payment(terms.shares_bps, balances, value)
        paid = sum(draws)
        return ClaimQuote(loss.net, value, paid, value - paid, draws)
