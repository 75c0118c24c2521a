"""Fault injection (issue 15): the database goes away or locks up while the indexer writes and the API serves load.

* **PostgreSQL "restarted"** (marker ``postgres``): the indexer (`scf gateway index`) and an API replica (`scf gateway`)
  run as the deployment recipe runs them, on a database of their own; a node keeps producing blocks and clients keep
  calling the API. The outage is what a restart does to the gateway's sessions, done to that database alone (the
  server is shared with other tests and other users, so it is not restarted for real): ``ALTER DATABASE ...
  ALLOW_CONNECTIONS false`` refuses every new session, as a server that is down or starting up does, and
  ``pg_terminate_backend`` ends every session on it, repeatedly for the outage's length, which is what a shutdown
  does to each open session (the same FATAL ``57P01 admin_shutdown``, an aborted transaction, a dead LISTEN
  connection and a released advisory lock). Then connections are allowed again. The API answers 503 with
  Retry-After (never 500) during the outage and 200 again after it, /health says degraded while the database is
  away and ok once it is back, and the database equals a fresh re-index: no row lost, none twice.
* **SQLite "database is locked"**: another writer holds SQLite's write lock while the indexer writes and readers
  and sign-ins hammer the API. Held for less than ``db_lock_timeout``, every request waits and succeeds; held for
  longer, sign-ins get 503 with Retry-After, reads go on (WAL), and nothing answers 500.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from gateway.core.db import make_engine, migrate
from gateway.main import create_app, make_server
from sdk.anvil import free_port
from tests.gateway.conftest import PG_URL
from tests.gateway.helpers import dump, indexer, settings, sign_text, siwe_text
from tests.gateway.test_indexer_node import (
    Node,
    _indexer_env,
    _wait,
    node,  # noqa: F401 - fixture
)
from tests.gateway.test_replicas import _spawn, _stop, recipe_command, recipe_env

DOMAIN = "gateway.test"
URI = f"http://{DOMAIN}"
#: A request answered later than this counts as hung (the API's own bounds are a few seconds).
ANSWER_WITHIN = 10.0


# ------------------------------------------------------------------------------------------------ load
@dataclass(frozen=True)
class Call:
    path: str
    started: float
    ended: float
    status: int | str  # HTTP status, or the client error's name
    retry_after: str | None
    body: str


@dataclass
class Load:
    """Client threads calling the API in a loop (and one polling /health) until stopped; every answer is kept."""

    url: str
    token: str
    login: Callable[[httpx.Client], int] | None = None
    calls: list[Call] = field(default_factory=list)
    health: list[Call] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    READS = ("/v1/receivables?limit=50", "/v1/balances", "/v1/events?limit=20", "/v1/positions")

    def _call(self, client: httpx.Client, method: str, path: str, **kwargs: Any) -> Call:
        started = time.monotonic()
        try:
            response = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            return Call(path, started, time.monotonic(), type(exc).__name__, None, str(exc)[:200])
        return Call(path, started, time.monotonic(), response.status_code, response.headers.get("retry-after"),
                    response.text[:300])

    def _reader(self, offset: int) -> None:
        auth = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, timeout=ANSWER_WITHIN + 5) as client:
            i = offset
            while not self.stop.is_set():
                self.calls.append(self._call(client, "GET", self.READS[i % len(self.READS)], headers=auth))
                i += 1

    def _signer(self) -> None:
        assert self.login is not None
        with httpx.Client(base_url=self.url, timeout=ANSWER_WITHIN + 5) as client:
            while not self.stop.is_set():
                started = time.monotonic()
                status = self.login(client)
                self.calls.append(Call("sign-in", started, time.monotonic(), status, None, ""))

    def _health(self) -> None:
        with httpx.Client(base_url=self.url, timeout=ANSWER_WITHIN + 5) as client:
            while not self.stop.is_set():
                self.health.append(self._call(client, "GET", "/health"))
                self.stop.wait(0.1)

    def start(self, readers: int = 3, signers: int = 1) -> None:
        targets: list[Callable[[], None]] = [lambda i=i: self._reader(i) for i in range(readers)]  # type: ignore[misc]
        targets += [self._signer] * (signers if self.login else 0) + [self._health]
        self.threads = [threading.Thread(target=t, daemon=True) for t in targets]
        for t in self.threads:
            t.start()

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(ANSWER_WITHIN + 10)
        assert not any(t.is_alive() for t in self.threads), "a client was left hanging"


def sign_in(url: str, account: Any, chain_id: int) -> Callable[[httpx.Client], int]:
    """One SIWE sign-in (nonce, then login) per call; returns the first non-200 status, or 200."""

    def once(client: httpx.Client) -> int:
        try:
            got = client.get("/v1/auth/nonce")
            if got.status_code != 200:
                _check_503(got)
                return got.status_code
            text = siwe_text(account.address, got.json()["nonce"], domain=DOMAIN, chain_id=chain_id, uri=URI)
            login = client.post("/v1/auth/login", json={"message": text, "signature": sign_text(account, text)})
        except httpx.HTTPError as exc:
            raise AssertionError(f"sign-in failed without an answer: {exc!r}") from exc
        if login.status_code != 200:
            _check_503(login)
        return login.status_code

    return once


def _check_503(response: httpx.Response) -> None:
    assert response.status_code == 503, f"{response.request.url.path}: {response.status_code} {response.text[:300]}"
    assert int(response.headers["retry-after"]) >= 1, response.headers
    assert response.json()["detail"][0]["type"] == "unavailable", response.text


def _token(url: str, account: Any, chain_id: int) -> str:
    with httpx.Client(base_url=url, timeout=10) as client:
        nonce = client.get("/v1/auth/nonce")
        assert nonce.status_code == 200, nonce.text
        text = siwe_text(account.address, nonce.json()["nonce"], domain=DOMAIN, chain_id=chain_id, uri=URI)
        login = client.post("/v1/auth/login", json={"message": text, "signature": sign_text(account, text)})
        assert login.status_code == 200, login.text
        token: str = login.json()["access_token"]
        return token


def _producer(on: Node, stop: threading.Event, pause: float = 0.05) -> threading.Thread:
    """Deposits on the node, one block each, until `stop`: the indexer always has something to write."""

    def produce() -> None:
        i = 0
        while not stop.is_set():
            on.bank.token.mint(on.supplier.address, 1_00 + i, f"fault-{i}")
            i += 1
            stop.wait(pause)

    thread = threading.Thread(target=produce, name="producer", daemon=True)
    thread.start()
    return thread


def _bad(calls: list[Call]) -> list[Call]:
    """Answers the API must never give: a 5xx other than 503, a 503 without Retry-After (/health's 503 is its
    verdict, not a refusal), no answer, or one too late."""
    return [c for c in calls if not isinstance(c.status, int) or c.status >= 500 and c.status != 503
            or c.status == 503 and c.path not in ("sign-in", "/health") and not c.retry_after
            or c.ended - c.started > ANSWER_WITHIN]


# ------------------------------------------------------------------------------------------------ PostgreSQL
@pytest.fixture()
def own_database() -> Iterator[str]:
    """A database of its own on the test server (so cutting it off touches nothing else), dropped afterwards."""
    if not PG_URL:
        pytest.fail("this test needs PostgreSQL: set SCF_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1"
                    ":5432/<database> (.ci/run's PostgreSQL stage does)")
    name = f"scf_fault_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_conninfo() -> str:
    """The server's maintenance database (never the one being cut off)."""
    assert PG_URL
    url = make_url(PG_URL).set(drivername="postgresql", database="postgres")
    return url.render_as_string(hide_password=False)


class Outage:
    """Cut one database off as a restart would, from the maintenance database: refuse new sessions, and end every
    session on it, again and again until `restore()`."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.terminated = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.cutting = self.started = self.restored = 0.0

    def _terminate(self, conn: psycopg.Connection[Any]) -> int:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                            "AND pid <> pg_backend_pid()", (self.database,)).fetchall()
        return sum(1 for (done,) in rows if done)

    def begin(self) -> None:
        conn = psycopg.connect(_admin_conninfo(), autocommit=True)
        self.cutting = time.monotonic()  # up to here, nothing was cut
        conn.execute(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS false')
        self.terminated += self._terminate(conn)
        self.started = time.monotonic()  # from here on, no session of the gateway's is left

        def keep_cutting() -> None:
            with conn:
                while not self._stop.wait(0.2):
                    self.terminated += self._terminate(conn)

        self._thread = threading.Thread(target=keep_cutting, name="outage", daemon=True)
        self._thread.start()

    def restore(self) -> None:
        if self.restored:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self.restored = time.monotonic()  # up to here, no session could be opened
        with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS true')


@pytest.mark.postgres
def test_postgresql_restart_while_indexing_and_serving_503_then_recovery_and_no_row_lost(
        node: Node, own_database: str, make_db: Callable[[], Engine], tmp_path: Path) -> None:  # noqa: F811
    database = make_url(own_database).database
    assert database
    node.activity(3)
    deployment_file = node.ledger.save(tmp_path / "deployment.json")
    db = make_engine(own_database)
    migrate(db)
    env = {**_indexer_env(db, deployment_file, node.node.url), "SCF_GATEWAY_SIWE_DOMAIN": DOMAIN,
           "SCF_GATEWAY_SIWE_URI": URI, "SCF_GATEWAY_NONCE_REQUESTS_PER_MINUTE": "100000",
           "SCF_GATEWAY_LEADER_CHECK_INTERVAL": "0.2", "SCF_GATEWAY_BACKOFF_INITIAL": "0.05",
           "SCF_GATEWAY_BACKOFF_MAX": "0.5"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = {"indexer": tmp_path / "indexer.log", "api": tmp_path / "api.log"}
    procs = {"indexer": _spawn(recipe_command("indexer"), {**env, **recipe_env("indexer")}, logs["indexer"]),
             "api": _spawn(recipe_command("api", port), {**env, **recipe_env("api")}, logs["api"])}
    stop_producing = threading.Event()
    producer: threading.Thread | None = None
    load: Load | None = None
    outage = Outage(database)
    recovered = 0.0

    def alive() -> None:
        for name, proc in procs.items():
            assert proc.poll() is None, f"{name} exited: " + logs[name].read_text(errors="replace")[-3000:]

    def health() -> dict[str, Any]:
        alive()
        with suppress(httpx.HTTPError):
            got: dict[str, Any] = httpx.get(f"{url}/health", timeout=5).json()
            return got
        return {}

    try:
        _wait(lambda: health().get("indexed_head") == node.chain.block_number, timeout=60, what="the gateway to index")
        chain_id = node.ledger.deployment.chain_id
        load = Load(url, _token(url, node.supplier.account, chain_id), sign_in(url, node.supplier.account, chain_id))
        producer = _producer(node, stop_producing)
        load.start(readers=3, signers=1)
        time.sleep(2.0)
        outage.begin()
        time.sleep(5.0)
        outage.restore()
        _wait(lambda: health().get("status") == "ok", timeout=30, what="/health to say ok after the outage")
        recovered = time.monotonic()
        time.sleep(2.0)  # the load goes on against the recovered database
        load.finish()
        stop_producing.set()
        producer.join(30)
        head = node.chain.block_number
        _wait(lambda: health().get("indexed_head") == head, timeout=60, what="the indexer to catch up")
        alive()
    finally:
        outage.restore()
        stop_producing.set()
        if load is not None:
            load.stop.set()
        for proc in procs.values():
            _stop(proc)

    assert outage.terminated >= 2, "the outage ended no session of the gateway's"
    calls = load.calls
    bad = _bad(calls + load.health)
    assert not bad, f"{len(bad)} bad answers, e.g. {bad[:5]}"
    during = [c for c in calls if c.started > outage.started + 0.5 and c.ended < outage.restored]
    assert during and all(c.status == 503 for c in during), \
        f"during the outage the API answered {sorted({c.status for c in during}, key=str)} ({len(during)} calls): " \
        f"{[c for c in during if c.status != 503][:5]} outage {outage.started:.3f}..{outage.restored:.3f}"
    before = [c for c in calls if c.ended < outage.cutting]
    after = [c for c in calls if c.started > recovered + 0.5]
    assert before and all(c.status == 200 for c in before), [c for c in before if c.status != 200][:5]
    assert after and all(c.status == 200 for c in after), [c for c in after if c.status != 200][:5]
    # /health tells the truth: ok before, degraded (503, naming the database) while it is away, ok after
    assert all(h.status == 200 and '"status":"ok"' in h.body for h in load.health if h.ended < outage.cutting)
    away = [h for h in load.health if h.started > outage.started + 0.5 and h.ended < outage.restored]
    assert away and all(h.status == 503 and "database" in h.body for h in away), away[:5]
    assert load.health[-1].status == 200 and '"status":"ok"' in load.health[-1].body, load.health[-1]
    for name in ("api", "indexer"):
        text = logs[name].read_text(errors="replace")
        assert "Traceback" not in text, f"{name} log:\n{text[-4000:]}"
    assert "indexer lock connection lost" in logs["indexer"].read_text(errors="replace")
    fresh = make_db()
    indexer(node.chain, node.ledger.deployment, fresh).sync()
    assert dump(db) == dump(fresh)
    db.dispose()


# ------------------------------------------------------------------------------------------------ SQLite
class LockHolder:
    """Another writer on the SQLite file: takes the write lock (BEGIN IMMEDIATE) for `hold` seconds, lets go for
    `gap` seconds, again until stopped. It changes nothing (rolls back)."""

    def __init__(self, path: Path, hold: float, gap: float) -> None:
        self.path, self.hold, self.gap = path, hold, gap
        self.holds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lock-holder", daemon=True)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.is_set():
                conn.execute("BEGIN IMMEDIATE")
                self.holds += 1
                self._stop.wait(self.hold)
                conn.execute("ROLLBACK")
                self._stop.wait(self.gap)
        finally:
            conn.close()

    def __enter__(self) -> LockHolder:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)


@dataclass
class Served:
    url: str
    app: Any
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.handle_exit(15, None)
        self.thread.join(30)


def _serve_sqlite(on: Node, path: Path, **overrides: Any) -> Served:
    conf = settings(chain_url=on.node.url, index_in_process=True, database_url=f"sqlite:///{path}",
                    siwe_domain=DOMAIN, siwe_uri=URI, poll_interval=0.05, window_initial=2, window_max=2,
                    **overrides)
    app = create_app(conf, deployment=on.ledger.deployment)
    port = free_port()
    server = make_server(app, conf, host="127.0.0.1", port=port, log_level="warning")
    thread = threading.Thread(target=server.run, name="gateway-under-test", daemon=True)
    thread.start()
    _wait(lambda: bool(server.started), timeout=30, what="uvicorn to start")
    return Served(f"http://127.0.0.1:{port}", app, server, thread)


def test_sqlite_locked_by_another_writer_is_waited_out_or_503_never_500(
        node: Node, tmp_path: Path) -> None:  # noqa: F811
    node.activity(3)
    path = tmp_path / "gateway.sqlite"
    db = make_engine(f"sqlite:///{path}")
    migrate(db)
    served = _serve_sqlite(node, path, db_lock_timeout=2.0)
    stop_producing = threading.Event()
    producer: threading.Thread | None = None
    chain_id = node.ledger.deployment.chain_id
    try:
        idx = served.app.state.ctx.indexer
        _wait(lambda: idx.status.indexed_head == node.chain.block_number, timeout=30, what="the indexer to catch up")
        token = _token(served.url, node.supplier.account, chain_id)
        producer = _producer(node, stop_producing)
        # 1. held for much less than db_lock_timeout (2 s), with gaps between: every write waits its turn and succeeds
        with LockHolder(path, hold=0.25, gap=0.25) as short:
            load = Load(served.url, token, sign_in(served.url, node.supplier.account, chain_id))
            load.start(readers=3, signers=2)
            time.sleep(4.0)
            load.finish()
        assert short.holds >= 5
        signed = [c for c in load.calls if c.path == "sign-in"]
        assert len(signed) >= 4 and not _bad(load.calls + load.health)
        assert all(c.status == 200 for c in load.calls), \
            f"lock held briefly: {[c for c in load.calls if c.status != 200][:5]}"
        # 2. held for longer: sign-ins (writes) get 503 with Retry-After, reads go on, nothing answers 500
        with LockHolder(path, hold=3.0, gap=0.2) as long:
            load = Load(served.url, token, sign_in(served.url, node.supplier.account, chain_id))
            load.start(readers=3, signers=2)
            time.sleep(7.0)
            load.finish()
        assert long.holds >= 2
        assert not _bad(load.calls + load.health), _bad(load.calls + load.health)[:5]
        reads = [c for c in load.calls if c.path != "sign-in"]
        assert reads and all(c.status == 200 for c in reads), [c for c in reads if c.status != 200][:5]
        assert {c.status for c in load.calls if c.path == "sign-in"} <= {200, 503}
        assert any(c.status == 503 for c in load.calls if c.path == "sign-in"), "no sign-in ever met the lock"
        stop_producing.set()
        producer.join(30)
        head = node.chain.block_number
        _wait(lambda: idx.status.indexed_head == head, timeout=60, what="the indexer to catch up after the locks")
        assert idx.status.status not in ("halted", "stopped"), idx.status
        with httpx.Client(base_url=served.url, timeout=10) as client:
            assert sign_in(served.url, node.supplier.account, chain_id)(client) == 200
    finally:
        stop_producing.set()
        served.stop()
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    migrate(fresh)
    indexer(node.chain, node.ledger.deployment, fresh).sync()
    assert dump(db) == dump(fresh)
    db.dispose()
    fresh.dispose()

