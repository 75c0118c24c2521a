#!/usr/bin/env python3
"""Compile contracts/ into sdk/artifacts/ and regenerate sdk/generated/ (same as `scf build`)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sdk.build import BuildError, main  # noqa: E402

if __name__ == "__main__":
    try:
        main()
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
