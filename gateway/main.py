"""The FastAPI application: /v1 resources, /health and /metrics, and the in-process indexer.

``serve(settings)`` is what ``scf gateway`` runs; ``gateway.indexer.run(settings)`` is ``scf gateway index``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import web
from gateway.api import schema
from gateway.api.auth import AuthCache
from gateway.api.deps import AppContext
from gateway.api.errors import error_type
from gateway.api.limits import Admission, LoadShedding
from gateway.api.main import api_router
from gateway.api.notify import IndexedListener
from gateway.api.routes import ops
from gateway.core.config import Settings, get_settings
from gateway.core.db import (
    engine_from_settings,
    migrate,
    pool_capacity,
    read_engine_from_settings,
    require_current_schema,
    sibling_engine,
)
from gateway.core.logs import configure_logging
from gateway.core.metrics import Metrics
from gateway.indexer import Indexer, build_indexer, run_led
from sdk.ledger import Deployment

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("gateway")
#: Never behind the load shedding: operators must see the gateway's state while it is saturated.
UNGATED_PATHS = frozenset({"/health", "/metrics", "/v1/stream"})  # streams have their own cap (max_streams)

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
    app builds one (for the embedded chain, `chain` is the in-process chain) and runs it while it serves.

    The API, the indexer it owns and /health each get their own pool on the database (issue 9): a burst of
    requests can exhaust only the API's, and the load shedding keeps requests in flight within it."""
    settings = settings or get_settings()
    owned_engines: list[Engine] = []
    if engine is None:
        engine = engine_from_settings(settings)
        owned_engines.append(engine)
    elif indexer is not None and engine is indexer.store.engine:
        # never share the indexer's (small) pool: a burst of requests would starve it, and it them
        shared, engine = engine, sibling_engine(engine, settings, "api")
        if engine is not shared:
            owned_engines.append(engine)
    if migrate_schema:
        migrate(engine)
    else:
        require_current_schema(engine)
    deployment = deployment or (indexer.deployment if indexer else Deployment.load(settings.deployment_file))
    metrics = metrics or (indexer.metrics if indexer else Metrics())
    owned = None
    if indexer is None and settings.index_in_process:
        indexer_engine = sibling_engine(engine, settings, "indexer")
        if indexer_engine is not engine:
            owned_engines.append(indexer_engine)
        owned = build_indexer(settings, chain=chain, deployment=deployment, engine=indexer_engine, metrics=metrics,
                              lock=lock, migrate_schema=False)
    health_engine = sibling_engine(engine, settings, "health")
    if health_engine is not engine:
        owned_engines.append(health_engine)
    read_engine = read_engine_from_settings(settings, engine)
    if read_engine is not engine:
        owned_engines.append(read_engine)
    listener = IndexedListener(engine) if engine.dialect.name == "postgresql" else None
    admission = Admission(_request_limit(settings, engine), settings.queue_timeout, settings.retry_after_seconds)
    ctx = AppContext(settings=settings, engine=engine, deployment=deployment, metrics=metrics,
                     indexer=indexer or owned, clock=clock or time.time, admission=admission,
                     health_engine=health_engine, node=chain, node_lock=lock, read_engine=read_engine,
                     listener=listener)
    ctx.auth = AuthCache(settings.auth_cache_seconds, ctx.index_generation)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        admission.open()
        # every admitted request can have a worker thread (plus a few for /metrics and the app's own work)
        threads = anyio.to_thread.current_default_thread_limiter()
        threads.total_tokens = max(threads.total_tokens, admission.limit + 8)
        if owned is not None:  # on PostgreSQL it indexes only while it holds the leadership lock
            owned.start(partial(run_led, owned))
        if listener is not None:
            listener.start()
        try:
            yield
        finally:
            admission.close()
            if listener is not None:
                listener.stop()
            if owned is not None:  # it stops at the next batch boundary; a batch cut short rolls back
                owned.stop(timeout=settings.shutdown_timeout)
            for made in owned_engines:
                made.dispose()

    app = FastAPI(title="SCF ledger gateway", version="1.0.0", description=DESCRIPTION, lifespan=lifespan,
                  generate_unique_id_function=operation_id,
                  docs_url=None, redoc_url=None)  # /docs is served from local assets (gateway.web)
    app.state.ctx = ctx
    schema.install(app)  # int64 integers, named status enums (gateway.api.schema)
    app.include_router(api_router)
    app.include_router(ops.router)
    web.mount(app)

    app.add_middleware(Observe, metrics=metrics)  # innermost of the middlewares added here

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # the framework's own 404/405/400 in the same body as the API's errors
        detail = exc.detail if isinstance(exc.detail, list) else [
            {"loc": [], "msg": str(exc.detail), "type": error_type(exc.status_code)}]
        return JSONResponse(status_code=exc.status_code, content={"detail": detail}, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "invalid"), "type": e.get("type", "value_error")}
                  for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(PoolTimeout)
    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_busy(_: Request, exc: Exception) -> JSONResponse:
        # no connection within db_pool_timeout, the SQLite lock within db_lock_timeout, or the database is down:
        # the client should come back, and the gateway must not answer 500
        log.warning("database busy or unavailable: %s", str(exc).splitlines()[0][:300] if str(exc) else exc)
        return JSONResponse(status_code=503, headers={"Retry-After": str(settings.retry_after_seconds)},
                            content={"detail": [{"loc": [], "msg": "the database is busy or unavailable: retry",
                                                 "type": "unavailable"}]})

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(status_code=500, content={"detail": [{"loc": [], "msg": "internal error",
                                                                  "type": "internal"}]})

    def shed(path: str) -> None:
        metrics.requests_shed.labels("/".join(path.split("/")[:3]) or "/").inc()

    if settings.cors_origins:  # a browser app on another origin, allowed by configuration only
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                           allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"],
                           expose_headers=["Retry-After"])
    # outermost, so that a request beyond capacity costs next to nothing
    app.add_middleware(LoadShedding, admission=admission, exempt=UNGATED_PATHS, on_shed=shed,
                       server_timing=settings.server_timing)
    return app


def operation_id(route: APIRoute) -> str:
    """Readable operationIds for client generators: ``listReceivables``, ``getReceivable``, ``login``."""
    words = route.name.split("_")
    if words[0] in ("read", "get", "list") and len(words) > 1:
        words = words[1:]
        method = next(iter(route.methods or {"GET"}))
        plural = words[-1].endswith("s") and not route.path.endswith("}")
        verb = ("list" if plural else "get") if method == "GET" else ""
        words = [verb, *words] if verb else words
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _request_limit(settings: Settings, engine: Engine) -> int:
    """``max_concurrent_requests``, kept within the pool of an engine handed in by the caller."""
    capacity = pool_capacity(engine)
    if capacity is not None and capacity < settings.max_concurrent_requests:
        log.warning("max_concurrent_requests %d exceeds the engine's pool (%d connections): serving %d at once",
                    settings.max_concurrent_requests, capacity, capacity)
        return capacity
    return settings.max_concurrent_requests


def _route_template(scope: Scope) -> str:
    """The matched route as a template (``/v1/events/{event_id}``), so metric labels stay few."""
    route = scope.get("route")
    if route is None:
        return "unmatched"
    values = {str(v): k for k, v in scope.get("path_params", {}).items()}
    return "/".join("{" + values[seg] + "}" if seg in values else seg for seg in str(scope["path"]).split("/"))


class Observe:
    """ASGI middleware: every response's latency and status into the metrics (a plain ASGI class: starlette's
    ``BaseHTTPMiddleware`` costs a task and a stream per request)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes every handler becomes a 500 further out

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = _route_template(scope)
            self.metrics.request_latency.labels(scope["method"], path, str(status)).observe(
                time.perf_counter() - started)
            if status >= 400:
                self.metrics.request_errors.labels(path, str(status)).inc()


def serve(settings: Settings | None = None, *, chain: Any = None, deployment: Deployment | None = None,
          lock: threading.Lock | None = None) -> None:
    """Serve the API with uvicorn (and the indexer, unless ``index_in_process`` is off). ``scf gateway``."""
    settings = settings or get_settings()
    configure_logging()
    if settings.jwt_secret_generated:
        log.warning("SCF_GATEWAY_JWT_SECRET is not set: this process signs tokens with a key of its own, which no "
                    "other replica accepts; give every replica the same secret")
    if settings.workers > 1:
        serve_workers(settings, access_log=settings.access_log)
        return
    app = create_app(settings, chain=chain, deployment=deployment, lock=lock)
    make_server(app, settings, access_log=settings.access_log).run()


def serve_workers(settings: Settings, *, host: str | None = None, port: int | None = None,
                  log_level: str = "info", access_log: bool = True) -> None:
    """``settings.workers`` API processes on one listening socket (POSIX). The parent migrates the schema, binds
    the socket and forks; each child builds its own app (pool, admission, event loop) and serves. SIGTERM or
    SIGINT to the parent reaches every child, each shutting down as ``make_server`` describes; when one child
    exits, the others are stopped too, and the parent exits with the first child's failure."""
    import os
    import signal
    import socket

    engine = engine_from_settings(settings)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    bind = (host or settings.host, port or settings.port)
    sock = socket.socket(socket.AF_INET6 if ":" in bind[0] else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(bind)
    sock.listen(2048)
    sock.set_inheritable(True)
    children: list[int] = []
    for _ in range(settings.workers):
        pid = os.fork()
        if pid == 0:  # the child: an app of its own on the shared socket
            code = 0
            try:
                app = create_app(settings, migrate_schema=False)
                make_server(app, settings, host=bind[0], port=bind[1], log_level=log_level,
                            access_log=access_log).run(sockets=[sock])
            except BaseException:  # noqa: BLE001 - reported, and the parent stops the others
                log.exception("API worker %d failed", os.getpid())
                code = 1
            os._exit(code)
        children.append(pid)
    sock.close()
    log.info("serving with %d API workers: %s", len(children), children)

    stopping: list[int] = []  # the signal forwarded, once asked to stop

    def forward(sig: int, _: Any) -> None:
        stopping.append(sig)
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, sig)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    failure = 0
    try:
        alive = set(children)
        while alive:
            pid, status = os.wait()
            alive.discard(pid)
            code = os.waitstatus_to_exitcode(status)
            if stopping and code in (0, -signal.SIGTERM, -signal.SIGINT):
                code = 0  # uvicorn re-raises the signal it shut down on: a clean stop
            if code != 0 and not failure:
                failure = code if code > 0 else 1
            if alive and len(alive) == len(children) - 1:  # the first one out: stop the rest
                stopping.append(signal.SIGTERM)
                for child in alive:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(child, signal.SIGTERM)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failure:
        raise SystemExit(failure)


def make_server(app: FastAPI, settings: Settings, *, host: str | None = None, port: int | None = None,
                log_level: str = "info", access_log: bool = True) -> uvicorn.Server:
    """A uvicorn server for `app` that shuts down within seconds under any load: on SIGTERM/SIGINT it stops
    accepting, answers waiting requests 503 at once, gives requests in flight ``shutdown_timeout`` to finish, then
    the app's shutdown stops the indexer at a batch boundary."""
    import uvicorn

    config = uvicorn.Config(app, host=host or settings.host, port=port or settings.port, log_level=log_level,
                            access_log=access_log, timeout_graceful_shutdown=max(1, round(settings.shutdown_timeout)))
    ctx: AppContext = app.state.ctx

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            if ctx.admission is not None:
                ctx.admission.close()
            super().handle_exit(sig, frame)

    return Server(config)
