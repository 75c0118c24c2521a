"""Schemathesis against the running gateway's OpenAPI (issue 15, reliability): with a token per role and without
one, every operation answers without a server error and with a body that conforms to its documented schema.

The gateway runs under uvicorn on a loopback port, its indexer inside, over a ledger with receivables, warehouse
receipts, prepayments and credit lines. `st run` (the Schemathesis CLI) is bounded in examples per operation and in
time per role. The event stream is left out: it is a long-lived text/event-stream, tested in test_tx_api.py.
.ci/run runs this once, in a stage of its own (marker `schemathesis`), not in every database stage.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from gateway.main import create_app, make_server
from sdk import Ledger
from sdk.anvil import free_port
from sdk.chain import Chain, EmbeddedChain
from tests.conftest import Cast
from tests.gateway.helpers import settings, sign_text, siwe_text
from tests.gateway.scenarios import credit_activity, prepayment_activity, receivables_activity, warehouse_activity

#: Generated cases per operation, and the time budget of one role's run (seconds).
MAX_EXAMPLES = 8
MAX_TIME = 20
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
#: Role -> the cast member that signs in with it (None: no token).
ROLES: dict[str, str | None] = {
    "anonymous": None, "supplier": "supplier1", "core_enterprise": "core", "distributor": "distributor",
    "bank": "bank1", "warehouse_operator": "warehouse", "price_feeder": "feeder", "regulator": "regulator",
    "risk_pool_contributor": "riskpool",
}


@pytest.fixture(scope="module")
def st_binary() -> str:
    found = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    if found is None:
        pytest.fail("schemathesis is not installed: pip install -e '.[dev]'")
    return found


@pytest.fixture()
def gateway_url(chain: Chain, ledger: Ledger, cast: Cast, db: Engine) -> Iterator[str]:
    receivables_activity(ledger, cast)
    warehouse_activity(ledger, cast)
    prepayment_activity(ledger, cast)
    credit_activity(ledger, cast)
    chain_url = "embedded" if isinstance(chain, EmbeddedChain) else chain.url
    conf = settings(chain_url=chain_url, index_in_process=True, database_url=db.url.render_as_string(
        hide_password=False), database_schema=getattr(db, "scf_schema", None))
    app = create_app(conf, deployment=ledger.deployment, chain=chain)
    port = free_port()
    server = make_server(app, conf, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    thread = threading.Thread(target=server.run, name="gateway-under-schemathesis", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    health: dict[str, Any] = {}
    while time.monotonic() < deadline:
        if server.started:
            health = httpx.get(f"{url}/health", timeout=5).json()
            if health["indexed_head"] == chain.block_number:
                break
        time.sleep(0.05)
    assert health.get("indexed_head") == chain.block_number, health
    try:
        yield url
    finally:
        server.handle_exit(15, None)
        thread.join(30)


def _token(url: str, account: Any, chain_id: int) -> str:
    nonce = httpx.get(f"{url}/v1/auth/nonce", timeout=10).json()["nonce"]
    text = siwe_text(account.address, nonce, domain="127.0.0.1:8000", chain_id=chain_id)
    response = httpx.post(f"{url}/v1/auth/login", json={"message": text, "signature": sign_text(account, text)},
                          timeout=10)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.mark.slow
@pytest.mark.schemathesis
def test_schemathesis_finds_no_server_error_for_any_role(gateway_url: str, ledger: Ledger, cast: Cast,
                                                         st_binary: str, tmp_path: Path) -> None:
    failures: list[str] = []
    for role, member in ROLES.items():
        command = [st_binary, "run", f"{gateway_url}/openapi.json", "--checks", CHECKS,
                   "--max-examples", str(MAX_EXAMPLES), "--max-time", str(MAX_TIME), "--seed", "15",
                   "--workers", "1", "--request-timeout", "20", "--exclude-path", "/v1/stream",
                   "--suppress-health-check", "all", "--no-color"]
        if member is not None:
            account = getattr(cast, member).account
            command += ["--header", f"Authorization: Bearer {_token(gateway_url, account, ledger.deployment.chain_id)}"]
        run = subprocess.run(command, capture_output=True, text=True, timeout=MAX_TIME * 3, cwd=tmp_path)
        (tmp_path / f"schemathesis-{role}.log").write_text(run.stdout + run.stderr)
        if run.returncode != 0:
            failures.append(f"--- {role} (exit {run.returncode}) ---\n{(run.stdout + run.stderr)[-6000:]}")
    assert not failures, "\n".join(failures)
