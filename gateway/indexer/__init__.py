"""The event indexer: the only part of the gateway that talks to the chain.

Run it alone with :func:`run` (``scf gateway index``) or inside the API process (:func:`gateway.main.serve`).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from sqlalchemy import Engine

from gateway.core.config import Settings
from gateway.core.db import engine_from_settings, migrate, require_current_schema
from gateway.core.logs import configure_logging
from gateway.core.metrics import Metrics
from gateway.indexer.engine import DeploymentMismatch, Indexer, IndexerHalted, IndexerStatus, Step
from gateway.indexer.leader import run_led
from gateway.indexer.source import ChainSource, EmbeddedSource, NodeUnavailable, RpcSource
from sdk.ledger import Deployment

__all__ = [
    "DeploymentMismatch",
    "Indexer",
    "IndexerHalted",
    "IndexerStatus",
    "NodeUnavailable",
    "Step",
    "build_indexer",
    "make_source",
    "run",
    "run_led",
]


def make_source(settings: Settings, chain: Any = None, lock: threading.Lock | None = None) -> ChainSource:
    """A JSON-RPC source for a URL; for the embedded chain, the in-process chain object must be passed in."""
    if settings.is_embedded:
        if chain is None:
            raise ValueError(
                "the embedded chain lives inside one process: pass the chain object (sdk.connect()) to the gateway, "
                "or set SCF_GATEWAY_CHAIN_URL to a node's JSON-RPC URL"
            )
        return EmbeddedSource(chain, lock)
    return RpcSource(settings.chain_url, timeout=settings.rpc_timeout)


def build_indexer(
    settings: Settings,
    *,
    chain: Any = None,
    deployment: Deployment | None = None,
    engine: Engine | None = None,
    metrics: Metrics | None = None,
    lock: threading.Lock | None = None,
    migrate_schema: bool = True,
) -> Indexer:
    engine = engine or engine_from_settings(settings, "indexer")
    if migrate_schema:
        migrate(engine)
    else:
        require_current_schema(engine)
    deployment = deployment or Deployment.load(settings.deployment_file)
    return Indexer(make_source(settings, chain, lock), deployment, engine, settings, metrics=metrics)


def run(settings: Settings, *, chain: Any = None, deployment: Deployment | None = None) -> None:
    """Index until interrupted (SIGINT/SIGTERM). The entry point of ``scf gateway index``."""
    configure_logging()
    indexer = build_indexer(settings, chain=chain, deployment=deployment)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    try:
        run_led(indexer, stop)  # on PostgreSQL: index only while holding the leadership lock
    finally:
        indexer.source.close()
    if indexer.status.status == "halted":
        raise IndexerHalted(indexer.status.halted_reason or "halted")
