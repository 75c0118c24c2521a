"""Fixtures of the contract tests beyond the shared cast (tests/conftest.py)."""

from tests.contracts.warehouse_support import market  # noqa: F401 - fixture: copper listed, a lending program open
