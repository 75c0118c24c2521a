"""`scf gateway`: migrate, index once, and serve the API against a node."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from typer.testing import CliRunner

from sdk import Ledger, Role, connect
from sdk.anvil import free_port
from sdk.chain import ANVIL_DEV_KEYS
from sdk.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def deployed(own_anvil: str, tmp_path: Path) -> Path:
    """A fresh ledger on the node with one admitted, funded bank; returns the deployment file."""
    chain = connect(own_anvil)
    operator = Account.from_key(ANVIL_DEV_KEYS[0])
    ledger = Ledger.deploy(chain, operator)
    bank = chain.new_account()
    ledger.as_party(operator).registry.admit(bank.address, [Role.BANK], "bank", chain.now() + 10**6)
    ledger.as_party(operator).token.set_mint_allowance(bank.address, 1_000_00)
    ledger.as_party(bank).token.mint(bank.address, 1_000_00, "deposit")
    return ledger.save(tmp_path / "deployment.json")


def test_gateway_without_a_node_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SCF_RPC_URL", "SCF_GATEWAY_CHAIN_URL"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["gateway"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: the gateway follows a node: pass --rpc URL")


def test_migrate_then_index_once(own_anvil: str, deployed: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gw.db'}"
    runner = CliRunner()
    migrated = runner.invoke(app, ["gateway", "migrate", "--database-url", db, "--json"])
    assert migrated.exit_code == 0, migrated.output
    schema = json.loads(migrated.stdout)
    assert schema["from"] is None and schema["to"]
    indexed = runner.invoke(app, ["gateway", "index", "--once", "--rpc", own_anvil, "--deployment", str(deployed),
                                  "--database-url", db, "--json"])
    assert indexed.exit_code == 0, indexed.output
    data = json.loads(indexed.stdout)
    assert data["indexed_head"] == connect(own_anvil).block_number
    assert data["events"] >= 4  # an admission, a mint (with its Transfer) and the deployment's own events


def test_index_refuses_a_database_of_another_deployment(own_anvil: str, deployed: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gw.db'}"
    args = ["gateway", "index", "--once", "--rpc", own_anvil, "--database-url", db]
    assert CliRunner().invoke(app, [*args, "--deployment", str(deployed)]).exit_code == 0
    other = Ledger.deploy(connect(own_anvil), Account.from_key(ANVIL_DEV_KEYS[0])).save(tmp_path / "other.json")
    result = CliRunner().invoke(app, [*args, "--deployment", str(other)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the database belongs to another deployment"), lines


def test_gateway_serves_health_and_refuses_anonymous_reads(own_anvil: str, deployed: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCF_GATEWAY_JWT_SECRET": "x" * 40}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdk.cli", "gateway", "--rpc", own_anvil, "--deployment", str(deployed),
         "--database-url", f"sqlite:///{tmp_path / 'gw.db'}", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        health = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"{url}/health", timeout=2)
                if health.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        assert health is not None and health.status_code == 200, health and health.text
        assert health.json()["indexed_head"] == connect(own_anvil).block_number
        assert httpx.get(f"{url}/v1/receivables", timeout=5).status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
