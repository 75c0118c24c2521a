"""Gateway benchmarks of `scf bench`: indexer backfill, indexer memory, and API latency under open-loop load.

* **indexer**: a fresh SQLite database backfills the anvil chain the benchmark filled with receivable lifecycles,
  in a child process (so its peak RSS is its own); the same block range is then fetched with bare ``eth_getLogs``
  and only JSON-parsed (best of three), and a fresh PostgreSQL schema backfills the largest range too
  (``SCF_BENCH_POSTGRES_URL``; ``none`` skips it). Children's output goes to files, named when they fail.
  ``ratio`` = indexed events/s over fetched events/s. On the embedded
  chain, indexing time is compared with the time it took to produce the same blocks.
* **memory**: the child's peak RSS at two backfill sizes (it must stay flat as the chain grows).
* **api**: the database is filled with synthetic receivables through the indexer's own write path (a synthetic
  chain whose events are real events of a template run with new ids, parties and dates); the API runs in one
  process (uvicorn), and a load generator in another sends requests at a constant arrival rate (open loop:
  latency counts from the moment a request was due, so a slow server cannot slow the load down).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eth_utils import keccak

from sdk.chain import Chain
from sdk.events import ContractEvent, LogRecord, decode_logs, encode_log
from sdk.ledger import Deployment
from sdk.rpc import JsonRpcHttp

SYNTHETIC_CHAIN_ID = 424_242
RECEIVABLES_PER_BLOCK = 100
DISCOUNT_EVERY = 10  # one receivable in ten is discounted at a bank
API_TARGET_RPS = 200
API_TARGET_P99_MS = 50.0
API_MAX_P99_MS = 100.0
INDEXER_TARGET_EVENTS_PER_S = 3_000
INDEXER_TARGET_RATIO = 0.30
BENCH_TOKEN_TTL = 86_400


# =============================================================================================== synthetic chain
@dataclass
class Template:
    """Real events of one receivable's life on a real (embedded) chain, to be copied with new ids and parties."""

    deployment: Deployment
    admission: LogRecord  # ParticipantAdmitted of the supplier
    limit: LogRecord  # ReceivableExposureLimitSet
    confirmed_life: list[LogRecord]  # register, confirm
    discount: list[LogRecord]  # request discount, discount (receivables contract events only)
    supplier: str
    debtor: str
    bank: str


def make_template() -> Template:
    """Play one receivable on a fresh embedded chain and keep its events."""
    from sdk import Ledger, Role, connect

    chain = connect()
    keys = chain.dev_keys()
    ledger = Ledger.deploy(chain, keys[0])
    op = ledger.as_party(keys[0])
    bank, core, supplier = (ledger.as_party(k) for k in keys[1:4])
    expiry = chain.now() + 10 * 365 * 86_400
    op.registry.admit(bank.address, [Role.BANK], "bank", expiry)
    op.token.set_mint_allowance(bank.address, 10**12)
    op.registry.admit(core.address, [Role.CORE_ENTERPRISE], "core", expiry)
    op.registry.admit(supplier.address, [Role.SUPPLIER], "supplier", expiry)
    bank.token.mint(bank.address, 10**12, "liquidity")
    receivables = ledger.deployment.address("Receivables")

    def records_of(action: Callable[[], Any], party: Any) -> list[LogRecord]:
        action()
        result = party.receivables.last_result if hasattr(party.receivables, "last_result") else None
        assert result is not None
        receipt = chain.w3.eth.get_transaction_receipt(result.tx_hash)
        return [r for r in decode_logs(receipt["logs"]) if r.address == receivables]

    limit = records_of(lambda: bank.receivables.set_exposure_limit(core.address, 10**15), bank)
    due = chain.now() + 90 * 86_400
    life = records_of(lambda: supplier.receivables.register(core.address, 100_000_00, due, "template"), supplier)
    root = life[0].event.root_id  # type: ignore[attr-defined]
    life += records_of(lambda: core.receivables.confirm(root), core)
    fragment = root << 16
    discount = records_of(lambda: supplier.receivables.request_discount(fragment, bank.address, 550,
                                                                        with_recourse=False), supplier)
    discount += records_of(lambda: bank.receivables.discount(fragment), bank)
    admitted = [r for r in _all_records(chain, ledger.deployment) if r.event.NAME == "ParticipantAdmitted"
                and r.event.account == supplier.address]  # type: ignore[attr-defined]
    return Template(ledger.deployment, admitted[0], limit[0], life, discount, supplier.address, core.address,
                    bank.address)


def _all_records(chain: Chain, deployment: Deployment) -> list[LogRecord]:
    out: list[LogRecord] = []
    for number in range(deployment.block, chain.block_number + 1):
        for tx_hash in chain.w3.eth.get_block(number)["transactions"]:
            out.extend(decode_logs(chain.w3.eth.get_transaction_receipt(tx_hash)["logs"]))  # type: ignore[arg-type]
    return out


def _address(label: str) -> str:
    from eth_utils import to_checksum_address

    return str(to_checksum_address("0x" + keccak(text=f"scf-bench:{label}")[-20:].hex()))


def _encode_log(event: ContractEvent, address: str, block: int, block_hash: str, log_index: int,
                stamp: int) -> dict[str, Any]:
    tx_hash = "0x" + keccak(block_hash.encode() + log_index.to_bytes(4, "big")).hex()
    return encode_log(event, address, block_number=block, block_hash=block_hash, tx_hash=tx_hash,
                      log_index=log_index, block_timestamp=stamp)


class SyntheticChain:
    """A deterministic chain of receivables: block 1 admits the parties and sets exposure limits, each later block
    registers and confirms RECEIVABLES_PER_BLOCK receivables (one in DISCOUNT_EVERY discounted at a bank)."""

    def __init__(self, template: Template, cores: int = 20, suppliers: int = 200, banks: int = 4) -> None:
        self.t = template
        self.cores = [_address(f"core {i}") for i in range(cores)]
        self.suppliers = [_address(f"supplier {i}") for i in range(suppliers)]
        self.banks = [_address(f"bank {i}") for i in range(banks)]
        self.regulator = _address("regulator")
        self.start_time = 1_800_000_000
        self.head = 1
        self.deployment = Deployment(chain_id=SYNTHETIC_CHAIN_ID, block=1, contracts=template.deployment.contracts,
                                     operator=template.deployment.operator)

    def blocks_for(self, receivables: int) -> int:
        return 1 + -(-receivables // RECEIVABLES_PER_BLOCK)

    def block_hash(self, number: int) -> str:
        return "0x" + keccak(b"scf-synthetic-block" + number.to_bytes(8, "big")).hex()

    def timestamp(self, number: int) -> int:
        return self.start_time + 12 * number

    def events(self, number: int) -> Iterable[tuple[str, ContractEvent]]:
        t = self.t
        receivables_addr = t.deployment.address("Receivables")
        if number == 1:
            from sdk.types import Role

            admitted: Any = t.admission.event
            parties = [(a, Role.CORE_ENTERPRISE) for a in self.cores] + [(a, Role.SUPPLIER) for a in self.suppliers]
            parties += [(a, Role.BANK) for a in self.banks] + [(self.regulator, Role.REGULATOR)]
            for account, role in parties:
                yield t.admission.address, replace(admitted, account=account, roles=1 << int(role),
                                                   identity_hash=keccak(text=account), kyc_expiry=2**40)
            limit: Any = t.limit.event
            for bank in self.banks:
                for core in self.cores:
                    yield receivables_addr, replace(limit, bank=bank, debtor=core, new_limit=10**15)
            return
        first = (number - 2) * RECEIVABLES_PER_BLOCK + 1
        for root in range(first, first + RECEIVABLES_PER_BLOCK):
            swap = {t.supplier: self.suppliers[root % len(self.suppliers)],
                    t.debtor: self.cores[root % len(self.cores)], t.bank: self.banks[root % len(self.banks)]}
            changes = {"root_id": root, "fragment_id": root << 16, "invoice_hash": keccak(text=f"invoice {root}"),
                       "due_date": self.timestamp(number) + (root % 360 + 1) * 86_400}
            records = t.confirmed_life + (t.discount if root % DISCOUNT_EVERY == 0 else [])
            for record in records:
                event: Any = record.event
                fields: dict[str, Any] = {}
                for name in event.FIELDS:
                    value = getattr(event, name)
                    if name in changes:
                        fields[name] = changes[name]
                    elif isinstance(value, str) and value in swap:
                        fields[name] = swap[value]
                yield record.address, replace(event, **fields)

    def logs(self, first: int, last: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for number in range(first, min(last, self.head) + 1):
            block_hash, stamp = self.block_hash(number), self.timestamp(number)
            for index, (address, event) in enumerate(self.events(number)):
                out.append(_encode_log(event, address, number, block_hash, index, stamp))
        return out


def synthetic_source(chain: SyntheticChain) -> Any:
    """The synthetic chain as an indexer source (everything is final: no change log)."""
    from gateway.indexer.source import ChainSource, Header, Tip

    class SyntheticSource(ChainSource):
        kind = "synthetic"

        def chain_id(self) -> int:
            return SYNTHETIC_CHAIN_ID

        def _header(self, number: int) -> Header:
            parent = chain.block_hash(number - 1) if number > 0 else "0x" + "00" * 32
            return Header(number, chain.block_hash(number), parent, chain.timestamp(number))

        def tip(self, with_finalized: bool) -> Tip:
            return Tip(self._header(chain.head), chain.head)

        def headers(self, numbers: Iterable[int]) -> dict[int, Header]:
            return {n: self._header(n) for n in numbers if 0 <= n <= chain.head}

        def logs(self, first: int, last: int, addresses: Sequence[str]) -> list[dict[str, Any]]:
            return chain.logs(first, last)

    return SyntheticSource()


def synthesise(database_url: str, workdir: Path, receivables: int, chain: SyntheticChain | None = None,
               indexer: Any = None) -> tuple[SyntheticChain, Any]:
    """Grow the database to `receivables` synthetic receivables through the real indexer."""
    from gateway.core.db import make_engine, migrate
    from gateway.indexer import Indexer

    if chain is None:
        chain = SyntheticChain(make_template())
    if indexer is None:
        engine = make_engine(database_url)
        migrate(engine)
        settings = _settings(database_url=database_url, window_initial=20,
                            window_max=20)
        indexer = Indexer(synthetic_source(chain), chain.deployment, engine, settings)
        chain.deployment.save(workdir / "deployment.json")
    chain.head = chain.blocks_for(receivables)
    indexer.sync()
    return chain, indexer


def _settings(**values: Any) -> Any:
    """Gateway settings for a benchmark database: development mode with a random token secret."""
    import secrets

    from pydantic import SecretStr

    from gateway.core.config import Settings

    secret = values.pop("jwt_secret", None) or secrets.token_hex(32)
    return Settings(environment="development", jwt_secret=SecretStr(secret), **values)


# =============================================================================================== API load
def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


REQUEST_TIMEOUT_S = 10.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[str, dict[bytes, bytes]]:
    """Read one HTTP/1.1 response off a keep-alive connection: its status code ("none" when the status line is
    malformed) and its headers (lower-case names and values); the body is read and dropped."""
    status = await reader.readline()
    headers: dict[bytes, bytes] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.lower().partition(b":")
        headers[name.strip()] = value.strip()
    await reader.readexactly(int(headers.get(b"content-length", b"0")))
    return (status.split(b" ", 2)[1].decode() if status.count(b" ") >= 1 else "none"), headers


async def _open_loop(host: str, port: int, path: str, token: str | list[str], rate: float, duration: float,
                     max_connections: int = 64) -> dict[str, Any]:
    """Requests at a constant arrival rate over keep-alive HTTP/1.1 connections; latency from the due time."""
    tokens = [token] if isinstance(token, str) else list(token)  # several: each request the next party's
    requests = [(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {t}\r\n"
                 "Accept: application/json\r\n\r\n").encode() for t in tokens]
    sent = 0
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    opened = 0
    available = asyncio.Semaphore(max_connections)
    latencies: list[float] = []
    server_ms: list[float] = []  # the server's own time (Server-Timing: app;dur=), for answered requests
    statuses: dict[str, int] = {}
    send_lag: list[float] = []  # how late each request was written: the generator's own delay, and waits for one
    # of its max_connections (a server that answers slowly ties them all up)
    errors = 0

    async def one(due: float) -> None:
        nonlocal errors
        async with available:
            try:  # a stalled server or a half-closed keep-alive socket must not hang the run: count it as an error
                await asyncio.wait_for(exchange(due), timeout=REQUEST_TIMEOUT_S)
            except TimeoutError:
                errors += 1

    async def exchange(due: float) -> None:
        nonlocal opened, errors, sent
        if idle:
            reader, writer = idle.pop()
        else:
            reader, writer = await asyncio.open_connection(host, port)
            opened += 1
        try:
            send_lag.append((time.perf_counter() - due) * 1000)
            sent += 1
            writer.write(requests[sent % len(requests)])
            await writer.drain()
            code, headers = await _read_response(reader)
            timing = headers.get(b"server-timing", b"")
            if b"dur=" in timing:
                server_ms.append(float(timing.split(b"dur=", 1)[1].split(b",", 1)[0].strip()))
            statuses[code] = statuses.get(code, 0) + 1
            if code != "200":
                errors += 1
            latencies.append((time.perf_counter() - due) * 1000)
            idle.append((reader, writer))
        except (OSError, asyncio.IncompleteReadError):
            errors += 1
            writer.close()

    warm = time.perf_counter()  # steady state: a few connections open and the server warm
    await asyncio.gather(*(one(warm) for _ in range(min(8, max_connections))))
    latencies.clear()
    server_ms.clear()
    statuses.clear()
    send_lag.clear()
    errors = 0
    cpu_start = time.process_time()
    loop_start = time.perf_counter() + 0.05
    total = int(rate * duration)
    tasks = []
    for i in range(total):
        due = loop_start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - loop_start
    for _, writer in idle:
        writer.close()
    return {
        "offered_rps": rate, "requests": total, "achieved_rps": round(len(latencies) / elapsed, 1),
        "errors": errors, "p50_ms": round(_percentile(latencies, 0.50), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2), "max_ms": round(max(latencies, default=float("nan")), 2),
        "connections": opened,
        "statuses": dict(sorted(statuses.items())), "unanswered": total - sum(statuses.values()),
        "server_p50_ms": round(_percentile(server_ms, 0.50), 2),
        "server_p99_ms": round(_percentile(server_ms, 0.99), 2),
        "generator_send_lag_p99_ms": round(_percentile(send_lag, 0.99), 2),
        "generator_cpu_share": round((time.process_time() - cpu_start) / elapsed, 3),
    }


def load(host: str, port: int, path: str, token: str | list[str], rate: float, duration: float) -> dict[str, Any]:
    """One open-loop run in a separate process (the load must not share the server's or the bench's CPU)."""
    code = ("import asyncio, json, sys; from sdk.cli.bench_gateway import _open_loop; "
            "print(json.dumps(asyncio.run(_open_loop(*json.loads(sys.argv[1])))))")
    args = json.dumps([host, port, path, token, rate, duration])
    done = subprocess.run([sys.executable, "-c", code, args], capture_output=True, text=True, timeout=duration + 120,
                          env=_child_env(), check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# ------------------------------------------------------------------------------------------------ overload
OVERLOAD_FACTOR = 2  # the overload step offers this many times the highest rate served within API_MAX_P99_MS
OVERLOAD_SECONDS = 5.0
RECOVERY_SECONDS = 3.0
RECOVERY_FACTOR = 0.5  # ... then drops to this share of that rate
RECOVERY_WINDOW_S = 0.25


async def _phased_load(host: str, port: int, path: str, token: str, phases: list[tuple[float, float]],
                       max_connections: int = 256) -> list[list[Any]]:
    """Open-loop phases (rate, seconds) back to back, in one process so that nothing pauses between them; one
    row per request: [phase, due seconds into its phase, status ("none" when unanswered), latency ms]."""
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
               "Accept: application/json\r\n\r\n").encode()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    available = asyncio.Semaphore(max_connections)
    rows: list[list[Any]] = []

    async def exchange(row: list[Any], due: float) -> None:
        reader, writer = idle.pop() if idle else await asyncio.open_connection(host, port)
        try:
            writer.write(request)
            await writer.drain()
            code, headers = await _read_response(reader)
            row[2] = "503 without Retry-After" if code == "503" and b"retry-after" not in headers else code
            row[3] = round((time.perf_counter() - due) * 1000, 2)
            if b"close" not in headers.get(b"connection", b""):
                idle.append((reader, writer))
            else:
                writer.close()
        except (OSError, asyncio.IncompleteReadError):
            writer.close()

    async def one(row: list[Any], due: float) -> None:
        async with available:
            try:
                await asyncio.wait_for(exchange(row, due), timeout=REQUEST_TIMEOUT_S)
            except TimeoutError:
                pass

    await asyncio.gather(*(one([0, 0.0, "none", None], time.perf_counter()) for _ in range(8)))  # warm
    tasks = []
    start = time.perf_counter() + 0.05
    for phase, (rate, seconds) in enumerate(phases):
        for i in range(int(rate * seconds)):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            row = [phase, round(i / rate, 4), "none", None]
            rows.append(row)
            tasks.append(asyncio.create_task(one(row, due)))
        start += seconds
    await asyncio.gather(*tasks)
    for _, writer in idle:
        writer.close()
    return rows


def overload(host: str, port: int, path: str, token: str, max_rate: float) -> dict[str, Any]:
    """OVERLOAD_FACTOR x `max_rate` (the most the server served: the highest rate within API_MAX_P99_MS or, when
    higher, the throughput it reached at the target rate) for OVERLOAD_SECONDS, then RECOVERY_FACTOR x `max_rate`:
    how many answers of each status (503s must carry Retry-After; a 500 or an unanswered request fails the
    target), and how soon after the load drops the answers are 200s within API_MAX_P99_MS again."""
    high, low = OVERLOAD_FACTOR * max_rate, max(RECOVERY_FACTOR * max_rate, 10.0)
    phases = [(high, OVERLOAD_SECONDS), (low, RECOVERY_SECONDS)]
    code = ("import asyncio, json, sys; from sdk.cli.bench_gateway import _phased_load; "
            "a = json.loads(sys.argv[1]); print(json.dumps(asyncio.run(_phased_load(*a))))")
    args = json.dumps([host, port, path, token, phases])
    done = subprocess.run([sys.executable, "-c", code, args], capture_output=True, text=True,
                          timeout=OVERLOAD_SECONDS + RECOVERY_SECONDS + 120, env=_child_env(), check=False)
    if done.returncode != 0:
        raise RuntimeError(f"overload load generator failed: {done.stderr.strip()[-500:]}")
    rows: list[list[Any]] = json.loads(done.stdout)

    def counts(phase: int) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in rows:
            if row[0] == phase:
                out[row[2]] = out.get(row[2], 0) + 1
        return dict(sorted(out.items()))

    served = [r[3] for r in rows if r[0] == 0 and r[2] == "200"]
    # Recovered: from the start of the first RECOVERY_WINDOW_S window of the lower rate after which every window
    # holds only 200s with a median latency within API_MAX_P99_MS (a backlog raises every latency; the median
    # ignores the odd request that the machine's other work delays). 0 = at once; None = not within the step.
    windows: dict[int, list[list[Any]]] = {}
    for row in rows:
        if row[0] == 1:
            windows.setdefault(int(row[1] / RECOVERY_WINDOW_S), []).append(row)
    healthy = {w: all(r[2] == "200" for r in rs) and _percentile([r[3] for r in rs], 0.5) <= API_MAX_P99_MS
               for w, rs in windows.items()}
    recovered_after: float | None = None
    for w in sorted(healthy):
        if all(healthy[later] for later in healthy if later >= w):
            recovered_after = w * RECOVERY_WINDOW_S
            break
    during, after = counts(0), counts(1)
    failed = sum(n for c in (during, after) for code, n in c.items() if code not in ("200", "503"))
    return {
        "path": path, "max_rps": max_rate, "offered_rps": high, "seconds": OVERLOAD_SECONDS,
        "statuses": during, "served_p99_ms": round(_percentile(served, 0.99), 2) if served else None,
        "recovery_rps": low, "recovery_seconds": RECOVERY_SECONDS, "recovery_statuses": after,
        "recovered_after_s": None if recovered_after is None else round(recovered_after, 3),
        "meets_target": failed == 0 and recovered_after is not None and recovered_after <= 1.0,
    }


def _child_env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])  # the folder holding sdk/ (this file is sdk/cli/…)
    return {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}


class ApiServer:
    """The gateway API (no indexer inside) in its own process, on a free loopback port."""

    def __init__(self, database_url: str, deployment_file: Path, secret: str, workers: int = 1,
                 extra_env: dict[str, str] | None = None) -> None:
        from sdk.anvil import free_port

        self.port = free_port()
        self.workers = workers
        env = {**_child_env(), **(extra_env or {}), "SCF_GATEWAY_WORKERS": str(workers),
               "SCF_GATEWAY_DATABASE_URL": database_url,
               "SCF_GATEWAY_DEPLOYMENT_FILE": str(deployment_file), "SCF_GATEWAY_INDEX_IN_PROCESS": "false",
               "SCF_GATEWAY_JWT_SECRET": secret, "SCF_GATEWAY_ENVIRONMENT": "development",
               # the bench's tokens last a day (measure_api); the server refuses tokens longer than its own TTL
               "SCF_GATEWAY_JWT_TTL_SECONDS": str(BENCH_TOKEN_TTL)}
        code = ("import sys; from gateway.core.config import get_settings; "
                "from gateway.main import create_app, make_server, serve_workers; s = get_settings(); "
                "serve_workers(s, host='127.0.0.1', port=int(sys.argv[1]), log_level='error', access_log=False) "
                "if s.workers > 1 else "
                "make_server(create_app(s, migrate_schema=False), s, host='127.0.0.1', port=int(sys.argv[1]), "
                "log_level='error', access_log=False).run()")
        # The server's output goes to a file: a pipe nobody reads fills up (64 KiB of tracebacks) and then blocks
        # the server on its next write, stalling every request.
        self.log_file = deployment_file.parent / f"api-server-{self.port}.log"
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-c", code, str(self.port)], env=env,
                                            stdout=log, stderr=subprocess.STDOUT)
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                reason = self.log_file.read_text(encoding="utf-8", errors="replace")
                raise RuntimeError(f"the API did not start ({self.log_file}): {reason.strip()[-500:]}")
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the API did not answer within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


#: The API process count of the load section: one per CPU (SCF_BENCH_API_WORKERS overrides it).
def api_workers() -> int:
    return int(os.environ.get("SCF_BENCH_API_WORKERS", "0")) or max(os.cpu_count() or 1, 1)


#: Measured endpoints: name -> (path, whose token). "positions_parties" asks /v1/positions for a different party
#: each request (200 suppliers, 20 debtors and the banks in turn), so that nearly every request misses the
#: answers kept per checkpoint and second (gateway.api.answers) and computes its positions afresh.
API_ENDPOINTS: dict[str, tuple[str, str]] = {
    "receivables": ("/v1/receivables?limit=50", "regulator"),
    "fragments": ("/v1/fragments?limit=50", "regulator"),
    "positions": ("/v1/positions", "bank"),
    "positions_parties": ("/v1/positions", "parties"),
    "alerts": ("/v1/alerts", "bank"),
}


def measure_api(sizes: Sequence[int], step_seconds: float, search_rates: Sequence[int],
                step: Callable[[str], None]) -> dict[str, Any]:
    """Latency of each of API_ENDPOINTS at API_TARGET_RPS for each database size, and the highest rate with p99 <=
    API_MAX_P99_MS at the largest; then the overload step (see `overload`) at twice that rate."""
    import secrets

    from gateway.core.security import issue_token

    workdir = Path(tempfile.mkdtemp(prefix="scf-bench-api-"))
    database_url = f"sqlite:///{workdir / 'api.sqlite'}"
    secret = secrets.token_hex(32)
    settings = _settings(jwt_secret=secret, jwt_ttl_seconds=BENCH_TOKEN_TTL)
    chain: SyntheticChain | None = None
    indexer: Any = None
    workers = api_workers()
    result: dict[str, Any] = {name: {"path": path, "by_rows": {}} for name, (path, _) in API_ENDPOINTS.items()}
    for size in sizes:
        started = time.perf_counter()
        chain, indexer = synthesise(database_url, workdir, size, chain, indexer)
        step(f"api: {size:,} receivables synthesised through the indexer ({time.perf_counter() - started:.0f} s)")
        now = int(time.time())
        parties = ([(a, "supplier") for a in chain.suppliers] + [(a, "core_enterprise") for a in chain.cores]
                   + [(a, "bank") for a in chain.banks])
        tokens: dict[str, str | list[str]] = {
            "regulator": issue_token(chain.regulator, ["regulator"], settings, now)[0],
            "bank": issue_token(chain.banks[0], ["bank"], settings, now)[0],
            "parties": [issue_token(a, [role], settings, now)[0] for a, role in parties],
        }
        server = ApiServer(database_url, workdir / "deployment.json", secret, workers=workers)
        try:
            for name, (path, who) in API_ENDPOINTS.items():
                load("127.0.0.1", server.port, path, tokens[who], 20, 1.0)  # warm-up
                run = load("127.0.0.1", server.port, path, tokens[who], API_TARGET_RPS, step_seconds)
                run["load_average_1m"] = round(os.getloadavg()[0], 2)
                result[name]["by_rows"][str(size)] = run
                step(f"api: {name} at {API_TARGET_RPS} req/s over {size:,} receivables")
            if size == sizes[-1]:
                for name, (path, who) in API_ENDPOINTS.items():
                    best = 0
                    for rate in search_rates:
                        run = load("127.0.0.1", server.port, path, tokens[who], rate, step_seconds)
                        if run["p99_ms"] <= API_MAX_P99_MS and run["errors"] == 0 and \
                                run["achieved_rps"] >= 0.9 * rate:
                            best = rate
                        else:
                            break
                    result[name]["max_rps"] = best
                    step(f"api: highest rate for {name}")
                path, who = API_ENDPOINTS["receivables"]
                token = tokens[who]
                assert isinstance(token, str)
                # the most it served: the highest rate within API_MAX_P99_MS, or what it got through at the target
                served = [r["achieved_rps"] for r in result["receivables"]["by_rows"].values()]
                sustained = max([result["receivables"]["max_rps"], *served]) or min(search_rates)
                result["overload"] = overload("127.0.0.1", server.port, path, token, sustained)
                step(f"api: overload at {OVERLOAD_FACTOR} x {sustained} req/s")
        finally:
            server.stop()
    rows = max(sizes)
    for name in API_ENDPOINTS:
        at = result[name]["by_rows"][str(rows)]
        result[name].update({"rows": rows, "p50_ms": at["p50_ms"], "p99_ms": at["p99_ms"],
                             "server_p99_ms": at["server_p99_ms"],
                             "meets_target": at["p99_ms"] <= API_TARGET_P99_MS and at["errors"] == 0})
    result["offered_rps"] = API_TARGET_RPS
    result["target_p99_ms"] = API_TARGET_P99_MS
    result["max_rps_p99_ms"] = API_MAX_P99_MS
    result["workers"] = workers
    result["load"] = (f"open loop, constant arrival rate, separate process, keep-alive HTTP/1.1 on loopback; "
                      f"{workers} API worker process(es)")
    result["rows_by_size"] = list(sizes)
    return result


# =============================================================================================== indexer
#: PostgreSQL for the indexer's second backfill (a fresh schema per run, dropped afterwards). SCF_BENCH_POSTGRES_URL
#: overrides it; "none" skips PostgreSQL (reported as skipped, never as met).
BENCH_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
INDEXER_TARGET_PG_VS_SQLITE = 0.8


def postgres_url() -> str | None:
    url = os.environ.get("SCF_BENCH_POSTGRES_URL", BENCH_POSTGRES_URL)
    return None if url.lower() in ("", "none") else url


def backfill(rpc: str, deployment_file: Path, database_url: str, until_block: int, schema: str | None = None
             ) -> dict[str, Any]:
    """Index blocks deployment..until_block into a fresh database in this process (run it as a child). With
    `schema` (PostgreSQL), the schema is created fresh and dropped at the end."""
    from gateway.core.db import make_engine, migrate
    from gateway.indexer import build_indexer
    from sdk.cli.gateway import count_events

    engine = make_engine(database_url, schema)
    try:
        migrate(engine)
        head = int(JsonRpcHttp(rpc).request("eth_blockNumber", []), 16)
        settings = _settings(database_url=database_url, database_schema=schema, chain_url=rpc,
                             deployment_file=deployment_file, confirmations=max(head - until_block, 0))
        indexer = build_indexer(settings, engine=engine, migrate_schema=False)
        started = time.perf_counter()
        indexed_head = indexer.sync()
        seconds = time.perf_counter() - started
        indexer.source.close()
        events = count_events(engine)
    finally:
        if schema:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"blocks": indexed_head, "events": events, "seconds": round(seconds, 3),
            "events_per_s": round(events / seconds, 1), "peak_rss_mib": round(peak / 1024, 1)}


def run_child(what: str, code: str, args: Sequence[Any], workdir: Path, timeout: float) -> Any:
    """Run `code` in a child Python (argv[1] = JSON `args`); its last stdout line is its JSON result. The child's
    output goes to files in `workdir` (a pipe nobody reads stalls a child once full); a failure raises, naming
    `what` and the log."""
    slug = "".join(c if c.isalnum() else "-" for c in what)[:60]
    out_file, err_file = workdir / f"{slug}.out", workdir / f"{slug}.err"
    with out_file.open("wb") as out, err_file.open("wb") as err:
        try:
            done = subprocess.run([sys.executable, "-c", code, json.dumps(list(args))], stdout=out, stderr=err,
                                  timeout=timeout, env=_child_env(), check=False)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"{what}: no result within {timeout:.0f} s (output in {err_file})") from exc
    if done.returncode != 0:
        tail = err_file.read_text(encoding="utf-8", errors="replace").strip()[-800:]
        raise RuntimeError(f"{what} failed (exit {done.returncode}, output in {err_file}): {tail}")
    lines = out_file.read_text(encoding="utf-8").strip().splitlines()
    if not lines:
        raise RuntimeError(f"{what} printed no result (output in {err_file})")
    return json.loads(lines[-1])


def backfill_in_child(rpc: str, deployment_file: Path, until_block: int, database: str = "sqlite"
                      ) -> dict[str, Any]:
    """One backfill in a child process, into a fresh SQLite file or a fresh PostgreSQL schema."""
    import uuid

    workdir = Path(tempfile.mkdtemp(prefix="scf-bench-index-"))
    schema = None
    if database == "postgresql":
        url = postgres_url()
        if url is None:
            raise RuntimeError("no PostgreSQL URL for the indexer benchmark")
        schema = f"scf_bench_{uuid.uuid4().hex[:12]}"
    else:
        url = f"sqlite:///{workdir / 'index.sqlite'}"
    code = ("import json, sys; from pathlib import Path; from sdk.cli.bench_gateway import backfill; "
            "a = json.loads(sys.argv[1]); print(json.dumps(backfill(a[0], Path(a[1]), a[2], a[3], a[4])))")
    result: dict[str, Any] = run_child(f"indexer backfill ({database}, to block {until_block})", code,
                                       [rpc, str(deployment_file), url, until_block, schema], workdir, 1800)
    result["database"] = database
    return result


def raw_fetch(rpc: str, addresses: Sequence[str], first: int, last: int, window: int = 2_000) -> dict[str, Any]:
    """The same block range with bare eth_getLogs, JSON-parsed and nothing more."""
    client = JsonRpcHttp(rpc)
    events = 0
    started = time.perf_counter()
    for start in range(first, last + 1, window):
        end = min(start + window - 1, last)
        logs = client.request("eth_getLogs", [{"fromBlock": hex(start), "toBlock": hex(end),
                                               "address": list(addresses)}])
        events += len(logs)
    seconds = time.perf_counter() - started
    client.close()
    return {"events": events, "seconds": round(seconds, 3), "events_per_s": round(events / seconds, 1)}


def measure_indexer(rpc: str, deployment: Deployment, blocks: Sequence[int], step: Callable[[str], None]
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Backfill up to each block of `blocks` (ascending) in a child process, into SQLite and then PostgreSQL (the
    largest range); the raw fetch of the largest range runs between them, so all three share one run's load."""
    workdir = Path(tempfile.mkdtemp(prefix="scf-bench-deployment-"))
    deployment_file = deployment.save(workdir / "deployment.json")
    runs = []
    for until in blocks:
        runs.append(backfill_in_child(rpc, deployment_file, until))
        step(f"indexer: backfill of {runs[-1]['events']:,} events into SQLite")
    raws = [raw_fetch(rpc, list(deployment.contracts.values()), deployment.block, blocks[-1]) for _ in range(3)]
    raw = max(raws, key=lambda r: r["events_per_s"])  # the ceiling: the best of three fetches
    largest = runs[-1]
    indexer: dict[str, Any] = {
        "source": "anvil", "database": "sqlite", "events": largest["events"], "blocks": largest["blocks"],
        "seconds": largest["seconds"], "events_per_s": largest["events_per_s"],
        "raw_events_per_s": raw["events_per_s"], "raw_events": raw["events"],
        "raw_runs_events_per_s": [r["events_per_s"] for r in raws],
        "ratio": round(largest["events_per_s"] / raw["events_per_s"], 3),
        "target_events_per_s": INDEXER_TARGET_EVENTS_PER_S, "target_ratio": INDEXER_TARGET_RATIO,
        "runs": runs,
    }
    indexer["meets_target"] = (indexer["events_per_s"] >= INDEXER_TARGET_EVENTS_PER_S
                               and indexer["ratio"] >= INDEXER_TARGET_RATIO)
    if postgres_url() is None:
        indexer["postgresql"] = {"skipped": "SCF_BENCH_POSTGRES_URL=none"}
    else:
        pg = backfill_in_child(rpc, deployment_file, blocks[-1], "postgresql")
        step(f"indexer: backfill of {pg['events']:,} events into PostgreSQL")
        if pg["events"] != largest["events"]:
            raise RuntimeError(f"indexer: PostgreSQL indexed {pg['events']} events, SQLite {largest['events']}")
        vs = round(pg["events_per_s"] / largest["events_per_s"], 3)
        indexer["postgresql"] = {
            "events": pg["events"], "seconds": pg["seconds"], "events_per_s": pg["events_per_s"],
            "ratio_to_raw": round(pg["events_per_s"] / raw["events_per_s"], 3), "vs_sqlite": vs,
            "target_vs_sqlite": INDEXER_TARGET_PG_VS_SQLITE, "meets_target": vs >= INDEXER_TARGET_PG_VS_SQLITE,
            "peak_rss_mib": pg["peak_rss_mib"],
        }
    memory = {
        "what": "peak RSS of the indexer process during a backfill from anvil into SQLite",
        "sizes": [{"events": r["events"], "peak_rss_mib": r["peak_rss_mib"]} for r in runs],
        "growth": round(runs[-1]["peak_rss_mib"] / runs[0]["peak_rss_mib"], 3),
    }
    return indexer, memory


def index_embedded(chain: Chain, deployment: Deployment) -> float:
    """Seconds to index an embedded chain from its deployment block to the head."""
    from gateway.indexer import build_indexer

    workdir = Path(tempfile.mkdtemp(prefix="scf-bench-embedded-"))
    settings = _settings(database_url=f"sqlite:///{workdir / 'e.sqlite'}",
                        chain_url="embedded")
    indexer = build_indexer(settings, chain=chain, deployment=deployment)
    started = time.perf_counter()
    indexer.sync()
    return time.perf_counter() - started


__all__ = ["SyntheticChain", "backfill", "index_embedded", "load", "make_template", "measure_api",
           "measure_indexer"]
