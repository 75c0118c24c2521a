#!/usr/bin/env python3
"""Run Slither on contracts/ and fail on any High or Medium finding that is not triaged.

No native solc is needed: the sources are inlined into one standard-JSON input (the same one ``scf build``
compiles), and crytic-compile's ``solc-json`` framework compiles it through ``scripts/solc-shim/solc``, a small
Node script that answers ``--version`` like the native binary and compiles ``--standard-json`` with the pinned
solc-js. The input file's name must not end in ``.json`` (Slither would read it as an AST export).

Triage file (default ``contracts/slither-triage.txt``): one finding per line,

    <detector> <Contract.function> <one-line justification>

``Contract.function`` names the function the finding is in (or ``Contract.variable`` for a state variable, or
``Contract`` for the contract itself), so entries survive line-number changes. One entry covers every finding of
that detector in that function. ``#`` starts a comment. OpenZeppelin sources (node_modules) are not analysed for
findings: they are a pinned, audited dependency.

Exit status: 0 when every High/Medium finding is triaged; 1 when some are not (each is printed with a ready
triage line to complete); 2 when Slither itself could not run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdk.build import SETTINGS, collect_sources, standard_input  # noqa: E402

DEFAULT_TRIAGE = ROOT / "contracts" / "slither-triage.txt"
SHIM = ROOT / "scripts" / "solc-shim" / "solc"
IMPACTS = ("High", "Medium")
# crytic-compile needs source maps and ASTs, which the build does not ask for.
OUTPUT_SELECTION = {
    "*": {"*": ["abi", "metadata", "devdoc", "userdoc", "evm.bytecode", "evm.deployedBytecode"], "": ["ast"]}
}


@dataclass(frozen=True)
class Finding:
    check: str
    target: str  # Contract.function, Contract.variable or Contract
    impact: str
    confidence: str
    description: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.check, self.target)


class TriageError(ValueError):
    """The triage file is malformed."""


def load_triage(path: Path) -> dict[tuple[str, str], str]:
    entries: dict[tuple[str, str], str] = {}
    if not path.is_file():
        return entries
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if raw.lstrip().startswith("#") else raw.strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or not parts[2].strip():
            raise TriageError(f"{path}:{number}: expected '<detector> <Contract.function> <justification>': {raw!r}")
        if parts[2].strip().upper().startswith("TODO"):
            raise TriageError(f"{path}:{number}: write the justification in place of TODO: {raw!r}")
        entries[(parts[0], parts[1])] = parts[2].strip()
    return entries


def _contract_of(element: dict[str, Any]) -> str | None:
    parent = element.get("type_specific_fields", {}).get("parent")
    while parent is not None:
        if parent.get("type") == "contract":
            return str(parent["name"])
        parent = parent.get("type_specific_fields", {}).get("parent")
    return None


def target_of(element: dict[str, Any]) -> str:
    kind, name = element.get("type"), str(element.get("name", "?"))
    parent = element.get("type_specific_fields", {}).get("parent") or {}
    if kind == "contract":
        return name
    if kind == "function":
        return f"{_contract_of(element)}.{name}"
    if kind == "node" or (kind == "variable" and parent.get("type") == "function"):
        return f"{_contract_of(element)}.{parent.get('name', '?')}"  # the enclosing function
    return f"{_contract_of(element)}.{name}"  # state variable, event, ...


def findings_of(report: dict[str, Any]) -> list[Finding]:
    out = []
    for result in report.get("results", {}).get("detectors", []):
        if result.get("impact") not in IMPACTS:
            continue
        elements = result.get("elements") or [{}]
        out.append(Finding(
            check=str(result["check"]), target=target_of(elements[0]), impact=str(result["impact"]),
            confidence=str(result.get("confidence", "?")), description=str(result.get("description", "")).strip(),
        ))
    return out


def run_slither(workdir: Path, timeout: int) -> dict[str, Any]:
    std = standard_input(collect_sources(ROOT))
    std["settings"] = {**SETTINGS, "outputSelection": OUTPUT_SELECTION}
    target = workdir / "contracts-input.std"  # not *.json: Slither would take that for an AST export
    target.write_text(json.dumps(std), encoding="utf-8")
    report_path = workdir / "slither-report.json"
    cmd = [
        sys.executable, "-m", "slither", str(target),
        "--compile-force-framework", "solc-json", "--solc", str(SHIM), "--solc-disable-warnings",
        "--exclude-informational", "--exclude-low", "--exclude-optimization",
        "--filter-paths", "node_modules",
        "--json", str(report_path),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    if not report_path.is_file():
        raise RuntimeError(f"slither produced no report (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    report: dict[str, Any] = json.loads(report_path.read_text(encoding="utf-8"))
    if not report.get("success"):
        raise RuntimeError(f"slither failed: {report.get('error')}\n{proc.stderr[-4000:]}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triage", type=Path, default=DEFAULT_TRIAGE, help="triage file (default: %(default)s)")
    parser.add_argument("--report", type=Path, help="also write Slither's JSON report here")
    parser.add_argument("--timeout", type=int, default=600, help="seconds before Slither is given up on")
    args = parser.parse_args(argv)

    started = time.monotonic()
    try:
        triage = load_triage(args.triage)
        with tempfile.TemporaryDirectory(prefix="slither-") as tmp:
            report = run_slither(Path(tmp), args.timeout)
    except (TriageError, RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"slither check: error: {exc}", file=sys.stderr)
        return 2
    if args.report:
        args.report.write_text(json.dumps(report, indent=1), encoding="utf-8")

    findings = findings_of(report)
    untriaged = [f for f in findings if f.key not in triage]
    used = {f.key for f in findings}
    elapsed = time.monotonic() - started
    try:
        shown = args.triage.relative_to(ROOT)
    except ValueError:
        shown = args.triage
    print(f"slither: {len(findings)} High/Medium finding(s), {len(findings) - len(untriaged)} triaged in {shown}, "
          f"{len(untriaged)} not ({elapsed:.0f} s)")
    for key in sorted(set(triage) - used):
        print(f"  note: triage entry '{key[0]} {key[1]}' matches no finding any more; remove it")
    if not untriaged:
        return 0
    print(f"\nUntriaged findings: fix them, or add a line '<detector> <Contract.function> <why it is safe>' "
          f"to {shown}:\n")
    for f in sorted(untriaged, key=lambda f: (IMPACTS.index(f.impact), f.check, f.target)):
        print(f"[{f.impact} impact, {f.confidence} confidence] {f.check} in {f.target}")
        for line in f.description.splitlines()[:8]:
            print(f"    {line}")
    print("\nLines to complete and add to the triage file:")
    for key in sorted({f.key for f in untriaged}):
        print(f"{key[0]} {key[1]} TODO: one-line justification")
    return 1


if __name__ == "__main__":
    sys.exit(main())
