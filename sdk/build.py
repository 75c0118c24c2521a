"""Compile the Solidity sources into committed artifacts and generated Python types.

Both compiler backends receive the same standard-JSON input, with every import (ours and OpenZeppelin's from
``node_modules``) inlined as source content, so their outputs are identical by construction:

* a native ``solc`` of exactly :data:`SOLC_VERSION`, found through py-solc-x, when one is installed;
* otherwise solc-js, the official WebAssembly build, from the npm package pinned in ``package-lock.json``.

Outputs, written deterministically (sorted keys, fixed indentation):

* ``sdk/artifacts/<Contract>.json``: ABI, bytecode, deployed bytecode, source hash and compiler settings;
* ``sdk/artifacts/_enums.json``: every enum declared under ``contracts/`` (from the AST);
* ``sdk/generated/{enums,errors,events}.py``: IntEnums, one exception class per custom error, one frozen
  dataclass per event. The SDK's types therefore come from the contracts, never from a hand-kept copy.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdk.codegen import generate_python

SOLC_VERSION = "0.8.37"
EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 200

_IMPORT_RE = re.compile(r"""^\s*import\s+(?:[^"';]*?\s+from\s+)?["']([^"']+)["']\s*;""", re.MULTILINE)

SETTINGS: dict[str, Any] = {
    "evmVersion": EVM_VERSION,
    "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
    "outputSelection": {
        "*": {
            "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "userdoc", "devdoc"],
            "": ["ast"],
        }
    },
}


class BuildError(RuntimeError):
    """The contracts could not be compiled; the message says why."""


@dataclass(frozen=True)
class BuildResult:
    compiler: str  # "native" or "solc-js"
    artifacts: dict[str, str]  # relative path -> file text
    changed: list[str]


def repo_root() -> Path:
    here = Path(__file__).resolve().parent.parent
    if (here / "contracts").is_dir():
        return here
    cwd = Path.cwd()
    if (cwd / "contracts").is_dir():
        return cwd
    raise BuildError("cannot find contracts/: run `scf build` from a clone of the repository")


def collect_sources(root: Path) -> dict[str, str]:
    """All project sources plus everything they import, keyed by source unit name."""
    sources: dict[str, str] = {}
    pending = sorted(p.relative_to(root).as_posix() for p in (root / "contracts").rglob("*.sol"))
    while pending:
        unit = pending.pop()
        if unit in sources:
            continue
        path = _resolve(root, unit)
        text = path.read_text(encoding="utf-8")
        sources[unit] = text
        for imp in _IMPORT_RE.findall(text):
            if imp.startswith("."):
                target = (Path(unit).parent / imp).as_posix()
                target = _normalise(target)
            else:
                target = imp
            if target not in sources:
                pending.append(target)
    return dict(sorted(sources.items()))


def _normalise(unit: str) -> str:
    parts: list[str] = []
    for part in unit.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _resolve(root: Path, unit: str) -> Path:
    for base in (root, root / "node_modules"):
        candidate = base / unit
        if candidate.is_file():
            return candidate
    if unit.startswith("@"):
        raise BuildError(f"import {unit!r} not found in node_modules: run `npm ci` first")
    raise BuildError(f"source {unit!r} not found")


def standard_input(sources: dict[str, str]) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": SETTINGS,
    }


def _native_solc() -> Path | None:
    try:
        import solcx
        from solcx.exceptions import SolcNotInstalled
    except ImportError:  # pragma: no cover - py-solc-x is a dependency
        return None
    try:
        return Path(solcx.install.get_executable(SOLC_VERSION))
    except (SolcNotInstalled, Exception):
        return None


def compile_input(root: Path, std_input: dict[str, Any], backend: str = "auto") -> tuple[str, dict[str, Any]]:
    """Compile with the chosen backend ("auto", "native" or "solc-js"); return (backend used, solc output)."""
    payload = json.dumps(std_input, sort_keys=True)
    native = _native_solc() if backend in ("auto", "native") else None
    if backend == "native" and native is None:
        raise BuildError(f"no native solc {SOLC_VERSION} installed (py-solc-x: solcx.install_solc)")
    if native is not None:
        proc = subprocess.run(
            [str(native), "--standard-json"], input=payload, capture_output=True, text=True, check=False
        )
        if proc.returncode != 0 and not proc.stdout:
            raise BuildError(f"solc failed: {proc.stderr.strip()}")
        return "native", _check_output(json.loads(proc.stdout))
    node = shutil.which("node")
    script = root / "scripts" / "solcjs_compile.js"
    if node is None:
        raise BuildError("neither a native solc nor Node.js is available to compile the contracts")
    if not (root / "node_modules" / "solc" / "package.json").is_file():
        raise BuildError("solc-js is not installed: run `npm ci` in the repository root")
    proc = subprocess.run(
        [node, str(script)], input=payload, capture_output=True, text=True, check=False, cwd=root
    )
    if proc.returncode != 0:
        raise BuildError(f"solc-js failed: {proc.stderr.strip()}")
    result = json.loads(proc.stdout)
    version = str(result["version"])
    if not version.startswith(SOLC_VERSION + "+"):
        raise BuildError(f"solc-js is {version}, but {SOLC_VERSION} is pinned: run `npm ci`")
    return "solc-js", _check_output(result["output"])


def _check_output(output: dict[str, Any]) -> dict[str, Any]:
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise BuildError("compilation failed:\n" + "\n".join(e.get("formattedMessage", str(e)) for e in errors))
    return output


def _dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True) + "\n"


def collect_enums(output: dict[str, Any]) -> dict[str, list[str]]:
    enums: dict[str, list[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("nodeType") == "EnumDefinition":
                enums[node["name"]] = [m["name"] for m in node["members"]]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for unit, src in sorted(output["sources"].items()):
        if unit.startswith("contracts/"):
            walk(src["ast"])
    return dict(sorted(enums.items()))


def render_artifacts(sources: dict[str, str], output: dict[str, Any]) -> dict[str, str]:
    """Artifact files (relative path -> text) for every deployable contract under contracts/."""
    files: dict[str, str] = {}
    compiler = {"version": SOLC_VERSION, "settings": {k: v for k, v in SETTINGS.items() if k != "outputSelection"}}
    for unit, contracts in sorted(output["contracts"].items()):
        if not unit.startswith("contracts/"):
            continue
        for name, data in sorted(contracts.items()):
            bytecode = data["evm"]["bytecode"]["object"]
            if not bytecode or not data["abi"]:
                continue  # interfaces, abstract contracts and internal libraries
            artifact = {
                "contractName": name,
                "sourceName": unit,
                "sourceHash": "sha256:" + hashlib.sha256(sources[unit].encode()).hexdigest(),
                "abi": data["abi"],
                "bytecode": "0x" + bytecode,
                "deployedBytecode": "0x" + data["evm"]["deployedBytecode"]["object"],
                "userdoc": data.get("userdoc", {}),
                "compiler": compiler,
            }
            if name in {Path(p).stem for p in files}:
                raise BuildError(f"two contracts are named {name}: contract names must be unique")
            files[f"sdk/artifacts/{name}.json"] = _dump(artifact)
    files["sdk/artifacts/_enums.json"] = _dump(collect_enums(output))
    return files


def build(root: Path | None = None, backend: str = "auto", write: bool = True) -> BuildResult:
    root = root or repo_root()
    sources = collect_sources(root)
    used, output = compile_input(root, standard_input(sources), backend)
    files = render_artifacts(sources, output)
    files.update(generate_python(files))
    changed = [rel for rel, text in sorted(files.items()) if _read(root / rel) != text]
    stale = sorted(
        p.relative_to(root).as_posix()
        for p in (root / "sdk" / "artifacts").glob("*.json")
        if p.relative_to(root).as_posix() not in files
    )
    if write:
        for rel in changed:
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(files[rel], encoding="utf-8")
        for rel in stale:
            (root / rel).unlink()
    return BuildResult(compiler=used, artifacts=files, changed=changed + stale)


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def main() -> None:
    result = build()
    print(f"compiled with {result.compiler} {SOLC_VERSION} (evm {EVM_VERSION}, optimizer runs {OPTIMIZER_RUNS})")
    for rel in result.changed:
        print(f"  wrote {rel}")
    if not result.changed:
        print("  artifacts up to date")
