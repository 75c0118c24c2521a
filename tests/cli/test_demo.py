"""`scf demo`: the scenario runs with no arguments on the embedded chain, and against a node with --rpc."""

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
from typer.testing import CliRunner

from sdk.cli import app
from sdk.cli.scenario import CAST, DEPOSITS, LATE_PRINCIPAL, LINE_DRAWS, LINE_RECEIVABLES, PAYMENTS
from sdk.money import format_grouped, to_units

REQUIRED_KEYS = {
    "participants", "receivables", "fragments", "financings", "total_financed", "total_repaid",
    "warehouse_receipts", "loans", "prepayments", "credit_profiles", "credit_lines", "risk_pool", "events_indexed",
    "chain",
}

#: The README's worked example of the graded rules ("Worked example: the demo's risk pool"), figure by figure; the
#: demo's risk-pool stage must reproduce each one (check_risk_pool), and the README must show each one
#: (test_readme_has_the_demo_risk_pool_worked_example).
README_SECTION = "#### Worked example: the demo's risk pool"
WORKED_EXAMPLE: dict[str, object] = {
    "deposited": {"Guarantee Fund": "400,000.00", "Credit Insurer": "400,000.00", "Large State Bank": "200,000.00"},
    "grades": [("500,000.00", 8_000), ("2,000,000.00", 5_000)],
    "loan": {"principal": "84,000.00", "interest": "924.00", "collateral_value": "72,000.00",
             "shortfall": "12,924.00"},
    "losses": [
        {"net": "12,924.00", "entitlement": "10,339.20", "uncompensated": "2,584.80",
         "drawn": {"Guarantee Fund": "4,135.68", "Credit Insurer": "4,135.68", "Large State Bank": "2,067.84"},
         "borne": {"Guarantee Fund": "4,135.68", "Credit Insurer": "4,135.68", "Large State Bank": "4,652.64"}},
        {"net": "600,000.00", "entitlement": "446,122.80", "uncompensated": "153,877.20",
         "drawn": {"Guarantee Fund": "178,449.12", "Credit Insurer": "178,449.12", "Large State Bank": "89,224.56"},
         "borne": {"Guarantee Fund": "178,449.12", "Credit Insurer": "178,449.12",
                   "Large State Bank": "243,101.76"}},
    ],
    "balance": "543,538.00",
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
    # nothing created or destroyed: balances (and what the risk pool holds) add up to what the banks minted
    minted = data["deposits"]
    assert isinstance(minted, list)
    assert [d["amount"]["units"] for d in minted[: len(DEPOSITS)]] == [to_units(d[2]) for d in DEPOSITS]
    pooled = data["risk_pool"]["balance"]["units"]  # type: ignore[index]
    assert sum(p["balance"]["units"] for p in participants) + pooled == sum(d["amount"]["units"] for d in minted)
    assert len(data["payments"]) == len(PAYMENTS)  # type: ignore[arg-type]
    refusal = data["refusals"][0]  # type: ignore[index]
    assert refusal["error"] == "SettlementTransferRestricted"
    assert refusal["fields"]["reason"] == "RECIPIENT_NOT_REGISTERED"
    # receivables: confirmed, split to tiers 2 and 3, discounted at both banks at their rates, repaid, paid out
    financings = data["financings"]
    assert isinstance(financings, list)
    discounts = [f for f in financings if f["mode"] == "receivable discount"]
    assert sorted((f["bank"], f["rate_bps"]) for f in discounts) == [
        ("City Commercial Bank", 700), ("Large State Bank", 550)]
    assert all(0 < f["price"]["units"] < f["face"]["units"] for f in discounts)
    face = data["receivables"][0]["face"]["units"]  # type: ignore[index]
    assert sum(p["amount"]["units"] for p in data["payouts"]) == face  # type: ignore[attr-defined]
    assert {f["status"] for f in data["fragments"]} == {"paid"}  # type: ignore[attr-defined]
    assert len(data["fragments"]) == 3  # type: ignore[arg-type]
    # warehouse: pledged, margin called, cured and repaid; the goods left the warehouse
    loan = data["loans"][0]  # type: ignore[index]
    assert loan["status"] == "repaid" and loan["margin_call_ltv_bps"] > 8_000 and loan["interest"]["units"] > 0
    assert data["warehouse_receipts"][0]["status"] == "delivered"  # type: ignore[index]
    # prepayment: margin, bank funds the seller, three instalments each releasing a third of the goods
    deal = data["prepayments"][0]  # type: ignore[index]
    assert deal["status"] == "repaid" and deal["margin"]["units"] * 3 == deal["financed"]["units"]
    assert [i["released"] for i in deal["instalments"]] == [4, 4, 4]
    assert sum(i["principal"]["units"] for i in deal["instalments"]) == deal["financed"]["units"]
    paid = sum(r["amount"]["units"] for r in data["repayments"])  # type: ignore[attr-defined]
    # tier 2's two pledge loans, repaid late in the credit-profile stage
    late_paid = sum(r["amount"]["units"] for r in data["repayments"] if r["late"])  # type: ignore[attr-defined]
    assert late_paid > 2 * to_units(LATE_PRINCIPAL)
    assert data["total_paid_by_debtors"]["units"] == paid == (face + loan["principal"]["units"]
                                                              + loan["interest"]["units"] + deal["financed"]["units"]
                                                              + deal["interest"]["units"] + late_paid)
    to_banks = sum(p["amount"]["units"] for p in data["payouts"] if p["to_bank"])  # type: ignore[attr-defined]
    assert 0 < to_banks < face  # tier 2 kept part of its fragment: that part is not financed money
    assert data["total_repaid"]["units"] == (to_banks + loan["principal"]["units"] + loan["interest"]["units"]
                                             + deal["financed"]["units"] + deal["interest"]["units"] + late_paid)
    assert [r["late"] for r in data["repayments"]] == [False, False, False, True, True]  # type: ignore[attr-defined]
    check_credit_profiles(data)
    check_credit_line(data)
    check_risk_pool(data)
    assert data["total_financed"]["units"] == sum(f["price"]["units"] for f in financings)
    assert [s for s in data["stages"] if s["status"] != "done"] == []  # type: ignore[attr-defined]
    # the gateway indexed everything, keeping up stage by stage
    assert isinstance(data["events_indexed"], int) and data["events_indexed"] > data["transactions"]  # type: ignore[operator]
    assert Path(str(data["database"])).is_file()
    workdir = tmp_path / "w"
    assert json.loads((workdir / "summary.json").read_text()) == data
    assert set(json.loads((workdir / "deployment.json").read_text())["contracts"]) >= {
        "ParticipantRegistry", "SettlementToken"}


def check_credit_profiles(data: dict[str, object]) -> None:
    """Two suppliers' profiles, read by the large bank with their consent (the city bank, without, was refused):
    tier 3 repaid its loan on time, tier 2 repaid two late, and the scorecard says so by name."""
    profiles = {p["participant"]: p for p in data["credit_profiles"]}  # type: ignore[attr-defined]
    punctual, late = profiles["Anhui Alloy (T3)"], profiles["Taihu Castings (T2)"]
    for p in (punctual, late):
        assert p["read_by"] == "Large State Bank" and p["refused_without_consent"] == "City Commercial Bank"
        assert p["scorecard_version"] and p["grade"] in "ABCDE" and p["suggested_limit"]["units"] >= 0
    assert (punctual["on_time"], punctual["late"]) == (1, 0) and (late["on_time"], late["late"]) == (0, 2)
    assert late["score"] < punctual["score"] and late["grade"] > punctual["grade"]
    # the same confirmed sales, so the limits differ by conduct alone: the late payer's grade gets no share of them
    assert punctual["suggested_limit"]["units"] > late["suggested_limit"]["units"]
    # what lowered the late payer: lateness (two loans 8-30 days late), a factor the punctual one does not have
    assert "lateness" in late["lowered_by"] and "lateness" not in punctual["lowered_by"]
    assert late["lowering_factors"]["lateness"]["points"] == -30
    assert "2 late 8-30 days" in late["lowering_factors"]["lateness"]["reason"]
    # and it has no on-time record to show, where the punctual one has the full repayment_record points
    assert (late["factors"]["repayment_record"], punctual["factors"]["repayment_record"]) == (0, 200)
    # tier 3's margin call was cured by a partial repayment (LoanRepaid MarginCalled -> Active): −5, not −20
    assert punctual["lowering_factors"]["margin_calls"] == {"points": -5, "reason": "1 margin calls, 1 cured"}


def check_credit_line(data: dict[str, object]) -> None:
    """Tier 2's 90-day line at the city bank's 7.0 %: three draws paid straight to tier 3, repaid twice from the
    payouts of the receivables pledged to it (the line first, the rest to tier 2); interest only for the days used,
    well below a term loan of the whole limit for the whole term."""
    [line] = data["credit_lines"]  # type: ignore[misc]
    assert (line["bank"], line["borrower"], line["rate_bps"], line["term_days"]) == (
        "City Commercial Bank", "Taihu Castings (T2)", 700, 90)
    assert [(d["payee"], d["amount"]["amount"]) for d in line["draws"]] == [
        ("Anhui Alloy (T3)", amount) for _, amount, _, _ in LINE_DRAWS]
    repaid = line["repayments"]
    assert [r["payout"]["amount"] for r in repaid] == [part for _, _, part, _ in LINE_RECEIVABLES]
    for r in repaid:  # the line takes what it is owed and no more; the borrower gets the rest
        assert r["to_line"]["units"] + r["to_borrower"]["units"] == r["payout"]["units"]
        assert r["interest_paid"]["units"] + r["principal_paid"]["units"] == r["to_line"]["units"]
    assert repaid[0]["to_borrower"]["units"] == 0 and repaid[-1]["to_borrower"]["units"] > 0
    assert repaid[-1]["used_after"]["units"] == 0 and line["status"] == "closed"
    assert sum(r["principal_paid"]["units"] for r in repaid) == line["drawn"]["units"]
    charged = line["interest_charged"]["units"]
    assert charged == sum(r["interest_paid"]["units"] for r in repaid) > 0
    limit = line["limit"]["units"]
    assert line["term_loan_interest"]["units"] == limit * 700 * 90 // (10_000 * 365)  # 5,178.08 on 300,000.00
    assert line["saved"]["units"] == line["term_loan_interest"]["units"] - charged > 0


def check_risk_pool(data: dict[str, object]) -> None:
    """The risk-pool stage reproduces the README's worked example to the cent, and each loss is borne in full."""
    pool = data["risk_pool"]
    assert isinstance(pool, dict)
    example = WORKED_EXAMPLE

    def grouped(value: dict[str, object]) -> str:
        return format_grouped(int(value["units"]))  # type: ignore[call-overload]

    assert {c["name"]: grouped(c["deposited"]) for c in pool["contributors"]} == example["deposited"]
    assert [(grouped(g["up_to"]), g["rate_bps"]) for g in pool["grades"]] == example["grades"]
    assert {k: grouped(v) for k, v in pool["loan"].items() if k != "id"} == example["loan"]
    assert [loss["what"] for loss in pool["losses"]] == ["pledge-loan shortfall", "fragment defaulted without recourse"]
    for loss, expected in zip(pool["losses"], example["losses"], strict=True):  # type: ignore[call-overload]
        assert {k: grouped(loss[k]) for k in ("net", "entitlement", "uncompensated")} == {
            k: expected[k] for k in ("net", "entitlement", "uncompensated")}
        assert {k: grouped(v) for k, v in loss["drawn"].items()} == expected["drawn"]
        assert {k: grouped(v) for k, v in loss["borne"].items()} == expected["borne"]
        assert loss["paid"] == loss["entitlement"]  # paid in full at once
        assert sum(v["units"] for v in loss["borne"].values()) == loss["net"]["units"]
        assert loss["principal"]["units"] + loss["interest"]["units"] == loss["net"]["units"]
    # the fragment's loss: principal is what the bank paid for it, the rest its discount yield
    fragment = pool["losses"][1]
    assert 0 < fragment["interest"]["units"] < fragment["principal"]["units"]
    assert grouped(pool["balance"]) == example["balance"] and pool["open"]["units"] == 0


def test_readme_has_the_demo_risk_pool_worked_example() -> None:
    """The README section shows every figure of WORKED_EXAMPLE (which the demo reproduces)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    if README_SECTION not in readme:
        pytest.fail(f"README.md has no section {README_SECTION!r} (the risk pool's worked example)")
    section = readme.split(README_SECTION, 1)[1].split("\n#", 1)[0]
    figures: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, list | tuple):
            for v in value:
                collect(v)
        elif isinstance(value, str):
            figures.append(value)

    collect(WORKED_EXAMPLE)
    assert [f for f in figures if f not in section] == []
    assert "80 % up to 500,000.00" in section and "50 % from 500,000.00 to 2,000,000.00" in section


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
    assert "Credit profiles read by Large State Bank" in result.stdout and "lateness -30" in result.stdout
    assert "a term loan of the whole 300,000.00 for 90 days at 7.00 % would have cost 5,178.08" in result.stdout
    assert "Risk pool 1" in result.stdout and "243,101.76" in result.stdout  # the table of who bore each loss


def test_demo_serves_the_gateway_with_a_login_for_every_role(tmp_path: Path) -> None:
    from sdk.anvil import free_port

    port, workdir = free_port(), tmp_path / "served"
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdk.cli", "demo", "--port", str(port), "--workdir", str(workdir)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, "the demo ended before serving"
            lines.append(line)
            if line.startswith("Ctrl-C stops the gateway"):
                break
        text = "".join(lines)
        logins = json.loads((workdir / "logins.json").read_text())
        assert set(logins) == {a.key for a in CAST}
        password = (workdir / "keys" / "PASSWORD").read_text().strip()
        for key in logins:
            assert f"scf gateway login --keystore {workdir / 'keys' / key}.json" in text
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):  # uvicorn starts right after the hints
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        core = httpx.get(f"{url}/v1/receivables", headers={"Authorization": f"Bearer {logins['core']['token']}"})
        assert core.status_code == 200 and 1 in [r["id"] for r in core.json()["data"]]
        outsider = httpx.get(f"{url}/v1/receivables/1",
                             headers={"Authorization": f"Bearer {logins['warehouse']['token']}"})
        assert outsider.status_code == 404  # not the warehouse's business
        assert httpx.get(f"{url}/v1/receivables").status_code == 401
        assert f"Web app at {url}/" in text and f"{workdir / 'keys' / 'core'}.json" in text
        assert "Sign in with a wallet" in httpx.get(f"{url}/").text
        prepared = httpx.post(f"{url}/v1/tx/prepare", json={"action": "receivable.repay",
                                                            "params": {"root_id": 1, "amount": 1}},
                              headers={"Authorization": f"Bearer {logins['core']['token']}"}, timeout=30)
        assert prepared.status_code == 200, prepared.text  # the write API reaches the demo's chain
        assert prepared.json()["tx"]["to"] and prepared.json()["summary"]
        env = {"SCF_CONFIG_DIR": str(tmp_path / "config"), "SCF_KEYSTORE_PASSWORD": password}
        signed = CliRunner().invoke(app, ["gateway", "login", "--url", url, "--keystore",
                                          str(workdir / "keys" / "core.json")], env=env)
        assert signed.exit_code == 0, signed.output
        mine = CliRunner().invoke(app, ["api", "GET", "/v1/receivables", "--url", url], env=env)
        assert mine.exit_code == 0 and 1 in [r["id"] for r in json.loads(mine.stdout)["data"]], mine.output
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
