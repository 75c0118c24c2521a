"""Defect 5 (prepayment part): tiny repayments erased interest, because interest rounded down at each repayment
and the accrual restarted. The sub-cent remainder is now carried forward, so the interest paid over any sequence
of repayments is floor(integral of outstanding x rate over time / (10,000 x 365 days)): to the cent what one
payment at the end would pay.

Reproduced first on the old code: 40 one-cent repayments ten minutes apart on 7,500.00 at 5.50 % paid 0.00 of
interest where 0.31 was owed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sdk.prepayment import INTEREST_DENOMINATOR, interest_with_carry
from tests.contracts.prepayment_support import Desk

SMALL = {"quantity": 100, "unit_price": 100_00, "rate_bps": 550}  # principal 7,500.00


def test_forty_one_cent_repayments_pay_the_interest_owed(desk: Desk) -> None:
    terms = desk.terms(**SMALL)
    agreement_id = desk.delivered(terms)
    last = desk.ledger.prepayment.get_agreement(agreement_id).interest_from
    outstanding, integral, paid = terms.principal, 0, 0
    for _ in range(40):
        desk.ledger.chain.increase_time(600)
        event = desk.repay(agreement_id, 1)
        now = desk.now()
        integral += outstanding * terms.rate_bps * (now - last)
        outstanding, last = outstanding - 1, now
        paid += event.interest
    assert paid == integral // INTEREST_DENOMINATOR == 31
    a = desk.ledger.prepayment.get_agreement(agreement_id)
    assert a.interest_carry == integral % INTEREST_DENOMINATOR


def test_any_sequence_of_repayments_pays_the_floor_of_the_exact_integral(desk: Desk) -> None:
    """Repayments large and tiny, minutes to weeks apart: the total interest is floor(integral / denominator), the
    carry holds the rest, and the reads (accrued interest, quote, the SDK twin) include the carry."""
    terms = desk.terms(**SMALL)
    agreement_id = desk.delivered(terms)
    pp = desk.ledger.prepayment
    last = pp.get_agreement(agreement_id).interest_from
    outstanding, integral, paid = terms.principal, 0, 0
    for gap, principal in [(61, 1), (7 * 86_400, 1_000_00), (59, 3), (3_600, 2), (20 * 86_400, 2_500_00), (1, 1),
                           (86_399, 7), (13, 1)]:
        desk.ledger.chain.increase_time(gap)
        a = pp.get_agreement(agreement_id)
        assert pp.accrued_interest(agreement_id) == a.interest_at(desk.now())  # same block, carry included
        assert pp.quote_repayment(agreement_id, principal).interest == a.interest_at(desk.now())
        event = desk.repay(agreement_id, principal)
        now = desk.now()
        integral += outstanding * terms.rate_bps * (now - last)
        outstanding, last = outstanding - principal, now
        paid += event.interest
        assert paid == integral // INTEREST_DENOMINATOR
        assert pp.get_agreement(agreement_id).interest_carry == integral % INTEREST_DENOMINATOR
    # the remainder is still owed: the last repayment pays the carry with the rest
    desk.ledger.chain.increase_time(30 * 86_400)
    final = desk.repay(agreement_id, outstanding)
    integral += outstanding * terms.rate_bps * (desk.now() - last)
    assert paid + final.interest == integral // INTEREST_DENOMINATOR


def test_the_buy_back_includes_the_carried_remainder(desk: Desk) -> None:
    terms = desk.terms(**SMALL)
    agreement_id = desk.delivered(terms)
    pp = desk.ledger.prepayment
    last = pp.get_agreement(agreement_id).interest_from
    outstanding, integral, paid = terms.principal, 0, 0
    for _ in range(10):
        desk.ledger.chain.increase_time(600)
        paid += desk.repay(agreement_id, 1).interest
        integral += outstanding * terms.rate_bps * (desk.now() - last)
        outstanding, last = outstanding - 1, desk.now()
    assert pp.get_agreement(agreement_id).interest_carry == integral % INTEREST_DENOMINATOR > 0
    desk.travel_past(terms.maturity)
    desk.seller.prepayment.authorize_buy_back(agreement_id)
    bought = desk.bank.prepayment.buy_back(agreement_id)
    integral += outstanding * terms.rate_bps * (desk.now() - last)
    assert paid + bought.interest == integral // INTEREST_DENOMINATOR


@settings(max_examples=300, deadline=None)
@given(
    principal=st.integers(1, 10**12),
    rate_bps=st.integers(0, 10_000),
    steps=st.lists(st.tuples(st.integers(0, 400 * 86_400), st.integers(0, 10**6)), min_size=1, max_size=40),
)
def test_the_sdk_twin_pays_the_floor_of_the_exact_integral(principal: int, rate_bps: int,
                                                            steps: list[tuple[int, int]]) -> None:
    """Property of the SDK's pure-Python copy of the contract's accrual, over any sequence of repayments."""
    outstanding, carry, paid, integral = principal, 0, 0, 0
    for seconds, repayment in steps:
        interest, carry = interest_with_carry(outstanding, rate_bps, seconds, carry)
        paid += interest
        integral += outstanding * rate_bps * seconds
        assert 0 <= carry < INTEREST_DENOMINATOR
        assert paid == integral // INTEREST_DENOMINATOR
        outstanding = max(outstanding - repayment, 0)
