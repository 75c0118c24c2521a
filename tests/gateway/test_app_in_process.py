"""The API process running its own indexer (what `scf gateway` does)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gateway.main import create_app
from sdk import Ledger
from sdk.chain import Chain, EmbeddedChain
from tests.conftest import Cast
from tests.gateway.helpers import settings


def test_app_runs_its_own_indexer_while_it_serves(chain: Chain, ledger: Ledger, cast: Cast, db: Engine) -> None:
    url = "embedded" if isinstance(chain, EmbeddedChain) else chain.url
    app = create_app(settings(chain_url=url, index_in_process=True), engine=db, deployment=ledger.deployment,
                     chain=chain)
    head = chain.block_number
    with TestClient(app) as client:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            health = client.get("/health").json()
            if health["indexed_head"] == head and health["status"] == "ok":
                break
            time.sleep(0.05)
        assert health["indexed_head"] == head and health["indexer"] == "in-process"
        assert health["events_indexed"] > 0
    assert app.state.ctx.indexer.status.status == "stopped"  # the lifespan stopped it
