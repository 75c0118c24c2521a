"""Tables written to a pipe (not a terminal) never fold numbers, ids, addresses or paths across lines."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from eth_account import Account
from typer.testing import CliRunner

from sdk.cli.common import Output
from sdk.cli.main import app

NARROW = {"COLUMNS": "40"}  # a narrow terminal width must not matter when stdout is not a terminal


def test_a_cli_table_keeps_a_long_path_and_an_address_whole_when_piped(tmp_path: Path) -> None:
    acct = Account.create()
    keystore = tmp_path / ("a-rather-long-directory-name-" * 3) / "supplier-keystore-with-a-long-name.json"
    keystore.parent.mkdir(parents=True)
    keystore.write_text(json.dumps(Account.encrypt(acct.key, "correct horse battery")), encoding="utf-8")

    result = CliRunner().invoke(app, ["keys", "show", str(keystore)], env=NARROW)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(acct.address in line for line in lines), result.output
    assert any(str(keystore) in line for line in lines), result.output


def test_rows_keep_amounts_and_addresses_whole_when_piped() -> None:
    address = "0x" + "Ab" * 20
    amount = {"amount": "123456789012345.67", "units": 12345678901234567}
    tiny = typer.Typer()

    @tiny.command()
    def show() -> None:
        Output().rows([{"id": "receivable 4", "holder": address, "amount": amount, "note": "x" * 90}],
                      ["id", "holder", "amount", "note"], title="Receivables")

    result = CliRunner().invoke(tiny, [], env=NARROW)

    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "receivable 4" in line)
    assert address in row and "123,456,789,012,345.67" in row and "x" * 90 in row, result.output
