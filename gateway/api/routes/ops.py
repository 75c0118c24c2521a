"""Operations endpoints: /health and /metrics (outside /v1, unauthenticated, no business data)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from gateway.api.deps import AppContext, ContextDep
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


def health_of(ctx: AppContext) -> HealthPublic:
    reasons: list[str] = []
    try:
        with Session(ctx.engine) as session:
            state = session.get(IndexerState, 1)
    except SQLAlchemyError as exc:
        return HealthPublic(status="degraded", reasons=[f"database unavailable: {type(exc).__name__}"],
                            chain_head=None, indexed_head=None, final_block=None, lag_blocks=None, lag_seconds=None,
                            events_indexed=0, indexer="unknown", last_error=str(exc)[:300], halted_reason=None)
    idx = ctx.indexer
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
                        final_block=state.final_block if state is not None else None, lag_blocks=lag,
                        lag_seconds=lag_s, events_indexed=state.events_total if state is not None else 0,
                        indexer=where, last_error=last_error, halted_reason=halted)


@router.get("/health", response_model=HealthPublic, summary="Chain head, indexed head, lag and status",
            responses={503: {"model": HealthPublic, "description": "degraded, halted or starting"}})
def read_health(ctx: ContextDep, response: Response) -> HealthPublic:
    health = health_of(ctx)
    if health.status != "ok":
        response.status_code = 503
    return health


@router.get("/metrics", response_class=Response, summary="Prometheus metrics",
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def read_metrics(ctx: ContextDep) -> Response:
    health_of(ctx)  # refresh the lag gauges, also when the indexer runs in another process
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
