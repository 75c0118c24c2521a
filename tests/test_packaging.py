"""The distribution ships every file the packages need at run time: a file the package data misses would
only show up in a non-editable install, far from the change that added it."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Tracked files under the packages that are deliberately not in the wheel (deployment recipes, the web app's
#: unbundled source).
NOT_SHIPPED = ("gateway/deploy/", "gateway/web/src/")


def _tracked(package: str) -> set[str]:
    listed = subprocess.run(["git", "ls-files", package], cwd=ROOT, capture_output=True, text=True, check=True)
    return {line for line in listed.stdout.splitlines() if (ROOT / line).is_file()}


def test_every_package_file_is_in_a_package_or_the_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["packages"]["find"]["include"] == ["sdk*", "gateway*"]
    for package, patterns in config["package-data"].items():
        shipped = {str(p.relative_to(ROOT)) for pattern in patterns for p in (ROOT / package).glob(pattern)}
        missed = []
        for name in sorted(_tracked(package)):
            if name.startswith(NOT_SHIPPED) or name in shipped:
                continue
            if name.endswith(".py"):
                # find_packages only takes folders with an __init__.py: a module elsewhere would be left out
                assert (ROOT / name).parent.joinpath("__init__.py").is_file(), f"{name}: its folder is no package"
            else:
                missed.append(name)
        assert not missed, f"not in [tool.setuptools.package-data] {package}: {missed}"
