"""`scf receivable`: the verbs end to end through the CLI, against the test ledger."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from sdk import Ledger
from sdk.cli import app
from sdk.cli import common as cli_common
from sdk.cli import receivable as receivable_cli
from tests.conftest import Cast
from tests.conftest import test_key as key_for

KEY_ENV = "SCF_TEST_RECEIVABLE_SIGNER"


@pytest.fixture()
def scf(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `scf receivable ...` as a cast member against the test ledger; returns the parsed JSON output."""
    monkeypatch.setattr(receivable_cli, "open_ledger", lambda rpc, deployment: ledger)
    monkeypatch.setattr(cli_common, "open_ledger", lambda rpc, deployment: ledger)
    runner = CliRunner()

    def run(who: str | None, *args: str, expect: int = 0) -> Any:
        extra: list[str] = []
        if who is not None:
            monkeypatch.setenv(KEY_ENV, key_for(who).key.hex())
            extra = ["--key-env", KEY_ENV]
        result = runner.invoke(app, ["receivable", *args, *extra, "--json", "--rpc", "http://unused"])
        assert result.exit_code == expect, result.output
        return json.loads(result.stdout) if expect == 0 else result.output

    return run


def test_cli_covers_register_split_discount_repay(scf: Any, ledger: Ledger, cast: Cast) -> None:
    core, s1, s2, bank = cast.core.address, cast.supplier1.address, cast.supplier2.address, cast.bank1.address
    reg = scf("supplier1", "register", core, "10000.00", "--due", "+60d", "--invoice", "CLI-INV-1", "--po", "PO-7")
    root = reg["root_id"]
    assert reg["face_value"] == {"amount": "10000.00", "units": 1_000_000}
    assert reg["fragment_id"] == f"{root}.0" and reg["new_status"] == "REGISTERED"
    assert scf("core", "confirm", str(root))["new_status"] == "CONFIRMED"
    offered = scf("supplier1", "offer", f"{root}.0", s2, "2500.50")
    accepted = scf("supplier2", "accept", str(offered["offer_id"]))
    assert accepted["child_id"] == f"{root}.1" and accepted["amount"]["units"] == 250_050
    lineage = scf(None, "lineage", str(root))["lineage"]
    assert lineage["holder"] == s1 and [c["fragment_id"] for c in lineage["children"]] == [f"{root}.1"]

    scf("bank1", "exposure-limit", core, "1000000")
    quote = scf(None, "quote", f"{root}.1", "--rate", "550")
    scf("supplier2", "request-discount", f"{root}.1", bank, "--rate", "550", "--recourse")
    funded = scf("bank1", "discount", f"{root}.1")
    assert funded["bank"] == bank and funded["with_recourse"] is True
    assert funded["price"] == quote["price"] and funded["days_to_maturity"] == quote["days_to_maturity"] == 60
    exposure = scf(None, "exposure", bank, core)
    assert exposure["used"]["units"] == 250_050

    assert scf("core", "repay", str(root), "10000.00")["new_status"] == "SETTLED"
    payouts = scf("regulator", "distribute", str(root))
    assert payouts["count"] == 2
    assert {p["holder"]: p["amount"]["units"] for p in payouts["payouts"]} == {s1: 749_950, bank: 250_050}
    shown = scf(None, "show", str(root))
    assert shown["receivable"]["status"] == "SETTLED"
    assert [f["status"] for f in shown["fragments"]] == ["PAID", "PAID"]
    assert ledger.token.balance_of(ledger.receivables.address).units == 0


def test_cli_revert_prints_the_decoded_error(scf: Any, cast: Cast) -> None:
    output = scf("supplier2", "confirm", "77", expect=3)
    assert "ReceivableNotFound" in output and "77" in output


def test_cli_refuses_a_malformed_fragment_id(scf: Any, cast: Cast) -> None:
    output = scf(None, "quote", "5", "--rate", "100", expect=2)
    assert "did you mean 5.0" in output
