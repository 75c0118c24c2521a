"""Several API processes on one port (``SCF_GATEWAY_WORKERS``): gateway.main.serve_workers."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from gateway.core.config import Settings
from sdk.cli.bench_gateway import ApiServer
from sdk.ledger import Ledger


def test_more_than_one_worker_needs_the_indexer_in_its_own_process() -> None:
    with pytest.raises(ValidationError, match="scf gateway index"):
        Settings(jwt_secret=SecretStr("k" * 40), workers=2)
    assert Settings(jwt_secret=SecretStr("k" * 40), workers=2, index_in_process=False).workers == 2


def test_two_workers_serve_one_port_and_stop_on_sigterm(ledger: Ledger, tmp_path: Path) -> None:
    deployment = ledger.deployment.save(tmp_path / "deployment.json")
    server = ApiServer(f"sqlite:///{tmp_path / 'api.sqlite'}", deployment, secrets.token_hex(32), workers=2)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as client:
            answers = [client.get("/v1/auth/nonce") for _ in range(20)]
            assert {a.status_code for a in answers} == {200}
            assert "server-timing" in answers[0].headers and answers[0].headers["server-timing"].startswith("app;dur=")
            assert client.get("/v1/receivables").status_code == 401  # no token: refused, not a server error
    finally:
        server.stop()
    assert server.process.returncode == 0, server.log_file.read_text()
