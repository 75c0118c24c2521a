"""Every `scf …` line in the README names commands and options the CLI really has.

Code blocks and inline code are both read; ``a|b|c`` in a command position means each of a, b and c.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from sdk.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"
_INLINE = re.compile(r"`(scf [^`]+)`")
_BLOCK = re.compile(r"```[a-z]*\n(.*?)```", re.S)


def _mentions() -> list[str]:
    text = README.read_text()
    found: list[str] = []
    for block in _BLOCK.findall(text):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if " scf " in f" {line}" and not line.startswith(("python", "pip", "bash")):
                found.append(line[line.index("scf "):] if line.startswith("scf ") else line[line.index(" scf ") + 1:])
    prose = _BLOCK.sub("", text)
    found += _INLINE.findall(prose)
    return found


def _check(root: Any, line: str) -> list[str]:
    """Problems with one `scf …` mention (each `scf` segment of a `… | scf …` line on its own)."""
    problems: list[str] = []
    for segment in re.split(r"\|\s*(?=scf )", line):
        try:
            tokens = shlex.split(segment.replace("…", "x"))
        except ValueError:
            tokens = segment.split()
        if not tokens or tokens[0] != "scf":
            continue
        nodes: list[Any] = [root]
        for token in tokens[1:]:
            if token == "|" or token == "x":
                continue
            groups = [n for n in nodes if hasattr(n, "commands")]  # typer vendors its own click
            if token.startswith("-"):
                name = token.split("=", 1)[0]
                if not any(name in _options(n) for n in nodes) and name not in _options(root):
                    problems.append(f"{line!r}: option {name} is not an option of "
                                    f"{' / '.join(n.name for n in nodes)}")
            elif groups:
                children = [g.commands.get(c) for g in groups for c in token.split("|") if c]
                missing = [c for c in token.split("|") if c and not any(g.commands.get(c) for g in groups)]
                if missing:
                    problems.append(f"{line!r}: no command {' '.join(missing)} under "
                                    f"{' / '.join(g.name or 'scf' for g in groups)}")
                nodes = [c for c in children if c is not None] or nodes
                if not nodes:
                    break
    return problems


def _options(command: Any) -> set[str]:
    names = {"--help"}
    for param in command.params:
        if param.param_type_name == "option":
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


def test_the_readme_mentions_scf_commands() -> None:
    assert len(_mentions()) > 10


@pytest.mark.parametrize("line", _mentions())
def test_readme_scf_line_matches_the_cli(line: str) -> None:
    root = typer.main.get_command(app)
    assert _check(root, line) == []


_PYTHON = re.compile(r"```python\n(.*?)```", re.S)
_PRINT = re.compile(r"^(\s*)print\((.*)\)\s+#\s*(.+)$")


def test_readme_python_examples_run_and_print_what_they_say(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's Python blocks run in order in one namespace; each `print(x)  # shown` prints `shown`."""
    blocks = _PYTHON.findall(README.read_text())
    assert blocks, "the README has Python examples"
    expected = [m.group(3).strip() for block in blocks for m in map(_PRINT.match, block.splitlines()) if m]
    namespace: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    printed = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert printed == expected
