"""The web app's page-load figure for `scf bench`: the server render time of a role's main list pages with
10,000 rows behind them (issue 11: "a page with 10,000 rows behind it loads its first page in under a second").

The rows are written straight into the gateway's projection store (participants, receivables, fragments and the
party links the API scopes by), not through a chain: what is measured is the page, not the indexer. Each page is
requested through the app in this process (routing, authentication, the read API's query, Jinja2), the first
request discarded as warm-up; the figure is the median and the slowest of the rest.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sdk.generated.enums import FragmentStatus, ParticipantStatus, ReceivableStatus, Role

TARGET_MS = 1_000.0
DAY = 86_400
#: The pages measured (label -> (role, path)): the supplier's workspace and its two main lists at their default
#: sort, then sorted and filtered the way a supplier's accountant reads them; the core enterprise's batch-confirmation
#: list (a third of the rows await it); the regulator's list of every receivable and its oversight page (aggregates
#: over all rows); the core enterprise's maturity calendar (what it owes, grouped by due date and bucketed by week or
#: month, and the month's payables with a repay form each).
PAGES = {
    "supplier: my work": ("supplier", "/web/panel"),
    "supplier: fragments": ("supplier", "/web/view/fragments"),
    "supplier: fragments, active, largest first": ("supplier", "/web/view/fragments?status=active&sort=-value"),
    "supplier: receivables": ("supplier", "/web/view/receivables"),
    "supplier: receivables not overdue, latest due first": ("supplier",
                                                            "/web/view/receivables?overdue=no&sort=-due_date"),
    "core: receivables to confirm": ("core", "/web/view/to-confirm"),
    "regulator: receivables": ("regulator", "/web/view/receivables"),
    "regulator: oversight": ("regulator", "/web/view/oversight"),
    "core: maturity calendar": ("core", "/web/view/calendar"),
    "core: maturity calendar, by month": ("core", "/web/view/calendar?by=month"),
}


def _address(n: int) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(f"0x{n:040x}")


def seed(engine: Any, rows: int, now: int) -> dict[str, str]:
    """`rows` receivables of one supplier on one core enterprise, each with its one fragment held by the supplier,
    and the links that scope them; returns the addresses of the supplier, the core enterprise and a regulator."""
    from sqlalchemy import insert

    from gateway.models.common import table_of
    from gateway.models.links import DEBTOR, HOLDER, ISSUER, PartyLink
    from gateway.models.participants import Participant
    from gateway.models.receivables import Fragment, Receivable

    supplier, core, regulator = _address(0x5001), _address(0xC001), _address(0xE001)
    people = [
        {"address": regulator, "name": "Bench Regulator", "identity_hash": "0x" + "33" * 32,
         "kyc_expiry": now + 365 * DAY, "admitted_at": now - 400 * DAY, "roles": 1 << int(Role.REGULATOR),
         "status": int(ParticipantStatus.ACTIVE), "admitted_block": 1, "updated_block": 1},
        {"address": supplier, "name": "Bench Supplier", "identity_hash": "0x" + "11" * 32,
         "kyc_expiry": now + 365 * DAY, "admitted_at": now - 400 * DAY, "roles": 1 << int(Role.SUPPLIER),
         "status": int(ParticipantStatus.ACTIVE), "admitted_block": 1, "updated_block": 1},
        {"address": core, "name": "Bench Core", "identity_hash": "0x" + "22" * 32, "kyc_expiry": now + 365 * DAY,
         "admitted_at": now - 400 * DAY, "roles": 1 << int(Role.CORE_ENTERPRISE),
         "status": int(ParticipantStatus.ACTIVE), "admitted_block": 1, "updated_block": 1},
    ]
    receivables, fragments, links = [], [], []
    statuses = (ReceivableStatus.CONFIRMED, ReceivableStatus.CONFIRMED, ReceivableStatus.REGISTERED)
    for n in range(1, rows + 1):
        face = 1_000_00 + (n * 7_919) % 500_000_00  # spread values and due dates, as a real book has them
        due = now + ((n * 37) % 360 - 30) * DAY
        status = statuses[n % len(statuses)]
        receivables.append({"id": n, "supplier": supplier, "debtor": core, "origin": "registered", "face_units": face,
                            "repaid_units": 0, "due_date": due, "invoice_hash": f"0x{n:064x}", "status": int(status),
                            "created_at": now - n, "updated_block": n})
        fragment = n << 16
        fragments.append({"id": fragment, "root_id": n, "depth": 0, "holder": supplier, "debtor": core, "due_date": due,
                          "value_units": face, "original_units": face, "status": int(FragmentStatus.ACTIVE),
                          "created_at": now - n, "updated_block": n})
        links += [{"party": supplier, "kind": "receivable", "key": n, "relations": ISSUER | HOLDER},
                  {"party": core, "kind": "receivable", "key": n, "relations": DEBTOR},
                  {"party": supplier, "kind": "fragment", "key": fragment, "relations": HOLDER},
                  {"party": core, "kind": "fragment", "key": fragment, "relations": DEBTOR}]
    with engine.begin() as conn:
        conn.execute(insert(table_of(Participant)), people)
        for table, values in ((Receivable, receivables), (Fragment, fragments), (PartyLink, links)):
            for start in range(0, len(values), 5_000):
                conn.execute(insert(table_of(table)), values[start:start + 5_000])
    return {"supplier": supplier, "core": core, "regulator": regulator}


def measure_web(rows: int = 10_000, repeats: int = 12) -> dict[str, Any]:
    """Render time of each page in PAGES over `rows` seeded receivables (and as many fragments)."""
    from fastapi.testclient import TestClient

    from gateway.core.db import make_engine, migrate
    from gateway.core.security import issue_token
    from gateway.main import create_app
    from sdk.cli.bench_gateway import _settings
    from sdk.ledger import Deployment

    workdir = Path(tempfile.mkdtemp(prefix="scf-bench-web-"))
    database_url = f"sqlite:///{workdir / 'web.sqlite'}"
    engine = make_engine(database_url)
    migrate(engine)
    now = int(time.time())
    parties = seed(engine, rows, now)
    settings = _settings(database_url=database_url, index_in_process=False, jwt_ttl_seconds=86_400)
    deployment = Deployment(chain_id=31_337, block=0, contracts={}, operator=_address(0x0FF1CE))
    app = create_app(settings, engine=engine, deployment=deployment, migrate_schema=False)
    tokens = {role: issue_token(parties[role], [role], settings, now)[0] for role in ("supplier", "core", "regulator")}
    result: dict[str, Any] = {"rows": rows, "target_ms": TARGET_MS, "pages": {},
                              "how": "in-process request through the app (auth, read API query, Jinja2); "
                                     f"median and slowest of {repeats} after one warm-up"}
    with TestClient(app) as client:
        for label, (role, path) in PAGES.items():
            times = []
            for attempt in range(repeats + 1):
                started = time.perf_counter()
                response = client.get(path, headers={"authorization": f"Bearer {tokens[role]}"})
                elapsed = (time.perf_counter() - started) * 1_000
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
                if attempt:
                    times.append(elapsed)
            result["pages"][label] = {"path": path, "p50_ms": round(statistics.median(times), 1),
                                      "max_ms": round(max(times), 1), "bytes": len(response.content)}
    worst = max(p["p50_ms"] for p in result["pages"].values())
    result["meets_target"] = worst <= TARGET_MS
    engine.dispose()
    return result
