"""`scf bench --soak`: the gateway under steady mixed load for a long time (default 10 minutes).

A fresh ledger on anvil; the indexer (`scf gateway index`) and an API process (`scf gateway`, no indexer inside)
run as the deployment recipe runs them, on a fresh SQLite file (or, with ``--database-url``, a fresh schema of
that PostgreSQL database). While a producer keeps playing receivable lifecycles on the node (the indexer follows
it), clients keep the API busy:

* readers: the list endpoints, ``/v1/positions`` and ``/v1/alerts`` as a supplier, the core enterprise, the bank
  and the regulator, a few requests per second each;
* sign-ins: nonce, EIP-4361 signature, login, in a loop over the participants;
* the event stream: clients follow ``/v1/stream`` and reconnect when the server ends it.

Every few seconds the API's and the indexer's RSS, open file descriptors and database connections are sampled
(SQLite: descriptors open on the database file; PostgreSQL: sessions of the schema's processes on the server).
The first sample is taken after a warm-up; the report has it, the last one and their growth. The run fails,
naming what broke, when a figure grows beyond its bound (:data:`BOUNDS`), a log has a traceback, a request gets
an answer other than 200 (or no answer), the streams receive nothing, or the indexer falls behind.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: What may grow between the first sample (after the warm-up) and the last: RSS by this share of the first sample
#: plus a fixed allowance (allocator arenas and caches settle in steps), descriptors and database connections by a
#: few (a pool may open a connection it did not need at the first sample).
BOUNDS = {"rss_share": 0.10, "rss_mib": 16.0, "fds": 8, "db_connections": 4}
#: The indexer may be this many blocks behind the node at the end (it polls; a block may be in flight).
MAX_FINAL_LAG = 5
SAMPLE_EVERY = 5.0
READ_PATHS = ("/v1/receivables?limit=50", "/v1/fragments?limit=50", "/v1/events?limit=50", "/v1/balances",
              "/v1/participants?limit=50", "/v1/positions", "/v1/alerts")


class SoakFailed(RuntimeError):
    """The soak saw growth beyond a bound, a traceback, a failed request or a stalled indexer."""

    def __init__(self, problems: list[str], result: dict[str, Any]) -> None:
        self.problems = problems
        self.result = result
        super().__init__("; ".join(problems))


# ------------------------------------------------------------------------------------------------ processes
def _proc_figures(pid: int, database_files: tuple[str, ...]) -> dict[str, float]:
    """RSS (MiB), open descriptors, and descriptors on the SQLite database files of a live process."""
    rss = 0.0
    with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    fds = os.listdir(f"/proc/{pid}/fd")
    on_db = 0
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target in database_files:
            on_db += 1
    return {"rss_mib": round(rss, 1), "fds": len(fds), "db_files": on_db}


def _pg_sessions(admin_url: str, database: str, pids: dict[str, int]) -> dict[str, int]:
    """Sessions on the server per gateway process, matched by the client's port (pg_stat_activity.client_port)
    to the process's own TCP sockets (/proc/<pid>/net/tcp lists the namespace's; the process's descriptors name
    its sockets' inodes)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        ports = [r[0] for r in conn.execute(
            "SELECT client_port FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
            "AND client_port IS NOT NULL", (database,)).fetchall()]
    out = {}
    for name, pid in pids.items():
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        local_ports = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table, encoding="utf-8") as fh:
                for line in fh.readlines()[1:]:
                    parts = line.split()
                    if parts[9] in inodes:
                        local_ports.add(int(parts[1].rsplit(":", 1)[1], 16))
        out[name] = sum(1 for p in ports if p in local_ports)
    return out


@dataclass
class Sample:
    at: float
    figures: dict[str, dict[str, float]]


@dataclass
class LoadStats:
    """What the clients saw, per kind of call."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)
    stream_events: int = 0
    stream_connections: int = 0
    guard: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, problem: str | None = None) -> None:
        with self.guard:
            self.latencies.setdefault(kind, []).append(seconds * 1000)
            if problem is not None:
                self.failures.setdefault(kind, []).append(problem)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else float("nan")


# ------------------------------------------------------------------------------------------------ the run
def soak(seconds: float, step: Callable[[str], None], database_url: str | None = None) -> dict[str, Any]:
    """Run the soak for `seconds`; the report, or :class:`SoakFailed` (with the report) naming every problem."""
    import httpx
    from eth_account.messages import encode_defunct

    from sdk.anvil import AnvilNode, free_port
    from sdk.chain import connect
    from sdk.cli.api import siwe_message
    from sdk.cli.bench_gateway import _child_env
    from sdk.cli.bench_suite import _lifecycles, setup_cast

    workdir = Path(tempfile.mkdtemp(prefix="scf-bench-soak-"))
    warmup = min(60.0, max(5.0, seconds * 0.1))
    node = AnvilNode()
    url = node.start()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = {"indexer": workdir / "indexer.log", "api": workdir / "api.log"}
    schema = None
    admin_url = database = None
    stop = threading.Event()
    threads: list[threading.Thread] = []
    stats = LoadStats()
    produced = {"lifecycles": 0, "errors": 0}
    samples: list[Sample] = []
    problems: list[str] = []
    try:
        chain = connect(url)
        cast = setup_cast(chain, payers=1, payees=4)
        regulator = _regulator(cast)  # admitted before the gateway indexes the set-up: it signs in right after
        deployment_file = cast.ledger.deployment.save(workdir / "deployment.json")
        if database_url is None:
            db_path = workdir / "gateway.sqlite"
            gateway_url = f"sqlite:///{db_path}"
            database_files: tuple[str, ...] = (str(db_path), f"{db_path}-wal", f"{db_path}-shm")
        else:
            from sqlalchemy.engine import make_url

            schema = f"scf_soak_{uuid.uuid4().hex[:10]}"
            gateway_url = database_url
            parsed = make_url(database_url)
            database = parsed.database
            admin_url = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
            database_files = ()
        secret = os.urandom(32).hex()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**_child_env(), "SCF_GATEWAY_ENVIRONMENT": "development", "SCF_GATEWAY_CHAIN_URL": url,
               "SCF_GATEWAY_DEPLOYMENT_FILE": str(deployment_file), "SCF_GATEWAY_DATABASE_URL": gateway_url,
               "SCF_GATEWAY_JWT_SECRET": secret, "SCF_GATEWAY_NONCE_REQUESTS_PER_MINUTE": "100000",
               "SCF_GATEWAY_SIWE_DOMAIN": f"127.0.0.1:{port}", "SCF_GATEWAY_SIWE_URI": base,
               "SCF_GATEWAY_POLL_INTERVAL": "0.2"}
        if schema:
            env["SCF_GATEWAY_DATABASE_SCHEMA"] = schema
        scf = [sys.executable, "-m", "sdk.cli", "gateway"]
        done = subprocess.run([*scf, "migrate"], env=env, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"scf gateway migrate failed: {done.stderr.strip()[-800:]}")
        for name, cmd in (("indexer", [*scf, "index"]),
                          ("api", [*scf, "--host", "127.0.0.1", "--port", str(port)])):
            extra = {"SCF_GATEWAY_INDEX_IN_PROCESS": "false"} if name == "api" else {}
            with logs[name].open("wb") as out:  # a file: a pipe nobody reads would stall the child
                procs[name] = subprocess.Popen(cmd, env={**env, **extra}, stdin=subprocess.DEVNULL, stdout=out,
                                               stderr=subprocess.STDOUT)
        client = httpx.Client(base_url=base, timeout=30)

        def alive() -> None:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    tail = logs[name].read_text(encoding="utf-8", errors="replace")[-1500:]
                    raise RuntimeError(f"the {name} exited ({proc.returncode}; {logs[name]}): {tail}")

        deadline = time.monotonic() + 120
        while True:
            alive()
            try:
                health = client.get("/health").json()
                if health.get("indexed_head") == chain.block_number:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the gateway did not index the set-up within 120 s")
            time.sleep(0.2)
        step("soak: indexer and API up")

        parties = {"supplier": cast.payees[0], "core": cast.payers[0], "bank": cast.bank,
                   "regulator": regulator}

        def sign_in(party: Any, http: httpx.Client) -> str | None:
            started = time.perf_counter()
            try:
                nonce = http.get("/v1/auth/nonce")
                if nonce.status_code != 200:
                    stats.record("sign-in", time.perf_counter() - started, f"nonce {nonce.status_code}")
                    return None
                text = siwe_message(party.address, nonce.json(), time.time())
                signature = party.account.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
                login = http.post("/v1/auth/login", json={"message": text, "signature": signature})
            except httpx.HTTPError as exc:
                stats.record("sign-in", time.perf_counter() - started, f"{type(exc).__name__}: {exc}"[:200])
                return None
            problem = None if login.status_code == 200 else f"login {login.status_code}: {login.text[:150]}"
            stats.record("sign-in", time.perf_counter() - started, problem)
            return str(login.json()["access_token"]) if problem is None else None

        tokens = {name: sign_in(p, client) for name, p in parties.items()}
        if not all(tokens.values()):
            raise RuntimeError(f"sign-in failed before the soak: {stats.failures}")

        def produce() -> None:
            while not stop.is_set():
                try:
                    _lifecycles(cast, 2)
                    produced["lifecycles"] += 2
                except Exception as exc:  # noqa: BLE001 - counted and reported; the soak is about the gateway
                    produced["errors"] += 1
                    produced["last_error"] = f"{type(exc).__name__}: {exc}"[:300]  # type: ignore[assignment]
                stop.wait(1.0)

        def read(offset: int) -> None:
            rng = random.Random(offset)
            names = list(tokens)
            with httpx.Client(base_url=base, timeout=30) as http:
                while not stop.is_set():
                    who = names[rng.randrange(len(names))]
                    path = READ_PATHS[rng.randrange(len(READ_PATHS))]
                    started = time.perf_counter()
                    try:
                        got = http.get(path, headers={"Authorization": f"Bearer {tokens[who]}"})
                        problem = None if got.status_code == 200 else f"{path} as {who}: {got.status_code}"
                    except httpx.HTTPError as exc:
                        problem = f"{path} as {who}: {type(exc).__name__}"
                    stats.record("read", time.perf_counter() - started, problem)
                    stop.wait(0.1)

        def sign_ins() -> None:
            order = list(parties.values())
            with httpx.Client(base_url=base, timeout=30) as http:
                i = 0
                while not stop.is_set():
                    sign_in(order[i % len(order)], http)
                    i += 1
                    stop.wait(0.5)

        def follow(who: str) -> None:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    with httpx.stream("GET", f"{base}/v1/stream", params={"max_seconds": 20},
                                      headers={"Authorization": f"Bearer {tokens[who]}"},
                                      timeout=httpx.Timeout(60.0)) as response:
                        if response.status_code != 200:
                            stats.record("stream", time.perf_counter() - started,
                                         f"stream as {who}: {response.status_code}")
                            stop.wait(1.0)
                            continue
                        with stats.guard:
                            stats.stream_connections += 1
                        for line in response.iter_lines():
                            if line.startswith("data: "):
                                with stats.guard:
                                    stats.stream_events += 1
                            if stop.is_set():
                                break
                except httpx.HTTPError as exc:
                    stats.record("stream", time.perf_counter() - started, f"stream as {who}: {type(exc).__name__}")
                    stop.wait(1.0)

        targets: list[Callable[[], None]] = [produce, sign_ins]
        targets += [lambda i=i: read(i) for i in range(4)]  # type: ignore[misc]
        targets += [lambda w=w: follow(w) for w in ("supplier", "regulator")]  # type: ignore[misc]
        threads = [threading.Thread(target=t, daemon=True, name="soak") for t in targets]
        for t in threads:
            t.start()

        def sample() -> Sample:
            alive()
            pids = {name: proc.pid for name, proc in procs.items()}
            figures = {name: _proc_figures(pid, database_files) for name, pid in pids.items()}
            if admin_url is not None and database is not None:
                for name, count in _pg_sessions(admin_url, database, pids).items():
                    figures[name]["db_connections"] = count
            else:
                for name in figures:  # each SQLite connection holds the database file open once
                    figures[name]["db_connections"] = sum(
                        1 for fd in os.listdir(f"/proc/{pids[name]}/fd")
                        if _readlink(f"/proc/{pids[name]}/fd/{fd}") == database_files[0])
            return Sample(time.monotonic(), figures)

        started = time.monotonic()
        next_sample = started + warmup
        end = started + warmup + seconds
        reported = started
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_sample:
                samples.append(sample())
                next_sample = now + SAMPLE_EVERY
            if now - reported >= 60:
                step(f"soak: {now - started:.0f} s of {warmup + seconds:.0f}")
                reported = now
            time.sleep(0.25)
        samples.append(sample())
        stop.set()
        for t in threads:
            t.join(60)
        head = chain.block_number
        deadline = time.monotonic() + 60
        health = {}
        while time.monotonic() < deadline:
            health = client.get("/health").json()
            if health.get("indexed_head") is not None and head - health["indexed_head"] <= MAX_FINAL_LAG:
                break
            time.sleep(0.5)
        final_lag = head - (health.get("indexed_head") or 0)
        client.close()
    finally:
        stop.set()
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
        node.stop()
        if schema and database_url:
            _drop_schema(database_url, schema)

    first, last = samples[0], samples[-1]
    processes: dict[str, Any] = {}
    for name in procs:
        a, b = first.figures[name], last.figures[name]
        peak = max(s.figures[name]["rss_mib"] for s in samples)
        rss_bound = round(a["rss_mib"] * BOUNDS["rss_share"] + BOUNDS["rss_mib"], 1)
        entry: dict[str, Any] = {
            "rss_mib": {"start": a["rss_mib"], "end": b["rss_mib"], "peak": peak,
                        "growth": round(b["rss_mib"] - a["rss_mib"], 1), "bound": rss_bound},
            "fds": {"start": a["fds"], "end": b["fds"], "growth": b["fds"] - a["fds"], "bound": BOUNDS["fds"]},
            "db_connections": {"start": a["db_connections"], "end": b["db_connections"],
                               "peak": max(s.figures[name]["db_connections"] for s in samples),
                               "growth": b["db_connections"] - a["db_connections"],
                               "bound": BOUNDS["db_connections"]},
        }
        for what, figure in entry.items():
            if figure["growth"] > figure["bound"]:
                problems.append(f"{name}: {what} grew by {figure['growth']} (from {figure['start']} to "
                                f"{figure['end']}; bound {figure['bound']})")
        text = logs[name].read_text(encoding="utf-8", errors="replace")
        entry["tracebacks"] = text.count("Traceback (most recent call last)")
        entry["log"] = str(logs[name])
        if entry["tracebacks"]:
            first_tb = text[text.index("Traceback (most recent call last)"):][:1200]
            problems.append(f"{name}: {entry['tracebacks']} traceback(s) in {logs[name]}: {first_tb}")
        processes[name] = entry
    calls = {kind: {"requests": len(values), "p50_ms": _percentile(values, 0.5), "p99_ms": _percentile(values, 0.99),
                    "failed": len(stats.failures.get(kind, []))} for kind, values in stats.latencies.items()}
    for kind, failures in stats.failures.items():
        problems.append(f"{len(failures)} failed {kind} call(s), e.g. {failures[:3]}")
    if stats.stream_events == 0:
        problems.append("the event streams received nothing")
    if final_lag > MAX_FINAL_LAG:
        problems.append(f"the indexer was {final_lag} blocks behind the node at the end (at most {MAX_FINAL_LAG})")
    if produced["errors"]:
        problems.append(f"the producer failed {produced['errors']} time(s): {produced.get('last_error')}")
    result: dict[str, Any] = {
        "seconds": seconds, "warmup_seconds": warmup, "database": "postgresql" if database_url else "sqlite",
        "samples": len(samples), "sample_every_s": SAMPLE_EVERY, "bounds": BOUNDS,
        "processes": processes, "calls": calls,
        "stream": {"connections": stats.stream_connections, "events": stats.stream_events},
        "chain": {"lifecycles": produced["lifecycles"], "blocks": head, "final_lag_blocks": final_lag},
        "series": [{"t": round(s.at - first.at, 1), **{f"{n}_{k}": v for n, f in s.figures.items()
                                                       for k, v in f.items() if k in ("rss_mib", "fds")}}
                   for s in samples[:: max(1, len(samples) // 20)]],
        "workdir": str(workdir),
    }
    result["ok"] = not problems
    if problems:
        result["problems"] = problems
        raise SoakFailed(problems, result)
    return result


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def _regulator(cast: Any) -> Any:
    """A regulator admitted on the bench ledger (it sees every row: the widest reads)."""
    from eth_account import Account

    from sdk.types import Role

    account = Account.create()
    cast.chain.fund(account.address, 10**22)
    cast.operator.registry.admit(account.address, [Role.REGULATOR], "bench regulator",
                                 cast.chain.now() + 10 * 365 * 86_400)
    return cast.ledger.as_party(account)


def _drop_schema(database_url: str, schema: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        engine.dispose()


def run_soak(seconds: float, step: Callable[[str], None], database_url: str | None = None) -> dict[str, Any]:
    """The soak as a `scf bench` section: its report, or the report with ``problems`` (and SoakFailed raised)."""
    return soak(seconds, step, database_url)


__all__ = ["BOUNDS", "SoakFailed", "run_soak", "soak"]


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(soak(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0, print), indent=2))
