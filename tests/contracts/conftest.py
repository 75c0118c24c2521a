"""Fixtures of the contract tests beyond the shared cast (tests/conftest.py)."""

from tests.contracts.prepayment_support import desk  # noqa: F401 - fixture: the prepayment parties of the cast
from tests.contracts.warehouse_support import market  # noqa: F401 - fixture: copper listed, a lending program open
