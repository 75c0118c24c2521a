"""`scf bench`'s web section: rows seeded straight into the projection store are what the pages list, and the
report prints a row per page."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from gateway.core.db import make_engine, migrate
from gateway.core.security import issue_token
from gateway.main import create_app
from sdk.cli.bench import report_tables
from sdk.cli.bench_gateway import _settings
from sdk.cli.bench_web import PAGES, measure_web, seed
from sdk.cli.common import Output
from sdk.ledger import Deployment


def test_seeded_rows_are_what_the_pages_list(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    parties = seed(engine, 150, 1_800_000_000)
    settings = _settings(database_url=url, index_in_process=False)
    app = create_app(settings, engine=engine, deployment=Deployment(31_337, 0, {}, parties["regulator"]),
                     migrate_schema=False, clock=lambda: 1_800_000_000)
    with TestClient(app) as client:
        token = issue_token(parties["supplier"], ["supplier"], settings, 1_800_000_000)[0]
        page = client.get("/web/view/fragments", headers={"authorization": f"Bearer {token}"}).text
        assert re.search(r"150 fragments, showing 25\.", page)
        token = issue_token(parties["regulator"], ["regulator"], settings, 1_800_000_000)[0]
        oversight = client.get("/web/view/oversight", headers={"authorization": f"Bearer {token}"}).text
        assert "100.0%" in oversight and "Bench Core" in oversight  # one debtor: all the concentration
    engine.dispose()


def test_web_section_measures_every_page_and_reports_it() -> None:
    result = measure_web(rows=200, repeats=2)
    assert result["rows"] == 200 and set(result["pages"]) == set(PAGES)
    assert all(p["p50_ms"] > 0 and p["bytes"] > 0 for p in result["pages"].values())
    tables = report_tables(Output(False), {"web": result})
    assert any("Web app" in str(getattr(t, "title", t)) for t in tables)
