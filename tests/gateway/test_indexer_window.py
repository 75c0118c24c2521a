"""Adaptive eth_getLogs windows, and refusals of values the gateway cannot store."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytest
from sqlalchemy import Engine

from gateway.indexer.engine import Indexer, IndexerHalted
from gateway.indexer.source import ChainSource, Header, RangeRefused, Tip
from gateway.indexer.store import ProjectionError, UnitOfWork
from gateway.indexer.window import AdaptiveWindow
from gateway.models.balances import Balance
from sdk import Ledger
from sdk.chain import Chain
from tests.conftest import Cast
from tests.gateway.helpers import dump, indexer, settings, source_for, token_activity


class RefusingSource(ChainSource):
    """A real source that refuses eth_getLogs over more than `limit` blocks, like public nodes do."""

    def __init__(self, inner: ChainSource, limit: int) -> None:
        self.inner, self.limit, self.kind = inner, limit, inner.kind
        self.ranges: list[tuple[int, int, bool]] = []

    def chain_id(self) -> int:
        return self.inner.chain_id()

    def tip(self, with_finalized: bool) -> Tip:
        return self.inner.tip(with_finalized)

    def headers(self, numbers: Iterable[int]) -> dict[int, Header]:
        return self.inner.headers(numbers)

    def logs(self, first: int, last: int, addresses: Sequence[str]) -> list[dict[str, Any]]:
        refused = last - first + 1 > self.limit
        self.ranges.append((first, last, refused))
        if refused:
            raise RangeRefused(f"query exceeds max block range {self.limit}")
        return self.inner.logs(first, last, addresses)


def test_window_shrinks_when_the_node_refuses_a_range(chain: Chain, ledger: Ledger, cast: Cast,
                                                       make_db: Callable[[], Engine]) -> None:
    token_activity(cast, random.Random(5), 6)
    db = make_db()
    source = RefusingSource(source_for(chain), limit=3)
    idx = Indexer(source, ledger.deployment, db, settings(window_initial=64, window_max=64, embedded_window_max=64))
    idx.sync()
    refusals = [r for r in source.ranges if r[2]]
    served = [r for r in source.ranges if not r[2]]
    assert refusals and served
    assert all(last - first + 1 <= 3 for first, last, _ in served)
    first_served = source.ranges.index(served[0])
    # once it found a size the node accepts, it only probes one doubling above it
    assert all(last - first + 1 <= 6 for first, last, _ in source.ranges[first_served:])
    assert idx.metrics.range_refusals._value.get() == len(refusals)
    fresh = make_db()
    indexer(chain, ledger.deployment, fresh).sync()
    assert dump(db) == dump(fresh)


def test_window_halves_on_refusal_and_too_many_logs_and_doubles_when_fast() -> None:
    w = AdaptiveWindow(initial=100, minimum=2, maximum=400, max_logs=1_000, target_seconds=0.5)
    w.observe(blocks=100, logs=10, seconds=0.01)
    assert w.size == 200
    w.observe(blocks=200, logs=5_000, seconds=0.01)  # too many logs
    assert w.size == 100
    w.observe(blocks=100, logs=10, seconds=3.0)  # far slower than the target
    assert w.size == 50
    w.observe(blocks=10, logs=1, seconds=0.01)  # a short window at the head does not grow it
    assert w.size == 50
    assert w.shrink() and w.size == 25
    for _ in range(10):
        w.shrink()
    assert w.size == 2 and not w.shrink()
    for _ in range(10):
        w.observe(blocks=w.size, logs=0, seconds=0.0)
    assert w.size == 400


def test_embedded_chain_is_never_asked_for_a_wide_range(chain: Chain, ledger: Ledger, db: Engine) -> None:
    idx = indexer(chain, ledger.deployment, db, window_initial=5_000, window_max=5_000)
    if idx.source.kind == "embedded":
        assert idx.window.maximum == idx.settings.embedded_window_max == 16
    else:
        assert idx.window.maximum == 5_000


def test_amounts_beyond_64_bits_halt_rather_than_corrupt(db: Engine) -> None:
    with db.begin() as conn:
        uow = UnitOfWork(conn, final_block=0)
        uow.block = 1
        with pytest.raises(ProjectionError, match="64-bit"):
            uow.put(Balance, {"address": "0x" + "ab" * 20, "units": 2**63})


def test_a_projection_error_halts_the_indexer_with_the_reason(chain: Chain, ledger: Ledger, cast: Cast,
                                                              db: Engine) -> None:
    from gateway.indexer.registry import HandlerRegistry
    from sdk.generated.events import ParticipantAdmitted

    broken = HandlerRegistry()

    @broken.on(ParticipantAdmitted)
    def _boom(uow: UnitOfWork, ev: ParticipantAdmitted, ctx: Any) -> None:
        raise ProjectionError(f"cannot apply {ev.account}")

    idx = Indexer(source_for(chain), ledger.deployment, db, settings(), handlers=broken)
    idx.run()  # returns once halted
    assert idx.status.status == "halted" and "cannot apply" in (idx.status.halted_reason or "")
    assert idx.metrics.halted._value.get() == 1
    cp = idx.store.checkpoint()
    registry = ledger.deployment.address("ParticipantRegistry")
    logs = chain.w3.eth.get_logs({"address": registry, "topics": ["0x" + ParticipantAdmitted.TOPIC.hex()],
                                  "fromBlock": ledger.deployment.block, "toBlock": min(chain.block_number,
                                                                                  ledger.deployment.block + 64)})
    first_admission = min(int(log["blockNumber"]) for log in logs)
    assert cp is not None and cp.halted_reason and cp.head_block < first_admission  # nothing of the failed batch
    with pytest.raises(IndexerHalted):  # a step of the halted indexer's successor halts again, loudly
        Indexer(source_for(chain), ledger.deployment, db, settings(), handlers=broken).sync()
