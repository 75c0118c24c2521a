"""scripts/slither_check.py: triage parsing and finding keys (Slither itself runs as a stage of .ci/run)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "slither_check.py"


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("slither_check", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["slither_check"] = module
    spec.loader.exec_module(module)
    return module


def _contract(name: str) -> dict[str, Any]:
    return {"type": "contract", "name": name}


def _function(contract: str, name: str) -> dict[str, Any]:
    return {"type": "function", "name": name, "type_specific_fields": {"parent": _contract(contract)}}


def test_findings_are_keyed_by_detector_contract_and_function_not_lines(check: ModuleType) -> None:
    node = {"type": "node", "name": "x == 0", "type_specific_fields": {"parent": _function("Loans", "_repay")}}
    state = {"type": "variable", "name": "_spender", "type_specific_fields": {"parent": _contract("Token")}}
    local = {"type": "variable", "name": "total", "type_specific_fields": {"parent": _function("Deals", "_check")}}
    report = {"results": {"detectors": [
        {"check": "incorrect-equality", "impact": "Medium", "confidence": "High", "elements": [node]},
        {"check": "write-after-write", "impact": "Medium", "confidence": "High", "elements": [state]},
        {"check": "uninitialized-local", "impact": "Medium", "confidence": "Medium", "elements": [local]},
        {"check": "arbitrary-send-erc20", "impact": "High", "confidence": "High",
         "elements": [_function("Loans", "pledge"), node]},
        {"check": "naming-convention", "impact": "Informational", "confidence": "High", "elements": [state]},
    ]}}
    keys = [f.key for f in check.findings_of(report)]
    assert keys == [("incorrect-equality", "Loans._repay"), ("write-after-write", "Token._spender"),
                    ("uninitialized-local", "Deals._check"), ("arbitrary-send-erc20", "Loans.pledge")]


def test_triage_file_needs_a_justification_per_line(check: ModuleType, tmp_path: Path) -> None:
    good = tmp_path / "triage.txt"
    good.write_text("# comment\n\nreentrancy-no-eth Loans.repay guarded by nonReentrant  # note\n")
    assert check.load_triage(good) == {("reentrancy-no-eth", "Loans.repay"): "guarded by nonReentrant  # note"}
    for bad in ("reentrancy-no-eth Loans.repay\n", "reentrancy-no-eth Loans.repay TODO: one-line justification\n"):
        path = tmp_path / "bad.txt"
        path.write_text(bad)
        with pytest.raises(check.TriageError, match="bad.txt:1"):
            check.load_triage(path)


def test_the_repository_triage_file_parses(check: ModuleType) -> None:
    entries = check.load_triage(check.DEFAULT_TRIAGE)
    assert entries and all(len(reason) > 20 for reason in entries.values())
