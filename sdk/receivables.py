"""Accounts-receivable financing: register, confirm, split down the tiers, discount at banks, repay at maturity.

Ids: a receivable (root) is numbered 1, 2, 3...; its fragments are ``root_id << 16 | index`` with index 0 the
original fragment (see :func:`fragment_id`). Amounts are integers in token units (cents).

Discount price (identical to the contract, see :func:`discount_price`)::

    days  = ceil((due_date - now) / 86_400)            # a started day counts as a whole day
    price = value * (3_650_000 - rate_bps * days) // 3_650_000

i.e. face x (1 - rate x days / 365), rounded down: the fraction of a cent stays with the bank.

Repayment: a fragment of value ``v`` in a root of face ``F`` with ``R`` repaid is owed
``v * R // F - paid``. The rounding remainder of a partial repayment stays in the contract, owed to the same
root's fragments, and is paid out with the next repayment; at full repayment every fragment has received exactly
its value, so payouts equal repayments. Once a root is being repaid its fragments can no longer be offered or
discounted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from eth_utils import to_checksum_address

from sdk.batch import Batch
from sdk.contracts import ContractBase
from sdk.errors import LedgerValueError
from sdk.generated.enums import FinancingStatus, FragmentStatus, OfferStatus, ReceivableStatus
from sdk.generated.events import (
    DiscountDeclined,
    DiscountRequested,
    DiscountRequestWithdrawn,
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
from sdk.registry import reason_code
from sdk.story import STORY_EVENTS, StoryStep, event_fields, lineage_story, root_of
from sdk.types import TxResult

__all__ = [
    "BPS_DAYS_PER_YEAR",
    "MAX_BATCH",
    "DiscountQuote",
    "Exposure",
    "Financing",
    "Fragment",
    "LineageNode",
    "Offer",
    "Receivable",
    "Receivables",
    "ReceivablesBatch",
    "days_to_maturity",
    "discount_price",
    "document_hash",
    "fragment_id",
    "split_fragment_id",
]

SECONDS_PER_DAY = 86_400
BPS_DAYS_PER_YEAR = 365 * 10_000  # 3,650,000
MAX_RATE_BPS = 10_000
MAX_BATCH = 100
#: Seconds a bank's funding transaction stays valid by default (its `deadline` is the latest block time + this).
DEFAULT_DISCOUNT_WINDOW = 15 * 60
_INDEX_BITS = 16
_UINT96_MAX = 2**96 - 1

E = TypeVar("E")


# ---------------------------------------------------------------------------------------------------- pure helpers
def fragment_id(root_id: int, index: int = 0) -> int:
    """The id of fragment `index` of root `root_id` (index 0 is the original fragment)."""
    if root_id <= 0 or not 0 <= index < 2**_INDEX_BITS:
        raise LedgerValueError(f"no fragment {index} of root {root_id}")
    return (root_id << _INDEX_BITS) | index


def split_fragment_id(fragment: int) -> tuple[int, int]:
    """(root id, index) of a fragment id."""
    return fragment >> _INDEX_BITS, fragment & (2**_INDEX_BITS - 1)


def days_to_maturity(due_date: int, now: int) -> int:
    """Whole days from `now` to `due_date`, rounded up (a started day counts); 0 once due."""
    return -((now - due_date) // SECONDS_PER_DAY) if due_date > now else 0


def discount_price(value: int, rate_bps: int, due_date: int, now: int) -> int:
    """The price a bank pays for `value` discounted at `rate_bps` a year at time `now`, exactly as the contract
    computes it: ``value * (3_650_000 - rate_bps * days) // 3_650_000`` with ``days = days_to_maturity``.

    Raises :class:`LedgerValueError` where the contract reverts with ``ReceivableDiscountRateInvalid``.
    """
    if value < 0:
        raise LedgerValueError(f"value must not be negative: {value}")
    days = days_to_maturity(due_date, now)
    discount_bps = rate_bps * days
    if not 0 <= rate_bps <= MAX_RATE_BPS or discount_bps >= BPS_DAYS_PER_YEAR:
        raise LedgerValueError(f"rate {rate_bps} bps over {days} days would discount the whole value")
    return value * (BPS_DAYS_PER_YEAR - discount_bps) // BPS_DAYS_PER_YEAR


def document_hash(document: bytes | str | Path) -> bytes:
    """SHA-256 of an invoice or purchase-order document (bytes or a file path). A 32-byte value or a 0x-prefixed
    64-hex-digit string is taken as the hash itself; any other string is hashed as UTF-8 text."""
    if isinstance(document, Path):
        return hashlib.sha256(document.read_bytes()).digest()
    if isinstance(document, bytes):
        return document if len(document) == 32 else hashlib.sha256(document).digest()
    if document.startswith("0x") and len(document) == 66:
        try:
            return bytes.fromhex(document[2:])
        except ValueError:
            pass
    return hashlib.sha256(document.encode("utf-8")).digest()


def _timestamp(value: int | datetime) -> int:
    return int(value.timestamp()) if isinstance(value, datetime) else int(value)


def _units(units: int, what: str = "amount") -> int:
    if isinstance(units, bool) or not isinstance(units, int):
        raise LedgerValueError(f"{what} must be an integer number of cents, got {units!r} (use sdk.money.to_units)")
    if not 0 <= units <= _UINT96_MAX:
        raise LedgerValueError(f"{what} out of range: {units}")
    return units


# ---------------------------------------------------------------------------------------------------- dataclasses
@dataclass(frozen=True, slots=True)
class Receivable:
    """A receivable (the root of a fragment tree); `overdue` as of the latest block. Its invoice hash is in its
    registration event (the contract keeps only the invoice -> root index, see :meth:`Receivables.root_of_invoice`).
    """

    id: int
    debtor: str
    face_value: int
    repaid: int
    due_date: int
    status: ReceivableStatus
    fragment_count: int
    overdue: bool

    @property
    def outstanding(self) -> int:
        return self.face_value - self.repaid

    @property
    def fragment_ids(self) -> list[int]:
        return [fragment_id(self.id, i) for i in range(self.fragment_count)]


@dataclass(frozen=True, slots=True)
class Fragment:
    """One fragment. `value` includes `locked` (promised in open offers); `claimable` is payable now."""

    id: int
    root_id: int
    parent_id: int | None
    holder: str
    value: int
    locked: int
    paid: int
    claimable: int
    status: FragmentStatus
    financed: bool
    splits_left: int = 0  # its share of the root's fragment cap: fragments it may still create

    @property
    def index(self) -> int:
        return split_fragment_id(self.id)[1]

    @property
    def available(self) -> int:
        """Value that may still be offered."""
        return self.value - self.locked

    @property
    def unpaid(self) -> int:
        return self.value - self.paid


@dataclass(frozen=True, slots=True)
class Offer:
    id: int
    fragment_id: int
    from_: str
    to: str
    amount: int
    expires_at: int | None
    status: OfferStatus

    def expired(self, now: int) -> bool:
        """Whether the offer can no longer be accepted at block time `now`."""
        return self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True, slots=True)
class Financing:
    """A fragment's discount: requested terms, the funded price, and any recourse debt of the seller.

    `seller` and `price` are kept on chain only for a financing with recourse; without recourse they are None
    and 0 here (read them from the FragmentDiscounted event, e.g. the value :meth:`Receivables.discount` returns).
    """

    fragment_id: int
    bank: str | None
    seller: str | None
    rate_bps: int
    with_recourse: bool
    status: FinancingStatus
    funded_at: int
    price: int
    recourse_outstanding: int


@dataclass(frozen=True, slots=True)
class Exposure:
    """A bank's exposure to one core enterprise: face value of financed fragments it holds, not yet paid out."""

    bank: str
    debtor: str
    limit: int
    used: int

    @property
    def available(self) -> int:
        return max(self.limit - self.used, 0)


@dataclass(frozen=True, slots=True)
class DiscountQuote:
    fragment_id: int
    rate_bps: int
    days_to_maturity: int
    price: int


@dataclass(frozen=True, slots=True)
class LineageNode:
    """A fragment and the fragments split from it: the lineage tree of a root."""

    fragment: Fragment
    children: tuple[LineageNode, ...] = field(default_factory=tuple)

    def walk(self) -> Iterator[tuple[int, Fragment]]:
        """(depth, fragment) in depth-first order, parents before children."""
        stack: list[tuple[int, LineageNode]] = [(0, self)]
        while stack:
            depth, node = stack.pop()
            yield depth, node.fragment
            stack.extend((depth + 1, child) for child in reversed(node.children))

    def find(self, fragment: int) -> LineageNode | None:
        stack = [self]
        while stack:
            node = stack.pop()
            if node.fragment.id == fragment:
                return node
            stack.extend(node.children)
        return None

    def path_to(self, fragment: int) -> list[int]:
        """Fragment ids from the root down to `fragment` (empty if it is not in this tree)."""

        def search(node: LineageNode, trail: list[int]) -> list[int]:
            trail = [*trail, node.fragment.id]
            if node.fragment.id == fragment:
                return trail
            for child in node.children:
                found = search(child, trail)
                if found:
                    return found
            return []

        return search(self, [])


def _or_none(address: str) -> str | None:
    checksummed = to_checksum_address(address)
    return None if int(checksummed, 16) == 0 else checksummed


# ---------------------------------------------------------------------------------------------------- wrapper
class Receivables(ContractBase):
    """Wrapper of the Receivables contract. Writes return the decoded event; reverts raise typed errors."""

    NAME = "Receivables"

    last_result: TxResult | None = None

    def _send(self, cls: type[E], fn: str, *args: Any) -> E:
        result = self._transact(fn, *args)
        self.last_result = result
        event: E = result.one(cls)
        return event

    # ------------------------------------------------------------ registration
    def register(
        self,
        debtor: str,
        face_value: int,
        due_date: int | datetime,
        invoice: bytes | str | Path,
        po: bytes | str | Path | None = None,
    ) -> ReceivableRegistered:
        """Supplier: register a receivable owed by `debtor`; the debtor must then confirm it."""
        return self._send(
            ReceivableRegistered, "register", to_checksum_address(debtor), _units(face_value, "face value"),
            _timestamp(due_date), document_hash(invoice), document_hash(po) if po is not None else bytes(32),
        )

    def issue(
        self,
        supplier: str,
        face_value: int,
        due_date: int | datetime,
        invoice: bytes | str | Path,
        po: bytes | str | Path | None = None,
    ) -> ReceivableIssued:
        """Core enterprise: issue a payable certificate to `supplier`, confirmed from birth."""
        return self._send(
            ReceivableIssued, "issue", to_checksum_address(supplier), _units(face_value, "face value"),
            _timestamp(due_date), document_hash(invoice), document_hash(po) if po is not None else bytes(32),
        )

    def confirm(self, root_id: int) -> ReceivableConfirmed:
        """Debtor: confirm a registered receivable."""
        return self._send(ReceivableConfirmed, "confirm", root_id)

    def reject(self, root_id: int, reason: str = "") -> ReceivableRejected:
        """Debtor: reject a registered receivable."""
        return self._send(ReceivableRejected, "reject", root_id, reason_code(reason))

    def cancel(self, root_id: int) -> ReceivableCancelled:
        """Supplier: cancel a receivable before confirmation."""
        return self._send(ReceivableCancelled, "cancel", root_id)

    # ------------------------------------------------------------ splitting
    def offer(
        self, fragment: int, to: str, amount: int, *, expires_at: int | datetime | None = None
    ) -> FragmentOffered:
        """Holder: offer `amount` of a fragment to `to`; the amount is locked until the offer closes. With
        `expires_at`, the offer can no longer be accepted from that time on (withdraw it to unlock the amount)."""
        expiry = 0 if expires_at is None else _timestamp(expires_at)
        return self._send(FragmentOffered, "offer", fragment, to_checksum_address(to), _units(amount), expiry)

    def accept(self, offer_id: int) -> FragmentOfferAccepted:
        """Recipient: accept an offer; the event carries the new child fragment's id."""
        return self._send(FragmentOfferAccepted, "accept", offer_id)

    def reject_offer(self, offer_id: int) -> FragmentOfferRejected:
        return self._send(FragmentOfferRejected, "rejectOffer", offer_id)

    def withdraw_offer(self, offer_id: int) -> FragmentOfferWithdrawn:
        return self._send(FragmentOfferWithdrawn, "withdrawOffer", offer_id)

    # ------------------------------------------------------------ discounting
    def request_discount(
        self, fragment: int, bank: str, rate_bps: int, *, with_recourse: bool
    ) -> DiscountRequested:
        """Holder: ask `bank` to discount the whole fragment at `rate_bps` a year."""
        return self._send(
            DiscountRequested, "requestDiscount", fragment, to_checksum_address(bank), rate_bps, with_recourse
        )

    def withdraw_discount_request(self, fragment: int) -> DiscountRequestWithdrawn:
        return self._send(DiscountRequestWithdrawn, "withdrawDiscountRequest", fragment)

    def decline_discount(self, fragment: int) -> DiscountDeclined:
        return self._send(DiscountDeclined, "declineDiscount", fragment)

    def discount(
        self,
        fragment: int,
        rate_bps: int | None = None,
        with_recourse: bool | None = None,
        *,
        max_price: int | None = None,
        deadline: int | datetime | None = None,
        approve: bool = True,
    ) -> FragmentDiscounted:
        """Bank: fund a discount request, paying the price to the holder in the same transaction.

        `rate_bps` / `with_recourse` default to the request's terms (pass them to guard against a changed request).
        The bank bounds what it pays: the contract reverts after `deadline` (default: the latest block time +
        :data:`DEFAULT_DISCOUNT_WINDOW`) or if the price is above `max_price` (default: the price at the deadline,
        the most it can reach by then; pass ``quote_discount(...).price`` to refuse any day-boundary change).
        With `approve`, the token allowance is first raised to `max_price` when it is lower.
        """
        args = self.discount_args(fragment, rate_bps, with_recourse, max_price=max_price, deadline=deadline)
        if approve:
            self._ensure_allowance(args[3])
        return self._send(FragmentDiscounted, "discount", *args)

    def discount_args(
        self,
        fragment: int,
        rate_bps: int | None = None,
        with_recourse: bool | None = None,
        *,
        max_price: int | None = None,
        deadline: int | datetime | None = None,
    ) -> tuple[int, int, bool, int, int]:
        """The arguments of the contract's `discount` with the defaults of :meth:`discount` filled in."""
        if rate_bps is None or with_recourse is None:
            request = self.get_financing(fragment)
            rate_bps = request.rate_bps if rate_bps is None else rate_bps
            with_recourse = request.with_recourse if with_recourse is None else with_recourse
        until = self.chain.now() + DEFAULT_DISCOUNT_WINDOW if deadline is None else _timestamp(deadline)
        if max_price is None:
            value = self.get_fragment(fragment).value
            due = self.get_receivable(split_fragment_id(fragment)[0]).due_date
            max_price = discount_price(value, rate_bps, due, until)
        return fragment, rate_bps, with_recourse, _units(max_price, "max price"), until

    def set_exposure_limit(self, debtor: str, limit: int) -> ReceivableExposureLimitSet:
        """Bank: set the face value it may hold financed on core enterprise `debtor`."""
        if isinstance(limit, bool) or not 0 <= limit < 2**128:
            raise LedgerValueError(f"limit out of range: {limit}")
        return self._send(ReceivableExposureLimitSet, "setExposureLimit", to_checksum_address(debtor), limit)

    # ------------------------------------------------------------ repayment
    def repay(self, root_id: int, amount: int, *, approve: bool = True) -> ReceivableRepaid:
        """Debtor: pay `amount` into the contract for a receivable (before or after the due date)."""
        if approve:
            self._ensure_allowance(_units(amount))
        return self._send(ReceivableRepaid, "repay", root_id, _units(amount))

    def claim(self, fragment: int) -> FragmentPaid:
        """Anyone: pay a fragment's claimable share to its holder."""
        return self._send(FragmentPaid, "claim", fragment)

    def distribute(self, root_id: int, start: int = 0, count: int = MAX_BATCH) -> list[FragmentPaid]:
        """Anyone: pay fragments `start`..`start+count-1` of a root (one bounded batch); returns the payouts."""
        result = self._transact("distribute", root_id, start, count)
        self.last_result = result
        return list(result.find(FragmentPaid))

    def distribute_all(self, root_id: int, batch: int = MAX_BATCH) -> list[FragmentPaid]:
        """Run :meth:`distribute` batch by batch over every fragment of the root."""
        paid: list[FragmentPaid] = []
        total = self.get_receivable(root_id).fragment_count
        for start in range(0, total, batch):
            paid.extend(self.distribute(root_id, start, batch))
        return paid

    # ------------------------------------------------------------ default and recourse
    def declare_default(self, fragment: int) -> FragmentDefaulted:
        """Holder: declare a fragment defaulted after the due date and grace period."""
        return self._send(FragmentDefaulted, "declareDefault", fragment)

    def exercise_recourse(self, fragment: int) -> RecourseExercised:
        """Bank: return a defaulted with-recourse fragment to the seller, who then owes the bank its unpaid value."""
        return self._send(RecourseExercised, "exerciseRecourse", fragment)

    def repay_recourse(self, fragment: int, amount: int, *, approve: bool = True) -> RecourseRepaid:
        """Seller: repay (part of) a recourse debt straight to the bank."""
        if approve:
            self._ensure_allowance(_units(amount))
        return self._send(RecourseRepaid, "repayRecourse", fragment, _units(amount))

    # ------------------------------------------------------------ disputes and configuration
    def dispute(self, root_id: int, reason: str = "") -> ReceivableDisputed:
        """Debtor: dispute a receivable before its due date; freezes all its fragments."""
        return self._send(ReceivableDisputed, "dispute", root_id, reason_code(reason))

    def resolve_dispute(self, root_id: int, *, upheld: bool) -> ReceivableDisputeResolved:
        """Operator: uphold the receivable (back to Confirmed) or void it."""
        return self._send(ReceivableDisputeResolved, "resolveDispute", root_id, upheld)

    def set_fragment_cap(self, cap: int) -> ReceivableFragmentCapSet:
        return self._send(ReceivableFragmentCapSet, "setFragmentCap", cap)

    def set_min_fragment_value(self, units: int) -> ReceivableMinFragmentValueSet:
        """Operator: the smallest fragment a split may create (0 disables the rule)."""
        return self._send(ReceivableMinFragmentValueSet, "setMinFragmentValue", _units(units, "minimum"))

    def set_grace_period(self, seconds: int) -> ReceivableGracePeriodSet:
        return self._send(ReceivableGracePeriodSet, "setGracePeriod", seconds)

    # ------------------------------------------------------------ reads
    def get_receivable(self, root_id: int) -> Receivable:
        rid, debtor, face, repaid, due, status, count, overdue = self._call("getReceivable", root_id)
        return Receivable(
            id=int(rid), debtor=to_checksum_address(debtor), face_value=int(face), repaid=int(repaid),
            due_date=int(due), status=ReceivableStatus(status), fragment_count=int(count), overdue=bool(overdue),
        )

    def get_fragment(self, fragment: int) -> Fragment:
        return _fragment(self._call("getFragment", fragment))

    def list_fragments(self, root_id: int) -> list[Fragment]:
        """Every fragment of a root, in index order (one call per 100 fragments)."""
        out: list[Fragment] = []
        while True:  # the contract caps each page at the fragment count: a short page is the last
            page = self._call("getFragments", root_id, len(out), MAX_BATCH)
            out.extend(_fragment(raw) for raw in page)
            if len(page) < MAX_BATCH:
                return out

    def lineage(self, root_id: int) -> LineageNode:
        """The fragment tree of a root: the original fragment and, recursively, the fragments split from each."""
        fragments = self.list_fragments(root_id)
        children: dict[int, list[Fragment]] = {}
        for frag in fragments:
            if frag.parent_id is not None:
                children.setdefault(frag.parent_id, []).append(frag)

        def build(frag: Fragment) -> LineageNode:
            return LineageNode(frag, tuple(build(c) for c in children.get(frag.id, [])))

        return build(fragments[0])

    def story(self, root_id: int, names: Mapping[str, str] | None = None, window: int = 10_000) -> list[StoryStep]:
        """The lineage of root `root_id` as a story (see :mod:`sdk.story`): every split, sale to a bank, repayment
        and payout in chain order, former holders included. Read from the contract's events since the deployment
        block, in windows of `window` blocks; parties are named from the registry unless `names` is given."""
        from sdk.events import decode_logs
        from sdk.generated import events as generated

        topics = ["0x" + getattr(generated, n).TOPIC.hex() for n in sorted(STORY_EVENTS)]
        head, start = self.chain.block_number, self.ledger.deployment.block
        found: list[tuple[int, str, dict[str, Any]]] = []
        while start <= head:  # bounded windows: some nodes cap the range of eth_getLogs
            end = min(start + window - 1, head)
            logs = self.chain.w3.eth.get_logs({"address": self.address, "topics": [topics], "fromBlock": start,
                                               "toBlock": end})
            for record in decode_logs(logs):
                fields = event_fields(record.event)
                if root_of(record.name, fields) == root_id:
                    found.append((record.block_number, record.name, fields))
            start = end + 1
        if not found:
            self.get_receivable(root_id)  # an unknown root raises its decoded error rather than an empty story
        times: dict[int, int] = {}
        for block, _, _ in found:
            if block not in times:
                times[block] = int(self.chain.w3.eth.get_block(block)["timestamp"])
        if names is None:
            parties = {v for _, _, fields in found for v in fields.values()
                       if isinstance(v, str) and v.startswith("0x") and len(v) == 42}
            looked_up = {a: self.ledger.registry.display_name_of(a) for a in sorted(parties)}
            names = {a: n for a, n in looked_up.items() if n}
        return lineage_story(root_id, [(times[b], n, f) for b, n, f in found], names)

    def get_offer(self, offer_id: int) -> Offer:
        oid, frag, from_, to, amount, expires_at, status = self._call("getOffer", offer_id)
        return Offer(
            id=int(oid), fragment_id=int(frag), from_=to_checksum_address(from_), to=to_checksum_address(to),
            amount=int(amount), expires_at=int(expires_at) or None, status=OfferStatus(status),
        )

    def get_financing(self, fragment: int) -> Financing:
        frag, bank, seller, rate, recourse, status, funded_at, price, outstanding = self._call(
            "getFinancing", fragment
        )
        return Financing(
            fragment_id=int(frag), bank=_or_none(bank), seller=_or_none(seller), rate_bps=int(rate),
            with_recourse=bool(recourse), status=FinancingStatus(status), funded_at=int(funded_at),
            price=int(price), recourse_outstanding=int(outstanding),
        )

    def get_exposure(self, bank: str, debtor: str) -> Exposure:
        b, d = to_checksum_address(bank), to_checksum_address(debtor)
        limit, used = self._call("getExposure", b, d)
        return Exposure(bank=b, debtor=d, limit=int(limit), used=int(used))

    def quote_discount(self, fragment: int, rate_bps: int) -> DiscountQuote:
        """The price the contract would pay for the fragment at the latest block's time."""
        price, days = self._call("quoteDiscount", fragment, rate_bps)
        return DiscountQuote(fragment_id=fragment, rate_bps=rate_bps, days_to_maturity=int(days), price=int(price))

    def root_of_invoice(self, debtor: str, invoice: bytes | str | Path) -> int | None:
        root = int(self._call("rootOfInvoice", to_checksum_address(debtor), document_hash(invoice)))
        return root or None

    def is_overdue(self, root_id: int) -> bool:
        return bool(self._call("isOverdue", root_id))

    def fragment_cap(self) -> int:
        return int(self._call("fragmentCap"))

    def min_fragment_value(self) -> int:
        return int(self._call("minFragmentValue"))

    def grace_period(self) -> int:
        return int(self._call("gracePeriod"))

    def receivable_count(self) -> int:
        return int(self._call("receivableCount"))

    def offer_count(self) -> int:
        return int(self._call("offerCount"))

    # ------------------------------------------------------------ batches
    def batch(self, *, approve: bool = True) -> ReceivablesBatch:
        """Collect writes and send them as one atomic transaction (see :mod:`sdk.batch`)::

            with core.receivables.batch() as b:
                b.confirm(7)
                b.confirm(8)
            [item.event for item in b.result.items]   # ReceivableConfirmed, ReceivableConfirmed

        With `approve`, the token allowance is first raised to what the calls will pull (repayments, prices)."""
        return ReceivablesBatch(self, approve=approve)

    # ------------------------------------------------------------ helpers
    def _ensure_allowance(self, units: int) -> None:
        signer = self._require_signer()
        token = self.ledger.token
        if token.allowance(signer.address, self.address) < units:
            self.chain.transact(
                signer, token.address, token._encode("approve", self.address, units),
                description="SettlementToken.approve",
            )


def _fragment(raw: Any) -> Fragment:
    fid, root, parent, holder, value, locked, paid, claimable, status, financed, splits_left = raw
    return Fragment(
        id=int(fid), root_id=int(root), parent_id=int(parent) or None, holder=to_checksum_address(holder),
        value=int(value), locked=int(locked), paid=int(paid), claimable=int(claimable),
        status=FragmentStatus(status), financed=bool(financed), splits_left=int(splits_left),
    )


class ReceivablesBatch(Batch):
    """Receivables writes for one ``multicall`` transaction; each method queues a call and returns its index."""

    contract: Receivables

    def __init__(self, contract: Receivables, *, approve: bool = True) -> None:
        super().__init__(contract, approve=approve)

    def register(
        self, debtor: str, face_value: int, due_date: int | datetime, invoice: bytes | str | Path,
        po: bytes | str | Path | None = None,
    ) -> int:
        return self.add("register", to_checksum_address(debtor), _units(face_value, "face value"),
                        _timestamp(due_date), document_hash(invoice),
                        document_hash(po) if po is not None else bytes(32), event=ReceivableRegistered)

    def confirm(self, root_id: int) -> int:
        """Debtor: confirm a registered receivable."""
        return self.add("confirm", root_id, event=ReceivableConfirmed)

    def request_discount(self, fragment: int, bank: str, rate_bps: int, *, with_recourse: bool) -> int:
        return self.add("requestDiscount", fragment, to_checksum_address(bank), rate_bps, with_recourse,
                        event=DiscountRequested)

    def discount(
        self, fragment: int, rate_bps: int | None = None, with_recourse: bool | None = None, *,
        max_price: int | None = None, deadline: int | datetime | None = None,
    ) -> int:
        """Bank: fund a discount request; defaults as :meth:`Receivables.discount`."""
        args = self.contract.discount_args(fragment, rate_bps, with_recourse, max_price=max_price,
                                           deadline=deadline)
        return self.add("discount", *args, event=FragmentDiscounted, allowance=args[3])

    def repay(self, root_id: int, amount: int) -> int:
        """Debtor: pay `amount` into the contract for a receivable."""
        return self.add("repay", root_id, _units(amount), event=ReceivableRepaid, allowance=_units(amount))

    def claim(self, fragment: int) -> int:
        """Anyone: pay a fragment's claimable share to its holder."""
        return self.add("claim", fragment, event=FragmentPaid)
