"""`scf receipt` against a node: issue, price, program, pledge, margin call, repay, release, delivery; a refused
action is one line naming the decoded contract error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from typer.testing import CliRunner

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


def test_receipt_pledge_lifecycle_on_a_node(runner: CliRunner, node_url: str) -> None:
    rpc = ("--rpc", node_url)
    keys = {name: Account.create() for name in ("warehouse", "owner", "bank", "feeder")}
    env = {f"{name.upper()}_KEY": acct.key.hex() for name, acct in keys.items()}
    chain = connect(node_url)
    for acct in keys.values():
        chain.fund(acct.address, 10**20)

    def run(*args: str, signer: str | None = None, code: int = 0) -> Any:
        sign = ("--dev-account", "0") if signer == "operator" else ("--key-env", f"{signer.upper()}_KEY") if signer \
            else ()
        result = runner.invoke(app, [*args, *rpc, *sign, *(["--json"] if code == 0 else [])], env=env)
        assert result.exit_code == code, result.output
        return json.loads(result.stdout) if code == 0 else result.output

    run("deploy", signer="operator")
    for name, role in [("warehouse", "warehouse-operator"), ("owner", "distributor"), ("bank", "bank"),
                       ("feeder", "price-feeder")]:
        run("participant", "admit", keys[name].address, "--role", role, "--identity", f"ID-{name}", signer="operator")
    run("token", "mint-allowance", keys["bank"].address, "1100000.00", signer="operator")
    run("token", "mint", keys["owner"].address, "100000.00", signer="bank")
    run("token", "mint", keys["bank"].address, "1000000.00", signer="bank")

    issued = run("receipt", "issue", keys["owner"].address, "--commodity", "CU-CATHODE", "--unit", "kg", "--lot",
                 "QD-0001", "--quantity", "10000", "--grade", "LME-A", signer="warehouse")
    assert (issued["status"], issued["quantity"], issued["lot_id"], issued["owner"]) == (
        "free", 10000, "QD-0001", keys["owner"].address)
    receipt_id = str(issued["id"])
    out = run("receipt", "issue", keys["owner"].address, "--commodity", "CU-CATHODE", "--unit", "kg", "--lot",
              "QD-0001", "--quantity", "5", signer="warehouse", code=EXIT_REVERT)
    assert "ReceiptLotAlreadyIssued" in out and len([line for line in out.splitlines() if line.strip()]) == 1

    run("receipt", "price", "list", "CU-CATHODE", "kg", signer="operator")
    run("receipt", "price", "feeder", "CU-CATHODE", keys["feeder"].address, signer="operator")
    posted = run("receipt", "price", "post", "CU-CATHODE", "70.00", signer="feeder")
    assert posted["price_per_unit"] == {"amount": "70.00", "units": 7000}
    program = run("receipt", "program", "open", "CU-CATHODE", "--rate-bps", "550", "--max-ltv-bps", "7000",
                  "--margin-call-ltv-bps", "8000", "--cap", "1000000.00", signer="bank")
    assert (program["cap"], program["outstanding"]) == ({"amount": "1000000.00", "units": 100_000_000},
                                                        {"amount": "0.00", "units": 0})
    run("receipt", "program", "fund", "500000.00", signer="bank")

    opened = run("receipt", "pledge", str(program["id"]), receipt_id, "480000.00", signer="owner")
    assert (opened["status"], opened["principal"]["amount"], opened["limit"]["amount"]) == (
        "active", "480000.00", "490000.00")
    out = run("receipt", "transfer", receipt_id, keys["bank"].address, signer="owner", code=EXIT_REVERT)
    assert "ReceiptIsPledged" in out and "TRANSFER" in out
    loan_id = str(opened["id"])

    chain.increase_time(60)
    run("receipt", "price", "post", "CU-CATHODE", "58.00", signer="feeder")
    called = run("receipt", "margin-call", loan_id, signer="feeder")
    assert called["ltv_bps"] > 8000
    repaid = run("receipt", "repay", loan_id, "100000.00", signer="owner")  # approves by default
    assert repaid["status"] == "active"
    released = run("receipt", "release", loan_id, receipt_id, "500", signer="owner")
    assert released["still_pledged"] == 9500
    child = str(released["released_receipt_id"])
    shown = run("receipt", "show", child)
    assert (shown["parent_id"], shown["grade"]) == (int(receipt_id), "LME-A")
    assert shown["inspection_hash"].startswith("0x") and len(shown["inspection_hash"]) == 66

    done = run("receipt", "repay", loan_id, "all", "--approve", signer="owner")
    assert (done["status"], done["principal"]["units"]) == ("repaid", 0)
    assert run("receipt", "loan", loan_id)["status"] == "repaid"
    run("receipt", "present", child, signer="owner")
    delivered = run("receipt", "deliver", child, signer="warehouse")
    assert (delivered["quantity"], delivered["lot_freed"]) == (500, False)
    assert run("receipt", "show", receipt_id)["status"] == "free"
