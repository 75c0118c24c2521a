"""`scf gateway`: serve the role-scoped read API with the event indexer inside (the default), index alone, or
migrate the database. Every setting of :class:`gateway.core.config.Settings` can also come from
``SCF_GATEWAY_<FIELD>`` environment variables; the options below override them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sdk.cli.common import DEFAULT_DEPLOYMENT, JsonOpt, Output, fail, info
from sdk.errors import LedgerError

if TYPE_CHECKING:
    from gateway.core.config import Settings

app = typer.Typer(help="Gateway: index the ledger's events into SQL and serve the role-scoped API.")

RpcOpt = Annotated[
    str | None,
    typer.Option("--rpc", show_default=False,
                 help="JSON-RPC URL of the node to follow (else SCF_GATEWAY_CHAIN_URL, else SCF_RPC_URL)."),
]
DeploymentOpt = Annotated[
    Path | None,
    typer.Option("--deployment", show_default=False,
                 help="Deployment file from `scf deploy` (else SCF_GATEWAY_DEPLOYMENT_FILE, else SCF_DEPLOYMENT, "
                 f"else {DEFAULT_DEPLOYMENT})."),
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database-url", show_default=False,
                 help="sqlite:///scf-gateway.db (default) or postgresql+psycopg://user@host/db."),
]


class GatewayError(LedgerError):
    """The gateway refused to start or stopped: the message says why."""


def gateway_settings(rpc: str | None, deployment: Path | None, database_url: str | None, *, need_chain: bool = True,
                     **extra: Any) -> Settings:
    """Gateway settings from the environment, with the command's options on top."""

    from pydantic import ValidationError

    from gateway.core.config import Settings

    overrides: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    # One order everywhere: the command's option, then the gateway's own variable, then the CLI-wide one.
    chain_url, chain_source = _first(("--rpc", rpc), ("SCF_GATEWAY_CHAIN_URL", _env_chain()),
                                     ("SCF_RPC_URL", os.environ.get("SCF_RPC_URL")))
    if chain_url is not None:
        overrides["chain_url"] = chain_url
        if need_chain:
            info(f"chain: {chain_url} (from {chain_source})")
    elif need_chain:
        raise fail("the gateway follows a node: pass --rpc URL (or set SCF_GATEWAY_CHAIN_URL or SCF_RPC_URL). The "
                   "embedded chain lives inside one process; `scf demo` indexes and serves it.")
    file, file_source = _first(("--deployment", deployment),
                               ("SCF_GATEWAY_DEPLOYMENT_FILE", os.environ.get("SCF_GATEWAY_DEPLOYMENT_FILE")),
                               ("SCF_DEPLOYMENT", os.environ.get("SCF_DEPLOYMENT")),
                               ("default", DEFAULT_DEPLOYMENT))
    overrides["deployment_file"] = Path(file)
    if need_chain:
        info(f"deployment: {file} (from {file_source})")
    if database_url:
        overrides["database_url"] = database_url
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        raise fail(f"gateway settings: {problems}") from None


def _env_chain() -> str | None:
    value = os.environ.get("SCF_GATEWAY_CHAIN_URL")
    return None if value in (None, "", "embedded") else value


def _first(*candidates: tuple[str, Any]) -> tuple[Any, str]:
    """The first set value among (source, value) pairs, with the name of its source."""
    for source, value in candidates:
        if value:
            return value, source
    return None, ""


@contextmanager
def gateway_errors() -> Iterator[None]:
    """The gateway's own failures as one-line errors."""
    from gateway.core.db import DatabaseError
    from gateway.indexer import DeploymentMismatch, IndexerHalted
    from gateway.indexer.leader import LeaderRunning

    try:
        yield
    except LeaderRunning as exc:
        raise GatewayError(str(exc)) from exc
    except IndexerHalted as exc:
        raise GatewayError(f"the indexer halted: {exc}") from exc
    except DeploymentMismatch as exc:
        raise GatewayError(f"the database belongs to another deployment: {exc}") from exc
    except DatabaseError as exc:
        raise GatewayError(str(exc)) from exc


@app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = None,
    database_url: DatabaseOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).",
                                             show_default=False)] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000).", show_default=False)] = None,
) -> None:
    """Serve the API (OpenAPI at /docs) with the indexer following the node in the same process."""
    if ctx.invoked_subcommand is not None:
        return
    settings = gateway_settings(rpc, deployment, database_url, host=host, port=port)
    from gateway.main import serve as run_server

    url = f"http://{settings.host}:{settings.port}"
    info(f"gateway for {settings.deployment_file} on {settings.chain_url}; database {settings.database_url}")
    info(f"serving {url} (OpenAPI at {url}/docs, health at {url}/health); Ctrl-C stops")
    with gateway_errors():
        run_server(settings)


@app.command()
def index(
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = None,
    database_url: DatabaseOpt = None,
    once: Annotated[bool, typer.Option("--once", help="Catch up with the node, then exit.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run the indexer alone (the API then reads its heartbeat from the database), until Ctrl-C or with --once."""
    settings = gateway_settings(rpc, deployment, database_url)
    from gateway.indexer import build_indexer, run
    from gateway.indexer.leader import sync_led

    with gateway_errors():
        if not once:
            info(f"indexing {settings.deployment_file} from {settings.chain_url} into {settings.database_url}; "
                 "Ctrl-C stops")
            run(settings)
            return
        indexer = build_indexer(settings)
        try:
            head = sync_led(indexer)
        finally:
            indexer.source.close()
        Output(as_json).result({"indexed_head": head, "events": count_events(indexer.store.engine),
                                "database": settings.database_url}, title="Indexed")


@app.command()
def migrate(
    database_url: DatabaseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create or upgrade the gateway's database schema to the latest revision."""
    settings = gateway_settings(None, None, database_url, need_chain=False)
    from gateway.core.db import current_revision, engine_from_settings
    from gateway.core.db import migrate as upgrade

    engine = engine_from_settings(settings)
    before = current_revision(engine)
    with gateway_errors():
        upgrade(engine)
    Output(as_json).result({"database": settings.database_url, "from": before, "to": current_revision(engine)},
                           title="Schema")


def count_events(engine: Any) -> int:
    """Rows in the gateway's append-only event log."""
    from sqlalchemy import func, select

    from gateway.models.common import table_of
    from gateway.models.events import EventLog

    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table_of(EventLog))).scalar_one())
