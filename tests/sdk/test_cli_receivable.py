"""`scf receivable`: the verbs end to end through the CLI, against the test ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sdk import Ledger
from sdk.cli import app
from sdk.cli import common as cli_common
from sdk.cli import receivable as receivable_cli
from sdk.types import ReceivableStatus
from tests.conftest import Cast
from tests.conftest import test_key as key_for
from tests.contracts.receivables_support import new_root

KEY_ENV = "SCF_TEST_RECEIVABLE_SIGNER"


@pytest.fixture()
def scf(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `scf receivable ...` as a cast member against the test ledger; returns the parsed JSON output."""
    monkeypatch.setattr(receivable_cli, "open_ledger", lambda rpc, deployment: ledger)
    monkeypatch.setattr(cli_common, "open_ledger", lambda rpc, deployment: ledger)  # behind open_party
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


def test_cli_covers_register_split_discount_repay(scf: Any, ledger: Ledger, cast: Cast, tmp_path: Path) -> None:
    core, s1, s2, bank = cast.core.address, cast.supplier1.address, cast.supplier2.address, cast.bank1.address
    (tmp_path / "inv-1.pdf").write_bytes(b"%PDF invoice CLI-INV-1")
    reg = scf("supplier1", "register", core, "10000.00", "--due", "+60d", "--invoice", str(tmp_path / "inv-1.pdf"),
              "--po-hash", "0x" + "07" * 32)
    root = reg["root_id"]
    assert reg["face_value"] == {"amount": "10000.00", "units": 1_000_000}
    assert reg["fragment_id"] == root << 16 and reg["new_status"] == "REGISTERED"  # JSON: the integer
    assert scf("core", "confirm", str(root))["new_status"] == "CONFIRMED"
    offered = scf("supplier1", "offer", f"{root}.0", s2, "2500.50", "--expires", "+1d")
    assert offered["expires_at"].endswith("Z")
    shown_offer = scf(None, "offer-info", str(offered["offer_id"]))
    assert shown_offer["expires_at"] == offered["expires_at"] and shown_offer["status"] == "OPEN"
    accepted = scf("supplier2", "accept", str(offered["offer_id"]))
    assert accepted["child_id"] == (root << 16) + 1 and accepted["amount"]["units"] == 250_050
    lineage = scf(None, "lineage", str(root))["lineage"]
    assert lineage["holder"] == s1 and [c["fragment_id"] for c in lineage["children"]] == [(root << 16) + 1]

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

    # the lineage tells the story, oldest first, former holders included
    story = scf(None, "lineage", str(root))["story"]
    assert [(s["action"], s["party"]) for s in story] == [
        ("registered", s1), ("confirmed", core), ("passed", s1), ("sold", s2), ("repaid", core), ("paid-out", s1),
        ("paid-out", bank), ("financing-closed", bank),
    ]
    passed = story[2]
    assert passed["counterparty"] == s2 and passed["amount"] == {"amount": "2500.50", "units": 250_050}
    assert passed["text"].endswith(f"passed 2,500.50 of {root}.0 to {s2[:6]}…{s2[-4:]} as {root}.1 "
                                   f"(7,499.50 left in {root}.0)")
    assert all(s["at"].endswith("Z") for s in story)


def test_cli_refuses_a_missing_invoice_file_instead_of_hashing_its_name(scf: Any, cast: Cast,
                                                                       tmp_path: Path) -> None:
    core = cast.core.address
    out = scf("supplier1", "register", core, "100.00", "--due", "+60d", "--invoice", str(tmp_path / "typo.pdf"),
              expect=1)
    assert "no such file" in out and "--invoice-hash" in out
    assert "not a 32-byte hash" in scf("supplier1", "register", core, "100.00", "--due", "+60d", "--invoice-hash",
                                       "INV-1", expect=1)
    assert "not both" in scf("supplier1", "register", core, "100.00", "--due", "+60d", "--invoice-hash",
                             "0x" + "11" * 32, "--invoice", str(tmp_path / "typo.pdf"), expect=1)
    registered = scf("supplier1", "register", core, "100.00", "--due", "+60d", "--invoice-hash", "0x" + "11" * 32)
    assert registered["new_status"] == "REGISTERED"


def test_cli_revert_prints_the_decoded_error(scf: Any, cast: Cast) -> None:
    output = scf("supplier2", "confirm", "77", expect=3)
    assert "ReceivableNotFound" in output and "77" in output


def test_cli_refuses_a_malformed_fragment_id(scf: Any, cast: Cast) -> None:
    output = scf(None, "quote", "5", "--rate", "100", expect=2)
    assert "did you mean 5.0" in output


# ------------------------------------------------------------------------------------------ --from-csv batches
def _csv(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_cli_csv_confirms_discounts_repays_and_claims_portfolios(
    scf: Any, ledger: Ledger, cast: Cast, tmp_path: Path
) -> None:
    roots = [new_root(cast, face=10_000_00, confirm=False)[0] for _ in range(3)]
    confirmed = scf("core", "confirm", "--from-csv", _csv(tmp_path, "c.csv", "root\n" + "\n".join(map(str, roots))))
    assert confirmed["count"] == 3
    assert [(r["row"], r["root_id"], r["new_status"]) for r in confirmed["results"]] == [
        (i + 1, root, "CONFIRMED") for i, root in enumerate(roots)]
    assert len({r["tx_hash"] for r in confirmed["results"]}) == 1  # one transaction

    cast.bank1.receivables.set_exposure_limit(cast.core.address, 100_000_00)
    for root in roots:
        cast.supplier1.receivables.request_discount(root << 16, cast.bank1.address, 550, with_recourse=False)
    rows = "fragment,rate,recourse,max_price\n" + "".join(f"{root}.0,550,false,10000.00\n" for root in roots)
    funded = scf("bank1", "discount", "--from-csv", _csv(tmp_path, "d.csv", rows))
    assert [r["fragment_id"] for r in funded["results"]] == [root << 16 for root in roots]
    assert all(r["seller"] == cast.supplier1.address for r in funded["results"])

    repay_rows = "root,amount\n" + "".join(f"{root},10000.00\n" for root in roots)
    repaid = scf("core", "repay", "--from-csv", _csv(tmp_path, "r.csv", repay_rows), "--batch-size", "2")
    assert [r["new_status"] for r in repaid["results"]] == ["SETTLED"] * 3
    assert len({r["tx_hash"] for r in repaid["results"]}) == 2  # 2 + 1 rows

    claimed = scf("regulator", "claim", "--from-csv",
                  _csv(tmp_path, "cl.csv", "fragment\n" + "".join(f"{root}.0\n" for root in roots)))
    assert [(r["holder"], r["amount"]["units"]) for r in claimed["results"]] == [(cast.bank1.address, 10_000_00)] * 3


def test_cli_csv_names_the_failing_row_and_sends_nothing(scf: Any, ledger: Ledger, cast: Cast, tmp_path: Path) -> None:
    first, second = (new_root(cast, confirm=False)[0] for _ in range(2))
    output = scf("core", "confirm", "--from-csv", _csv(tmp_path, "bad.csv", f"root\n{first}\n999\n{second}\n"),
                 expect=3)
    assert "bad.csv row 2" in output and "ReceivableNotFound" in output and "nothing sent" in output
    assert ledger.receivables.get_receivable(first).status == ReceivableStatus.REGISTERED


def test_cli_csv_validates_every_row_before_sending(scf: Any, ledger: Ledger, cast: Cast, tmp_path: Path) -> None:
    root, _ = new_root(cast, confirm=False)
    output = scf("core", "repay", "--from-csv", _csv(tmp_path, "v.csv", f"root,amount\n{root},12.345\nx,1\n{root},\n"),
                 expect=1)
    assert "row 1: amount '12.345'" in output and "row 2: root 'x'" in output and "row 3: amount is empty" in output
    assert "nothing sent" in output
    output = scf("core", "confirm", "--from-csv", _csv(tmp_path, "h.csv", "id\n1\n"), expect=1)
    assert "needs the column(s) root" in output
    output = scf("core", "confirm", str(root), "--from-csv", _csv(tmp_path, "b.csv", f"root\n{root}\n"), expect=1)
    assert "not both" in output


def test_tables_show_fragments_as_root_dot_index_and_parties_by_name(ledger: Ledger, cast: Cast,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receivable_cli, "open_ledger", lambda rpc, deployment: cli_common.NAMES.attach(ledger)
                        or ledger)
    root, _ = new_root(cast, face=5_000_00, supplier=cast.supplier1)
    cast.operator.registry.set_display_name(cast.supplier1.address, "Jiangnan Gearbox")
    result = CliRunner().invoke(app, ["receivable", "lineage", str(root), "--rpc", "http://unused"],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    short = f"{cast.supplier1.address[:6]}…{cast.supplier1.address[-4:]}"
    assert f"Jiangnan Gearbox ({short}) registered receivable {root} for 5,000.00" in result.output
    assert f"{root}.0" in result.output and str(root << 16) not in result.output
    cli_common.NAMES.attach(None)
