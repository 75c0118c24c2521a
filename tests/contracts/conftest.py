"""Fixtures of the contract tests beyond the shared cast (tests/conftest.py)."""

from tests.contracts.credit_support import credit  # noqa: F401 - fixture: bank1 lending to supplier1
from tests.contracts.prepayment_support import desk  # noqa: F401 - fixture: the prepayment parties of the cast
from tests.contracts.riskpool_support import pool  # noqa: F401 - fixture: a fund, an insurer and bank1 fund programs
from tests.contracts.warehouse_support import market  # noqa: F401 - fixture: copper listed, a lending program open
