"""The indexer loop: follow the chain from the deployment block, apply batches, roll back reorganisations."""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

import gateway.indexer.handlers  # noqa: F401 - registers the projection handlers
from gateway.core.config import Settings
from gateway.core.metrics import Metrics
from gateway.indexer.registry import HANDLERS, HandlerRegistry
from gateway.indexer.source import ChainSource, Header, NodeUnavailable, RangeRefused, Tip
from gateway.indexer.store import Batch, Checkpoint, CheckpointMoved, Fault, ProjectionError, Store
from gateway.indexer.window import AdaptiveWindow
from sdk.events import DECODER, LogRecord
from sdk.ledger import Deployment

log = logging.getLogger("gateway.indexer")


#: Database errors that pass: no pooled connection in time, "database is locked", a dropped connection.
TRANSIENT_DB_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)


def is_transient(exc: BaseException) -> bool:
    """Retry with backoff rather than halt: the node or the database is unavailable for now."""
    if isinstance(exc, (NodeUnavailable, *TRANSIENT_DB_ERRORS)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class IndexerHalted(RuntimeError):
    """The indexer stopped rather than rewrite history it treats as final (or hit an inconsistent event)."""


class DeploymentMismatch(RuntimeError):
    """The database was built for another deployment or chain."""


class Step(enum.Enum):
    ADVANCED = "advanced"  # applied a batch
    RETRY = "retry"  # rolled back, shrank the window or saw the chain move: go again at once
    IDLE = "idle"  # caught up with the node


@dataclass(frozen=True)
class IndexerStatus:
    """What /health reports. `status`: starting, syncing, ok, degraded (node unreachable), halted, stopped."""

    status: str = "starting"
    chain_head: int | None = None
    chain_head_time: int | None = None
    indexed_head: int | None = None
    indexed_time: int | None = None
    final_block: int | None = None
    last_error: str | None = None
    halted_reason: str | None = None
    window: int = 0
    updated_at: float = 0.0

    @property
    def lag_blocks(self) -> int | None:
        if self.chain_head is None or self.indexed_head is None:
            return None
        return max(0, self.chain_head - self.indexed_head)

    @property
    def lag_seconds(self) -> int | None:
        if self.chain_head_time is None or self.indexed_time is None:
            return None
        return max(0, self.chain_head_time - self.indexed_time)


def deployment_key(deployment: Deployment) -> str:
    blob = json.dumps({"chain_id": deployment.chain_id, "block": deployment.block,
                       "contracts": dict(sorted(deployment.contracts.items()))}, sort_keys=True)
    return "0x" + hashlib.sha256(blob.encode()).hexdigest()


class Indexer:
    def __init__(
        self,
        source: ChainSource,
        deployment: Deployment,
        engine: Engine,
        settings: Settings | None = None,
        *,
        handlers: HandlerRegistry = HANDLERS,
        metrics: Metrics | None = None,
        fault: Fault | None = None,
    ) -> None:
        s = settings or Settings(environment="development")
        self.settings = s
        self.source = source
        self.deployment = deployment
        self.store = Store(engine, handlers, fault)
        self.metrics = metrics or Metrics()
        self.contracts = {addr: name for name, addr in deployment.contracts.items()}
        self.addresses = sorted(self.contracts)
        maximum = min(s.window_max, s.embedded_window_max) if source.kind == "embedded" else s.window_max
        self.window = AdaptiveWindow(s.window_initial, s.window_min, maximum, s.max_logs_per_window,
                                     s.window_target_seconds)
        self.use_finalized_tag = s.finality == "tag" or (s.finality == "auto" and source.kind != "embedded")
        self.status = IndexerStatus(window=self.window.size)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_beat = 0.0
        self._beat_status = ""

    # ------------------------------------------------------------------ status
    def _set(self, **changes: Any) -> None:
        before = self.status.status
        self.status = replace(self.status, updated_at=time.time(), window=self.window.size, **changes)
        st = self.status
        if st.status != before:  # one line per change of state, not per poll
            log.info("indexer %s -> %s (indexed head %s, chain head %s)", before, st.status, st.indexed_head,
                     st.chain_head)
        m = self.metrics
        if st.chain_head is not None:
            m.chain_head.set(st.chain_head)
        if st.indexed_head is not None:
            m.indexed_head.set(st.indexed_head)
        if st.lag_blocks is not None:
            m.lag_blocks.set(st.lag_blocks)
        if st.lag_seconds is not None:
            m.lag_seconds.set(st.lag_seconds)
        m.window.set(self.window.size)
        m.halted.set(1 if st.status == "halted" else 0)

    def _beat(self, force: bool = False) -> None:
        """Persist the status for an API running in another process; throttled."""
        st = self.status
        now = time.monotonic()
        if not force and st.status == self._beat_status and now - self._last_beat < 5.0:
            return
        try:
            self.store.heartbeat(status=st.status, chain_head=st.chain_head, chain_head_time=st.chain_head_time,
                                 last_error=st.last_error, halted_reason=st.halted_reason)
        except TRANSIENT_DB_ERRORS as exc:
            log.warning("could not record indexer status: %s", str(exc).splitlines()[0][:300])
            return
        self._last_beat, self._beat_status = now, st.status

    def _halt(self, reason: str) -> IndexerHalted:
        log.error("indexer halted: %s", reason)
        self._set(status="halted", halted_reason=reason, last_error=reason)
        self._beat(force=True)
        return IndexerHalted(reason)

    # ------------------------------------------------------------------ one step
    def checkpoint(self) -> Checkpoint:
        cp = self.store.checkpoint()
        if cp is None:
            chain_id = self.source.chain_id()
            if chain_id != self.deployment.chain_id:
                raise DeploymentMismatch(f"deployment is for chain {self.deployment.chain_id}, node is {chain_id}")
            parent_number = max(self.deployment.block - 1, 0)
            parent = self.source.headers([parent_number]).get(parent_number)
            if parent is None:
                raise NodeUnavailable(f"node has no block {parent_number} (deployment block {self.deployment.block})")
            cp = self.store.initialize(chain_id, deployment_key(self.deployment), self.deployment.block, parent)
        elif cp.deployment_key != deployment_key(self.deployment) or cp.chain_id != self.deployment.chain_id:
            raise DeploymentMismatch(
                "the database indexes another deployment (chain "
                f"{cp.chain_id}, from block {cp.start_block}); use a fresh database for this one"
            )
        return cp

    def _final(self, tip: Tip) -> int:
        if self.use_finalized_tag and tip.finalized is not None:
            return tip.finalized
        return tip.head.number - self.settings.finality_depth

    def step(self) -> Step:
        cp = self.checkpoint()
        tip = self.source.tip(self.use_finalized_tag)
        head = tip.head.number
        final_now = self._final(tip)
        self._set(chain_head=head, chain_head_time=tip.head.timestamp, indexed_head=cp.head_block,
                  indexed_time=cp.head_time, final_block=cp.final_block)
        if head < cp.final_block:
            raise self._halt(f"node head {head} is behind block {cp.final_block}, which the index treats as final")
        target = head - self.settings.confirmations
        first, last = cp.head_block + 1, min(cp.head_block + self.window.size, target)
        raw: list[dict[str, Any]] = []
        started = time.perf_counter()
        if first <= last:
            try:
                raw = self.source.logs(first, last, self.addresses)
            except RangeRefused as exc:
                self.metrics.range_refusals.inc()
                if not self.window.shrink():
                    raise NodeUnavailable(f"node refuses even a {self.window.size}-block range: {exc}") from exc
                log.info("node refused blocks %d-%d; window now %d", first, last, self.window.size)
                return Step.RETRY
        fetch_seconds = time.perf_counter() - started
        records: list[LogRecord] = []
        times: dict[int, int] = {}
        for item in raw:
            rec = DECODER.decode(item)
            if rec is None:
                self.metrics.undecoded_logs.inc()
                continue
            records.append(rec)
            stamp = item.get("blockTimestamp")  # anvil and recent geth put it in the log: no header read needed
            if stamp is not None:
                times[rec.block_number] = int(stamp, 16) if isinstance(stamp, str) else int(stamp)
        wanted = {cp.head_block}
        if first <= last:
            wanted |= {first, last, *range(max(first, final_now), last + 1)}
            wanted |= {r.block_number for r in records if r.block_number not in times}
        headers = self.source.headers(wanted)
        for number, header in headers.items():
            times[number] = header.timestamp
        mine = headers.get(cp.head_block)
        if mine is None or mine.hash != cp.head_hash:
            return self._reorg(cp)
        if cp.halted_reason:
            self.store.heartbeat(halted_reason=None)
        if first > last:
            self._set(status="ok", last_error=None, halted_reason=None)
            self._beat()
            return Step.IDLE
        if not self._consistent(cp, first, last, headers, records, final_now):
            return Step.RETRY  # the chain moved while we read it; the next step sorts it out
        batch = Batch(first=first, last=last, parent_hash=cp.head_hash, records=records, headers=headers,
                      times=times, final_block=final_now, contracts=self.contracts)
        try:
            written = self.store.apply(batch)
        except ProjectionError as exc:  # the event stream contradicts the projections: stop, loudly
            raise self._halt(f"ProjectionError at blocks {first}-{last}: {exc}") from exc
        self.window.observe(last - first + 1, len(raw), fetch_seconds)
        self.metrics.events_indexed.inc(written)
        self.metrics.blocks_indexed.inc(last - first + 1)
        self._set(status="ok" if last >= target else "syncing", indexed_head=last,
                  indexed_time=headers[last].timestamp, last_error=None, halted_reason=None)
        self._beat()
        return Step.ADVANCED

    @staticmethod
    def _consistent(cp: Checkpoint, first: int, last: int, headers: dict[int, Header],
                    records: list[LogRecord], final_now: int) -> bool:
        """Logs and headers describe one chain that extends the checkpoint (final blocks can't have moved)."""
        if last not in headers or first not in headers or headers[first].parent_hash != cp.head_hash:
            return False
        for n, h in headers.items():
            prev = headers.get(n - 1)
            if prev is not None and h.parent_hash != prev.hash:
                return False
        for r in records:
            header = headers.get(r.block_number)
            if header is None:
                if r.block_number > final_now:
                    return False
            elif header.hash != r.block_hash:
                return False
        return True

    def _reorg(self, cp: Checkpoint) -> Step:
        """The checkpoint block is no longer canonical: roll back to the newest block both sides agree on."""
        stored = self.store.block_hashes(cp.final_block, cp.head_block)
        node = self.source.headers(stored)
        ancestor: Header | None = None
        for number in sorted(stored, reverse=True):
            theirs = node.get(number)
            if theirs is not None and theirs.hash == stored[number]:
                ancestor = theirs
                break
        if ancestor is None:
            raise self._halt(
                f"reorganisation reaches below block {cp.final_block}, which the index treats as final "
                f"(indexed up to {cp.head_block}); refusing to rewrite history"
            )
        removed = self.store.rollback(ancestor)
        self.metrics.reorgs.inc()
        self.metrics.rolled_back_events.inc(removed)
        log.warning("reorganisation: rolled back blocks %d-%d (%d events)", ancestor.number + 1, cp.head_block,
                    removed)
        self._set(indexed_head=ancestor.number, indexed_time=ancestor.timestamp)
        return Step.RETRY

    # ------------------------------------------------------------------ loops
    def sync(self, max_steps: int = 1_000_000) -> int:
        """Index until caught up with the node (errors propagate). Returns the indexed head."""
        for _ in range(max_steps):
            if self.step() is Step.IDLE:
                break
        cp = self.store.checkpoint()
        assert cp is not None
        return cp.head_block

    def run(self, stop: threading.Event | None = None) -> None:
        """Follow the chain until `stop` is set, retrying with backoff while the node or the database is
        unavailable (a pool timeout or a locked database included: they pass, so they never halt the indexer).
        `stop` is checked between batches: a batch is applied whole or not at all."""
        stop = stop or self._stop
        s = self.settings
        backoff = s.backoff_initial
        while not stop.is_set():
            try:
                result = self.step()
                backoff = s.backoff_initial
                if result is Step.IDLE:
                    stop.wait(s.poll_interval)
            except IndexerHalted:
                return
            except (ProjectionError, CheckpointMoved, DeploymentMismatch) as exc:
                self._halt(f"{type(exc).__name__}: {exc}")
                return
            except Exception as exc:
                if not is_transient(exc):  # never die silently in a thread: halt with the reason on /health
                    log.exception("indexer failed")
                    self._halt(f"unexpected {type(exc).__name__}: {str(exc)[:500]}")
                    return
                self.metrics.node_errors.inc()
                first = (str(exc).splitlines() or [""])[0][:500]
                reason = first if isinstance(exc, NodeUnavailable) else f"database: {type(exc).__name__}: {first}"
                log.warning("node or database unavailable (%s); retrying in %.1f s", reason, backoff)
                self._set(status="degraded", last_error=reason)
                self._beat()
                stop.wait(backoff * (1 + random.random() / 4))
                backoff = min(backoff * 2, s.backoff_max)
        self._set(status="stopped")

    def start(self, target: Callable[[threading.Event], None] | None = None) -> threading.Thread:
        """Run in a daemon thread (the API process does this); `target(stop)` instead of :meth:`run` (the
        leadership runner, gateway.indexer.leader.run_led)."""
        if self._thread is not None and self._thread.is_alive():
            return self._thread
        self._stop.clear()
        self._thread = threading.Thread(target=target or self.run, args=(self._stop,), name="scf-indexer",
                                        daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = None) -> None:
        """Stop at the next batch boundary, waiting at most `timeout` (default ``shutdown_timeout``) for the thread:
        a batch still running then is cut short and rolls back (the thread is a daemon)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.settings.shutdown_timeout if timeout is None else timeout)
            if self._thread.is_alive():
                log.warning("indexer still inside a batch after %.1f s; leaving it to roll back",
                            self.settings.shutdown_timeout if timeout is None else timeout)
            self._thread = None
        self.source.close()
