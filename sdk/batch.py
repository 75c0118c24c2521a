"""Many calls to one ledger contract in one atomic transaction (OpenZeppelin ``multicall``).

A bank funds a portfolio, a core enterprise confirms a month of invoices: collect the calls, send once::

    with bank.receivables.batch() as b:
        for fragment in portfolio:
            b.discount(fragment)
    for item in b.result.items:          # one result per call, in order
        item.event.price                 # the call's own decoded event (FragmentDiscounted here)

Either every call takes effect or none does. If one reverts, :class:`BatchItemFailed` names the failing item: its
index, the call, and the decoded contract error. The index comes from dry runs of growing prefixes of the batch
(``eth_call``, a binary search: about log2(N) calls), so it is exact when the state did not change in between.

Each call is matched to its events by its *terminal* event, the event the function emits last (every ledger write
ends with its own state-change event): events are handed out in order, each call taking everything up to and
including its terminal event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from sdk._errors import ContractRevert, LedgerValueError
from sdk._events import ContractEvent
from sdk.types import TxResult

if TYPE_CHECKING:
    from sdk.contracts import ContractBase

__all__ = ["Batch", "BatchCall", "BatchItemFailed", "BatchItemResult", "BatchResult"]

E = TypeVar("E", bound=ContractEvent)

#: Calls per transaction above which :meth:`Batch.send` refuses (block gas limit; split the batch instead).
MAX_CALLS = 200


@dataclass(frozen=True, slots=True)
class BatchCall:
    """One call of a batch: the function, its arguments, its encoded calldata and the event it ends with.

    `allowance` is how many settlement-token units the contract will pull from the signer for this call."""

    index: int
    fn: str
    args: tuple[Any, ...]
    data: bytes
    event: type[ContractEvent]
    allowance: int = 0

    def describe(self) -> str:
        return f"{self.fn}({', '.join(str(a) for a in self.args)})"


@dataclass(frozen=True, slots=True)
class BatchItemResult(Generic[E]):
    """What one call of a mined batch did: its terminal event and every event it emitted."""

    index: int
    call: BatchCall
    event: E
    events: tuple[ContractEvent, ...]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A mined batch: the transaction and one :class:`BatchItemResult` per call, in call order."""

    tx: TxResult
    items: tuple[BatchItemResult[Any], ...] = field(default_factory=tuple)

    @property
    def gas_per_item(self) -> int:
        return self.tx.gas_used // max(len(self.items), 1)

    def events(self) -> list[Any]:
        """The terminal event of each call, in order."""
        return [item.event for item in self.items]


class BatchItemFailed(ContractRevert):
    """A call of a batch reverted, so the whole batch did. `index` is the failing call (0-based; None when it
    could not be determined), `call` the call, `error` the decoded contract error."""

    def __init__(self, index: int | None, call: BatchCall | None, error: ContractRevert) -> None:
        self.index = index
        self.call = call
        self.error = error
        self.tx_hash = error.tx_hash
        self.function = error.function
        where = f"item {index} ({call.describe()})" if call is not None else "an unidentified item"
        super().__init__(f"batch {where} failed: {type(error).__name__}: {error}")


class Batch:
    """Calls to one contract, collected and sent as one ``multicall`` transaction signed by the handle's party.

    Use it as a context manager (sent when the block ends without an exception; the outcome is in
    :attr:`result`) or call :meth:`send` yourself. Typed subclasses (e.g. ``Receivables.batch()``) add one method
    per supported write; :meth:`add` is the generic form.
    """

    def __init__(self, contract: ContractBase, *, approve: bool = True) -> None:
        self.contract = contract
        self.approve = approve
        self.calls: list[BatchCall] = []
        self.result: BatchResult | None = None

    # ------------------------------------------------------------ collecting
    def add(self, fn: str, *args: Any, event: type[ContractEvent], allowance: int = 0) -> int:
        """Queue `fn(*args)`, which ends by emitting `event`; returns the call's index in the batch."""
        if self.result is not None:
            raise LedgerValueError("this batch was already sent; start a new one")
        data = bytes.fromhex(self.contract._encode(fn, *args)[2:])
        call = BatchCall(len(self.calls), fn, tuple(args), data, event, allowance)
        self.calls.append(call)
        return call.index

    def __len__(self) -> int:
        return len(self.calls)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None and self.calls:
            self.send()

    # ------------------------------------------------------------ sending
    def calldata(self, calls: Sequence[BatchCall] | None = None) -> str:
        """The encoded ``multicall`` of `calls` (default: the whole batch)."""
        chosen = self.calls if calls is None else calls
        return self.contract._encode("multicall", [c.data for c in chosen])

    def send(self, *, gas: int | None = None) -> BatchResult:
        """Send every queued call in one transaction; returns the per-call results.

        Raises :class:`BatchItemFailed` naming the failing call if the batch reverts."""
        if not self.calls:
            raise LedgerValueError("the batch is empty")
        if len(self.calls) > MAX_CALLS:
            raise LedgerValueError(f"{len(self.calls)} calls in one batch: at most {MAX_CALLS} (split it)")
        if self.result is not None:
            raise LedgerValueError("this batch was already sent")
        self.prepare()
        try:
            tx = self.contract._transact("multicall", [c.data for c in self.calls], gas=gas)
        except ContractRevert as err:
            raise self._locate(err) from err
        self.result = BatchResult(tx, tuple(self._split(tx)))
        return self.result

    def prepare(self) -> None:
        """With `approve`, raise the signer's token allowance to what the calls will pull (a transaction, only
        when the allowance is lower). :meth:`send` does it; call it before :meth:`dry_run` to simulate payments."""
        needed = sum(c.allowance for c in self.calls)
        if self.approve and needed:
            ensure = getattr(self.contract, "_ensure_allowance", None)
            if ensure is not None:
                ensure(needed)

    def dry_run(self) -> BatchItemFailed | None:
        """Simulate the whole batch now (``eth_call``); the failure it would meet, or None if it would succeed."""
        try:
            self._simulate(len(self.calls))
        except ContractRevert as err:
            return self._locate(err)
        return None

    # ------------------------------------------------------------ internals
    def _simulate(self, count: int) -> None:
        signer = self.contract._require_signer()
        self.contract.chain.call(self.contract.address, self.calldata(self.calls[:count]), sender=signer.address)

    def _locate(self, err: ContractRevert) -> BatchItemFailed:
        """Binary search for the shortest failing prefix: its last call is the one that fails."""
        if len(self.calls) == 1:
            return BatchItemFailed(0, self.calls[0], err)
        lo, hi = 1, len(self.calls)
        error: ContractRevert | None = None
        try:
            self._simulate(hi)
        except ContractRevert as again:
            error = again
        else:
            return BatchItemFailed(None, None, err)  # passes now: the state changed since
        while lo < hi:
            mid = (lo + hi) // 2
            try:
                self._simulate(mid)
            except ContractRevert as found:
                hi, error = mid, found
            else:
                lo = mid + 1
        assert error is not None
        error.tx_hash, error.function = err.tx_hash, err.function
        return BatchItemFailed(lo - 1, self.calls[lo - 1], error)

    def _split(self, tx: TxResult) -> list[BatchItemResult[Any]]:
        items: list[BatchItemResult[Any]] = []
        pending: list[ContractEvent] = []
        events = iter(tx.events)
        for call in self.calls:
            for ev in events:
                pending.append(ev)
                if isinstance(ev, call.event):
                    items.append(BatchItemResult(call.index, call, ev, tuple(pending)))
                    pending = []
                    break
            else:
                raise LookupError(f"batch {tx.tx_hash}: no {call.event.__name__} for item {call.index}")
        return items
