"""Indexer leadership on PostgreSQL: any number of indexer processes, one of which indexes.

The leader holds a session-level advisory lock (``pg_try_advisory_lock``) on a connection of its own, which does
nothing else. PostgreSQL releases the lock the moment that session ends: the process died, was killed, or lost its
network (the session's TCP keepalives are set short, so a vanished host is noticed within about 25 s). The others
stand by and try the lock every ``leader_check_interval`` seconds; the first to get it takes over from the last
checkpoint. A batch the old leader had not committed was rolled back with its session, and the checkpoint's
compare-and-set (``Store.apply``) refuses a batch from a leader that lost its lock while a successor wrote.

The leader checks its lock connection at the same interval; when it is gone, it stops at the next batch boundary
and stands by again. On SQLite there is one indexer process by construction, and none of this runs.

``pg_stat_activity`` shows who leads: the lock connection's ``application_name`` is ``scf-indexer leader pid=N``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from gateway.core.db import schema_of

if TYPE_CHECKING:
    from gateway.indexer.engine import Indexer

log = logging.getLogger("gateway.indexer")

#: Indexer status while another process holds the lock.
STANDBY = "standby"


def lock_key(schema: str | None) -> int:
    """The advisory lock's key: a signed 64-bit number derived from the schema (advisory locks are per database,
    and several gateways may share one database in different schemas)."""
    digest = hashlib.blake2b(f"scf-gateway-indexer:{schema or 'public'}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def uses_leadership(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class Leadership:
    """The advisory lock on its dedicated connection (psycopg, autocommit, outside SQLAlchemy's pool)."""

    def __init__(self, engine: Engine, *, timeout: float = 5.0) -> None:
        self.engine = engine
        self.key = lock_key(schema_of(engine))
        self.timeout = timeout
        self._conn: Any = None

    def _connect(self) -> Any:
        import psycopg

        cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
        params = {**cparams, "autocommit": True, "connect_timeout": max(1, round(self.timeout)),
                  "application_name": f"scf-indexer standby pid={os.getpid()}",
                  # the client notices a vanished server, and (below) the server a vanished client, in ~25 s
                  "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
        conn = psycopg.connect(*cargs, **params)
        ms = int(self.timeout * 1000)
        conn.execute(f"SET statement_timeout = {ms}")
        for name, value in (("tcp_keepalives_idle", 10), ("tcp_keepalives_interval", 5), ("tcp_keepalives_count", 3)):
            conn.execute(f"SET {name} = {value}")
        return conn

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it. Connection errors propagate (the caller retries)."""
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        got = bool(self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0])
        if got:
            self._conn.execute("SELECT set_config('application_name', %s, false)",
                               (f"scf-indexer leader pid={os.getpid()}",))
        return got

    def held(self) -> bool:
        """True while the lock connection is alive and holds the lock."""
        if self._conn is None or self._conn.closed:
            return False
        try:
            row = self._conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() "
                "AND classid = %s AND objid = %s AND objsubid = 1",
                ((self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF)).fetchone()
        except Exception as exc:  # the session is gone, and the lock with it
            log.warning("indexer lock connection lost: %s", (str(exc).splitlines() or [""])[0][:300])
            self.release()
            return False
        return bool(row and row[0])

    def release(self) -> None:
        """Close the dedicated connection: PostgreSQL drops the lock with the session."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


def run_led(indexer: Indexer, stop: threading.Event) -> None:
    """Run `indexer` until `stop`, indexing only while this process holds the leadership (PostgreSQL); on any
    other database, just run it. The entry point of every indexer: ``scf gateway index`` and the API's own."""
    engine = indexer.store.engine
    if not uses_leadership(engine):
        indexer.run(stop)
        return
    interval = indexer.settings.leader_check_interval
    leadership = Leadership(engine)
    waiting_logged = False
    try:
        while not stop.is_set():
            try:
                got = leadership.try_acquire()
            except Exception as exc:
                leadership.release()
                reason = (str(exc).splitlines() or [""])[0][:300]
                indexer._set(status=STANDBY, last_error=f"database: {type(exc).__name__}: {reason}")
                log.warning("cannot reach the database for the indexer lock (%s); retrying", reason)
                stop.wait(interval)
                continue
            if not got:
                if not waiting_logged:
                    log.info("another indexer leads (advisory lock %d); standing by", leadership.key)
                    waiting_logged = True
                indexer._set(status=STANDBY)
                indexer.metrics.leader.set(0)
                stop.wait(interval)
                continue
            waiting_logged = False
            log.info("this indexer (pid %d) leads now", os.getpid())
            indexer.metrics.leader.set(1)
            lost = _lead(indexer, leadership, stop, interval)
            indexer.metrics.leader.set(0)
            if not lost:
                return  # stopped, or halted: a halt is not cured by another leader
            log.warning("indexer lost its lock; standing by")
            indexer._set(status=STANDBY)
    finally:
        leadership.release()
        indexer.metrics.leader.set(0)


def _lead(indexer: Indexer, leadership: Leadership, stop: threading.Event, interval: float) -> bool:
    """Index while the lock holds. Returns True when the lock was lost (then stand by again)."""
    running = threading.Event()  # the indexer's own stop: set by `stop` or a lost lock
    lost = threading.Event()

    def watch() -> None:
        while not running.is_set():
            if stop.wait(interval):
                break
            if not leadership.held():
                lost.set()
                break
        running.set()

    watchdog = threading.Thread(target=watch, name="scf-indexer-lock", daemon=True)
    watchdog.start()
    try:
        indexer.run(running)
    finally:
        running.set()
        watchdog.join()
    if indexer.status.status == "halted" and not lost.is_set() and leadership.held():
        return False
    return lost.is_set() or (not stop.is_set() and not leadership.held())


class LeaderRunning(RuntimeError):
    """Another indexer process holds the leadership: a one-off catch-up would race it."""


def sync_led(indexer: Indexer) -> int:
    """Catch up once (``scf gateway index --once``) holding the leadership lock on PostgreSQL; refuse while another
    indexer leads. Returns the indexed head."""
    engine = indexer.store.engine
    if not uses_leadership(engine):
        return indexer.sync()
    leadership = Leadership(engine)
    try:
        if not leadership.try_acquire():
            raise LeaderRunning("another indexer process leads on this database and keeps it current: "
                                "--once would race it (stop it first, or let it index)")
        return indexer.sync()
    finally:
        leadership.release()
