"""Database engine and schema migrations. SQLite is the default; PostgreSQL comes through a database URL.

The schema is created and upgraded by Alembic (``gateway/migrations``), never by ``create_all``.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool, StaticPool

from gateway.core.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
#: The schema each engine was made for, so that a sibling engine (indexer, /health) can use the same one.
_SCHEMAS: weakref.WeakKeyDictionary[Engine, str | None] = weakref.WeakKeyDictionary()
#: SQLite waits this long for the write lock unless told otherwise (the indexer writes whole batches).
DEFAULT_LOCK_TIMEOUT = 30.0
Role = Literal["api", "indexer", "health"]
#: Execution option of a session that will write (``Session(engine, execution_options=WRITES)``). On SQLite its
#: transaction starts with BEGIN IMMEDIATE: it takes the write lock first, waiting for it up to the lock timeout.
#: A plain (deferred) transaction that reads and then writes fails at once with "database is locked" when another
#: writer committed in between (SQLite cannot upgrade a stale read snapshot), and no busy timeout helps that.
WRITES = {"scf_writes": True}


class DatabaseError(RuntimeError):
    """The database cannot be used by the gateway (wrong schema version, wrong deployment...)."""


def make_engine(url: str, schema: str | None = None, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                create_schema: bool = True, **kwargs: Any) -> Engine:
    """An engine configured for the gateway: WAL and real transactions on SQLite, a search path on PostgreSQL.

    `lock_timeout` (SQLite) bounds how long a write waits for the database lock; `kwargs` go to create_engine
    (pool_size, max_overflow, pool_timeout are ignored for an in-memory SQLite database, which has one connection).
    """
    if url.startswith("sqlite"):
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": lock_timeout}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.setdefault("poolclass", StaticPool)
            for key in ("pool_size", "max_overflow", "pool_timeout"):
                kwargs.pop(key, None)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _sqlite_transactions(engine, lock_timeout)
        _SCHEMAS[engine] = None
        return engine
    connect_args = {}
    if schema:
        if not _SCHEMA_RE.match(schema):
            raise DatabaseError(f"schema name {schema!r} is not a plain lower-case identifier")
        connect_args["options"] = f"-csearch_path={schema}"
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True, **kwargs)
    if schema and create_schema:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    _SCHEMAS[engine] = schema
    return engine


def pool_options(settings: Settings, role: Role = "api") -> dict[str, Any]:
    """Pool sizes per user of the database. The API's pool bounds its concurrency (settings); the indexer and
    /health get small pools of their own, so a burst of requests can never starve them (issue 9)."""
    if role == "api":
        return {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow,
                "pool_timeout": settings.db_pool_timeout, "lock_timeout": settings.db_lock_timeout}
    if role == "indexer":  # one thread; a slow pool or lock is retried like any transient error
        return {"pool_size": 2, "max_overflow": 2, "pool_timeout": 30.0, "lock_timeout": DEFAULT_LOCK_TIMEOUT}
    return {"pool_size": 1, "max_overflow": 1, "pool_timeout": settings.health_db_timeout,
            "lock_timeout": settings.health_db_timeout}


def engine_from_settings(settings: Settings, role: Role = "api") -> Engine:
    return make_engine(settings.database_url, settings.database_schema, **pool_options(settings, role))


def sibling_engine(engine: Engine, settings: Settings, role: Role) -> Engine:
    """Another engine on `engine`'s database and schema, with the pool for `role`. An in-memory SQLite database
    exists only inside its one connection, so it is shared instead."""
    if isinstance(engine.pool, StaticPool):
        return engine
    url = engine.url.render_as_string(hide_password=False)
    return make_engine(url, _SCHEMAS.get(engine), **pool_options(settings, role))


def schema_of(engine: Engine) -> str | None:
    """The PostgreSQL schema `engine` was made for (None: the default, or SQLite)."""
    return _SCHEMAS.get(engine)


def read_engine_from_settings(settings: Settings, primary: Engine) -> Engine:
    """The engine for the API's reads: ``database_read_url`` (a read-only replica) when set, else `primary`."""
    if not settings.database_read_url:
        return primary
    if not settings.database_read_url.startswith("postgresql") or primary.dialect.name != "postgresql":
        raise DatabaseError("database_read_url needs PostgreSQL for both the primary and the read replica")
    return make_engine(settings.database_read_url, _SCHEMAS.get(primary), create_schema=False,
                       **pool_options(settings, "api"))


def pool_capacity(engine: Engine) -> int | None:
    """How many connections the engine's pool hands out at most (None: no limit known)."""
    pool = engine.pool
    if isinstance(pool, QueuePool):
        overflow: int = pool._max_overflow  # no public accessor; -1 means unbounded
        return None if overflow < 0 else pool.size() + overflow
    if isinstance(pool, StaticPool):
        return 1
    return None


def _sqlite_transactions(engine: Engine, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
    """pysqlite defers BEGIN to the first write; take control so that a batch is one real transaction."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        if cur.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across process crashes
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("scf_writes") else "BEGIN")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to `revision` (default: the latest). On PostgreSQL, replicas starting at once
    take turns: an advisory lock (per schema) is held around the upgrade, so one migrates and the others find the
    schema current."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    key = _migration_lock_key(_SCHEMAS.get(engine))
    with engine.connect() as conn:  # one connection for the lock and the upgrade (the pool may have just one)
        conn.exec_driver_sql("SELECT pg_advisory_lock(%s)", (key,))
        conn.commit()
        try:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        finally:
            conn.rollback()  # a failed upgrade leaves its transaction aborted
            conn.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (key,))
            conn.commit()


def _migration_lock_key(schema: str | None) -> int:
    digest = hashlib.blake2b(f"scf-gateway-migrate:{schema or 'public'}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` (``base`` drops every table)."""
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def require_current_schema(engine: Engine) -> None:
    """Refuse to run against a database whose schema is missing or out of date."""
    have, want = current_revision(engine), head_revision()
    if have != want:
        raise DatabaseError(
            f"database schema is at revision {have or 'none'}, the gateway needs {want}: "
            "run `scf gateway migrate` (or start the gateway with migrations enabled)"
        )
