"""`scf risk-pool`: a program created, funded, a credit-line default recorded and claimed, shown and listed through
the command line against a node; a forged source is refused with one line naming the decoded error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from typer.testing import CliRunner, Result

from sdk import connect
from sdk.anvil import AnvilNode
from sdk.cli import app
from sdk.cli.common import EXIT_REVERT


@pytest.fixture(scope="module")
def node_url() -> Iterator[str]:
    with AnvilNode() as node:
        yield node.url


@pytest.fixture()
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    for name in ("SCF_RPC_URL", "SCF_DEPLOYMENT", "SCF_KEYSTORE", "SCF_KEYSTORE_PASSWORD", "SCF_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def test_risk_pool_program_through_the_cli(runner: CliRunner, node_url: str) -> None:
    chain = connect(node_url)
    keys = {name: Account.create() for name in ("BANK", "BORROWER", "SUP1", "FUND")}
    env = {f"{name}_KEY": acct.key.hex() for name, acct in keys.items()}
    addr = {name: acct.address for name, acct in keys.items()}
    for acct in keys.values():
        chain.fund(acct.address, 10**20)
    rpc = ("--rpc", node_url)

    def invoke(*args: str, code: int = 0) -> Result:
        result = runner.invoke(app, [*args, *rpc], env=env)
        assert result.exit_code == code, result.output
        return result

    def scf_json(*args: str, signer: str | None = None) -> dict[str, object]:
        extra = ("--key-env", f"{signer}_KEY") if signer else ()
        data: dict[str, object] = json.loads(invoke(*args, *extra, "--json").stdout)
        return data

    invoke("deploy", "--dev-account", "0", "--json")
    for name, role in (("BANK", "bank"), ("BORROWER", "supplier"), ("SUP1", "supplier"),
                       ("FUND", "risk-pool-contributor")):
        invoke("participant", "admit", addr[name], "--role", role, "--identity", name, "--dev-account", "0")
    invoke("token", "mint-allowance", addr["BANK"], "5000000", "--dev-account", "0")
    for name in ("BANK", "BORROWER", "FUND"):
        invoke("token", "mint", addr[name], "1000000", "--key-env", "BANK_KEY")

    created = scf_json("risk-pool", "create", "Regional SME 2026", "--bank", addr["BANK"],
                       "--contributor", f"{addr['FUND']}:8000", "--contributor", f"{addr['BANK']}:2000",
                       "--grade", "100000:8000", "--grade", "500000:5000", "--cap-per-claim", "200000",
                       "--cap-per-bank", "300000", "--end", "+365d", "--dev-account", "0")
    assert created["id"] == 1 and created["grades"][1]["rate_bps"] == 5000  # type: ignore[index]
    scf_json("risk-pool", "deposit", "1", "80000", signer="FUND")
    scf_json("risk-pool", "deposit", "1", "20000", signer="BANK")

    # a credit line defaults: 120,000.00 of principal lost (and the interest accrued up to default)
    scf_json("credit-line", "open", addr["BORROWER"], "--limit", "500000", "--rate-bps", "700", "--expiry", "+90d",
             "--max-tenor-days", "30", "--grace-days", "5", signer="BANK")
    scf_json("credit-line", "accept", "1", signer="BORROWER")
    scf_json("credit-line", "draw", "1", "120000", "--payee", addr["SUP1"], "--purpose", "PO-1", "--tenor-days",
             "20", signer="BORROWER")
    chain.increase_time(30 * 86_400)
    scf_json("credit-line", "default", "1", signer="BANK")

    loss = scf_json("risk-pool", "record", "credit-lines", "1", signer="SUP1")  # anyone may record it
    assert loss["source"] == "CreditLines" and loss["bank"] == addr["BANK"]
    net = loss["net"]["units"]  # type: ignore[index]
    assert net > 120_000_00
    claimed = scf_json("risk-pool", "claim", "1", str(loss["id"]), signer="BANK")
    entitlement = 100_000_00 * 8 // 10 + (net - 100_000_00) // 2
    assert claimed["entitlement"]["units"] == entitlement  # type: ignore[index]
    assert claimed["paid"]["units"] == entitlement and claimed["status"] == "PAID"  # type: ignore[index]

    shown = scf_json("risk-pool", "show", "1")
    fund = shown["contributors"][0]  # type: ignore[index]
    assert fund["paid"]["units"] == entitlement * 8000 // 10_000  # type: ignore[index]
    assert scf_json("risk-pool", "list")["count"] == 1
    listed = scf_json("risk-pool", "losses", "--bank", addr["BANK"])
    assert listed["count"] == 1 and listed["losses"][0]["claim"] == claimed["claim"]  # type: ignore[index]

    out = invoke("risk-pool", "claim", "1", str(loss["id"]), "--key-env", "BANK_KEY", code=EXIT_REVERT).output
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1 and "RiskPoolLossAlreadyClaimed" in lines[0]

    # the borrower repays 60,000.00 late: anyone records the recovery, and anyone returns the bank's share of it
    # (taken from the bank, which approved the pool when it deposited)
    scf_json("credit-line", "repay", "1", "60000", signer="BORROWER")
    recovered = scf_json("risk-pool", "record-recovery", str(loss["id"]), signer="SUP1")
    owed = 60_000_00 * entitlement // net
    assert recovered["recovered_now"]["units"] == 60_000_00  # type: ignore[index]
    assert recovered["owed_to_pool"]["units"] == owed  # type: ignore[index]
    returned = scf_json("risk-pool", "return-recovery", str(claimed["claim"]), signer="SUP1")
    assert returned["amount"]["units"] == owed and returned["bank"] == addr["BANK"]  # type: ignore[index]
    out = invoke("risk-pool", "return-recovery", str(claimed["claim"]), "--key-env", "SUP1_KEY",
                 code=EXIT_REVERT).output
    assert "RiskPoolNothingOwed" in out
