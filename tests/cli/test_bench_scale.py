"""`scf bench --rows`: receivables seeded in bulk are what the API lists, positions and alerts show (the maturity
summary included), growing a book keeps it whole, and the report has a row per
endpoint and a column per size."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from gateway.core.db import make_engine, migrate
from gateway.core.security import issue_token
from gateway.main import create_app
from sdk.cli.bench_gateway import _settings
from sdk.cli.bench_optin import tables
from sdk.cli.bench_scale import BANKS, CORES, DISCOUNT_EVERY, ENDPOINTS, _address, parties, seed
from sdk.cli.common import Output
from sdk.ledger import Deployment

NOW = 1_800_000_000


def test_seeded_book_is_what_the_api_shows_and_grows_whole(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scale.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine, 1, 300, NOW, chunk=70)
    seed(engine, 301, 700, NOW, chunk=70)  # grown in a second step, as the bench does between sizes
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("receivable", "fragment", "financing", "exposure")}
        held = conn.execute(text("SELECT sum(outstanding_units) FROM maturity_summary WHERE side = 'held'")).scalar()
        face = conn.execute(text("SELECT sum(value_units) FROM fragment")).scalar()
        owed = conn.execute(text("SELECT sum(outstanding_units) FROM maturity_summary WHERE side = 'owed'")).scalar()
        open_face = conn.execute(text("SELECT sum(face_units) FROM receivable WHERE status = 2")).scalar()
        used = conn.execute(text("SELECT sum(used_units) FROM exposure")).scalar()
        financed = conn.execute(text("SELECT sum(value_units) FROM financing")).scalar()
    assert counts["receivable"] == counts["fragment"] == 700
    financed_count = len([n for n in range(1, 701) if n % DISCOUNT_EVERY == 0 and n % 7 != 0])
    assert counts["financing"] == financed_count and counts["exposure"] == BANKS * CORES
    assert held == face and owed == open_face and used == financed  # the summary and exposures match the rows

    settings = _settings(database_url=url, index_in_process=False)
    app = create_app(settings, engine=engine, deployment=Deployment(31_337, 0, {}, _address(0x0F, 1)),
                     migrate_schema=False, clock=lambda: NOW)
    p = parties()
    roles = {"regulator": p["regulator"][0], "supplier": p["supplier"][1], "bank": p["bank"][0],
             "core": p["core"][3]}
    with TestClient(app) as client:
        def get(role: str, path: str) -> dict[str, object]:
            token = issue_token(roles[role], ["core_enterprise" if role == "core" else role], settings, NOW)[0]
            response = client.get(path, headers={"authorization": f"Bearer {token}"})
            assert response.status_code == 200, (path, response.text)
            body: dict[str, object] = response.json()
            return body

        for _, role, path in ENDPOINTS:
            get(role, path)
        assert get("regulator", "/v1/receivables?limit=5")["count"] == 700
        assert get("core", "/v1/receivables?limit=5")["count"] == 700 // CORES
        positions = get("bank", "/v1/positions")
        held_by_bank = sum(b["count"] for b in positions["holdings"])  # type: ignore[attr-defined]
        assert held_by_bank == len([n for n in range(1, 701) if n % DISCOUNT_EVERY == 0 and n % 7 != 0
                                    and n % BANKS == 0])
        assert get("core", "/v1/alerts?limit=1000")["count"]  # overdue and maturing receivables of its own
    engine.dispose()


def test_the_report_has_a_row_per_endpoint_and_a_column_per_size() -> None:
    run = {"p50_ms": 3.0, "p99_ms": 6.0, "errors": 0, "requests": 10}
    scale = {"database": "sqlite", "sizes": [100, 1000], "rate_rps": 50, "seconds_per_run": 1.0,
             "endpoints": {label: {"path": path, "as": role, "by_rows": {"100": run, "1000": run}, "p99_growth": 1.0}
                           for label, role, path in ENDPOINTS},
             "api_peak_rss_mib": {"100": 150.0, "1000": 151.0}, "api_rss_growth": 1.007,
             "seeding": {"100": {"seconds": 0.1}, "1000": {"seconds": 0.5}}}
    [table] = tables(Output(False), {"scale": scale})
    assert table.row_count == len(ENDPOINTS) + 2
    assert [c.header for c in table.columns][1:3] == ["100 rows", "1,000 rows"]
