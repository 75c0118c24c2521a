"""`scf participant admit --name`, `scf participant rename`, and names beside addresses in tables."""

from __future__ import annotations

from eth_account import Account
from typer.testing import CliRunner

from sdk.cli.common import EXIT_REVERT
from tests.cli.test_cli import error_lines, flat, runner, scf, scf_json  # noqa: F401  (fixture)


def test_names_are_set_at_admission_changed_by_the_participant_and_shown_in_tables(
    runner: CliRunner, own_anvil: str  # noqa: F811
) -> None:
    rpc = ("--rpc", own_anvil)
    op = ("--dev-account", "0")
    bank, supplier = Account.create(), Account.create()
    env = {"BANK_KEY": bank.key.hex(), "SUPPLIER_KEY": supplier.key.hex()}
    from sdk import connect

    chain = connect(own_anvil)
    for acct in (bank, supplier):
        chain.fund(acct.address, 10**20)
    scf_json(runner, "deploy", *rpc, *op)
    admitted = scf_json(runner, "participant", "admit", bank.address, "--role", "bank", "--identity", "USCC-1",
                        "--name", "Bank of Ningbo", *rpc, *op)
    assert admitted["name"] == "Bank of Ningbo"
    plain = scf_json(runner, "participant", "admit", supplier.address, "--role", "supplier", "--identity", "USCC-2",
                     *rpc, *op)
    assert plain["name"] is None

    # the participant names itself; nobody else but an operator may
    out = scf(runner, "participant", "rename", bank.address, "Not A Bank", *rpc, "--key-env", "SUPPLIER_KEY",
              env=env, code=EXIT_REVERT)
    assert "DisplayNameUnauthorized" in out and "scf participant rename" in out
    renamed = scf_json(runner, "participant", "rename", supplier.address, "Acme Steel", *rpc,
                       "--key-env", "SUPPLIER_KEY", env=env)
    assert (renamed["old_name"], renamed["name"]) == (None, "Acme Steel")
    out = scf(runner, "participant", "rename", supplier.address, "x" * 65, *rpc, *op, code=1)
    assert "1 to 64" in flat(out)

    assert scf_json(runner, "participant", "show", supplier.address, *rpc)["name"] == "Acme Steel"
    listed = scf_json(runner, "participant", "list", *rpc)
    assert [(p["address"], p["name"]) for p in listed["participants"]] == [  # type: ignore[index]
        (bank.address, "Bank of Ningbo"), (supplier.address, "Acme Steel")]
    table = scf(runner, "participant", "list", *rpc, env={"COLUMNS": "250"})
    assert "Bank of Ningbo" in table and bank.address in table  # the key address stays whole, the name beside it

    # any other address in a table reads "Name (0x1234…abcd)"; JSON keeps the plain address
    scf(runner, "token", "mint-allowance", bank.address, "100.00", *rpc, *op)
    minted = scf(runner, "token", "mint", supplier.address, "10.00", *rpc, "--key-env", "BANK_KEY",
                 env={**env, "COLUMNS": "250"})
    assert f"Bank of Ningbo ({bank.address[:6]}…{bank.address[-4:]})" in minted
    as_json = scf_json(runner, "token", "mint", supplier.address, "1.00", *rpc, "--key-env", "BANK_KEY", env=env)
    assert as_json["bank"] == bank.address


def test_a_name_cannot_restyle_a_table(runner: CliRunner, own_anvil: str) -> None:  # noqa: F811
    rpc = ("--rpc", own_anvil)
    op = ("--dev-account", "0")
    who = Account.create()
    scf_json(runner, "deploy", *rpc, *op)
    scf(runner, "participant", "admit", who.address, "--role", "supplier", "--identity", "X", "--name",
        "[bold red]ACME[/]", *rpc, *op)
    table = scf(runner, "participant", "show", who.address, *rpc, env={"COLUMNS": "250"})
    assert "[bold red]ACME[/]" in table  # printed literally, not as markup
