"""Shared fixtures.

The suite runs on the embedded chain by default. ``--chain anvil`` (or ``SCF_TEST_CHAIN=anvil``) starts anvil on
a free loopback port for the session and stops it afterwards. Each test runs inside a snapshot of a deployed
ledger with a standard cast of participants, and the snapshot is reverted afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

import tests.profiles  # noqa: F401  (registers the hypothesis profiles before any test module loads)
from sdk import Ledger, Party, Role, connect
from sdk.anvil import AnvilNode
from sdk.chain import Chain

YEAR = 365 * 86_400
INITIAL_BALANCE = 10_000_000_00  # 10 million in cents
MINT_ALLOWANCE = 1_000 * INITIAL_BALANCE  # per bank: the cast's opening balances and any test's extra deposits


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--chain",
        default=os.environ.get("SCF_TEST_CHAIN", "embedded"),
        choices=["embedded", "anvil"],
        help="chain backend for the suite (default: embedded; env SCF_TEST_CHAIN)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"scf chain backend: {config.getoption('--chain')}"


def test_key(name: str) -> LocalAccount:
    """A deterministic key per cast member, so failures are reproducible."""
    acct: LocalAccount = Account.from_key(keccak(text=f"scf-ledger-test:{name}"))
    return acct


@pytest.fixture(scope="session")
def chain_kind(pytestconfig: pytest.Config) -> str:
    return str(pytestconfig.getoption("--chain"))


@pytest.fixture(scope="session")
def chain(chain_kind: str) -> Iterator[Chain]:
    if chain_kind == "anvil":
        with AnvilNode() as node:
            yield connect(node.url)
    else:
        yield connect()


@dataclass
class Cast:
    """The standard participants of the test ledger."""

    operator: Party
    core: Party  # core enterprise (debtor)
    core2: Party  # a second core enterprise
    supplier1: Party
    supplier2: Party
    supplier3: Party
    distributor: Party
    bank1: Party
    bank2: Party
    warehouse: Party
    feeder: Party
    regulator: Party
    riskpool: Party
    outsider: Party  # funded for gas, never admitted

    def parties(self) -> dict[str, Party]:
        return {k: v for k, v in vars(self).items() if isinstance(v, Party)}


CAST_ROLES: dict[str, list[Role]] = {
    "core": [Role.CORE_ENTERPRISE],
    "core2": [Role.CORE_ENTERPRISE],
    "supplier1": [Role.SUPPLIER],
    "supplier2": [Role.SUPPLIER],
    "supplier3": [Role.SUPPLIER],
    "distributor": [Role.DISTRIBUTOR],
    "bank1": [Role.BANK],
    "bank2": [Role.BANK],
    "warehouse": [Role.WAREHOUSE_OPERATOR],
    "feeder": [Role.PRICE_FEEDER],
    "regulator": [Role.REGULATOR],
    "riskpool": [Role.RISK_POOL_CONTRIBUTOR],
}


@pytest.fixture(scope="session")
def deployed(chain: Chain) -> tuple[Ledger, Cast]:
    operator = test_key("operator")
    chain.fund(operator.address, 10**22)
    ledger = Ledger.deploy(chain, operator)
    op = ledger.as_party(operator)
    expiry = chain.now() + 5 * YEAR
    parties: dict[str, Party] = {"operator": op}
    for name in [*CAST_ROLES, "outsider"]:
        key = test_key(name)
        chain.fund(key.address, 10**22)
        parties[name] = ledger.as_party(key)
        if name in CAST_ROLES:
            op.registry.admit(key.address, CAST_ROLES[name], f"identity:{name}", expiry)
    # each bank mints only within the allowance the operator sets
    for bank in ("bank1", "bank2"):
        op.token.set_mint_allowance(parties[bank].address, MINT_ALLOWANCE)
    for name in ["core", "core2", "supplier1", "supplier2", "supplier3", "distributor", "bank1", "bank2"]:
        parties["bank1"].token.mint(parties[name].address, INITIAL_BALANCE, "opening")
    return ledger, Cast(**parties)


@pytest.fixture()
def ledger(deployed: tuple[Ledger, Cast], chain: Chain) -> Iterator[Ledger]:
    snap = chain.snapshot()
    try:
        yield deployed[0]
    finally:
        chain.revert(snap)


@pytest.fixture()
def cast(deployed: tuple[Ledger, Cast], ledger: Ledger) -> Cast:
    return deployed[1]


@pytest.fixture(scope="session")
def own_anvil() -> Iterator[str]:
    """URL of a separate anvil node for tests that need a real JSON-RPC node and their own state (CLI commands,
    wire formats), whatever backend the suite runs on. Each test deploys its own ledger there."""
    with AnvilNode() as node:
        yield node.url
