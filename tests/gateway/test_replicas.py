"""Beyond one machine (issue 15), on PostgreSQL: indexer leadership through an advisory lock, stateless API replicas
(shared sign-in nonces and rate limits, event streams woken by NOTIFY) and an optional read-replica URL.

Every process here runs a command of the deployment recipe, read from gateway/deploy/docker-compose.yml with its
SCF_GATEWAY_* settings: `scf gateway migrate`, `scf gateway index`, and `scf gateway` with
SCF_GATEWAY_INDEX_IN_PROCESS=false. These tests need PostgreSQL (SCF_TEST_DATABASE_URL, set by .ci/run's PostgreSQL
stage) and fail without it; the SQLite stages deselect them (-m "not postgres").
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select

from gateway.core.config import Settings
from gateway.core.db import DatabaseError, engine_from_settings, make_engine, read_engine_from_settings
from gateway.indexer import run_led
from gateway.indexer.leader import STANDBY, LeaderRunning, lock_key, sync_led, uses_leadership
from gateway.main import create_app
from gateway.models.indexer import IndexerState
from sdk import Ledger
from sdk.anvil import free_port
from sdk.chain import Chain
from tests.conftest import Cast
from tests.gateway.conftest import PG_URL
from tests.gateway.helpers import TEST_SECRET, dump, indexer, settings, sign_text, siwe_text
from tests.gateway.test_indexer_node import (
    Node,
    _indexer_env,
    _wait,
    node,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.postgres
#: Settings whose recipe value is a path inside the container.
CONTAINER_PATHS = {"SCF_GATEWAY_DEPLOYMENT_FILE"}
COMPOSE = Path(__file__).resolve().parents[2] / "gateway" / "deploy" / "docker-compose.yml"
DOMAIN = "gateway.test"  # the load balancer's name: every replica checks sign-ins against it
URI = f"http://{DOMAIN}"  # set with it: unset, each replica would expect its own host and port


@pytest.fixture(autouse=True)
def _need_postgres() -> None:
    if not PG_URL:
        pytest.fail("these tests need PostgreSQL: set SCF_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1"
                    ":5432/<database> (.ci/run's PostgreSQL stage does)")


def _conninfo() -> str:
    assert PG_URL
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


def _indexed(db: Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(IndexerState.head_block)).scalar() or 0)  # type: ignore[call-overload]


def _lock_holder(schema: str) -> int | None:
    """The OS pid of the indexer holding the schema's leadership lock (from its lock connection's name)."""
    key = lock_key(schema)
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 1",
            ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF)).fetchone()
    if row is None:
        return None
    found = re.fullmatch(r"scf-indexer leader pid=(\d+)", row[0])
    assert found, f"the lock is held by {row[0]!r}, not by an indexer's lock connection"
    return int(found.group(1))


def _scf(*args: str) -> list[str]:
    return [sys.executable, "-m", "sdk.cli", *args]


def _spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # a file, not a pipe nobody reads while the child runs
        return subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# ---------------------------------------------------------------------------------------------- leadership
@pytest.mark.slow
def test_a_standby_indexer_takes_over_when_the_leader_is_killed_mid_batch(
        node: Node, make_db: Callable[[], Engine], tmp_path: Path) -> None:  # noqa: F811
    for _ in range(30):  # deposits spread over ~180 blocks, indexed two blocks per batch
        node.activity(1)
        node.chain.mine(5)
    head = node.chain.block_number
    deployment_file = node.ledger.save(tmp_path / "deployment.json")
    db = make_db()
    schema = db.scf_schema  # type: ignore[attr-defined]
    env = {**_indexer_env(db, deployment_file, node.node.url), "SCF_GATEWAY_LEADER_CHECK_INTERVAL": "0.2"}
    env.update(recipe_env("indexer"))
    procs = [_spawn(recipe_command("indexer"), env, tmp_path / f"indexer-{i}.log") for i in range(2)]
    try:
        def leading() -> bool:
            for i, p in enumerate(procs):
                assert p.poll() is None, (tmp_path / f"indexer-{i}.log").read_text(errors="replace")[-3000:]
            return _lock_holder(schema) is not None and _indexed(db) > 20

        _wait(leading, timeout=120, what="a leader to index")
        leader = _lock_holder(schema)
        by_pid = {p.pid: p for p in procs}
        assert leader in by_pid, f"the lock holder {leader} is none of the indexers {sorted(by_pid)}"
        follower = next(p for p in procs if p.pid != leader)
        assert follower.poll() is None
        # On a loaded machine the second process can still be importing when the leader is killed, and would then
        # simply lead from the start: kill the leader only once the follower has tried the lock and stood by.
        follower_log = tmp_path / f"indexer-{procs.index(follower)}.log"
        _wait(lambda: "standing by" in follower_log.read_text(errors="replace"), timeout=120,
              what="the second indexer to stand by")

        # Hold the checkpoint row: the leader's next batch writes its rows, then waits at the checkpoint update.
        with psycopg.connect(_conninfo()) as holder:
            holder.execute(f'SELECT * FROM "{schema}".indexer_state FOR UPDATE')

            def leader_inside_a_batch() -> bool:
                with psycopg.connect(_conninfo(), autocommit=True) as conn:
                    return conn.execute(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE n.nspname = %s AND c.relname = 'indexed_block' AND l.mode = 'RowExclusiveLock' "
                        "AND a.wait_event_type = 'Lock'", (schema,)).fetchone()[0] == 1

            _wait(leader_inside_a_batch, timeout=60, what="the leader to block inside a batch")
            before = _indexed(db)
            by_pid[leader].send_signal(signal.SIGKILL)
            by_pid[leader].wait(30)
            _wait(lambda: _lock_holder(schema) == follower.pid, timeout=30, what="the standby to take the lock")
            holder.rollback()  # let the dead leader's backend notice its client is gone: its batch rolls back

        assert before < head, "the leader was killed before the end of the chain"
        _wait(lambda: _indexed(db) == head, timeout=120, what="the new leader to catch up")
        assert follower.poll() is None
    finally:
        for proc in procs:
            _stop(proc)
    fresh = make_db()
    indexer(node.chain, node.ledger.deployment, fresh).sync()
    assert dump(db) == dump(fresh)
    log = (tmp_path / f"indexer-{procs.index(follower)}.log").read_text(errors="replace")
    assert "standing by" in log and "leads now" in log, log[-2000:]


def test_in_process_indexers_on_one_database_elect_one_leader(chain: Chain, ledger: Ledger, cast: Cast,
                                                              make_db: Callable[[], Engine]) -> None:
    db = make_db()
    first = indexer(chain, ledger.deployment, db, leader_check_interval=0.1)
    second = indexer(chain, ledger.deployment, db, leader_check_interval=0.1)
    assert uses_leadership(db)
    first.start(lambda stop: run_led(first, stop))
    _wait(lambda: first.metrics.leader._value.get() == 1, what="the first to lead")
    second.start(lambda stop: run_led(second, stop))
    try:
        _wait(lambda: second.status.status == STANDBY, what="the second to stand by")
        cast.bank1.token.mint(cast.supplier1.address, 1_23, "leader-1")
        _wait(lambda: _indexed(db) == chain.block_number, what="the leader to index")
        assert second.metrics.leader._value.get() == 0 and second.status.status == STANDBY
        with pytest.raises(LeaderRunning, match="another indexer process leads"):  # scf gateway index --once
            sync_led(indexer(chain, ledger.deployment, db))
        first.stop()  # its lock connection closes: the standby takes over
        cast.bank1.token.mint(cast.supplier1.address, 4_56, "leader-2")
        _wait(lambda: second.metrics.leader._value.get() == 1, what="the second to lead")
        _wait(lambda: _indexed(db) == chain.block_number, what="the second to index")
    finally:
        first.stop()
        second.stop()
    fresh = make_db()
    indexer(chain, ledger.deployment, fresh).sync()
    assert dump(db) == dump(fresh)


def test_sqlite_keeps_one_indexer_without_a_lock(chain: Chain, ledger: Ledger, tmp_path: Path) -> None:
    from gateway.core.db import migrate

    db = make_engine(f"sqlite:///{tmp_path / 'one.sqlite'}")
    migrate(db)
    idx = indexer(chain, ledger.deployment, db)
    assert not uses_leadership(db)
    stop = threading.Event()
    thread = threading.Thread(target=run_led, args=(idx, stop))
    thread.start()
    try:
        _wait(lambda: idx.status.status == "ok", what="the indexer to catch up")
    finally:
        stop.set()
        thread.join(30)
    assert _indexed(db) == idx.status.indexed_head


# ---------------------------------------------------------------------------------------------- API replicas
class Replica:
    def __init__(self, url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.url, self.proc, self.log = url, proc, log
        self.http = httpx.Client(base_url=url, timeout=20.0)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.post(path, **kw)


def recipe() -> dict[str, Any]:
    """The services of the deployment recipe."""
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"]
    return services


def recipe_command(service: str, port: int | None = None) -> list[str]:
    """A service's command as this machine runs it: `scf` from this checkout, on loopback and a free port."""
    command = list(recipe()[service]["command"])
    assert command[0] == "scf", command
    if port is not None:
        command = ["127.0.0.1" if part == "0.0.0.0" else str(port) if part == "8000" else part for part in command]
    return _scf(*command[1:])


def recipe_env(service: str) -> dict[str, str]:
    """A service's literal SCF_GATEWAY_* settings (those interpolated from the operator's shell, such as the
    database URL and the secret, are the test's own)."""
    env = recipe()[service].get("environment") or {}
    return {k: str(v) for k, v in env.items()
            if k.startswith("SCF_GATEWAY_") and "${" not in str(v) and k not in CONTAINER_PATHS}


def test_the_recipe_uses_only_real_settings_and_commands() -> None:
    fields = {f"SCF_GATEWAY_{name.upper()}" for name in Settings.model_fields}
    text = COMPOSE.read_text()
    named = set(re.findall(r"\b(SCF_GATEWAY_[A-Z_]+)\b", text))
    assert named and named <= fields, f"not settings: {sorted(named - fields)}"
    services = recipe()
    assert {"postgres", "migrate", "indexer", "api"} <= services.keys()
    assert recipe_env("api")["SCF_GATEWAY_INDEX_IN_PROCESS"] == "false"
    for service in ("migrate", "indexer", "api"):
        assert services[service]["command"][:2] == ["scf", "gateway"]
    assert (COMPOSE.parent / "Dockerfile").is_file()


@pytest.fixture()
def replicas(node: Node, make_db: Callable[[], Engine], tmp_path: Path) -> Iterator[tuple[Replica, Replica]]:  # noqa: F811
    """The recipe on one PostgreSQL database: migrate, one indexer, two API replicas sharing a token secret."""
    deployment_file = node.ledger.save(tmp_path / "deployment.json")
    db = make_db()
    env = {**_indexer_env(db, deployment_file, node.node.url),
           "SCF_GATEWAY_SIWE_DOMAIN": DOMAIN, "SCF_GATEWAY_SIWE_URI": URI, "SCF_GATEWAY_NONCE_REQUESTS_PER_MINUTE": "6",
           "SCF_GATEWAY_STREAM_NOTIFY_POLL_INTERVAL": "600"}
    migrated = subprocess.run(recipe_command("migrate"), env={**env, **recipe_env("migrate")}, capture_output=True,
                              text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    procs = [_spawn(recipe_command("indexer"), {**env, **recipe_env("indexer")}, tmp_path / "indexer.log")]
    out: list[Replica] = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"api-{name}.log"
            proc = _spawn(recipe_command("api", port), {**env, **recipe_env("api")}, log)
            procs.append(proc)
            out.append(Replica(f"http://127.0.0.1:{port}", proc, log))

        def healthy(r: Replica) -> bool:
            assert r.proc.poll() is None, r.log.read_text(errors="replace")[-3000:]
            with suppress(httpx.HTTPError):
                return r.get("/health").status_code == 200
            return False

        for r in out:
            _wait(lambda r=r: healthy(r), timeout=60, what=f"{r.url} to be healthy")
        yield out[0], out[1]
    finally:
        for proc in procs:
            _stop(proc)
        for r in out:
            r.http.close()
    for r in out:  # no tracebacks in any replica's log
        assert "Traceback" not in r.log.read_text(errors="replace"), r.log.read_text(errors="replace")[-3000:]


def _nonce(r: Replica) -> httpx.Response:
    return r.get("/v1/auth/nonce")


def _login(chain_id: int, via: Replica, nonce: str, account: Any) -> httpx.Response:
    text = siwe_text(account.address, nonce, domain=DOMAIN, chain_id=chain_id, uri=URI)
    return via.post("/v1/auth/login", json={"message": text, "signature": sign_text(account, text)})


@pytest.mark.slow
def test_two_api_replicas_share_sign_in_rate_limits_and_the_stream(
        node: Node, replicas: tuple[Replica, Replica]) -> None:  # noqa: F811
    a, b = replicas
    supplier, chain_id = node.supplier.account, node.ledger.deployment.chain_id
    # a nonce from one replica, signed in through the other; the token works on both
    got = _nonce(a)
    assert got.status_code == 200, got.text
    nonce = got.json()["nonce"]
    login = _login(chain_id, b, nonce, supplier)
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    for r in (a, b):
        me = r.get("/v1/balances", headers=auth)
        assert me.status_code == 200, me.text
    replay = _login(chain_id, a, nonce, supplier)  # single use across replicas
    assert replay.status_code == 401 and "already used" in replay.text, replay.text

    # the per-client nonce limit (6 a minute here) is counted in the database: 1 + 3 + 2 spread over both
    assert [_nonce(r).status_code for r in (a, a, a, b, b)] == [200] * 5
    for r in (a, b):
        refused = _nonce(r)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "60", refused.text

    # follow the stream on one replica while the indexer (another process) writes: NOTIFY wakes it
    received: list[dict[str, Any]] = []
    opened = threading.Event()

    def follow() -> None:
        with httpx.stream("GET", f"{a.url}/v1/stream", params={"max_seconds": 60}, headers=auth,
                          timeout=httpx.Timeout(90.0)) as response:
            assert response.status_code == 200
            name = None
            for line in response.iter_lines():
                opened.set()
                if line.startswith("event: "):
                    name = line[len("event: "):]
                elif line.startswith("data: ") and name == "DepositMinted":
                    received.append(json.loads(line[len("data: "):]))
                    return

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    assert opened.wait(30), "the stream did not open"
    node.bank.token.mint(node.supplier.address, 42_00, "streamed")
    reader.join(60)
    assert received and received[0]["args"]["amount"] == 42_00, received
    metrics = a.get("/metrics").text
    woke = re.search(r'scf_gateway_stream_wakeups_total\{reason="notify"\} (\d+)', metrics)
    assert woke and int(float(woke.group(1))) >= 1, metrics[-2000:]


# ---------------------------------------------------------------------------------------------- read replica
@pytest.fixture()
def read_only_role(db: Engine) -> Iterator[str]:
    """A login role that can only read the schema, as a hot standby would: its transactions are read-only."""
    schema = db.scf_schema  # type: ignore[attr-defined]
    role = f"scf_reader_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"ALTER ROLE {role} SET default_transaction_read_only = on")
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}')
    yield role
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        conn.execute(f"DROP OWNED BY {role}")
        conn.execute(f"DROP ROLE {role}")


def test_api_reads_go_through_the_read_replica_url(chain: Chain, ledger: Ledger, cast: Cast, db: Engine,
                                                   read_only_role: str) -> None:
    assert PG_URL
    cast.supplier1.receivables.register(cast.core.address, 500_00, chain.now() + 90 * 86_400, "inv-rr")
    idx = indexer(chain, ledger.deployment, db)
    idx.sync()
    read_url = PG_URL.replace("postgresql+psycopg://postgres@", f"postgresql+psycopg://{read_only_role}@")
    conf = settings(siwe_domain=DOMAIN, database_url=PG_URL, database_read_url=read_url,
                    database_schema=db.scf_schema)  # type: ignore[attr-defined]
    app = create_app(conf, engine=db, indexer=idx)
    reader = app.state.ctx.read_engine
    assert reader is not None and reader.url.username == read_only_role
    statements: list[str] = []
    event.listen(reader, "before_cursor_execute",
                 lambda _c, _cur, sql, *_a: statements.append(" ".join(sql.split())[:80]))
    with TestClient(app) as client:
        nonce = client.get("/v1/auth/nonce")  # writes: on the primary (the replica refuses writes)
        assert nonce.status_code == 200, nonce.text
        text = siwe_text(cast.supplier1.address, nonce.json()["nonce"], domain=DOMAIN,
                         chain_id=ledger.deployment.chain_id)
        login = client.post("/v1/auth/login", json={"message": text, "signature": sign_text(cast.supplier1.account,
                                                                                            text)})
        assert login.status_code == 200, login.text
        assert statements == [], "sign-in must not read or write through the replica"
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        listed = client.get("/v1/receivables", headers=auth)
        assert listed.status_code == 200, listed.text
        assert [r["face_units"] for r in listed.json()["data"]] == [500_00]
        assert any(s.startswith("SELECT receivable.") for s in statements), statements
        assert client.get("/health").json()["indexed_head"] == chain.block_number  # /health: the primary
    assert not any(s.split()[0] in ("INSERT", "UPDATE", "DELETE") for s in statements), statements


def test_a_read_replica_needs_postgresql(tmp_path: Path) -> None:
    conf = Settings(environment="test", jwt_secret=TEST_SECRET,
                    database_url=f"sqlite:///{tmp_path / 'x.sqlite'}", database_read_url="sqlite:///other.sqlite")
    with pytest.raises(DatabaseError, match="needs PostgreSQL"):
        read_engine_from_settings(conf, engine_from_settings(conf))
