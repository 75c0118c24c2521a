"""Hypothesis state machine over prepayment agreements: random proposals, acceptances, funding, cancellations,
deliveries, repayments, pick-ups, time travel, buy-backs, enforcements, refunds, debt repayments and claims,
against a model kept with the SDK's copy of the contract's arithmetic.

Invariants after every step:
* settlement tokens are conserved: total supply is constant and every party's balance is what the model says;
  the contract holds exactly the margins of agreements not yet funded or cancelled, plus the collateral of
  agreements Accepted, Funded or Delivered, plus every claimable balance (collateral accounting is conserved);
* interest over any sequence of repayments equals one payment at the end: interest paid x 10,000 x 365 days +
  carry == the exact integral of outstanding principal x rate over time;
* no stranded receipt: a receipt is pledged to the contract only while its agreement is Delivered, which the bank
  can always end after maturity + grace (`enforce`); every other receipt is free;
* recorded debts match the model;
* quantities are conserved across releases: pledged quantity + every released child == the agreement's quantity;
* released quantity is proportional to principal repaid: floor(quantity x repaid / principal), all once repaid;
* the pledged receipt never changes owner except by buy-back or enforcement: the buyer's, under this contract's
  lien, while Delivered; the buyer's and free once Repaid; the seller's and free once BoughtBack; the bank's and
  free once Defaulted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from sdk import Ledger
from sdk.chain import Chain
from sdk.errors import PrepaymentDeliveryLate
from sdk.prepayment import (
    INTEREST_DENOMINATOR,
    PrepaymentStatus,
    collateral_of,
    equal_instalments,
    forfeited_margin,
    interest_with_carry,
    released_quantity,
)
from sdk.warehouse import ReceiptStatus
from tests.conftest import Cast
from tests.contracts.prepayment_support import CU, DAY, KG, Desk
from tests.profiles import stateful_settings

MAX_DEALS = 3


@dataclass
class Deal:
    """The model of one agreement."""

    id: int
    quantity: int
    price: int
    margin: int
    rate_bps: int
    deadline: int
    maturity: int
    collateral: int
    grace: int
    status: PrepaymentStatus = PrepaymentStatus.PROPOSED
    carry: int = 0
    integral: int = 0  # exact: sum of outstanding x rate x seconds up to interest_from
    interest_paid: int = 0
    debt_to_bank: int = 0
    debt_to_buyer: int = 0
    repaid: int = 0
    interest_from: int = 0
    receipt_id: int = 0
    children: dict[int, int] = field(default_factory=dict)  # child receipt -> quantity released into it
    picked_up: set[int] = field(default_factory=set)

    @property
    def principal(self) -> int:
        return self.price - self.margin

    @property
    def outstanding(self) -> int:
        return self.principal - self.repaid


@pytest.mark.slow
def test_prepayment_state_machine(
    ledger: Ledger, cast: Cast, chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fixed gas limit instead of an estimate per transaction: eth-tester estimates by bisection, re-running each
    # transaction a dozen times. A revert still surfaces as its decoded error (replayed after mining).
    monkeypatch.setattr(chain, "estimate_gas", lambda *args, **kwargs: 1_000_000)
    desk = Desk(ledger, cast)
    desk.approve_all()
    pp, token, receipts = ledger.prepayment, ledger.token, ledger.receipts
    buyer, seller, bank, warehouse = desk.buyer, desk.seller, desk.bank, desk.warehouse
    accounts = {"buyer": buyer.address, "seller": seller.address, "bank": bank.address, "contract": pp.address}

    class PrepaymentMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.supply = token.total_supply()
            self.cash = {name: token.balance_of(a).units for name, a in accounts.items()}
            self.deals: dict[int, Deal] = {}
            self.claimable = {"buyer": 0, "seller": 0}
            self.lots = 0
            self.dirty = True  # a transaction was sent since the last check (time alone moves nothing)

        def teardown(self) -> None:
            chain.revert(self.snapshot)

        # ------------------------------------------------------------------ helpers
        def _pick(self, data: st.DataObject, *statuses: PrepaymentStatus) -> Deal:
            ids = sorted(d.id for d in self.deals.values() if d.status in statuses)
            return self.deals[data.draw(st.sampled_from(ids), label="agreement")]

        def _has(self, *statuses: PrepaymentStatus) -> bool:
            return any(d.status in statuses for d in self.deals.values())

        def _pay(self, payer: str, payee: str, amount: int) -> None:
            self.cash[payer] -= amount
            self.cash[payee] += amount

        def _sent(self) -> None:
            self.dirty = True

        def _credit(self, who: str, amount: int) -> None:
            self.claimable[who] += amount

        def _accrue(self, deal: Deal, outstanding: int) -> int:
            """Interest due now on `outstanding`, with the carry; the model's integral moves on."""
            now = chain.now()
            interest, deal.carry = interest_with_carry(outstanding, deal.rate_bps, now - deal.interest_from, deal.carry)
            deal.integral += outstanding * deal.rate_bps * (now - deal.interest_from)
            deal.interest_paid += interest
            deal.interest_from = now
            assert deal.interest_paid * INTEREST_DENOMINATOR + deal.carry == deal.integral
            return interest

        # ------------------------------------------------------------------ rules
        @precondition(lambda self: len(self.deals) < MAX_DEALS)
        @rule(
            quantity=st.integers(1, 5_000),
            unit_price=st.integers(1, 100_00),
            margin_bps=st.integers(1, 9_999),
            rate_bps=st.integers(0, 3_000),
            instalments=st.integers(1, 4),
            collateral_bps=st.integers(0, 10_000),
            grace_days=st.integers(0, 30),
        )
        def propose(
            self, quantity: int, unit_price: int, margin_bps: int, rate_bps: int, instalments: int,
            collateral_bps: int, grace_days: int,
        ) -> None:
            self._propose(quantity, unit_price, margin_bps, rate_bps, instalments, collateral_bps, grace_days)

        def _propose(
            self, quantity: int, unit_price: int, margin_bps: int, rate_bps: int, instalments: int,
            collateral_bps: int, grace_days: int,
        ) -> Deal:
            terms = desk.terms(quantity=quantity, unit_price=unit_price, margin_bps=margin_bps, rate_bps=rate_bps,
                               collateral_bps=collateral_bps, grace_period=grace_days * DAY)
            n = min(instalments, terms.principal)
            base = terms.delivery_deadline
            schedule = equal_instalments(terms.principal, [base + (i + 1) * 20 * DAY for i in range(n)])
            event = buyer.prepayment.propose(terms, schedule)
            self._sent()
            assert (event.margin, event.quantity) == (terms.margin, quantity)
            deal = Deal(event.id, quantity, terms.price, terms.margin, rate_bps, terms.delivery_deadline,
                        terms.maturity, collateral_of(terms.principal, collateral_bps), grace_days * DAY)
            self.deals[event.id] = deal
            self._pay("buyer", "contract", terms.margin)
            return deal

        @precondition(lambda self: len(self.deals) < MAX_DEALS)
        @rule(
            quantity=st.integers(1, 5_000),
            unit_price=st.integers(1, 100_00),
            margin_bps=st.integers(1, 9_999),
            rate_bps=st.integers(0, 3_000),
            instalments=st.integers(1, 4),
            collateral_bps=st.integers(0, 10_000),
            grace_days=st.integers(0, 30),
        )
        def open_and_deliver(
            self, quantity: int, unit_price: int, margin_bps: int, rate_bps: int, instalments: int,
            collateral_bps: int, grace_days: int,
        ) -> None:
            """The whole opening in one step, so that repayments, pick-ups and buy-backs get explored."""
            deal = self._propose(quantity, unit_price, margin_bps, rate_bps, instalments, collateral_bps, grace_days)
            self._accept(deal)
            self._fund(deal)
            self._deliver(deal)

        @precondition(lambda self: self._has(PrepaymentStatus.PROPOSED))
        @rule(data=st.data())
        def accept(self, data: st.DataObject) -> None:
            deal = self._pick(data, PrepaymentStatus.PROPOSED)
            if chain.now() + DAY >= deal.deadline:
                return  # too late: covered by the revert tests
            self._accept(deal)

        def _accept(self, deal: Deal) -> None:
            event = seller.prepayment.accept(deal.id)
            self._sent()
            assert event.collateral == deal.collateral
            deal.status = PrepaymentStatus.ACCEPTED
            self._pay("seller", "contract", deal.collateral)

        @precondition(lambda self: self._has(PrepaymentStatus.ACCEPTED))
        @rule(data=st.data())
        def fund(self, data: st.DataObject) -> None:
            deal = self._pick(data, PrepaymentStatus.ACCEPTED)
            if chain.now() + DAY >= deal.deadline:
                return
            self._fund(deal)

        def _fund(self, deal: Deal) -> None:
            event = bank.prepayment.fund(deal.id)
            self._sent()
            assert (event.principal, event.margin, event.price) == (deal.principal, deal.margin, deal.price)
            deal.status = PrepaymentStatus.FUNDED
            deal.interest_from = chain.now()
            self._pay("bank", "seller", deal.principal)
            self._pay("contract", "seller", deal.margin)

        @precondition(lambda self: self._has(PrepaymentStatus.PROPOSED, PrepaymentStatus.ACCEPTED))
        @rule(data=st.data(), who=st.sampled_from(["buyer", "seller", "bank"]))
        def cancel(self, data: st.DataObject, who: str) -> None:
            deal = self._pick(data, PrepaymentStatus.PROPOSED, PrepaymentStatus.ACCEPTED)
            event = getattr(desk, who).prepayment.cancel(deal.id)
            self._sent()
            assert event.margin_returned == deal.margin
            if deal.status == PrepaymentStatus.ACCEPTED:
                self._credit("seller", deal.collateral)
            deal.status = PrepaymentStatus.CANCELLED
            if who == "buyer":
                self._pay("contract", "buyer", deal.margin)
            else:
                self._credit("buyer", deal.margin)

        @precondition(lambda self: self._has(PrepaymentStatus.FUNDED))
        @rule(data=st.data())
        def deliver(self, data: st.DataObject) -> None:
            deal = self._pick(data, PrepaymentStatus.FUNDED)
            if chain.now() >= deal.deadline:  # late: refused, the refund can't be pre-empted (defect 6)
                with pytest.raises(PrepaymentDeliveryLate):
                    desk.deliver(deal.id, lot="PROP-LOT-LATE")
                return
            if chain.now() + DAY >= deal.deadline:
                return  # too close to call
            self._deliver(deal)

        @precondition(lambda self: self._has(PrepaymentStatus.FUNDED))
        @rule(data=st.data(), days=st.integers(1, 60))
        def extend_deadline(self, data: st.DataObject, days: int) -> None:
            deal = self._pick(data, PrepaymentStatus.FUNDED)
            new_deadline = max(chain.now(), deal.deadline) + days * DAY
            if new_deadline > deal.maturity:
                return
            event = bank.prepayment.extend_delivery_deadline(deal.id, new_deadline)
            self._sent()
            assert (event.old_deadline, event.new_deadline) == (deal.deadline, new_deadline)
            deal.deadline = new_deadline

        def _deliver(self, deal: Deal) -> None:
            self.lots += 1
            event = desk.deliver(deal.id, lot=f"PROP-LOT-{self.lots}")
            self._sent()
            assert event.quantity == deal.quantity
            deal.status = PrepaymentStatus.DELIVERED
            deal.receipt_id = event.receipt_id

        @precondition(lambda self: self._has(PrepaymentStatus.DELIVERED))
        @rule(data=st.data(), percent=st.integers(1, 100))
        def repay(self, data: st.DataObject, percent: int) -> None:
            deal = self._pick(data, PrepaymentStatus.DELIVERED)
            principal = max(1, deal.outstanding * percent // 100)
            event = buyer.prepayment.repay(deal.id, principal)
            self._sent()
            interest = self._accrue(deal, deal.outstanding)
            assert pp.get_agreement(deal.id).interest_carry == deal.carry
            before = released_quantity(deal.quantity, deal.principal, deal.repaid)
            deal.repaid += principal
            after = released_quantity(deal.quantity, deal.principal, deal.repaid)
            assert (event.principal, event.interest, event.outstanding) == (principal, interest, deal.outstanding)
            assert event.released_quantity == after - before
            self._pay("buyer", "bank", principal + interest)
            if deal.outstanding == 0:
                self._credit("seller", deal.collateral)  # released at the end
                assert event.new_status == PrepaymentStatus.REPAID
                assert event.released_receipt_id == deal.receipt_id
                deal.status = PrepaymentStatus.REPAID
            elif event.released_quantity:
                deal.children[event.released_receipt_id] = event.released_quantity
            else:
                assert event.released_receipt_id == 0

        @precondition(lambda self: any(set(d.children) - d.picked_up for d in self.deals.values()))
        @rule(data=st.data())
        def pick_up(self, data: st.DataObject) -> None:
            waiting = sorted((d.id, c) for d in self.deals.values() for c in set(d.children) - d.picked_up)
            agreement_id, child = data.draw(st.sampled_from(waiting), label="child receipt")
            buyer.receipts.present(child)
            out = warehouse.receipts.deliver(child)
            self._sent()
            assert (out.presenter, out.quantity) == (buyer.address, self.deals[agreement_id].children[child])
            self.deals[agreement_id].picked_up.add(child)

        @rule(days=st.integers(1, 45))
        def advance_time(self, days: int) -> None:
            chain.increase_time(days * DAY)

        @precondition(lambda self: self._has(PrepaymentStatus.DELIVERED))
        @rule(data=st.data())
        def buy_back(self, data: st.DataObject) -> None:
            deal = self._pick(data, PrepaymentStatus.DELIVERED)
            if chain.now() <= deal.maturity:
                return
            event = bank.prepayment.buy_back(deal.id)
            self._sent()
            interest = self._accrue(deal, deal.outstanding)
            forfeited = forfeited_margin(deal.margin, deal.principal, deal.outstanding)
            unreleased = deal.quantity - released_quantity(deal.quantity, deal.principal, deal.repaid)
            owed = deal.outstanding + interest + forfeited
            applied = min(deal.collateral, owed)
            assert (event.principal, event.interest, event.forfeited_margin, event.quantity) == (
                deal.outstanding, interest, forfeited, unreleased)
            assert event.collateral_applied == applied
            deal.status = PrepaymentStatus.BOUGHT_BACK
            self._pay("contract", "bank", applied)
            self._pay("seller", "bank", owed - applied)
            self._credit("seller", deal.collateral - applied)

        @precondition(lambda self: self._has(PrepaymentStatus.DELIVERED))
        @rule(data=st.data())
        def enforce(self, data: st.DataObject) -> None:
            deal = self._pick(data, PrepaymentStatus.DELIVERED)
            if chain.now() <= deal.maturity + deal.grace:
                return
            event = bank.prepayment.enforce(deal.id)
            self._sent()
            interest = self._accrue(deal, deal.outstanding)
            owed = deal.outstanding + interest
            applied = min(deal.collateral, owed)
            unreleased = deal.quantity - released_quantity(deal.quantity, deal.principal, deal.repaid)
            assert (event.principal, event.interest, event.collateral_applied, event.debt, event.quantity) == (
                deal.outstanding, interest, applied, owed - applied, unreleased)
            deal.status = PrepaymentStatus.DEFAULTED
            deal.debt_to_bank = owed - applied
            self._pay("contract", "bank", applied)
            self._credit("seller", deal.collateral - applied)

        @precondition(lambda self: any(d.debt_to_bank + d.debt_to_buyer for d in self.deals.values()))
        @rule(data=st.data(), percent=st.integers(1, 100))
        def repay_debt(self, data: st.DataObject, percent: int) -> None:
            ids = sorted(d.id for d in self.deals.values() if d.debt_to_bank + d.debt_to_buyer)
            deal = self.deals[data.draw(st.sampled_from(ids), label="debtor agreement")]
            owed = deal.debt_to_bank + deal.debt_to_buyer
            amount = max(1, owed * percent // 100)
            event = seller.prepayment.repay_debt(deal.id, amount)
            self._sent()
            to_bank = min(amount, deal.debt_to_bank)
            deal.debt_to_bank -= to_bank
            deal.debt_to_buyer -= amount - to_bank
            assert (event.to_bank, event.to_buyer, event.owed_to_bank, event.owed_to_buyer) == (
                to_bank, amount - to_bank, deal.debt_to_bank, deal.debt_to_buyer)
            self._pay("seller", "bank", to_bank)
            self._pay("seller", "contract", amount - to_bank)
            self._credit("buyer", amount - to_bank)

        @precondition(lambda self: any(self.claimable.values()))
        @rule(who=st.sampled_from(["buyer", "seller"]))
        def claim(self, who: str) -> None:
            if not self.claimable[who]:
                return
            event = getattr(desk, who).prepayment.claim()
            self._sent()
            assert event.amount == self.claimable[who]
            self._pay("contract", who, event.amount)
            self.claimable[who] = 0

        @precondition(lambda self: self._has(PrepaymentStatus.FUNDED))
        @rule(data=st.data())
        def refund(self, data: st.DataObject) -> None:
            deal = self._pick(data, PrepaymentStatus.FUNDED)
            if chain.now() <= deal.deadline:
                return
            event = bank.prepayment.demand_refund(deal.id)
            self._sent()
            interest = self._accrue(deal, deal.principal)
            assert (event.principal, event.interest, event.margin) == (deal.principal, interest, deal.margin)
            to_bank = min(deal.collateral, deal.principal + interest)
            to_buyer = min(deal.collateral - to_bank, deal.margin)
            assert event.collateral_applied == to_bank + to_buyer
            deal.status = PrepaymentStatus.REFUNDED
            deal.debt_to_bank = deal.principal + interest - to_bank
            deal.debt_to_buyer = deal.margin - to_buyer
            assert event.debt == deal.debt_to_bank + deal.debt_to_buyer
            self._pay("contract", "bank", to_bank)
            self._credit("buyer", to_buyer)
            self._credit("seller", deal.collateral - to_bank - to_buyer)

        # ------------------------------------------------------------------ invariants
        @invariant()
        def ledger_matches_the_model(self) -> None:
            if not self.dirty:
                return
            self.dirty = False
            self.settlement_tokens_are_conserved()
            self.goods_are_conserved_released_in_proportion_and_owned_as_agreed()

        def settlement_tokens_are_conserved(self) -> None:
            assert token.total_supply() == self.supply
            actual = {name: token.balance_of(a).units for name, a in accounts.items()}
            assert actual == self.cash
            escrow = sum(d.margin for d in self.deals.values()
                         if d.status in (PrepaymentStatus.PROPOSED, PrepaymentStatus.ACCEPTED))
            collateral = sum(d.collateral for d in self.deals.values() if d.status in (
                PrepaymentStatus.ACCEPTED, PrepaymentStatus.FUNDED, PrepaymentStatus.DELIVERED))
            claimable = {who: pp.claimable(accounts[who]) for who in self.claimable}
            assert claimable == self.claimable
            assert actual["contract"] == escrow + collateral + sum(claimable.values())

        def goods_are_conserved_released_in_proportion_and_owned_as_agreed(self) -> None:
            for deal in self.deals.values():
                a = pp.get_agreement(deal.id)
                assert (a.status, a.principal_repaid) == (deal.status, deal.repaid)
                assert (a.debt_to_bank, a.debt_to_buyer) == (deal.debt_to_bank, deal.debt_to_buyer)
                if deal.status in (PrepaymentStatus.FUNDED, PrepaymentStatus.DELIVERED):
                    assert a.interest_carry == deal.carry
                    assert deal.interest_paid * INTEREST_DENOMINATOR + deal.carry == deal.integral
                if not deal.receipt_id:
                    assert a.receipt_id == 0
                    continue
                proportional = released_quantity(deal.quantity, deal.principal, deal.repaid)
                assert a.released_quantity == proportional
                if deal.status != PrepaymentStatus.REPAID:  # once repaid, the pledged receipt itself was released
                    assert sum(deal.children.values()) == proportional
                pledged = receipts.get_receipt(deal.receipt_id)
                assert (pledged.commodity, pledged.unit) == (CU, KG)
                assert pledged.quantity + sum(deal.children.values()) == deal.quantity
                if deal.status == PrepaymentStatus.DELIVERED:
                    assert pledged.quantity == deal.quantity - proportional == a.pledged_quantity
                    assert (pledged.owner, pledged.status, pledged.lien_holder) == (
                        buyer.address, ReceiptStatus.PLEDGED, pp.address)
                elif deal.status == PrepaymentStatus.REPAID:
                    assert (a.released_quantity, pledged.owner, pledged.status) == (
                        deal.quantity, buyer.address, ReceiptStatus.FREE)
                elif deal.status == PrepaymentStatus.DEFAULTED:
                    assert (pledged.owner, pledged.status, pledged.lien_holder) == (
                        bank.address, ReceiptStatus.FREE, None)
                else:
                    assert deal.status == PrepaymentStatus.BOUGHT_BACK
                    assert (pledged.owner, pledged.status, pledged.lien_holder) == (
                        seller.address, ReceiptStatus.FREE, None)
                # no stranded receipt: pledged to the contract only while Delivered, which `enforce` can end
                if pledged.status == ReceiptStatus.PLEDGED:
                    assert deal.status == PrepaymentStatus.DELIVERED
                    assert a.enforceable_from == deal.maturity + deal.grace
                for child, quantity in deal.children.items():
                    piece = receipts.get_receipt(child)
                    assert (piece.parent_id, piece.quantity) == (deal.receipt_id, quantity)
                    expected = ReceiptStatus.DELIVERED if child in deal.picked_up else ReceiptStatus.FREE
                    assert piece.status == expected

    run_state_machine_as_test(
        PrepaymentMachine,
        settings=stateful_settings(examples=15, steps=20),
    )
