"""`scf bench --rows N [--rows M ...] [--database-url URL]`: API latency as the book grows to a million receivables.

The rows are written straight into the gateway's projection store (participants, receivables, their fragments,
the financings of one receivable in ten, the banks' exposures and the party links the API scopes by), in bulk:
the driver's executemany on SQLite, COPY on PostgreSQL. The maturity summary behind ``/v1/positions`` is rebuilt
by one INSERT ... SELECT per side after each step, as the indexer would have kept it. What is measured is the API
over a large book, not the indexer (``scf bench`` measures that separately).

At each size (ascending; each grows the same database) the API runs in its own process and a load generator in
another sends requests at a constant arrival rate (open loop, as the ``api`` section does), per endpoint:

* the list endpoints as the regulator (every row in scope: the widest query) and as a supplier;
* ``/v1/positions`` as a bank and as a core enterprise (the debtor of a twentieth of the book);
* ``/v1/alerts`` as a bank and as a core enterprise.

The report gives p50/p99 per endpoint and size, the p99 ratio from the smallest size to the largest (flat is
1.0), the API process's peak RSS per size, the seeding time per size, and the indexer's peak RSS while it indexes
a further 1,000 receivables (a synthetic chain, through the real indexer) on top of the book at each size.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sdk.generated.enums import FinancingStatus, FragmentStatus, ParticipantStatus, ReceivableStatus, Role

DAY = 86_400
CORES, SUPPLIERS, BANKS = 20, 200, 4
DISCOUNT_EVERY = 10
#: Receivable ids start above any id the synthetic chain of the other sections uses.
FIRST_ID = 10_000_000
RATE = 50  # requests per second offered per endpoint run: latency, not queueing (the `api` section measures 200 req/s)
#: (label, role, path): what is measured at each size.
ENDPOINTS = (
    ("receivables, regulator", "regulator", "/v1/receivables?limit=50"),
    ("receivables by due date, regulator", "regulator", "/v1/receivables?limit=50&sort=-due_date"),
    ("receivables, supplier", "supplier", "/v1/receivables?limit=50"),
    ("fragments, regulator", "regulator", "/v1/fragments?limit=50"),
    ("fragments, bank", "bank", "/v1/fragments?limit=50"),
    ("financings, bank", "bank", "/v1/financings?limit=50"),
    ("participants, regulator", "regulator", "/v1/participants?limit=50"),
    ("positions, bank", "bank", "/v1/positions"),
    ("positions, core enterprise", "core", "/v1/positions"),
    ("alerts, bank", "bank", "/v1/alerts?limit=50"),
    ("alerts, core enterprise", "core", "/v1/alerts?limit=50"),
)


def _address(kind: int, n: int) -> str:
    from eth_utils import to_checksum_address

    return str(to_checksum_address(f"0x{kind:04x}{n:036x}"))


def parties() -> dict[str, list[str]]:
    return {"core": [_address(0xC0, i) for i in range(CORES)],
            "supplier": [_address(0x5A, i) for i in range(SUPPLIERS)],
            "bank": [_address(0xBA, i) for i in range(BANKS)],
            "regulator": [_address(0xE6, 0)]}


def _participant_rows(now: int) -> list[dict[str, Any]]:
    roles = {"core": Role.CORE_ENTERPRISE, "supplier": Role.SUPPLIER, "bank": Role.BANK, "regulator": Role.REGULATOR}
    rows = []
    for kind, addresses in parties().items():
        for i, address in enumerate(addresses):
            rows.append({"address": address, "name": f"Scale {kind} {i}", "identity_hash": "0x" + f"{i:064x}",
                         "kyc_expiry": now + 3_650 * DAY, "admitted_at": now - 400 * DAY,
                         "roles": 1 << int(roles[kind]), "status": int(ParticipantStatus.ACTIVE),
                         "admitted_block": 1, "updated_block": 1})
    return rows


def _rows(first: int, last: int, now: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, row) for receivables first..last (1-based positions in the book) and what hangs off them."""
    p = parties()
    cores, suppliers, banks = p["core"], p["supplier"], p["bank"]
    for n in range(first, last + 1):
        rid = FIRST_ID + n
        supplier, core = suppliers[n % SUPPLIERS], cores[n % CORES]
        face = 1_000_00 + (n * 7_919) % 500_000_00
        due = now + ((n * 37) % 360 - 30) * DAY  # a twelfth overdue, the rest spread over a year
        status = ReceivableStatus.REGISTERED if n % 7 == 0 else ReceivableStatus.CONFIRMED
        financed = n % DISCOUNT_EVERY == 0 and status == ReceivableStatus.CONFIRMED
        bank = banks[n % BANKS]
        fragment = rid << 16
        yield "receivable", {"id": rid, "supplier": supplier, "debtor": core, "origin": "registered",
                             "face_units": face, "repaid_units": 0, "due_date": due, "invoice_hash": f"0x{rid:064x}",
                             "status": int(status), "fragment_count": 1, "late": False, "created_at": now - n,
                             "confirmed_at": None if status == ReceivableStatus.REGISTERED else now - n,
                             "updated_block": n}
        yield "fragment", {"id": fragment, "root_id": rid, "depth": 0, "holder": bank if financed else supplier,
                           "debtor": core, "due_date": due, "value_units": face, "original_units": face,
                           "locked_units": 0, "paid_units": 0,
                           "status": int(FragmentStatus.FINANCED if financed else FragmentStatus.ACTIVE),
                           "financed": financed, "created_at": now - n, "updated_block": n}
        yield "party_link", {"party": supplier, "kind": "receivable", "key": rid, "relations": 1 | 4}
        yield "party_link", {"party": core, "kind": "receivable", "key": rid, "relations": 2}
        yield "party_link", {"party": supplier, "kind": "fragment", "key": fragment,
                             "relations": 4 | 16 if financed else 4}
        yield "party_link", {"party": core, "kind": "fragment", "key": fragment, "relations": 2}
        if financed:
            yield "party_link", {"party": bank, "kind": "receivable", "key": rid, "relations": 8}
            yield "party_link", {"party": bank, "kind": "fragment", "key": fragment, "relations": 4 | 8}
            yield "financing", {"fragment_id": fragment, "root_id": rid, "bank": bank, "seller": supplier,
                                "debtor": core, "value_units": face, "rate_bps": 550, "with_recourse": False,
                                "status": int(FinancingStatus.FUNDED), "price_units": face - face // 100,
                                "days_to_maturity": 90, "requested_at": now - n, "funded_at": now - n,
                                "recourse_debt_units": 0, "recourse_outstanding_units": 0, "updated_block": n}


TABLES = ("receivable", "fragment", "party_link", "financing")


def seed(engine: Any, first: int, last: int, now: int, chunk: int = 20_000) -> None:
    """Write receivables first..last (and their fragments, links, financings) in bulk; on the first call, the
    participants and the banks' exposures too."""
    from sqlalchemy import MetaData, Table, insert

    meta = MetaData()
    tables = {name: Table(name, meta, autoload_with=engine) for name in (*TABLES, "participant", "exposure")}
    if first == 1:
        p = parties()
        exposures = [{"bank": b, "debtor": c, "limit_units": 10**15, "used_units": 0, "updated_block": 1}
                     for b in p["bank"] for c in p["core"]]
        with engine.begin() as conn:
            conn.execute(insert(tables["participant"]), _participant_rows(now))
            conn.execute(insert(tables["exposure"]), exposures)
    postgres = engine.dialect.name == "postgresql"
    for start in range(first, last + 1, chunk):
        end = min(start + chunk - 1, last)
        batch: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        for table, row in _rows(start, end, now):
            batch[table].append(row)
        with engine.begin() as conn:
            for name in TABLES:
                if not batch[name]:
                    continue
                if postgres:
                    _copy(conn, name, batch[name])
                else:
                    conn.execute(insert(tables[name]), batch[name])
    open_roots = f"{int(ReceivableStatus.CONFIRMED)}, {int(ReceivableStatus.DISPUTED)}"
    with engine.begin() as conn:
        # the banks' exposures: the face value they hold financed
        conn.exec_driver_sql("UPDATE exposure SET used_units = (SELECT coalesce(sum(f.value_units), 0) "
                             "FROM financing f WHERE f.bank = exposure.bank AND f.debtor = exposure.debtor)")
        # the maturity summary behind /v1/positions, as the indexer keeps it (gateway.indexer.handlers.receivables)
        conn.exec_driver_sql("DELETE FROM maturity_summary")
        conn.exec_driver_sql(
            "INSERT INTO maturity_summary (party, side, status, due_date, count, outstanding_units) "
            "SELECT holder, 'held', status, due_date, count(*), sum(value_units - paid_units) FROM fragment "
            "WHERE value_units > paid_units GROUP BY holder, status, due_date")
        conn.exec_driver_sql(
            "INSERT INTO maturity_summary (party, side, status, due_date, count, outstanding_units) "
            "SELECT debtor, 'owed', status, due_date, count(*), sum(face_units - repaid_units) FROM receivable "
            f"WHERE status IN ({open_roots}) AND face_units > repaid_units GROUP BY debtor, status, due_date")
    # Statistics for the planner, and on PostgreSQL the visibility map: right after a bulk load every index-only
    # scan (the party links' counts, the regulator's count) would read the heap, ~500x slower, until autovacuum
    # gets to the tables; a running gateway's tables are vacuumed as they grow.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")


def _copy(conn: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """COPY rows into a table through the transaction's psycopg connection (triggers fire as for INSERT)."""
    columns = list(rows[0])
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


# ------------------------------------------------------------------------------------------------ the API
class Server:
    """The API in its own process (no indexer inside), on a free port; its peak RSS is read before it stops."""

    def __init__(self, database_url: str, schema: str | None, deployment_file: Path, secret: str) -> None:
        import httpx

        from sdk.anvil import free_port
        from sdk.cli.bench_gateway import BENCH_TOKEN_TTL, _child_env

        self.port = free_port()
        env = {**_child_env(), "SCF_GATEWAY_DATABASE_URL": database_url, "SCF_GATEWAY_INDEX_IN_PROCESS": "false",
               "SCF_GATEWAY_DEPLOYMENT_FILE": str(deployment_file), "SCF_GATEWAY_JWT_SECRET": secret,
               "SCF_GATEWAY_ENVIRONMENT": "development", "SCF_GATEWAY_JWT_TTL_SECONDS": str(BENCH_TOKEN_TTL)}
        if schema:
            env["SCF_GATEWAY_DATABASE_SCHEMA"] = schema
        code = ("import sys; from gateway.core.config import get_settings; "
                "from gateway.main import create_app, make_server; s = get_settings(); "
                "make_server(create_app(s, migrate_schema=False), s, host='127.0.0.1', port=int(sys.argv[1]), "
                "log_level='warning', access_log=False).run()")
        self.log_file = deployment_file.parent / f"api-{self.port}.log"
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-c", code, str(self.port)], env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the API did not start ({self.log_file}): "
                                   + self.log_file.read_text(errors="replace")[-800:])
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the API did not answer within 120 s")

    def peak_rss_mib(self) -> float:
        with open(f"/proc/{self.process.pid}/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        return float("nan")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


#: Receivables the indexer adds on top of the seeded book at each size, for its peak RSS.
INDEXER_RECEIVABLES = 1_000


def index_on_top(database_url: str, schema: str | None, workdir: str, receivables: int) -> dict[str, Any]:
    """In a child process: grow a synthetic chain (sdk.cli.bench_gateway) to `receivables` and index it with the
    real indexer into the seeded database (its ids and parties are apart from the seeded ones); the indexer's
    peak RSS, from after the chain's template is built (its embedded EVM is not the indexer's)."""
    from gateway.core.db import make_engine, migrate
    from gateway.indexer import Indexer
    from sdk.cli.bench_gateway import SyntheticChain, _settings, make_template, synthetic_source

    chain = SyntheticChain(make_template())
    engine = make_engine(database_url, schema)
    migrate(engine)
    settings = _settings(database_url=database_url, database_schema=schema, window_initial=20, window_max=20)
    indexer = Indexer(synthetic_source(chain), chain.deployment, engine, settings)
    chain.head = chain.blocks_for(receivables)
    with open("/proc/self/clear_refs", "w", encoding="utf-8") as fh:  # the peak from here on
        fh.write("5")
    started = time.perf_counter()
    head = indexer.sync()
    seconds = time.perf_counter() - started
    engine.dispose()
    peak = 0.0
    with open("/proc/self/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return {"indexed_head": head, "seconds": round(seconds, 2), "peak_rss_mib": round(peak, 1), "workdir": workdir}


def _index_in_child(database_url: str, schema: str | None, workdir: Path, receivables: int) -> dict[str, Any]:
    from sdk.cli.bench_gateway import run_child

    code = ("import json, sys; from sdk.cli.bench_scale import index_on_top; a = json.loads(sys.argv[1]); "
            "print(json.dumps(index_on_top(*a)))")
    result: dict[str, Any] = run_child(f"indexer on the seeded book ({receivables} synthetic receivables)", code,
                                       [database_url, schema, str(workdir), receivables], workdir, 900)
    return result


def measure_scale(sizes: Sequence[int], step: Callable[[str], None], database_url: str | None = None,
                  seconds: float = 5.0, rate: int = RATE) -> dict[str, Any]:
    """Seed each size in turn (ascending) and measure every endpoint of ENDPOINTS at `rate` req/s for `seconds`."""
    import secrets

    from gateway.core.db import make_engine, migrate
    from gateway.core.security import issue_token
    from sdk.cli.bench_gateway import BENCH_TOKEN_TTL, _settings, load
    from sdk.ledger import Deployment

    sizes = sorted(set(sizes))
    workdir = Path(tempfile.mkdtemp(prefix="scf-bench-scale-"))
    schema = None
    if database_url is None:
        url = f"sqlite:///{workdir / 'scale.sqlite'}"
        database = "sqlite"
    else:
        url, database = database_url, "postgresql"
        schema = f"scf_scale_{uuid.uuid4().hex[:10]}"
    engine = make_engine(url, schema)
    secret = secrets.token_hex(32)
    settings = _settings(jwt_secret=secret, jwt_ttl_seconds=BENCH_TOKEN_TTL)
    deployment_file = Deployment(chain_id=31_337, block=0, contracts={}, operator=_address(0x0F, 1)).save(
        workdir / "deployment.json")
    result: dict[str, Any] = {"database": database, "sizes": sizes, "rate_rps": rate, "seconds_per_run": seconds,
                              "endpoints": {label: {"path": path, "as": role, "by_rows": {}}
                                            for label, role, path in ENDPOINTS},
                              "seeding": {}, "api_peak_rss_mib": {}, "indexer": {}, "workdir": str(workdir)}
    try:
        migrate(engine)
        now = int(time.time())
        p = parties()
        who = {"regulator": p["regulator"][0], "supplier": p["supplier"][1], "bank": p["bank"][0],
               "core": p["core"][3]}
        tokens = {role: issue_token(address, [role if role != "core" else "core_enterprise"], settings, now)[0]
                  for role, address in who.items()}
        seeded = 0
        for size in sizes:
            started = time.perf_counter()
            seed(engine, seeded + 1, size, now)
            took = time.perf_counter() - started
            result["seeding"][str(size)] = {"rows_added": size - seeded, "seconds": round(took, 1),
                                            "receivables_per_s": round((size - seeded) / took)}
            seeded = size
            step(f"scale: {size:,} receivables seeded into {database} ({took:.0f} s)")
            # the indexer writes on top of the book: INDEXER_RECEIVABLES more at each size, its peak RSS
            grown = INDEXER_RECEIVABLES * (len(result["indexer"]) + 1)
            result["indexer"][str(size)] = _index_in_child(url, schema, workdir, grown)
            server = Server(url, schema, deployment_file, secret)
            try:
                for label, role, path in ENDPOINTS:
                    load("127.0.0.1", server.port, path, tokens[role], 10, 1.0)  # warm-up
                    run = load("127.0.0.1", server.port, path, tokens[role], rate, seconds)
                    result["endpoints"][label]["by_rows"][str(size)] = run
                step(f"scale: endpoints measured over {size:,} receivables")
                result["api_peak_rss_mib"][str(size)] = server.peak_rss_mib()
            finally:
                server.stop()
    finally:
        if schema:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()
    first, last = str(sizes[0]), str(sizes[-1])
    errors = []
    for label, entry in result["endpoints"].items():
        small, large = entry["by_rows"][first], entry["by_rows"][last]
        entry["p99_growth"] = round(large["p99_ms"] / small["p99_ms"], 2) if small["p99_ms"] else None
        errors += [f"{label} over {int(size):,} rows: {run['errors']} of {run['requests']}"
                   for size, run in entry["by_rows"].items() if run["errors"]]
    rss = result["api_peak_rss_mib"]
    result["api_rss_growth"] = round(rss[last] / rss[first], 3)
    result["indexer_rss_growth"] = round(result["indexer"][last]["peak_rss_mib"]
                                         / result["indexer"][first]["peak_rss_mib"], 3)
    if errors:
        result["errors"] = errors
    return result


def explain(database_url: str | None, query: str) -> str:  # pragma: no cover - a tool for reading plans
    """The plan of `query` on a database (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite)."""
    from sqlalchemy import create_engine

    engine = create_engine(database_url or "sqlite://")
    with engine.connect() as conn:
        prefix = "EXPLAIN ANALYZE " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        out = io.StringIO()
        for row in conn.exec_driver_sql(prefix + query):
            out.write(" | ".join(str(v) for v in row) + "\n")
    return out.getvalue()


__all__ = ["ENDPOINTS", "measure_scale", "seed"]
