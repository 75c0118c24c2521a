"""`scf credit-line`: a line's whole life through the command line against a node (offer, accept, draws to two
suppliers, repayments, a freeze, a limit cut, default and recovery), `list` from each side, and a revert reported as
one line with its decoded error."""

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


def test_credit_line_life_on_a_node(runner: CliRunner, node_url: str) -> None:
    chain = connect(node_url)
    keys = {name: Account.create() for name in ("BANK", "BORROWER", "SUP1", "SUP2")}
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
    for name, role in (("BANK", "bank"), ("BORROWER", "supplier"), ("SUP1", "supplier"), ("SUP2", "supplier")):
        invoke("participant", "admit", addr[name], "--role", role, "--identity", name, "--dev-account", "0")
    invoke("token", "mint-allowance", addr["BANK"], "2000000", "--dev-account", "0")
    for name in ("BANK", "BORROWER"):
        invoke("token", "mint", addr[name], "1000000", "--key-env", "BANK_KEY")

    offered = scf_json("credit-line", "open", addr["BORROWER"], "--limit", "500000", "--rate-bps", "700",
                       "--expiry", "+90d", "--max-tenor-days", "30", "--grace-days", "5", "--surcharge-bps", "300",
                       signer="BANK")
    assert (offered["id"], offered["status"], offered["limit"]) == (
        1, "OFFERED", {"amount": "500000.00", "units": 500_000_00})
    assert scf_json("credit-line", "accept", "1", signer="BORROWER")["status"] == "OPEN"
    drawn = scf_json("credit-line", "draw", "1", "120000", "--payee", addr["SUP1"], "--purpose", "PO-1",
                     "--tenor-days", "20", signer="BORROWER")
    assert (drawn["tranche"], drawn["payee"], drawn["available"]) == (
        1, addr["SUP1"], {"amount": "380000.00", "units": 380_000_00})
    scf_json("credit-line", "draw", "1", "30000", "--payee", addr["SUP2"], "--purpose", "PO-2", "--tenor-days",
             "10", signer="BORROWER")
    balances = scf_json("token", "balance", addr["SUP1"])
    assert "120000.00" in json.dumps(balances)

    # The borrower cannot pay itself: one line naming the decoded error, exit code 3.
    out = invoke("credit-line", "draw", "1", "1", "--payee", addr["BORROWER"], "--purpose", "PO-X",
                 "--key-env", "BORROWER_KEY", code=EXIT_REVERT).output
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1 and "CreditLinePayeeNotAllowed" in lines[0]

    chain.increase_time(5 * 86_400)
    repaid = scf_json("credit-line", "repay", "1", "40000", signer="BORROWER")
    assert repaid["interest_paid"]["units"] > 0  # type: ignore[index]
    assert repaid["paid"] == {"amount": "40000.00", "units": 40_000_00}
    shown = scf_json("credit-line", "show", "1")
    assert shown["used"]["units"] == 150_000_00 - repaid["principal_paid"]["units"]  # type: ignore[index]
    assert [t["id"] for t in shown["tranches"]] == [1]  # type: ignore[attr-defined]  # the earlier due went first

    frozen = scf_json("credit-line", "freeze", "1", signer="BANK")
    assert frozen["status"] == "FROZEN"
    assert scf_json("credit-line", "freeze", "1", "--unfreeze", signer="BANK")["status"] == "OPEN"
    reduced = scf_json("credit-line", "reduce", "1", "200000", signer="BANK")
    assert reduced["limit"] == {"amount": "200000.00", "units": 200_000_00}

    for signer in ("BANK", "BORROWER"):
        listed = scf_json("credit-line", "list", signer=signer)
        assert listed["count"] == 1
        row = listed["lines"][0]  # type: ignore[index]
        assert row["role"] == signer.lower() and row["limit"]["units"] == 200_000_00
        assert row["next_due"] is not None and row["interest"]["units"] >= 0
    assert scf_json("credit-line", "list", signer="SUP1")["count"] == 0

    chain.increase_time(30 * 86_400)  # tranche 1 is past due plus grace
    defaulted = scf_json("credit-line", "default", "1", signer="BANK")
    assert defaulted["status"] == "DEFAULTED" and defaulted["principal"]["units"] > 0  # type: ignore[index]
    recovered = scf_json("credit-line", "repay", "1", "--all", signer="BORROWER")
    assert recovered["recovery"] is True and recovered["used"]["units"] == 0  # type: ignore[index]
    assert scf_json("credit-line", "show", "1")["status"] == "CLOSED"


def test_receivables_mode_through_the_cli(runner: CliRunner, node_url: str) -> None:
    """pledge, collect-receivable (the line first, the rest to the borrower), release (the fragment comes back)."""
    chain = connect(node_url)
    keys = {name: Account.create() for name in ("BANK", "BORROWER", "SUP1", "CORE")}
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
    roles = (("BANK", "bank"), ("BORROWER", "supplier"), ("SUP1", "supplier"), ("CORE", "core-enterprise"))
    for name, role in roles:
        invoke("participant", "admit", addr[name], "--role", role, "--identity", name, "--dev-account", "0")
    invoke("token", "mint-allowance", addr["BANK"], "2000000", "--dev-account", "0")
    for name in ("BANK", "CORE"):
        invoke("token", "mint", addr[name], "1000000", "--key-env", "BANK_KEY")
    issued = scf_json("receivable", "issue", addr["BORROWER"], "100000", "--due", "+60d", "--invoice-hash",
                      "0x" + "ab" * 32, signer="CORE")
    root, fragment = str(issued["root_id"]), str(issued["fragment_id"])
    scf_json("credit-line", "open", addr["BORROWER"], "--limit", "500000", "--rate-bps", "700",
             "--payee-rule", "pledged-receivables", signer="BANK")
    scf_json("credit-line", "accept", "1", signer="BORROWER")
    pledged = scf_json("credit-line", "pledge", "1", fragment, signer="BORROWER")
    assert pledged["value"] == pledged["pledged"] == {"amount": "100000.00", "units": 100_000_00}
    assert (pledged["pledged_from"], pledged["fragment"]) == (int(fragment), int(root) << 16 | 1)  # JSON: integers
    held = f"{root}.1"  # the book holds the child it accepted; the CLI takes ROOT.INDEX
    # drawn against the receivable: no more than its value
    out = invoke("credit-line", "draw", "1", "100000.01", "--payee", addr["SUP1"], "--purpose", "PO-1",
                 "--key-env", "BORROWER_KEY", code=EXIT_REVERT).output
    assert "CreditLineBorrowingBaseExceeded" in out
    scf_json("credit-line", "draw", "1", "60000", "--payee", addr["SUP1"], "--purpose", "PO-1", signer="BORROWER")
    assert scf_json("credit-line", "show", "1")["pledged"] == {"amount": "100000.00", "units": 100_000_00}
    out = invoke("credit-line", "release", held, "--key-env", "BORROWER_KEY", code=EXIT_REVERT).output
    assert "CreditPledgeLocked" in out
    scf_json("receivable", "repay", root, "100000", signer="CORE")
    done = scf_json("credit-line", "collect-receivable", held, signer="BANK")
    to_line = int(done["to_line"]["units"])  # type: ignore[index]
    to_borrower = int(done["to_borrower"]["units"])  # type: ignore[index]
    assert to_line >= 60_000_00 and to_line + to_borrower == 100_000_00  # principal plus the interest of the seconds
    assert done["used"] == {"amount": "0.00", "units": 0}
    released = scf_json("credit-line", "release", held, signer="BORROWER")
    assert (released["status"], released["returned_as"]) == ("RELEASED", None)  # paid out: nothing to give back
