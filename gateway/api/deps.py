"""Typed dependencies: the database session, the signed-in party, the gateway's clock."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from gateway.api.errors import FieldError
from gateway.core.config import Settings
from gateway.core.db import WRITES
from gateway.core.metrics import Metrics
from gateway.core.security import AuthError, decode_token
from gateway.models.common import table_of
from gateway.models.indexer import IndexerState
from gateway.models.participants import Participant
from sdk.ledger import Deployment
from sdk.types import ParticipantStatus, Role, roles_from_mask

if TYPE_CHECKING:
    from gateway.api.answers import Answers
    from gateway.api.auth import AuthCache
    from gateway.api.limits import Admission, Probe
    from gateway.api.notify import IndexedListener
    from gateway.indexer.engine import Indexer

log = logging.getLogger("gateway")

@dataclass
class AppContext:
    """Everything a request handler may use. Handlers never reach the chain, only the database; the write API's
    routes (relay, dry run, receipt) are the exception."""

    settings: Settings
    engine: Engine
    deployment: Deployment
    metrics: Metrics
    indexer: Indexer | None = None
    clock: Callable[[], float] = field(default=time.time)
    #: The gate in front of the app (load shedding), and /health's own small pool and probe.
    admission: Admission | None = None
    health_engine: Engine | None = None
    health_probe: Probe | None = None
    last_state: IndexerState | None = None
    #: The node the write API relays to (gateway/api/routes/tx.py only): the embedded chain handed to create_app,
    #: or an sdk RpcChain on settings.chain_url, connected at first use. ``node_lock`` guards an embedded chain.
    node: Any = None
    node_lock: Any = None
    #: Where the API's reads go: ``database_read_url`` (a read-only replica) or, unset, ``engine`` itself.
    read_engine: Engine | None = None
    #: The process's LISTEN connection for the indexer's commits (PostgreSQL; gateway.api.notify).
    listener: IndexedListener | None = None
    #: Verified tokens and participants' standing, remembered between requests (gateway.api.auth).
    auth: AuthCache | None = None
    #: Answers that are a pure function of the index and the ledger's clock (gateway.api.answers).
    answers: Answers = field(default_factory=lambda: _answers())

    def index_generation(self) -> tuple[int, int]:
        """Changes whenever this process sees the index change: its own indexer's commits, the indexer's NOTIFY."""
        return (self.indexer.store.generation if self.indexer is not None else 0,
                self.listener.notifications if self.listener is not None else 0)

    def now(self) -> int:
        return int(self.clock())

    @property
    def reader(self) -> Engine:
        return self.read_engine or self.engine

    @property
    def has_read_replica(self) -> bool:
        return self.read_engine is not None and self.read_engine is not self.engine


def _answers() -> Answers:
    from gateway.api.answers import Answers

    return Answers()


async def get_context(request: Request) -> AppContext:
    # async: FastAPI runs a plain `def` dependency in a worker thread, and each hop costs more than this does
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


def _close(session: Session) -> None:
    """Close `session` without ever failing the request. Closing rolls back what is still open; when the database
    went away meanwhile (restarted, or the session was terminated), that rollback raises, although there is
    nothing left to undo: the server dropped the transaction with the session. The dead connection is discarded
    (the pool opens a fresh one next time) and the request keeps the answer it already has, or the error that
    broke it (a 503)."""
    try:
        session.close()
    except DBAPIError as exc:
        log.info("closing a session on a lost database connection: %s", (str(exc).splitlines() or [""])[0][:200])
        with suppress(Exception):
            session.invalidate()


@contextmanager
def closing_session(engine: Engine, **options: Any) -> Iterator[Session]:
    """A session for work outside a request's dependencies, closed as :func:`_close` does."""
    session = Session(engine, **options)
    try:
        yield session
    finally:
        _close(session)


async def _session_on(engine: Engine, **options: Any) -> AsyncIterator[Session]:
    # Made on the event loop (no I/O: the connection is taken at the first query, in the handler's thread).
    # Closing returns the connection (a rollback): in process on SQLite; over the network it goes to a worker
    # thread, so that a database that stopped answering never blocks the event loop.
    session = Session(engine, expire_on_commit=False, **options)
    try:
        yield session
    finally:
        if engine.dialect.name == "sqlite":
            _close(session)
        else:
            await anyio.to_thread.run_sync(_close, session)


async def get_session(ctx: ContextDep, request: Request) -> AsyncIterator[Session]:
    """One session per request. Its connection is taken at the first query, in the handler's thread; objects
    stay readable after a commit (no re-read that would take the connection again in another thread).

    GET requests read from ``ctx.reader`` (the read replica, when configured); every other method, and the GET
    routes that write (they take :data:`PrimarySessionDep`), use the primary, in a writing transaction (SQLite:
    BEGIN IMMEDIATE, see gateway.core.db.WRITES)."""
    if request.method in ("GET", "HEAD"):
        async for session in _session_on(ctx.reader):
            yield session
        return
    async for session in _session_on(ctx.engine, execution_options=WRITES):
        yield session


async def get_primary_session(ctx: ContextDep) -> AsyncIterator[Session]:
    """A session on the primary database, whatever the method (a GET that writes: the sign-in nonce)."""
    async for session in _session_on(ctx.engine, execution_options=WRITES):
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
PrimarySessionDep = Annotated[Session, Depends(get_primary_session)]


@dataclass(frozen=True, slots=True)
class Party:
    """The signed-in participant and its roles, as the indexed registry has them right now."""

    address: str
    roles: frozenset[Role]

    @property
    def is_regulator(self) -> bool:
        return Role.REGULATOR in self.roles

    def has(self, role: Role) -> bool:
        return role in self.roles


def role_names(mask: int) -> list[str]:
    return sorted(r.name.lower() for r in roles_from_mask(mask))


def ledger_now(session: Session, ctx: AppContext) -> int:
    """The later of the gateway's clock and the newest indexed block time (KYC expiry is a chain-time rule)."""
    state = table_of(IndexerState).c
    head_time = session.execute(select(state.head_time).where(state.id == 1)).scalar()
    return max(ctx.now(), int(head_time or 0))


def refusal(row: Participant | None, now: int) -> str | None:
    """Why this participant may not use the gateway now, or None."""
    if row is None:
        return "address is not an admitted participant"
    if row.status == int(ParticipantStatus.SUSPENDED):
        return "participant is suspended"
    if row.status != int(ParticipantStatus.ACTIVE):
        return "participant is not active"
    if row.kyc_expiry <= now:
        return "participant's KYC has expired"
    return None


_bearer = HTTPBearer(auto_error=False, description="The token from POST /v1/auth/login")


async def current_party(
    ctx: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Party:
    """The signed-in party. A token and a standing seen recently answer from memory (gateway.api.auth), on the
    event loop; otherwise the participant is read in a worker thread, in a session of its own, closed before the
    handler runs: no connection is held across the thread hop between this check and the handler (issue 9)."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise FieldError(["header", "authorization"], "sign in: send 'Authorization: Bearer <token>'", 401,
                         "unauthorized", challenge)
    now = ctx.now()
    try:
        claims = (ctx.auth.claims(credentials.credentials, ctx.settings, now) if ctx.auth is not None
                  else decode_token(credentials.credentials, ctx.settings, now))
    except AuthError as exc:
        raise FieldError(["header", "authorization"], exc.message, 401, "unauthorized", challenge) from None
    if ctx.auth is not None:
        roles = ctx.auth.standing(claims.address, now)
        if roles is not None:
            return Party(address=claims.address, roles=roles)
    party, reason = await anyio.to_thread.run_sync(_read_standing, ctx, claims.address)
    if party is None:
        raise FieldError(["header", "authorization"], f"token refused: {reason}", 401, "unauthorized", challenge)
    return party


def _read_standing(ctx: AppContext, address: str) -> tuple[Party | None, str | None]:
    """The participant as a Party when it may use the gateway now, else None and why (and remember a Party)."""
    generation = ctx.auth.generation_now() if ctx.auth is not None else (0, 0)  # before the read: see AuthCache
    state = table_of(IndexerState).c
    # a participant admitted moments ago may take the replica's lag to appear
    with closing_session(ctx.reader) as session:
        row = session.get(Participant, address)
        head_time = int(session.execute(select(state.head_time).where(state.id == 1)).scalar() or 0)
    reason = refusal(row, max(ctx.now(), head_time))
    if reason is not None or row is None:
        return None, reason
    party = Party(address=row.address, roles=roles_from_mask(row.roles))
    if ctx.auth is not None:
        ctx.auth.remember(row.address, party.roles, row.kyc_expiry, head_time, generation)
    return party, None


CurrentParty = Annotated[Party, Depends(current_party)]
