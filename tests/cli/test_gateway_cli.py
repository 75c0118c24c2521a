"""`scf gateway`: migrate, index once, and serve the API against a node."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
    assert [line for line in lines if line.startswith("error:")] == lines[-1:], lines  # the failure is one line
    assert lines[-1].startswith("error: the database belongs to another deployment"), lines
    assert lines[0].startswith(f"chain: {own_anvil} (from --rpc)"), lines  # after the settings it used


@contextmanager
def serving(own_anvil: str, deployment: Path, tmp_path: Path) -> Iterator[str]:
    """`scf gateway` in a child process until the block ends; yields its URL once it has indexed the head."""
    head = connect(own_anvil).block_number
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCF_GATEWAY_JWT_SECRET": "x" * 40}
    with open(tmp_path / "gateway.log", "w") as log:  # a file, not a pipe nobody reads
        proc = subprocess.Popen(
            [sys.executable, "-m", "sdk.cli", "gateway", "--rpc", own_anvil, "--deployment", str(deployment),
             "--database-url", f"sqlite:///{tmp_path / 'gw.db'}", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=log, text=True, env=env, cwd=tmp_path,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            health = None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    health = httpx.get(f"{url}/health", timeout=2)
                    if health.status_code == 200 and health.json()["indexed_head"] >= head:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            assert health is not None and health.status_code == 200, (tmp_path / "gateway.log").read_text()
            yield url
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def test_gateway_serves_health_and_refuses_anonymous_reads(own_anvil: str, deployed: Path, tmp_path: Path) -> None:
    with serving(own_anvil, deployed, tmp_path) as url:
        assert httpx.get(f"{url}/health", timeout=5).json()["indexed_head"] == connect(own_anvil).block_number
        assert httpx.get(f"{url}/v1/receivables", timeout=5).status_code == 401
        # `--port N` alone: the sign-in message must name the host and port actually served
        nonce = httpx.get(f"{url}/v1/auth/nonce", timeout=5).json()
        assert (nonce["domain"], nonce["uri"]) == (url.removeprefix("http://"), url)


def test_login_with_a_keystore_then_call_the_api(own_anvil: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    chain = connect(own_anvil)
    operator = Account.from_key(ANVIL_DEV_KEYS[0])
    ledger = Ledger.deploy(chain, operator)
    supplier = chain.new_account()
    ledger.as_party(operator).registry.admit(supplier.address, [Role.SUPPLIER], "supplier", chain.now() + 10**6)
    deployment = ledger.save(tmp_path / "deployment.json")
    keystore = tmp_path / "supplier.json"
    keystore.write_text(json.dumps(Account.encrypt(supplier.key, "correct horse battery")))
    monkeypatch.setenv("SCF_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SCF_KEYSTORE_PASSWORD", "correct horse battery")
    runner = CliRunner()
    with serving(own_anvil, deployment, tmp_path) as url:
        signed = runner.invoke(app, ["gateway", "login", "--url", url, "--keystore", str(keystore), "--json"])
        assert signed.exit_code == 0, signed.output
        assert json.loads(signed.stdout)["address"] == supplier.address
        tokens = tmp_path / "config" / "tokens.json"
        assert stat.S_IMODE(tokens.stat().st_mode) == 0o600 and supplier.key.hex() not in tokens.read_text()
        me = runner.invoke(app, ["api", "GET", "/v1/participants/me", "--url", url])
        assert me.exit_code == 0, me.output
        assert json.loads(me.stdout)["address"] == supplier.address
        missing = runner.invoke(app, ["api", "GET", "/v1/receivables/999", "--url", url])
        assert missing.exit_code == 1 and "answered 404" in missing.stderr
    refused = runner.invoke(app, ["gateway", "login", "--url", url, "--keystore", str(keystore)])
    assert refused.exit_code == 1 and "cannot reach the gateway" in refused.stderr


def test_gateway_settings_take_the_option_then_the_gateway_variable_then_the_cli_variable(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from sdk.cli.gateway import gateway_settings

    monkeypatch.setenv("SCF_GATEWAY_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("SCF_RPC_URL", "http://127.0.0.1:1111")
    monkeypatch.setenv("SCF_GATEWAY_CHAIN_URL", "http://127.0.0.1:2222")
    monkeypatch.setenv("SCF_DEPLOYMENT", "cli.json")
    monkeypatch.setenv("SCF_GATEWAY_DEPLOYMENT_FILE", "gateway.json")
    settings = gateway_settings(None, None, None)
    assert settings.chain_url == "http://127.0.0.1:2222" and str(settings.deployment_file) == "gateway.json"
    assert "from SCF_GATEWAY_CHAIN_URL" in capsys.readouterr().err  # the source actually used is said
    assert gateway_settings("http://127.0.0.1:3333", None, None).chain_url == "http://127.0.0.1:3333"
    monkeypatch.delenv("SCF_GATEWAY_CHAIN_URL")
    monkeypatch.delenv("SCF_GATEWAY_DEPLOYMENT_FILE")
    settings = gateway_settings(None, None, None)
    assert settings.chain_url == "http://127.0.0.1:1111" and str(settings.deployment_file) == "cli.json"


def test_the_siwe_domain_defaults_to_the_host_and_port_served_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from sdk.cli.gateway import gateway_settings

    monkeypatch.setenv("SCF_GATEWAY_JWT_SECRET", "x" * 40)
    for name in ("SCF_GATEWAY_SIWE_DOMAIN", "SCF_GATEWAY_SIWE_URI", "SCF_GATEWAY_HOST", "SCF_GATEWAY_PORT"):
        monkeypatch.delenv(name, raising=False)
    plain = gateway_settings(None, None, None, need_chain=False)
    assert (plain.siwe_domain, plain.siwe_uri) == ("127.0.0.1:8000", "http://127.0.0.1:8000")
    moved = gateway_settings(None, None, None, need_chain=False, host="10.0.0.5", port=18001)
    assert (moved.siwe_domain, moved.siwe_uri) == ("10.0.0.5:18001", "http://10.0.0.5:18001")
    ipv6 = gateway_settings(None, None, None, need_chain=False, host="::1", port=18002)
    assert (ipv6.siwe_domain, ipv6.siwe_uri) == ("[::1]:18002", "http://[::1]:18002")
    monkeypatch.setenv("SCF_GATEWAY_SIWE_DOMAIN", "ledger.example")
    monkeypatch.setenv("SCF_GATEWAY_SIWE_URI", "https://ledger.example")
    proxied = gateway_settings(None, None, None, need_chain=False, port=18001)
    assert (proxied.siwe_domain, proxied.siwe_uri) == ("ledger.example", "https://ledger.example")
