"""`scf prepayment`: the whole life of two agreements through the command line against a node, one repaid in
instalments and one bought back, and a revert reported as one line with its decoded error."""

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
from sdk.cli.prepayment import parse_when


@pytest.fixture(scope="module")
def node_url() -> Iterator[str]:
    """A node of this module's own: CLI commands attach to a deployment file, not to the suite's chain."""
    with AnvilNode() as node:
        yield node.url


@pytest.fixture()
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    for name in ("SCF_RPC_URL", "SCF_DEPLOYMENT", "SCF_KEYSTORE", "SCF_KEYSTORE_PASSWORD", "SCF_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def test_parse_when_takes_seconds_relative_and_iso_times() -> None:
    assert parse_when("1800000000", 5) == 1_800_000_000
    assert parse_when("+2d", 100) == 100 + 2 * 86_400
    assert parse_when("+90", 100) == 190
    assert parse_when("2027-01-01", 0) == 1_798_761_600
    with pytest.raises(ValueError, match="not a time"):
        parse_when("next tuesday", 0)


def test_prepayment_life_on_a_node(runner: CliRunner, node_url: str) -> None:
    chain = connect(node_url)
    keys = {name: Account.create() for name in ("BUYER", "SELLER", "BANK", "WAREHOUSE")}
    env = {f"{name}_KEY": acct.key.hex() for name, acct in keys.items()}
    addr = {name: acct.address for name, acct in keys.items()}
    for acct in keys.values():
        chain.fund(acct.address, 10**20)
    rpc = ("--rpc", node_url)

    def invoke(*args: str, code: int = 0) -> Result:
        result = runner.invoke(app, [*args, *rpc], env=env)
        assert result.exit_code == code, result.output
        return result

    def scf(*args: str, code: int = 0) -> str:
        return invoke(*args, code=code).output

    def scf_json(*args: str, signer: str | None = None) -> dict[str, object]:
        extra = ("--key-env", f"{signer}_KEY") if signer else ()
        data: dict[str, object] = json.loads(invoke(*args, *extra, "--json").stdout)
        return data

    scf("deploy", "--dev-account", "0", "--json")
    for name, role in (("BUYER", "distributor"), ("SELLER", "core-enterprise"), ("BANK", "bank"),
                       ("WAREHOUSE", "warehouse-operator")):
        scf("participant", "admit", addr[name], "--role", role, "--identity", name, "--dev-account", "0")
    scf("token", "mint-allowance", addr["BANK"], "3000000", "--dev-account", "0")
    for name in ("BUYER", "SELLER", "BANK"):
        scf("token", "mint", addr[name], "1000000", "--key-env", "BANK_KEY")

    terms = ("--seller", addr["SELLER"], "--bank", addr["BANK"], "--warehouse", addr["WAREHOUSE"],
             "--commodity", "CU-CATHODE", "--quantity", "100", "--unit-price", "650", "--margin-bps", "2500",
             "--rate-bps", "550", "--deadline", "+10d", "--maturity", "+90d")
    proposed = scf_json("prepayment", "propose", *terms, "--instalments", "3", signer="BUYER")
    assert proposed["id"] == 1 and proposed["status"] == "PROPOSED"
    assert proposed["margin"] == {"amount": "16250.00", "units": 16_250_00}
    assert proposed["principal"] == {"amount": "48750.00", "units": 48_750_00}
    assert len(proposed["schedule"]) == 3  # type: ignore[arg-type]
    assert proposed["collateral"] == {"amount": "9750.00", "units": 9_750_00}  # 20 % of the principal by default
    accepted = scf_json("prepayment", "accept", "1", signer="SELLER")
    assert (accepted["status"], accepted["collateral"]) == ("ACCEPTED", {"amount": "9750.00", "units": 9_750_00})
    funded = scf_json("prepayment", "fund", "1", signer="BANK")
    assert funded["paid_to_seller"] == {"amount": "65000.00", "units": 65_000_00}
    delivered = scf_json("prepayment", "deliver", "1", "--lot", "CLI-LOT-1", "--grade", "A", signer="WAREHOUSE")
    assert (delivered["receipt"], delivered["quantity"], delivered["owner"]) == (1, 100, addr["BUYER"])

    chain.increase_time(30 * 86_400)
    quote = scf_json("prepayment", "quote", "1", "--principal", "16250")
    assert quote["releases_quantity"] == 33
    repaid = scf_json("prepayment", "repay", "1", "16250", signer="BUYER")
    assert (repaid["released_quantity"], repaid["pledged_quantity"], repaid["released_receipt"]) == (33, 67, 2)
    assert repaid["interest"]["units"] > 0  # type: ignore[index]
    shown = scf_json("prepayment", "show", "1")
    assert shown["outstanding"] == {"amount": "32500.00", "units": 32_500_00}
    assert shown["next_due"] is not None and len(shown["schedule"]) == 3  # type: ignore[arg-type]

    # Only the buyer repays: one line naming the decoded error, exit code 3.
    out = scf("prepayment", "repay", "1", "1", "--key-env", "SELLER_KEY", code=EXIT_REVERT)
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1 and "PrepaymentUnauthorized" in lines[0] and "PrepaymentParty.BUYER" in lines[0]

    final = scf_json("prepayment", "repay", "1", "--all", signer="BUYER")
    assert (final["status"], final["released_quantity"], final["released_receipt"]) == ("REPAID", 67, 1)
    claimed = scf_json("prepayment", "claim", signer="SELLER")  # the collateral, released at the end
    assert claimed["claimed"] == {"amount": "9750.00", "units": 9_750_00}
    out = scf("prepayment", "claim", "--key-env", "SELLER_KEY", code=1)
    assert "nothing to claim" in out

    # A second agreement defaults: after maturity the seller approves and the bank calls the buy-back.
    scf_json("prepayment", "propose", *terms, "--due", "+60d=48750", signer="BUYER")
    scf_json("prepayment", "accept", "2", signer="SELLER")
    scf_json("prepayment", "fund", "2", signer="BANK")
    scf_json("prepayment", "deliver", "2", "--lot", "CLI-LOT-2", signer="WAREHOUSE")
    chain.increase_time(91 * 86_400)
    assert scf_json("prepayment", "quote", "2")["buy_back_quantity"] == 100
    approved = scf_json("prepayment", "approve-settlement", "2", signer="SELLER")
    assert approved["approved"]["units"] > 48_750_00 + 16_250_00 - 9_750_00  # type: ignore[index]
    bought = scf_json("prepayment", "buy-back", "2", signer="BANK")
    assert (bought["status"], bought["quantity"], bought["forfeited_margin"]) == (
        "BOUGHT_BACK", 100, {"amount": "16250.00", "units": 16_250_00})
    assert bought["collateral_applied"] == {"amount": "9750.00", "units": 9_750_00}

    # A third defaults and the seller is gone: after maturity + grace the bank enforces; the seller repays later.
    proposed = scf_json("prepayment", "propose", *terms, "--due", "+60d=48750", "--collateral-bps", "5000",
                        "--grace", "3d", signer="BUYER")
    assert (proposed["collateral"]["units"], proposed["grace_period_s"]) == (24_375_00, 3 * 86_400)  # type: ignore[index]
    scf_json("prepayment", "accept", "3", signer="SELLER")
    scf_json("prepayment", "fund", "3", signer="BANK")
    chain.increase_time(11 * 86_400)  # the deadline passed: the warehouse is late, the bank extends
    out = scf("prepayment", "deliver", "3", "--lot", "CLI-LOT-3", "--key-env", "WAREHOUSE_KEY", code=EXIT_REVERT)
    assert "PrepaymentDeliveryLate" in out
    extended = scf_json("prepayment", "extend-deadline", "3", "--to", "+5d", signer="BANK")
    assert extended["old_deadline"] != extended["new_deadline"]
    scf_json("prepayment", "deliver", "3", "--lot", "CLI-LOT-3", signer="WAREHOUSE")
    chain.increase_time(80 * 86_400)
    quoted = scf_json("prepayment", "quote", "3")
    assert quoted["enforceable_now"] is False
    out = scf("prepayment", "enforce", "3", "--key-env", "BANK_KEY", code=EXIT_REVERT)
    assert "PrepaymentGracePeriodNotOver" in out
    chain.increase_time(3 * 86_400)
    enforced = scf_json("prepayment", "enforce", "3", signer="BANK")
    assert (enforced["status"], enforced["quantity"], enforced["collateral_applied"]["units"]) == (  # type: ignore[index]
        "DEFAULTED", 100, 24_375_00)
    debt = enforced["debt"]["units"]  # type: ignore[index]
    assert debt > 48_750_00 - 24_375_00  # type: ignore[operator]
    assert scf_json("prepayment", "show", "3")["debt_to_bank"]["units"] == debt  # type: ignore[index]
    paid = scf_json("prepayment", "repay-debt", "3", "--all", signer="SELLER")
    assert (paid["to_bank"]["units"], paid["owed_to_bank"]["units"]) == (debt, 0)  # type: ignore[index]
    out = scf("prepayment", "repay-debt", "3", "1", "--key-env", "SELLER_KEY", code=1)
    assert "recorded debt" in out
    out = scf("prepayment", "propose", *terms, "--collateral-bps", "10001", "--key-env", "BUYER_KEY", code=1)
    assert "--collateral-bps must be 0..10000" in out
    out = scf("prepayment", "propose", *terms, "--grace", "soon", "--key-env", "BUYER_KEY", code=1)
    assert "not a duration" in out

    listed = scf_json("prepayment", "list", "--party", addr["SELLER"])
    assert [(a["id"], a["status"], a["role"]) for a in listed["data"]] == [  # type: ignore[attr-defined]
        (1, "repaid", "seller"), (2, "bought-back", "seller"), (3, "defaulted", "seller")]
    assert scf_json("prepayment", "list", "--status", "repaid", signer="BUYER")["count"] == 1
