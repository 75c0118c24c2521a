"""Shared set-up of the prepayment tests: distributor buys copper from the core enterprise, bank1 funds,
the cast's warehouse takes the goods in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pytest

from sdk import Ledger, Party
from sdk.generated.events import PrepaymentDelivered, PrepaymentProposed, PrepaymentRepaid
from sdk.prepayment import Instalment, PrepaymentTerms, equal_instalments
from sdk.warehouse import MAX_UINT256, inspection_hash
from tests.conftest import Cast

CU = "CU-CATHODE"
KG = "kg"
DAY = 86_400
QUANTITY = 10_000  # kg
UNIT_PRICE = 65_00  # 65.00 per kg, in cents
MARGIN_BPS = 2_500  # 25% margin
RATE_BPS = 550  # large-bank SME rate, seed 003
DEADLINE_DAYS = 10
DUE_DAYS = (30, 60, 90)
MATURITY_DAYS = 90


@dataclass
class Desk:
    """The prepayment parties of the cast: buyer = distributor, seller = core, bank = bank1, warehouse."""

    ledger: Ledger
    cast: Cast

    @property
    def buyer(self) -> Party:
        return self.cast.distributor

    @property
    def seller(self) -> Party:
        return self.cast.core

    @property
    def bank(self) -> Party:
        return self.cast.bank1

    @property
    def warehouse(self) -> Party:
        return self.cast.warehouse

    def now(self) -> int:
        return self.ledger.chain.now()

    def terms(self, **changes: object) -> PrepaymentTerms:
        now = self.now()
        base = PrepaymentTerms(
            seller=self.seller.address,
            bank=self.bank.address,
            warehouse=self.warehouse.address,
            commodity=CU,
            unit=KG,
            quantity=QUANTITY,
            unit_price=UNIT_PRICE,
            margin_bps=MARGIN_BPS,
            rate_bps=RATE_BPS,
            delivery_deadline=now + DEADLINE_DAYS * DAY,
            maturity=now + MATURITY_DAYS * DAY,
        )
        return replace(base, **changes)  # type: ignore[arg-type]

    def schedule(self, terms: PrepaymentTerms, days: Sequence[int] = DUE_DAYS) -> tuple[Instalment, ...]:
        """Equal instalments `days` after the time the terms were drawn up (the last one at maturity)."""
        base = terms.delivery_deadline - DEADLINE_DAYS * DAY
        return equal_instalments(terms.principal, [base + d * DAY for d in days])

    def propose(
        self, terms: PrepaymentTerms | None = None, schedule: Sequence[Instalment] | None = None
    ) -> PrepaymentProposed:
        t = terms or self.terms()
        self.buyer.prepayment.authorize(t.margin)
        return self.buyer.prepayment.propose(t, schedule if schedule is not None else self.schedule(t))

    def accepted(self, terms: PrepaymentTerms | None = None) -> int:
        agreement_id = self.propose(terms).id
        self.seller.prepayment.accept(agreement_id)
        return agreement_id

    def funded(self, terms: PrepaymentTerms | None = None) -> int:
        agreement_id = self.accepted(terms)
        a = self.ledger.prepayment.get_agreement(agreement_id)
        self.bank.prepayment.authorize(a.principal)
        self.bank.prepayment.fund(agreement_id)
        return agreement_id

    def deliver(self, agreement_id: int, lot: str = "PP-LOT-0001") -> PrepaymentDelivered:
        receipts, prepayment = self.warehouse.receipts, self.ledger.prepayment.address
        if not receipts.is_issuer_approved(self.warehouse.address, prepayment):
            receipts.set_issuer_approval(prepayment)  # lets the contract issue the receipt in the warehouse's name
        return self.warehouse.prepayment.confirm_delivery(
            agreement_id, lot, grade="LME-A", location="QINGDAO-DAGANG-3",
            inspection_hash=inspection_hash(f"inspection of {lot}"),
        )

    def delivered(self, terms: PrepaymentTerms | None = None, lot: str = "PP-LOT-0001") -> int:
        agreement_id = self.funded(terms)
        self.deliver(agreement_id, lot)
        return agreement_id

    def repay(self, agreement_id: int, principal: int) -> PrepaymentRepaid:
        self.buyer.prepayment.authorize_repayment(agreement_id, principal)
        return self.buyer.prepayment.repay(agreement_id, principal)

    def travel_past(self, timestamp: int) -> None:
        self.ledger.chain.travel_to(timestamp + 1)

    def approve_all(self) -> None:
        """Unlimited allowances for buyer, seller and bank (OpenZeppelin never spends down an infinite one)."""
        for party in (self.buyer, self.seller, self.bank):
            party.prepayment.authorize(MAX_UINT256)


@pytest.fixture()
def desk(ledger: Ledger, cast: Cast) -> Desk:
    # The warehouse lets the prepayment contract issue pledged receipts in its name (delivery-in).
    cast.warehouse.receipts.set_issuer_approval(ledger.deployment.address("Prepayment"))
    return Desk(ledger, cast)
