"""Where the indexer reads the chain: raw JSON-RPC through the SDK's transport (:mod:`sdk.rpc`), or the embedded
chain's py-evm database directly.

Both return logs as plain dicts that :data:`sdk.events.DECODER` decodes, and block headers as :class:`Header`.
Neither uses web3's result formatters, which cap an indexer near a thousand events a second.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sdk.errors import ChainConnectionError
from sdk.rpc import JsonRpcHttp, RpcError, RpcTimeout


class SourceError(Exception):
    """Base of the errors a chain source raises."""


class NodeUnavailable(SourceError):
    """The node did not answer (down, timing out, or answering garbage). Retry with backoff."""


class RangeRefused(SourceError):
    """The node refused a block range for eth_getLogs (too wide, too many results). Shrink the window."""


@dataclass(frozen=True, slots=True)
class Header:
    number: int
    hash: str
    parent_hash: str
    timestamp: int


@dataclass(frozen=True, slots=True)
class Tip:
    """The node's head (and its `finalized` block where the node has that tag)."""

    head: Header
    finalized: int | None


class ChainSource(ABC):
    kind: str

    @abstractmethod
    def chain_id(self) -> int: ...

    @abstractmethod
    def tip(self, with_finalized: bool) -> Tip: ...

    @abstractmethod
    def headers(self, numbers: Iterable[int]) -> dict[int, Header]:
        """Headers of the canonical blocks with these numbers; numbers beyond the head are left out."""

    @abstractmethod
    def logs(self, first: int, last: int, addresses: Sequence[str]) -> list[dict[str, Any]]:
        """Logs of `addresses` in blocks first..last (inclusive), in chain order."""

    def close(self) -> None:  # noqa: B027 - optional
        pass


# --------------------------------------------------------------------------------------------- JSON-RPC
_RANGE_HINTS = ("range", "too many", "limit", "exceed", "more than", "too large", "response size", "query timeout")


@contextmanager
def _unavailable() -> Iterator[None]:
    """The transport's "no answer" as the indexer's :class:`NodeUnavailable` (a timeout says "timed out")."""
    try:
        yield
    except RpcTimeout as exc:
        raise NodeUnavailable(f"{exc.url} timed out") from exc
    except ChainConnectionError as exc:
        raise NodeUnavailable(str(exc)) from exc


def _header(raw: dict[str, Any]) -> Header:
    return Header(
        number=int(raw["number"], 16),
        hash=raw["hash"].lower(),
        parent_hash=raw["parentHash"].lower(),
        timestamp=int(raw["timestamp"], 16),
    )


class RpcSource(ChainSource):
    """Any EVM JSON-RPC node, through the SDK's transport (:class:`sdk.rpc.JsonRpcHttp`: keep-alive, timeouts,
    batches). Its failures become :class:`NodeUnavailable` (retry later) and :class:`RangeRefused` (shrink the
    window)."""

    kind = "rpc"
    BATCH = 200

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self._rpc = JsonRpcHttp(url, timeout)
        self._finalized_supported: bool | None = None

    def close(self) -> None:
        self._rpc.close()

    def call(self, method: str, params: list[Any]) -> Any:
        """One call; a node that doesn't answer raises :class:`NodeUnavailable`, an error reply :class:`RpcError`."""
        with _unavailable():
            return self._rpc.request(method, params)

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Results in order; an entry is an :class:`RpcError` where that call failed."""
        with _unavailable():
            return self._rpc.batch_calls(calls)

    def chain_id(self) -> int:
        return int(self.call("eth_chainId", []), 16)

    def tip(self, with_finalized: bool) -> Tip:
        calls: list[tuple[str, list[Any]]] = [("eth_getBlockByNumber", ["latest", False])]
        ask_final = with_finalized and self._finalized_supported is not False
        if ask_final:
            calls.append(("eth_getBlockByNumber", ["finalized", False]))
        results = self.batch(calls)
        if isinstance(results[0], RpcError) or results[0] is None:
            raise NodeUnavailable(f"{self.url} did not return its latest block: {results[0]}")
        finalized: int | None = None
        if ask_final:
            raw = results[1]
            if isinstance(raw, RpcError) or raw is None:
                self._finalized_supported = False
            else:
                self._finalized_supported = True
                finalized = int(raw["number"], 16)
        return Tip(head=_header(results[0]), finalized=finalized)

    def headers(self, numbers: Iterable[int]) -> dict[int, Header]:
        wanted = sorted(set(numbers))
        out: dict[int, Header] = {}
        for start in range(0, len(wanted), self.BATCH):
            chunk = wanted[start : start + self.BATCH]
            results = self.batch([("eth_getBlockByNumber", [hex(n), False]) for n in chunk])
            for n, raw in zip(chunk, results, strict=True):
                if isinstance(raw, RpcError):
                    raise NodeUnavailable(f"reading block {n}: {raw}")
                if raw is not None:
                    out[n] = _header(raw)
        return out

    def logs(self, first: int, last: int, addresses: Sequence[str]) -> list[dict[str, Any]]:
        query = {"fromBlock": hex(first), "toBlock": hex(last), "address": list(addresses)}
        try:
            result = self.call("eth_getLogs", [query])
        except RpcError as exc:
            if exc.code == -32005 or any(h in exc.message.lower() for h in _RANGE_HINTS):
                raise RangeRefused(str(exc)) from exc
            raise NodeUnavailable(str(exc)) from exc
        except NodeUnavailable as exc:
            if "timed out" in str(exc) and last > first:
                raise RangeRefused(str(exc)) from exc
            raise
        if not isinstance(result, list):
            raise NodeUnavailable(f"eth_getLogs answered {type(result).__name__}, not a list")
        return result


# --------------------------------------------------------------------------------------------- embedded
class EmbeddedSource(ChainSource):
    """The in-process eth-tester chain, read straight from py-evm's database.

    eth-tester's own eth_getLogs and receipt lookups scan back from the head for every transaction, so their cost
    grows with depth; reading a block's receipts by number here costs the same at any height, so each block is read
    once, as it is mined. Log indexes are counted per block, as real nodes do (eth-tester counts per transaction).
    Pass the lock that guards the chain if another thread mines while the indexer reads.
    """

    kind = "embedded"

    def __init__(self, chain: Any, lock: threading.Lock | None = None) -> None:
        tester = getattr(chain, "tester", chain)  # sdk.chain.EmbeddedChain or an EthereumTester
        self._evm = tester.backend.chain
        self._lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()

    def chain_id(self) -> int:
        return int(self._evm.chain_id)

    def _header(self, number: int, head: int) -> Header | None:
        from eth.exceptions import HeaderNotFound

        if number > head:  # after revert_to_snapshot py-evm keeps stale number->hash entries above the head
            return None
        try:
            h = self._evm.get_canonical_block_header_by_number(number)
        except HeaderNotFound:
            return None
        return Header(number=h.block_number, hash="0x" + h.hash.hex(), parent_hash="0x" + h.parent_hash.hex(),
                      timestamp=int(h.timestamp))

    def tip(self, with_finalized: bool) -> Tip:
        with self._lock:
            h = self._evm.get_canonical_head()
            head = Header(number=h.block_number, hash="0x" + h.hash.hex(), parent_hash="0x" + h.parent_hash.hex(),
                          timestamp=int(h.timestamp))
        return Tip(head=head, finalized=None)  # eth-tester's "finalized" is just "latest"

    def headers(self, numbers: Iterable[int]) -> dict[int, Header]:
        out: dict[int, Header] = {}
        with self._lock:
            head = self._evm.get_canonical_head().block_number
            for n in sorted(set(numbers)):
                header = self._header(n, head)
                if header is not None:
                    out[n] = header
        return out

    def logs(self, first: int, last: int, addresses: Sequence[str]) -> list[dict[str, Any]]:
        from eth.exceptions import BlockNotFound, HeaderNotFound

        wanted = {bytes.fromhex(a[2:].lower()) for a in addresses}
        out: list[dict[str, Any]] = []
        with self._lock:
            last = min(last, self._evm.get_canonical_head().block_number)
            for number in range(first, last + 1):
                try:
                    block = self._evm.get_canonical_block_by_number(number)
                except (BlockNotFound, HeaderNotFound):
                    break
                if not block.transactions:
                    continue
                block_hash = block.hash
                index = 0
                for tx, receipt in zip(block.transactions, block.get_receipts(self._evm.chaindb), strict=True):
                    for log in receipt.logs:
                        if log.address in wanted:
                            out.append({
                                "address": log.address,
                                "topics": [t.to_bytes(32, "big") for t in log.topics],
                                "data": log.data,
                                "blockNumber": number,
                                "blockHash": block_hash,
                                "transactionHash": tx.hash,
                                "logIndex": index,
                            })
                        index += 1
        return out
