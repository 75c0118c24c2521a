"""`scf node` persists its chain across a restart; `scf build` reports fresh artifacts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account
from typer.testing import CliRunner

from sdk import Ledger, connect
from sdk.anvil import free_port
from sdk.chain import ANVIL_DEV_KEYS
from sdk.cli import app

ROOT = Path(__file__).resolve().parents[2]


def start_node(port: int, state: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdk.cli", "node", "--port", str(port), "--state", str(state)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()  # the first line on stdout is the RPC URL
    return proc, url


def stop_node(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    return err


def test_node_prints_its_url_and_keeps_the_chain_across_a_restart(tmp_path: Path) -> None:
    port, state = free_port(), tmp_path / "chain-state.json"
    proc, url = start_node(port, state)
    try:
        assert url == f"http://127.0.0.1:{port}"
        chain = connect(url)
        ledger = Ledger.deploy(chain, Account.from_key(ANVIL_DEV_KEYS[0]))
        registry = ledger.deployment.address("ParticipantRegistry")
    finally:
        err = stop_node(proc)
    assert "state saved" in err and state.is_file()

    proc, url = start_node(port, state)
    try:
        chain = connect(url)
        assert chain.w3.eth.get_code(registry)  # the deployment survived the restart
        assert Ledger.connect(chain, ledger.deployment).token.symbol() == "dCNY"
    finally:
        stop_node(proc)


def test_build_reports_what_the_compiler_wrote(monkeypatch: pytest.MonkeyPatch) -> None:
    # Compiling itself is covered by the artifact freshness test; here only the command's plumbing.
    import sdk.build

    fake = sdk.build.BuildResult(
        compiler="solc-js",
        artifacts={"sdk/artifacts/SettlementToken.json": "{}", "sdk/generated/events.py": ""},
        changed=["sdk/artifacts/SettlementToken.json"],
    )
    monkeypatch.setattr(sdk.build, "build", lambda: fake)
    result = CliRunner().invoke(app, ["build", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["compiler"] == "solc-js" and data["solc"] == sdk.build.SOLC_VERSION
    assert data["changed"] == ["sdk/artifacts/SettlementToken.json"]
    assert data["artifacts"] == ["sdk/artifacts/SettlementToken.json"]


def test_build_failure_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import sdk.build

    def broken() -> None:
        raise sdk.build.BuildError("ParserError: Expected ';' in contracts/x.sol:3")

    monkeypatch.setattr(sdk.build, "build", broken)
    result = CliRunner().invoke(app, ["build"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: build failed: ParserError: Expected ';' in contracts/x.sol:3")
