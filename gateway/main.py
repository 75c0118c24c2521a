"""The FastAPI application: /v1 resources, /health and /metrics, and the in-process indexer.

``serve(settings)`` is what ``scf gateway`` runs; ``gateway.indexer.run(settings)`` is ``scf gateway index``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from gateway.api.deps import AppContext
from gateway.api.main import api_router
from gateway.api.routes import ops
from gateway.core.config import Settings, get_settings
from gateway.core.db import engine_from_settings, migrate, require_current_schema
from gateway.core.metrics import Metrics
from gateway.indexer import Indexer, build_indexer
from sdk.ledger import Deployment

log = logging.getLogger("gateway")

DESCRIPTION = """
Read API of the supply-chain-finance ledger, built from contract events alone.

Sign in with Ethereum: `GET /v1/auth/nonce`, sign the EIP-4361 message with the participant's key, then
`POST /v1/auth/login` for a short-lived bearer token. Each participant sees only what concerns it; the regulator
sees everything, read-only. Anything outside your scope answers 404. Amounts are given twice, never as floats: a
decimal string in token units and an integer in the smallest unit (`*_units`).
"""


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    deployment: Deployment | None = None,
    indexer: Indexer | None = None,
    chain: Any = None,
    lock: threading.Lock | None = None,
    metrics: Metrics | None = None,
    clock: Callable[[], float] | None = None,
    migrate_schema: bool = True,
) -> FastAPI:
    """Build the app. With `indexer`, the caller drives it (tests); otherwise, when ``index_in_process`` is set, the
    app builds one (for the embedded chain, `chain` is the in-process chain) and runs it while it serves."""
    settings = settings or get_settings()
    engine = engine or engine_from_settings(settings)
    if migrate_schema:
        migrate(engine)
    else:
        require_current_schema(engine)
    deployment = deployment or (indexer.deployment if indexer else Deployment.load(settings.deployment_file))
    metrics = metrics or (indexer.metrics if indexer else Metrics())
    owned = None
    if indexer is None and settings.index_in_process:
        owned = build_indexer(settings, chain=chain, deployment=deployment, engine=engine, metrics=metrics,
                              lock=lock, migrate_schema=False)
    ctx = AppContext(settings=settings, engine=engine, deployment=deployment, metrics=metrics,
                     indexer=indexer or owned, clock=clock or time.time)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if owned is not None:
            owned.start()
        try:
            yield
        finally:
            if owned is not None:
                owned.stop()

    app = FastAPI(title="SCF ledger gateway", version="1.0.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.ctx = ctx
    app.include_router(api_router)
    app.include_router(ops.router)

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        path = _route_template(request)
        metrics.request_latency.labels(request.method, path, str(response.status_code)).observe(
            time.perf_counter() - started)
        if response.status_code >= 400:
            metrics.request_errors.labels(path, str(response.status_code)).inc()
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "invalid"), "type": e.get("type", "value_error")}
                  for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(status_code=500, content={"detail": [{"loc": [], "msg": "internal error",
                                                                  "type": "internal"}]})

    return app


def _route_template(request: Request) -> str:
    """The matched route as a template (``/v1/events/{event_id}``), so metric labels stay few."""
    if request.scope.get("route") is None:
        return "unmatched"
    values = {str(v): k for k, v in request.path_params.items()}
    return "/".join("{" + values[seg] + "}" if seg in values else seg for seg in request.url.path.split("/"))


def serve(settings: Settings | None = None, *, chain: Any = None, deployment: Deployment | None = None,
          lock: threading.Lock | None = None) -> None:
    """Serve the API with uvicorn (and the indexer, unless ``index_in_process`` is off). ``scf gateway``."""
    import uvicorn

    settings = settings or get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings, chain=chain, deployment=deployment, lock=lock)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
