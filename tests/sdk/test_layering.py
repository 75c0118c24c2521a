"""Only the CLI's package may import the gateway: the library (`sdk` outside `sdk/cli`) stands on its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import importlib, json, pkgutil, sys
import sdk
names = sorted(m.name for m in pkgutil.walk_packages(sdk.__path__, "sdk.")
               if m.name != "sdk.cli" and not m.name.startswith("sdk.cli."))
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "gateway": sorted(m for m in sys.modules
                                                       if m == "gateway" or m.startswith("gateway."))}))
"""


def test_no_sdk_module_outside_the_cli_imports_the_gateway() -> None:
    probe = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    assert "sdk.ledger" in found["imported"] and "sdk.chain" in found["imported"]  # the walk really ran
    assert not any(name.startswith("sdk.cli") for name in found["imported"])
    assert found["gateway"] == [], f"importing the library pulled in {found['gateway']}"


def test_no_sdk_module_outside_the_cli_names_the_gateway_in_an_import_even_a_deferred_one() -> None:
    import ast

    offenders = []
    for path in sorted((ROOT / "sdk").rglob("*.py")):
        if (ROOT / "sdk" / "cli") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names
                          if n == "gateway" or n.startswith("gateway.")]
    assert not offenders, f"only sdk/cli may import the gateway: {offenders}"
