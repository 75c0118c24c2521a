"""Committed artifacts and generated types must match a fresh compile of contracts/."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

from sdk import build
from sdk.artifacts_loader import artifact_names, contract_enums, load_artifact
from sdk.codegen import canonical_type, snake, upper_snake
from sdk.errors import ERRORS, ArtifactMissingError, decode_revert
from sdk.events import EVENTS
from sdk.generated.enums import ENUMS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fresh_build() -> build.BuildResult:
    return build.build(ROOT, write=False)


def test_committed_artifacts_match_a_fresh_compile(fresh_build: build.BuildResult) -> None:
    assert not fresh_build.changed, (
        f"stale build outputs {fresh_build.changed}: contracts/ changed since the last build. "
        "Run `scf build` (or `python scripts/build_contracts.py`) and commit sdk/artifacts and sdk/generated."
    )


def test_native_solc_and_solc_js_produce_identical_artifacts(fresh_build: build.BuildResult) -> None:
    if build._native_solc() is None:
        pytest.skip(f"no native solc {build.SOLC_VERSION} on this machine (py-solc-x cannot download here)")
    native = build.build(ROOT, backend="native", write=False)
    js = build.build(ROOT, backend="solc-js", write=False)
    assert native.artifacts == js.artifacts


def test_build_pins_compiler_and_evm_version() -> None:
    art = json.loads((ROOT / "sdk/artifacts/SettlementToken.json").read_text())
    assert art["compiler"]["version"] == build.SOLC_VERSION
    assert art["compiler"]["settings"]["evmVersion"] == build.EVM_VERSION
    assert art["compiler"]["settings"]["optimizer"] == {"enabled": True, "runs": build.OPTIMIZER_RUNS}
    assert art["sourceHash"].startswith("sha256:")
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/solc"]["version"] == build.SOLC_VERSION
    assert lock["packages"]["node_modules/@openzeppelin/contracts"]["version"].startswith("5.")


def test_openzeppelin_is_imported_not_copied() -> None:
    sources = build.collect_sources(ROOT)
    assert any(name.startswith("@openzeppelin/contracts/") for name in sources)
    assert not list((ROOT / "contracts").rglob("ERC20.sol"))


def test_sdk_enums_match_contract_enums_exactly() -> None:
    compiled = contract_enums()
    assert set(ENUMS) == set(compiled)
    for name, members in compiled.items():
        enum = ENUMS[name]
        assert [m.name for m in enum] == [upper_snake(m) for m in members], name
        assert [int(m) for m in enum] == list(range(len(members))), name


def test_every_abi_error_has_a_typed_exception_that_round_trips() -> None:
    from eth_abi import encode

    by_sig = {cls.SIGNATURE: cls for cls in ERRORS}
    for name in artifact_names():
        for item in load_artifact(name).abi:
            if item["type"] != "error":
                continue
            sig = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            cls = by_sig[sig]
            assert cls.FIELDS == tuple(
                (snake(i["name"]) + ("_" if snake(i["name"]) == "from" else "")) for i in item["inputs"]
            )
            sample = [_sample(t) for t in cls.ABI_TYPES]
            decoded = decode_revert(cls.SELECTOR + encode(list(cls.ABI_TYPES), sample))
            assert type(decoded) is cls


def test_every_abi_event_has_a_frozen_dataclass() -> None:
    by_sig = {(cls.SIGNATURE, cls.INDEXED) for cls in EVENTS}
    for cls in EVENTS:
        assert is_dataclass(cls)
        assert [f.name for f in fields(cls)] == list(cls.FIELDS)
    for name in artifact_names():
        for item in load_artifact(name).abi:
            if item["type"] == "event":
                sig = f"{item['name']}({','.join(canonical_type(i) for i in item['inputs'])})"
                assert (sig, tuple(i["indexed"] for i in item["inputs"])) in by_sig


def test_missing_artifact_tells_user_to_run_build() -> None:
    with pytest.raises(ArtifactMissingError, match="run `scf build`"):
        load_artifact("NoSuchContract")


def _sample(abi_type: str) -> object:
    if abi_type == "address":
        return "0x" + "11" * 20
    if abi_type.startswith(("uint", "int")):
        return 1
    if abi_type == "bool":
        return True
    if abi_type.startswith("bytes") and abi_type != "bytes":
        return b"\x01" * int(abi_type[5:])
    if abi_type in ("bytes", "string"):
        return b"x" if abi_type == "bytes" else "x"
    raise AssertionError(f"no sample for {abi_type}")
