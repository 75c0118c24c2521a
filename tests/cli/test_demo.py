"""`scf demo`: the scenario runs with no arguments on the embedded chain, and against a node with --rpc."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sdk.cli import app
from sdk.demo import CAST, DEPOSITS, PAYMENTS
from sdk.money import to_units

REQUIRED_KEYS = {
    "participants", "receivables", "fragments", "financings", "total_financed", "total_repaid",
    "warehouse_receipts", "loans", "prepayments", "events_indexed", "chain",
}


def run_demo(tmp_path: Path, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--json", "--workdir", str(tmp_path / "w"), *args])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def check_summary(data: dict[str, object], tmp_path: Path) -> None:
    assert REQUIRED_KEYS <= set(data)
    participants = data["participants"]
    assert isinstance(participants, list)
    assert [p["name"] for p in participants] == [a.name for a in CAST]
    banks = {p["key"]: p["rate_bps"] for p in participants if "rate_bps" in p}
    assert banks == {"bank1": 550, "bank2": 700}  # the seeds' rates
    # nothing created or destroyed: balances add up to what the banks minted
    assert sum(p["balance"]["units"] for p in participants) == sum(to_units(d[2]) for d in DEPOSITS)
    assert len(data["payments"]) == len(PAYMENTS)  # type: ignore[arg-type]
    refusal = data["refusals"][0]  # type: ignore[index]
    assert refusal["error"] == "SettlementTransferRestricted"
    assert refusal["fields"]["reason"] == "RECIPIENT_NOT_REGISTERED"
    workdir = tmp_path / "w"
    assert json.loads((workdir / "summary.json").read_text()) == data
    assert set(json.loads((workdir / "deployment.json").read_text())["contracts"]) >= {
        "ParticipantRegistry", "SettlementToken"}


def test_demo_runs_on_the_embedded_chain_with_no_arguments(tmp_path: Path) -> None:
    data = run_demo(tmp_path)
    assert data["chain"] == "embedded"
    check_summary(data, tmp_path)


def test_demo_runs_against_a_node(tmp_path: Path, own_anvil: str) -> None:
    data = run_demo(tmp_path, "--rpc", own_anvil)
    assert data["chain"] == own_anvil
    check_summary(data, tmp_path)


def test_demo_without_workdir_uses_a_fresh_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    result = CliRunner().invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    created = list(tmp_path.glob("scf-demo-*"))
    assert len(created) == 1 and (created[0] / "summary.json").is_file()
    assert "Participants" in result.stdout and "Huaxia Heavy Equipment" in result.stdout
