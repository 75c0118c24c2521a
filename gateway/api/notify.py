"""LISTEN for the indexer's commits (PostgreSQL), so event streams wake when there is something to read.

Migration 0017 makes every move of the indexer's checkpoint ``NOTIFY scf_indexed, '<schema> <head block>'``; the
notification is delivered when the batch commits, to every API replica listening on the database. Each API process
holds one LISTEN connection (a thread, outside SQLAlchemy's pool) and wakes its open streams; the streams still
poll now and then, in case a notification was missed while the connection was down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

from sqlalchemy import Engine

from gateway.core.db import schema_of

log = logging.getLogger("gateway")
CHANNEL = "scf_indexed"


class Waiter:
    """One stream's wake-up: an asyncio event on the stream's loop, set from the listener's thread."""

    def __init__(self, listener: IndexedListener) -> None:
        self._listener = listener
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def wake(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
            self._loop.call_soon_threadsafe(self._event.set)

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, timeout: float) -> bool:
        """True when woken by a notification, False when `timeout` ran out."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self._listener._forget(self)


class IndexedListener:
    """The process's LISTEN connection. ``listening`` is True while notifications can arrive."""

    def __init__(self, engine: Engine, *, retry_seconds: float = 1.0) -> None:
        self.engine = engine
        self.schema = schema_of(engine) or "public"
        self.retry_seconds = retry_seconds
        self.listening = False
        self.notifications = 0
        self._waiters: set[Waiter] = set()
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="scf-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
        self.listening = False

    def subscribe(self) -> Waiter:
        waiter = Waiter(self)
        with self._guard:
            self._waiters.add(waiter)
        return waiter

    def _forget(self, waiter: Waiter) -> None:
        with self._guard:
            self._waiters.discard(waiter)

    def _wake_all(self) -> None:
        with self._guard:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.wake()

    def _connect(self) -> Any:
        import psycopg

        cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
        conn = psycopg.connect(*cargs, **{**cparams, "autocommit": True, "connect_timeout": 5,
                                          "application_name": "scf-gateway listen", "keepalives": 1,
                                          "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3})
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _run(self) -> None:
        while not self._stop.is_set():
            conn = None
            try:
                conn = self._connect()
                self.listening = True
                self._wake_all()  # anything committed while we were not listening
                while not self._stop.is_set():
                    for note in conn.notifies(timeout=1.0):
                        if note.payload.split(" ", 1)[0] == self.schema:
                            self.notifications += 1
                            self._wake_all()
                    if conn.closed:
                        raise ConnectionError("LISTEN connection closed")
            except Exception as exc:
                if self.listening:
                    log.warning("LISTEN %s lost (%s); event streams poll until it is back", CHANNEL,
                                (str(exc).splitlines() or [""])[0][:300])
                self.listening = False
                self._stop.wait(self.retry_seconds)
            finally:
                self.listening = False
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.close()
