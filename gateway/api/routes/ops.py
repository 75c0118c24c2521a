"""Operations endpoints: /health and /metrics (outside /v1, unauthenticated, no business data)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from gateway.api.deps import AppContext, ContextDep, closing_session
from gateway.api.limits import Probe
from gateway.models.indexer import IndexerState

router = APIRouter(tags=["operations"])
#: An indexer in another process writes a heartbeat at least this often while it runs.
HEARTBEAT_STALE_SECONDS = 60


class HealthPublic(BaseModel):
    status: str  # ok | degraded | halted | starting
    reasons: list[str]
    chain_head: int | None
    indexed_head: int | None
    final_block: int | None
    lag_blocks: int | None
    lag_seconds: int | None
    events_indexed: int
    indexer: str  # in-process | external
    last_error: str | None
    halted_reason: str | None


def read_state(engine: Engine) -> IndexerState | None:
    """The indexer's row, detached (runs in the health probe's thread, on the small /health pool)."""
    with closing_session(engine) as session:
        state = session.get(IndexerState, 1)
        if state is not None:
            session.expunge(state)
        return state


def probe_of(ctx: AppContext) -> Probe:
    if ctx.health_probe is None:
        engine = ctx.health_engine or ctx.engine
        ctx.health_probe = Probe(lambda: read_state(engine))
    return ctx.health_probe


async def health_of(ctx: AppContext) -> HealthPublic:
    """Status from the indexer's memory plus one database read bounded by ``health_db_timeout``; it never waits
    for the API's pool or its worker threads, so it answers under any load."""
    reasons: list[str] = []
    timeout = ctx.settings.health_db_timeout
    # an in-process indexer standing by (another process leads, PostgreSQL) knows only what the database says
    idx = ctx.indexer if ctx.indexer is not None and ctx.indexer.status.status != "standby" else None
    try:
        state: IndexerState | None = await probe_of(ctx).run(timeout)
        ctx.last_state = state
    except (SQLAlchemyError, TimeoutError) as exc:
        problem = (f"database did not answer within {timeout:g} s" if isinstance(exc, TimeoutError)
                   and not isinstance(exc, SQLAlchemyError) else f"database unavailable: {type(exc).__name__}")
        if idx is None:
            return HealthPublic(status="degraded", reasons=[problem], chain_head=None, indexed_head=None,
                                final_block=None, lag_blocks=None, lag_seconds=None, events_indexed=0,
                                indexer="unknown", last_error=str(exc)[:300] or problem, halted_reason=None)
        reasons.append(problem)
        state = ctx.last_state  # the last good read; the in-process indexer's memory has the rest
    if idx is not None:
        st = idx.status
        status, chain_head, chain_time = st.status, st.chain_head, st.chain_head_time
        last_error, halted = st.last_error, st.halted_reason
        where = "in-process"
    elif state is not None:
        status, chain_head, chain_time = state.status, state.chain_head, state.chain_head_time
        last_error, halted = state.last_error, state.halted_reason
        where = "external"
        if time.time() - state.heartbeat_at > HEARTBEAT_STALE_SECONDS:
            status = "degraded" if status != "halted" else status
            reasons.append(f"indexer has not reported for {int(time.time() - state.heartbeat_at)} s")
    else:
        status, chain_head, chain_time, last_error, halted, where = "starting", None, None, None, None, "external"
    indexed = state.head_block if state is not None else None
    indexed_time = state.head_time if state is not None else None
    final_block = state.final_block if state is not None else None
    if idx is not None and idx.status.indexed_head is not None and (indexed is None or reasons):
        indexed, indexed_time = idx.status.indexed_head, idx.status.indexed_time
        final_block = idx.status.final_block
    lag = max(0, chain_head - indexed) if chain_head is not None and indexed is not None else None
    lag_s = max(0, chain_time - indexed_time) if chain_time is not None and indexed_time is not None else None
    if status == "degraded" and last_error:
        reasons.append(f"chain node unavailable: {last_error}")
    if status == "halted":
        reasons.append(f"indexer halted: {halted}")
    if status in ("ok", "syncing") and lag is not None and lag > ctx.settings.max_lag_blocks:
        reasons.append(f"index is {lag} blocks behind the node")
        status = "degraded"
    if status == "syncing":
        status = "ok"
    if status == "stopped":
        status = "degraded"
        reasons.append("indexer is stopped")
    if reasons and status == "ok":
        status = "degraded"
    m = ctx.metrics
    if chain_head is not None:
        m.chain_head.set(chain_head)
    if indexed is not None:
        m.indexed_head.set(indexed)
    if lag is not None:
        m.lag_blocks.set(lag)
    if lag_s is not None:
        m.lag_seconds.set(lag_s)
    m.halted.set(1 if status == "halted" else 0)
    return HealthPublic(status=status, reasons=reasons, chain_head=chain_head, indexed_head=indexed,
                        final_block=final_block, lag_blocks=lag,
                        lag_seconds=lag_s, events_indexed=state.events_total if state is not None else 0,
                        indexer=where, last_error=last_error, halted_reason=halted)


@router.get("/health", response_model=HealthPublic, summary="Chain head, indexed head, lag and status",
            responses={503: {"model": HealthPublic, "description": "degraded, halted or starting"}})
async def read_health(ctx: ContextDep, response: Response) -> HealthPublic:
    health = await health_of(ctx)
    if health.status != "ok":
        response.status_code = 503
    return health


@router.get("/metrics", response_class=Response, summary="Prometheus metrics",
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def read_metrics(ctx: ContextDep) -> Response:
    await health_of(ctx)  # refresh the lag gauges, also when the indexer runs in another process
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
