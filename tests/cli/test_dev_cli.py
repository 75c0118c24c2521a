"""`scf dev` on a dev node: gas money and time travel; refused elsewhere, and bad input is one line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from typer.testing import CliRunner

from sdk import Ledger, connect
from sdk.anvil import AnvilNode
from sdk.chain import ANVIL_DEV_KEYS
from sdk.errors import TransactionError
from sdk.types import Role
from tests.cli.test_cli import runner, scf, scf_json  # noqa: F401  (fixture)


@pytest.fixture()
def node() -> Iterator[str]:
    with AnvilNode() as anvil:  # its own node: these tests move its clock
        yield anvil.url


def test_a_new_key_cannot_pay_gas_and_the_error_says_what_to_do(node: str) -> None:
    chain = connect(node)
    operator = Account.from_key(ANVIL_DEV_KEYS[0])
    ledger = Ledger.deploy(chain, operator)
    poor = Account.create()
    ledger.as_party(operator).registry.admit(poor.address, [Role.SUPPLIER], "id:poor", chain.now() + 86_400)
    ledger.as_party(operator).registry.admit(operator.address, [Role.CORE_ENTERPRISE], "id:op", chain.now() + 86_400)
    with pytest.raises(TransactionError, match=f"scf dev fund {poor.address}"):
        ledger.as_party(poor).receivables.register(operator.address, 100_00, chain.now() + 86_400, "inv-1")


def test_admit_with_fund_gas_lets_the_new_participant_transact(runner: CliRunner, node: str,  # noqa: F811
                                                               tmp_path: Path) -> None:
    rpc = ("--rpc", node)
    scf(runner, "deploy", *rpc, "--dev-account", "0")
    fresh = Account.create()
    scf(runner, "participant", "admit", fresh.address, "--role", "bank", "--identity", "bank-x", "--fund-gas", *rpc,
        "--dev-account", "0")
    chain = connect(node)
    assert chain.w3.eth.get_balance(fresh.address) == 100 * 10**18
    ledger = Ledger.connect(chain, Path(".scf/deployment.json"))
    ledger.as_party(Account.from_key(ANVIL_DEV_KEYS[0])).token.set_mint_allowance(fresh.address, 1_00)
    ledger.as_party(fresh).token.mint(fresh.address, 1_00, "first deposit")  # it pays its own gas now
    other = Account.create()
    funded = scf_json(runner, "dev", "fund", other.address, "--ether", "5", *rpc)
    assert funded["funded"] == [{"address": other.address, "ether": 5}]
    everyone = scf_json(runner, "dev", "fund", "--all", *rpc)
    assert {row["address"] for row in everyone["funded"]} == {fresh.address}  # type: ignore[index, union-attr]


def test_dev_time_moves_block_time_forward_only(runner: CliRunner, node: str) -> None:  # noqa: F811
    chain = connect(node)
    before = chain.now()
    moved = scf_json(runner, "dev", "time", "+30d", "--rpc", node)
    assert 30 * 86_400 <= moved["moved_seconds"] <= 30 * 86_400 + 5  # anvil adds the wall-clock seconds meanwhile
    assert chain.now() >= before + 30 * 86_400
    out = scf(runner, "dev", "time", "--to", "2001-01-01", "--rpc", node, code=1)
    assert "only moves forward" in out
    assert "+30d" in scf(runner, "dev", "time", "thirty days", "--rpc", node, code=1)
    assert "either a duration" in scf(runner, "dev", "time", "--rpc", node, code=1)


def test_dev_commands_are_refused_without_a_dev_node(runner: CliRunner) -> None:  # noqa: F811
    out = scf(runner, "dev", "fund", Account.create().address, code=1)
    assert "scf node" in out
