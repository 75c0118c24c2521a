"""Load committed contract artifacts (ABI + bytecode) shipped inside the package."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sdk.errors import ArtifactMissingError

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    source_hash: str


@cache
def load_artifact(name: str) -> Artifact:
    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.is_file():
        raise ArtifactMissingError(name, str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    return Artifact(name=name, abi=data["abi"], bytecode=data["bytecode"], source_hash=data["sourceHash"])


def artifact_names() -> list[str]:
    return sorted(p.stem for p in ARTIFACTS_DIR.glob("*.json") if not p.stem.startswith("_"))


@cache
def contract_enums() -> dict[str, list[str]]:
    """Enum member names per enum, as compiled from contracts/ (used to check the SDK's IntEnums)."""
    path = ARTIFACTS_DIR / "_enums.json"
    if not path.is_file():
        raise ArtifactMissingError("_enums", str(path))
    result: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return result
