"""Shared set-up of the warehouse-receipt tests: copper listed and priced, one open lending program."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account.signers.local import LocalAccount

from sdk import Ledger, Party
from sdk.warehouse import ReceiptTerms, WarehouseReceipts, inspection_hash
from tests.conftest import Cast

CU = "CU-CATHODE"
AL = "AL-INGOT"
KG = "kg"
DAY = 86_400
MAX_AGE = DAY
PRICE = 70_00  # 70.00 per kg, in cents
RATE_BPS = 550  # large-bank SME rate, seed 003
MAX_LTV_BPS = 7_000
MARGIN_CALL_LTV_BPS = 8_000
CURE_PERIOD = 3 * DAY
MAX_TENOR = 180 * DAY
QUANTITY = 10_000  # kg
BANK_APPROVAL = 10**12
PROGRAM_CAP = 10**11  # 1,000,000,000.00 outstanding


def terms(lot: str = "QD-LOT-0001", commodity: str = CU, unit: str = KG) -> ReceiptTerms:
    return ReceiptTerms(
        commodity=commodity,
        unit=unit,
        lot_id=lot,
        grade="LME-A",
        location="QINGDAO-DAGANG-3",
        inspection_hash=inspection_hash(f"inspection certificate of {lot}"),
    )


@dataclass
class Market:
    """Copper listed at PRICE with a fresh quote, bank1's program open, bank1 approving the loan book."""

    ledger: Ledger
    cast: Cast
    program_id: int

    def issue(self, owner: Party | None = None, lot: str = "QD-LOT-0001", quantity: int = QUANTITY,
              commodity: str = CU) -> int:
        holder = owner or self.cast.distributor
        event = self.cast.warehouse.receipts.issue(holder.address, terms(lot, commodity), quantity)
        return event.id

    def post(self, price: int, commodity: str = CU) -> None:
        """Post a fresh price; observations must be strictly newer, and anvil may mine two blocks in one second."""
        chain = self.ledger.chain
        if chain.now() <= self.ledger.prices.get_feed(commodity).observed_at:
            chain.increase_time(1)
        self.cast.feeder.prices.post_price(commodity, price, chain.now())

    def maturity(self, days: int = 90) -> int:
        return self.ledger.chain.now() + days * DAY

    def pledge(self, receipt_id: int, principal: int, borrower: Party | None = None, days: int = 90) -> int:
        who = borrower or self.cast.distributor
        return who.loans.pledge(self.program_id, receipt_id, principal, self.maturity(days)).loan_id

    def approve_loans(self, party: Party, units: int = BANK_APPROVAL) -> None:
        party.token.approve(self.ledger.loans.address, units)


def list_commodity(cast: Cast, commodity: str = CU, price: int = PRICE) -> None:
    cast.operator.prices.list_commodity(commodity, KG, MAX_AGE)
    cast.operator.prices.set_feeder(commodity, cast.feeder.address)
    cast.feeder.prices.post_price(commodity, price)


@pytest.fixture()
def market(ledger: Ledger, cast: Cast) -> Market:
    list_commodity(cast)
    program = cast.bank1.loans.open_program(
        CU,
        rate_bps=RATE_BPS,
        max_ltv_bps=MAX_LTV_BPS,
        margin_call_ltv_bps=MARGIN_CALL_LTV_BPS,
        cure_period=CURE_PERIOD,
        max_tenor=MAX_TENOR,
        cap=PROGRAM_CAP,
    )
    cast.bank1.token.approve(ledger.loans.address, BANK_APPROVAL)
    return Market(ledger, cast, program.program_id)


def forwarder_code(target: str) -> bytes:
    """Init code of a minimal contract that forwards any call to `target` and bubbles up its result or revert:
    stands in for a pledge-manager contract (the role goes to contracts only)."""
    runtime = (
        bytes.fromhex("365f5f37")  # calldatacopy(0, 0, calldatasize)
        + bytes.fromhex("5f5f365f5f73") + bytes.fromhex(target[2:]) + bytes.fromhex("5af1")  # call(gas, target, ...)
        + bytes.fromhex("3d5f5f3e")  # returndatacopy(0, 0, returndatasize)
        + bytes.fromhex("602a57")  # jumpi(ok, success)
        + bytes.fromhex("3d5ffd")  # revert(0, returndatasize)
        + bytes.fromhex("5b3d5ff3")  # ok: return(0, returndatasize)
    )
    assert runtime[0x2A] == 0x5B, "jump target must be the JUMPDEST"
    return bytes([0x60, len(runtime), 0x80, 0x60, 0x09, 0x5F, 0x39, 0x5F, 0xF3]) + runtime


@dataclass
class Manager:
    """A contract holding PLEDGE_MANAGER_ROLE (a call forwarder), driven by `key`: `receipts` calls the receipts
    contract with msg.sender = the forwarder."""

    address: str
    receipts: WarehouseReceipts


def deploy_manager(ledger: Ledger, key: LocalAccount, grant: Party | None = None) -> Manager:
    """Deploy a forwarder to the receipts contract; `grant` (the admin) gives it PLEDGE_MANAGER_ROLE."""
    target = ledger.deployment.address("WarehouseReceipts")
    receipt = ledger.chain.transact(key, None, forwarder_code(target), description="deploy forwarder")
    address = str(receipt["contractAddress"])
    if grant is not None:
        grant.receipts.grant_pledge_manager(address)
    return Manager(address, WarehouseReceipts(ledger, address, key))
