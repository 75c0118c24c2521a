"""`scf keys`: encrypted keystore files (eth-account keystore v3). Keys are never printed."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from eth_account import Account
from eth_utils import to_checksum_address

from sdk.cli.common import DEFAULT_PASSWORD_ENV, JsonOpt, Output, PasswordEnvOpt, fail, load_keystore

app = typer.Typer(help="Keys: create and inspect encrypted keystore files.", no_args_is_help=True)

MIN_PASSWORD_LENGTH = 8


@app.command()
def new(
    out: Annotated[Path, typer.Argument(help="keystore file to create (refuses to overwrite)")],
    password_env: PasswordEnvOpt = DEFAULT_PASSWORD_ENV,
    as_json: JsonOpt = False,
) -> None:
    """Create a new random key and save it encrypted to OUT; prints only its address."""
    if out.exists():
        raise fail(f"{out} already exists; refusing to overwrite a keystore")
    password = os.environ.get(password_env)
    if password is None:
        if not sys.stdin.isatty():
            raise fail(f"set {password_env} or run in a terminal to be prompted for the new keystore's password")
        password = typer.prompt("New keystore password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise fail(f"keystore password must be at least {MIN_PASSWORD_LENGTH} characters")
    acct = Account.create()
    keystore = Account.encrypt(acct.key, password)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # owner-only, never clobber
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(keystore, fh)
    Output(as_json).result({"address": acct.address, "keystore": str(out)}, title="Key created")


@app.command()
def show(
    keystore: Annotated[Path, typer.Argument(help="keystore file")],
    check: Annotated[bool, typer.Option("--check", help="Also decrypt it to check the password.")] = False,
    password_env: PasswordEnvOpt = DEFAULT_PASSWORD_ENV,
    as_json: JsonOpt = False,
) -> None:
    """Show the address of a keystore file (without decrypting it, unless --check)."""
    try:
        data = json.loads(keystore.read_text(encoding="utf-8"))
        address = str(to_checksum_address("0x" + str(data["address"]).removeprefix("0x")))
    except FileNotFoundError:
        raise fail(f"keystore file {keystore} not found") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise fail(f"{keystore} is not a keystore v3 file: {exc}") from None
    result: dict[str, object] = {"address": address, "keystore": str(keystore)}
    if check:
        acct = load_keystore(keystore, password_env)
        result["password_ok"] = acct.address == address
    Output(as_json).result(result, title="Keystore")
