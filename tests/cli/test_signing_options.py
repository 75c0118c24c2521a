"""The signing options are declared once (sdk.cli.common.signed): every command that signs offers the same block,
in the same order, and hands the command one frozen object."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from sdk.cli.common import DEFAULT_DEPLOYMENT, JsonOpt, KeyOptions, SigningOptions, signed
from sdk.cli.main import app

BLOCK = ["--rpc", "--deployment", "--keystore", "--key-env", "--dev-account", "--password-env"]


def _commands(cmd: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    out = [(" ".join(path), cmd)]
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        out += _commands(sub, (*path, name))
    return out


def test_every_signing_command_offers_the_whole_block_in_one_order_with_one_meaning() -> None:
    seen: dict[str, tuple[Any, ...]] = {}
    signing = [(name, cmd) for name, cmd in _commands(get_command(app))
               if any("--keystore" in p.opts for p in cmd.params)]
    assert len(signing) > 80
    for name, cmd in signing:
        opts = [p.opts[0] for p in cmd.params if p.opts[0] in BLOCK]
        wanted = BLOCK if "--rpc" in opts else BLOCK[2:]  # `gateway login` signs in without a node
        assert opts == wanted, name
        for p in cmd.params:
            if p.opts[0] in BLOCK:
                meaning = (p.help, p.envvar, p.default)
                assert seen.setdefault(p.opts[0], meaning) == meaning, f"{name} {p.opts[0]}"


def test_the_command_gets_one_frozen_object_with_what_was_given(tmp_path: Path) -> None:
    got: list[SigningOptions] = []
    demo = typer.Typer()

    @demo.command()
    @signed
    def act(amount: int, *, signing: SigningOptions, as_json: JsonOpt = False) -> None:
        got.append(signing)

    result = CliRunner().invoke(demo, ["7", "--key-env", "K", "--rpc", "http://node:8545"],
                                env={"SCF_RPC_URL": None, "SCF_DEPLOYMENT": None, "SCF_KEYSTORE": None})
    assert result.exit_code == 0, result.output
    assert got == [SigningOptions(key_env="K", rpc="http://node:8545", deployment=DEFAULT_DEPLOYMENT)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        got[0].rpc = "http://elsewhere"  # type: ignore[misc]
    assert not KeyOptions().given and got[0].given


def test_a_command_without_the_parameter_is_refused_at_import() -> None:
    def bare(amount: int) -> None: ...

    with pytest.raises(TypeError, match="keyword-only parameter annotated SigningOptions"):
        signed(bare)
