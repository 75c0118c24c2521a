"""Answers that are a pure function of the index and the ledger's clock, kept per process (issue 15).

``/v1/positions`` and ``/v1/alerts`` aggregate over everything a party holds; a dashboard asks them again and
again. Their answer depends only on the projection rows (which only the indexer writes, at a checkpoint), the
party, the query and the ledger's clock in whole seconds. So an answer is kept under the checkpoint it was
computed at (indexed head block, its hash, and the events indexed so far) and that second, and served again, as
the same JSON bytes, only while a fresh read of the checkpoint and the clock give the same key: every request
still reads the checkpoint (one primary-key row), so a new batch, a rollback or the next second is never answered
from an older state. An answer is kept only if the checkpoint did not move while it was computed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session

from gateway.models.common import table_of
from gateway.models.indexer import IndexerState

#: Answers kept per process; beyond that the cache starts again (bounded memory without tracking recency).
MAX_ANSWERS = 2_048


@dataclass(frozen=True, slots=True)
class IndexState:
    head_block: int
    head_hash: str
    events_total: int
    head_time: int


def index_state(session: Session) -> IndexState:
    """The indexer's checkpoint (an empty index: zeros)."""
    s = table_of(IndexerState).c
    row = session.execute(select(s.head_block, s.head_hash, s.events_total, s.head_time).where(s.id == 1)).first()
    if row is None:
        return IndexState(0, "", 0, 0)
    return IndexState(int(row[0]), str(row[1]), int(row[2] or 0), int(row[3] or 0))


class Answers:
    """JSON answers by (what was asked, the checkpoint, the ledger's second)."""

    def __init__(self, max_entries: int = MAX_ANSWERS) -> None:
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._kept: dict[Hashable, bytes] = {}
        self._guard = threading.Lock()

    def answer(self, session: Session, now: int, asked: Hashable,
               compute: Callable[[int], BaseModel]) -> Response:
        """The answer to `asked` at the current checkpoint and the ledger's clock (the later of `now` and the
        indexed head's time, as gateway.api.deps.ledger_now has it); `compute(clock)` builds it when not kept."""
        state = index_state(session)
        clock = max(now, state.head_time)
        key = (asked, state.head_block, state.head_hash, state.events_total, clock)
        body = self._kept.get(key)
        if body is not None:
            self.hits += 1
            return Response(content=body, media_type="application/json")
        self.misses += 1
        body = compute(clock).model_dump_json().encode()
        if index_state(session) == state:  # the indexer did not commit meanwhile: the answer is the state's
            with self._guard:
                if len(self._kept) >= self.max_entries:
                    self._kept.clear()
                self._kept[key] = body
        return Response(content=body, media_type="application/json")
