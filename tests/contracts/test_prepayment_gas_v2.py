"""Gas from real receipts for the guarantee paths (deterministic): enforce, refund, debt repayment, claim, deadline
extension. Budgets catch regressions."""

from __future__ import annotations

from tests.contracts.prepayment_support import DAY, Desk


def test_gas_of_the_guarantee_paths(desk: Desk) -> None:
    desk.approve_all()
    terms = desk.terms()
    gas: dict[str, int] = {}
    enforced = desk.delivered(terms, lot="PP-GAS-1")
    refunded = desk.funded(terms)
    gas["extend"] = desk.bank.prepayment._transact(
        "extendDeliveryDeadline", refunded, terms.delivery_deadline + DAY).gas_used
    desk.travel_past(terms.delivery_deadline + DAY)
    gas["refund"] = desk.bank.prepayment._transact("demandRefund", refunded).gas_used
    desk.travel_past(terms.maturity + terms.grace_period)
    gas["enforce"] = desk.bank.prepayment._transact("enforce", enforced).gas_used
    gas["repay_debt"] = desk.seller.prepayment._transact("repayDebt", enforced, 1_000_00).gas_used
    desk.buyer.prepayment.cancel(desk.accepted())
    gas["claim"] = desk.seller.prepayment._transact("claim").gas_used
    # measured: extend 40,392; refund 101,660; enforce 146,378 (receipt seizure included); repay_debt 68,860;
    # claim 46,331
    assert gas["extend"] < 45_000
    assert gas["refund"] < 110_000
    assert gas["enforce"] < 160_000
    assert gas["repay_debt"] < 75_000
    assert gas["claim"] < 55_000
