"""Shared set-up of the credit-line tests: bank1 offers supplier1 a line; bank1 approves the book."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sdk import Ledger, Party
from sdk.creditlines import DAY, CreditLine, CreditTerms, PayeeRule
from tests.conftest import Cast

LIMIT = 1_000_000_00  # 1,000,000.00
RATE_BPS = 700  # city-bank SME rate, seed 002
SURCHARGE_BPS = 300
MAX_TENOR = 30 * DAY
GRACE = 5 * DAY
TERM = 90 * DAY
BANK_APPROVAL = 10**12


@dataclass
class Desk:
    """bank1 lends to supplier1 (borrower); supplier2 and supplier3 are its suppliers (payees)."""

    ledger: Ledger
    cast: Cast

    @property
    def bank(self) -> Party:
        return self.cast.bank1

    @property
    def borrower(self) -> Party:
        return self.cast.supplier1

    def terms(self, **changes: object) -> CreditTerms:
        now = self.ledger.chain.now()
        values: dict[str, object] = {
            "borrower": self.borrower.address,
            "limit": LIMIT,
            "rate_bps": RATE_BPS,
            "start": now,
            "expiry": now + TERM,
            "max_tenor": MAX_TENOR,
            "grace": GRACE,
            "surcharge_bps": SURCHARGE_BPS,
            "payee_rule": PayeeRule.ANY_SUPPLIER,
        }
        values.update(changes)
        return CreditTerms(**values)  # type: ignore[arg-type]

    def offer(self, bank: Party | None = None, **changes: object) -> int:
        return (bank or self.bank).credit_lines.open(self.terms(**changes)).line_id

    def open_line(self, **changes: object) -> int:
        line_id = self.offer(**changes)
        self.borrower.credit_lines.accept(line_id)
        return line_id

    def draw(self, line_id: int, amount: int, payee: Party | None = None, tenor: int = MAX_TENOR,
             purpose: str = "PO-0001") -> int:
        who = payee or self.cast.supplier2
        return self.borrower.credit_lines.draw(line_id, amount, who.address, tenor, purpose).tranche_id

    def line(self, line_id: int) -> CreditLine:
        return self.ledger.credit_lines.get_line(line_id)

    def approve(self, party: Party, units: int = BANK_APPROVAL) -> None:
        party.token.approve(self.ledger.credit_lines.address, units)


@pytest.fixture()
def credit(ledger: Ledger, cast: Cast) -> Desk:
    desk = Desk(ledger, cast)
    desk.approve(cast.bank1)
    desk.approve(cast.supplier1)  # the borrower repays from its own balance
    return desk
