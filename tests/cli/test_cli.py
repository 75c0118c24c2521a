"""The `scf` command line: errors are one line with a meaningful exit code, keys never come from the command
line, and the participant and token verbs work against a node."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from eth_account import Account
from typer.testing import CliRunner

from sdk.chain import ANVIL_DEV_KEYS
from sdk.cli import app
from sdk.cli.common import EXIT_CONNECTION, EXIT_REVERT, EXIT_SETUP, EXIT_USAGE

SECRET = ANVIL_DEV_KEYS[5]


@pytest.fixture()
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # .scf/deployment.json lands in a fresh directory
    for name in ("SCF_RPC_URL", "SCF_DEPLOYMENT", "SCF_KEYSTORE", "SCF_KEYSTORE_PASSWORD", "SCF_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def scf(runner: CliRunner, *args: str, env: dict[str, str] | None = None, code: int = 0) -> str:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == code, f"exit {result.exit_code}: {result.output}"
    return result.output


def scf_json(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def flat(output: str) -> str:
    """Usage errors come in a rich panel that wraps lines; join them back into plain text."""
    return " ".join(output.replace("│", " ").split())


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


# --------------------------------------------------------------------------------------------- no chain needed
def test_help_lists_every_command(runner: CliRunner) -> None:
    out = scf(runner, "--help")
    for command in ("build", "node", "deploy", "participant", "token", "keys", "bench"):
        assert command in out


@pytest.mark.parametrize("option", ["--key", "--private-key", "--pk"])
def test_a_raw_key_on_the_command_line_is_refused_without_echoing_it(runner: CliRunner, option: str) -> None:
    out = flat(scf(runner, "token", "mint", "0x" + "11" * 20, "5", option, SECRET, code=EXIT_USAGE))
    assert "shell history" in out and "--keystore" in out
    assert SECRET not in out and SECRET[2:] not in out


def test_raw_key_refused_also_in_equals_form(runner: CliRunner) -> None:
    out = flat(scf(runner, "deploy", f"--private-key={SECRET}", code=EXIT_USAGE))
    assert "refused" in out and SECRET[2:] not in out


def test_unreachable_node_is_one_line_naming_the_url(runner: CliRunner) -> None:
    out = scf(runner, "participant", "list", "--rpc", "http://127.0.0.1:9", code=EXIT_CONNECTION)
    lines = error_lines(out)
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot reach the chain node at http://127.0.0.1:9")
    assert "Traceback" not in out


def test_debug_anywhere_adds_the_traceback(runner: CliRunner) -> None:
    out = scf(runner, "participant", "list", "--rpc", "http://127.0.0.1:9", "--debug", code=EXIT_CONNECTION)
    assert "Traceback" in out and "ChainConnectionError" in out
    assert error_lines(out)[-1].startswith("error: cannot reach the chain node")


def test_stateful_command_on_the_embedded_chain_explains_why_it_needs_a_node(runner: CliRunner) -> None:
    out = scf(runner, "token", "balance", "0x" + "22" * 20, code=1)
    assert len(error_lines(out)) == 1
    assert "scf node" in out and "--rpc" in out


def test_bad_amount_is_a_usage_error(runner: CliRunner) -> None:
    out = flat(scf(runner, "token", "transfer", "0x" + "22" * 20, "1.005", "--rpc", "http://127.0.0.1:9",
                   code=EXIT_USAGE))
    assert "more than 2 decimal places" in out


def test_bad_address_is_a_usage_error(runner: CliRunner) -> None:
    out = flat(scf(runner, "participant", "show", "0x1234", "--rpc", "http://127.0.0.1:9", code=EXIT_USAGE))
    assert "not an address" in out


def test_deploy_on_the_embedded_chain_writes_the_file_and_says_it_is_in_memory(runner: CliRunner) -> None:
    result = runner.invoke(app, ["deploy", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["chain"] == "embedded"
    assert {"ParticipantRegistry", "SettlementToken"} <= set(data["contracts"])
    assert data["admin_delay_seconds"] == 2 * 86_400  # the default admin moves in two steps, 48 h apart
    saved = json.loads(Path(".scf/deployment.json").read_text())
    assert saved["contracts"] == data["contracts"]
    assert "lives in memory" in result.stderr


def test_keys_new_writes_an_owner_only_keystore_and_prints_only_the_address(runner: CliRunner) -> None:
    env = {"SCF_KEYSTORE_PASSWORD": "correct horse battery"}
    data = scf_json(runner, "keys", "new", "bank.json", env=env)
    keystore = Path("bank.json")
    assert stat.S_IMODE(os.stat(keystore).st_mode) == 0o600
    acct = Account.from_key(Account.decrypt(json.loads(keystore.read_text()), env["SCF_KEYSTORE_PASSWORD"]))
    assert data == {"address": acct.address, "keystore": "bank.json"}
    assert scf_json(runner, "keys", "show", "bank.json", "--check", env=env)["password_ok"] is True
    # never overwritten
    assert "already exists" in scf(runner, "keys", "new", "bank.json", env=env, code=1)


def test_keys_new_refuses_a_short_password(runner: CliRunner) -> None:
    out = scf(runner, "keys", "new", "k.json", env={"SCF_KEYSTORE_PASSWORD": "short"}, code=1)
    assert "at least 8 characters" in out and not Path("k.json").exists()


# --------------------------------------------------------------------------------------------- against anvil
def test_participant_and_token_workflow_on_a_node(runner: CliRunner, own_anvil: str) -> None:
    rpc = ("--rpc", own_anvil)
    op = ("--dev-account", "0")
    bank, supplier = Account.create(), Account.create()
    env = {"BANK_KEY": bank.key.hex(), "SUPPLIER_KEY": supplier.key.hex()}
    from sdk import connect

    chain = connect(own_anvil)
    for acct in (bank, supplier):
        chain.fund(acct.address, 10**20)

    deployed = scf_json(runner, "deploy", *rpc, *op, "--admin-delay-hours", "1")
    assert deployed["chain"] == own_anvil and deployed["admin_delay_seconds"] == 3_600
    admitted = scf_json(runner, "participant", "admit", bank.address, "--role", "bank", "--identity", "USCC-1",
                        *rpc, *op)
    assert admitted["roles"] == ["bank"] and admitted["standing"] == "active"
    scf(runner, "participant", "admit", supplier.address, "-r", "supplier,distributor", "--identity", "USCC-2",
        "--kyc-days", "30", *rpc, *op)

    # the bank mints only within the allowance the operator sets
    out = scf(runner, "token", "mint", supplier.address, "1250.50", *rpc, "--key-env", "BANK_KEY", env=env,
              code=EXIT_REVERT)
    assert "SettlementMintAllowanceExceeded" in out and "requested=1,250.50" in out and "available=0" in out
    allowance = scf_json(runner, "token", "mint-allowance", bank.address, "2000.00", *rpc, *op)
    assert allowance["old_allowance"]["units"] == 0 and allowance["allowance"]["units"] == 200000
    minted = scf_json(runner, "token", "mint", supplier.address, "1250.50", "--ref", "dep-1", *rpc,
                      "--key-env", "BANK_KEY", env=env)
    assert minted["balance"] == {"amount": "1250.50", "units": 125050}
    left = scf_json(runner, "token", "mint-allowance", bank.address, *rpc)
    assert left["allowance"] == {"amount": "749.50", "units": 74950}
    # only an operator sets allowances
    out = scf(runner, "token", "mint-allowance", bank.address, "1.00", *rpc, "--key-env", "BANK_KEY", env=env,
              code=EXIT_REVERT)
    assert "SettlementCallerNotOperator" in out
    sent = scf_json(runner, "token", "transfer", bank.address, "0.50", *rpc, "--key-env", "SUPPLIER_KEY", env=env)
    assert sent["sender_balance"] == {"amount": "1250.00", "units": 125000}
    balances = scf_json(runner, "token", "balance", bank.address, supplier.address, *rpc)
    assert [b["balance"]["units"] for b in balances["balances"]] == [50, 125000]  # type: ignore[index]

    listed = scf_json(runner, "participant", "list", *rpc)
    assert [p["address"] for p in listed["participants"]] == [bank.address, supplier.address]  # type: ignore[index]
    assert "USCC" not in json.dumps(listed)  # only the identity's hash is on chain

    suspended = scf_json(runner, "participant", "suspend", supplier.address, "--reason", "kyc review", *rpc, *op)
    assert suspended["standing"] == "suspended"
    # a suspended participant can't send: one line naming the decoded contract error, exit code 3
    out = scf(runner, "token", "transfer", bank.address, "1", *rpc, "--key-env", "SUPPLIER_KEY", env=env,
              code=EXIT_REVERT)
    lines = error_lines(out)
    assert len(lines) == 1
    assert "SettlementToken.transfer reverted: SettlementTransferRestricted" in lines[0]
    assert "SENDER_SUSPENDED" in lines[0]
    assert scf_json(runner, "participant", "resume", supplier.address, *rpc, *op)["standing"] == "active"
    readmitted = scf_json(runner, "participant", "readmit", supplier.address, "--role", "supplier",
                          "--identity", "USCC-2", *rpc, *op)
    assert readmitted["roles"] == ["supplier"]

    # a non-bank can't mint
    out = scf(runner, "token", "mint", supplier.address, "1", *rpc, "--key-env", "SUPPLIER_KEY", env=env,
              code=EXIT_REVERT)
    assert "ParticipantMissingRole" in out and "Role.BANK" in out
    shown = scf_json(runner, "participant", "show", supplier.address, *rpc)
    assert shown["balance"] == {"amount": "1250.00", "units": 125000}


def test_keystore_signs_and_a_wrong_password_is_one_line(runner: CliRunner, own_anvil: str) -> None:
    rpc = ("--rpc", own_anvil)
    env = {"SCF_KEYSTORE_PASSWORD": "operator passphrase"}
    created = scf_json(runner, "keys", "new", "operator.json", env=env)
    from sdk import connect

    connect(own_anvil).fund(str(created["address"]), 10**20)
    deployed = scf_json(runner, "deploy", *rpc, "--keystore", "operator.json", env=env)
    assert deployed["operator"] == created["address"]
    out = scf(runner, "deploy", *rpc, "--keystore", "operator.json", env={"SCF_KEYSTORE_PASSWORD": "nope nope"},
              code=1)
    assert error_lines(out) == ["error: wrong password for keystore operator.json"]


def test_two_key_sources_are_refused(runner: CliRunner, own_anvil: str) -> None:
    out = scf(runner, "deploy", "--rpc", own_anvil, "--dev-account", "0", "--key-env", "X", code=1)
    assert "only one key source" in out


def test_missing_deployment_file_points_to_scf_deploy(runner: CliRunner, own_anvil: str) -> None:
    out = scf(runner, "participant", "list", "--rpc", own_anvil, "--deployment", "nowhere.json", code=EXIT_SETUP)
    assert error_lines(out) == ["error: deployment file nowhere.json not found: run `scf deploy` first"]


@pytest.mark.slow
def test_bench_reports_every_section_with_positive_numbers(runner: CliRunner, own_anvil: str) -> None:
    data = scf_json(runner, "bench", "--rpc", own_anvil, "--ops", "4", "--out", "bench.json")
    assert json.loads(Path("bench.json").read_text()) == data
    assert {"gas", "throughput", "bulk", "indexer", "api", "memory", "meta"} <= set(data)
    assert "failures" not in data
    gas = data["gas"]
    assert isinstance(gas, dict) and gas["receivable.register"]["gas"] > 21_000
    assert data["gas_missing"] == []
    tp, ix, api, memory = data["throughput"], data["indexer"], data["api"], data["memory"]
    assert isinstance(tp, dict) and isinstance(ix, dict) and isinstance(api, dict) and isinstance(memory, dict)
    assert tp["ops_per_round"] == 4
    for key in ("sdk_ops_per_s", "raw_ops_per_s", "ratio", "embedded_ops_per_s", "sdk_sequential_ops_per_s"):
        assert tp[key] > 0, key
    for key in ("events", "events_per_s", "raw_events_per_s", "ratio", "embedded_index_s", "embedded_produce_s"):
        assert ix[key] > 0, key
    assert ix["postgresql"]["events"] == ix["events"] and ix["postgresql"]["vs_sqlite"] > 0
    bulk = data["bulk"]
    assert bulk["transactions"] == 20
    for key in ("sdk_tx_per_s", "ceiling_tx_per_s", "ratio", "signing_us_per_tx"):
        assert bulk[key] > 0, key
    for name in ("receivables", "fragments", "positions", "positions_parties", "alerts"):
        assert api[name]["rows"] > 0 and api[name]["p50_ms"] > 0 and api[name]["p99_ms"] >= api[name]["p50_ms"]
        assert api[name]["max_rps"] >= 0
        run = api[name]["by_rows"][str(api[name]["rows"])]
        assert sum(run["statuses"].values()) + run["unanswered"] == run["requests"]
        assert 0 < run["server_p99_ms"] and 0 < run["generator_cpu_share"]  # the server's own time, from its header
    over = api["overload"]  # twice the most it served: 200s and 503s with Retry-After only, then recovery
    assert over["offered_rps"] == 2 * over["max_rps"] and set(over["statuses"]) <= {"200", "503"}
    assert sum(over["statuses"].values()) == int(over["offered_rps"] * over["seconds"])
    assert [s["events"] > 0 and s["peak_rss_mib"] > 0 for s in memory["sizes"]] == [True, True]
    web = data["web"]  # the web app's pages with 10,000 rows behind them (issue 11)
    assert web["rows"] == 10_000 and isinstance(web["meets_target"], bool)
    assert {p["path"] for p in web["pages"].values()} >= {"/web/panel", "/web/view/fragments", "/web/view/oversight"}
    assert all(p["p50_ms"] > 0 and p["max_ms"] >= p["p50_ms"] and p["bytes"] > 0 for p in web["pages"].values())
