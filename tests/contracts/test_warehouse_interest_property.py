"""Interest carry (issue 16, defect 5): the interest of any sequence of repayments equals, to the cent, the interest
of one repayment at the end on the same principal path: floor(sum of principal x rate x seconds / (10,000 x 365 d)).

One property on the SDK's pure twin (many examples, no chain) and one against the contract (a few examples)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdk.warehouse import BPS, YEAR_SECONDS, accrue, apply_repayment
from tests.contracts.warehouse_support import RATE_BPS, Market

STEPS = st.lists(st.tuples(st.integers(0, 40 * 86_400), st.integers(1, 5_000_00)), min_size=1, max_size=12)


@given(principal=st.integers(1, 10**12), rate=st.integers(0, BPS), steps=STEPS)
def test_twin_interest_over_a_sequence_equals_one_accrual_of_the_same_principal_path(
    principal: int, rate: int, steps: list[tuple[int, int]]
) -> None:
    carry, interest_owed, interest_total, exact = 0, 0, 0, 0
    for seconds, amount in steps:
        accrued, carry = accrue(principal, rate, seconds, carry)
        exact += principal * rate * seconds
        interest_total += accrued
        pay = apply_repayment(principal, interest_owed + accrued, amount)
        principal, interest_owed = pay.principal, pay.interest
        if principal + interest_owed == 0:
            break
    assert interest_total == exact // (BPS * YEAR_SECONDS)


@given(steps=st.lists(st.integers(1, 3_600), min_size=1, max_size=40))
def test_twin_interest_of_interest_only_repayments_equals_one_repayment_at_the_end(steps: list[int]) -> None:
    """With the principal untouched, paying the accrued interest every time is worth exactly one payment at the end."""
    principal, carry, total = 10_000_00, 0, 0
    for seconds in steps:
        accrued, carry = accrue(principal, RATE_BPS, seconds, carry)
        total += accrued
    assert total == accrue(principal, RATE_BPS, sum(steps))[0]


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.integers(1, 6 * 3_600), st.integers(1, 300)), min_size=1, max_size=12))
def test_contract_interest_over_tiny_repayments_matches_the_exact_total(
    market: Market, steps: list[tuple[int, int]]
) -> None:
    chain, loans, borrower = market.ledger.chain, market.ledger.loans, market.cast.distributor
    snapshot = chain.snapshot()
    try:
        market.approve_loans(borrower)
        loan_id = market.pledge(market.issue(), 10_000_00)
        principal, since, exact, charged = 10_000_00, loans.get_loan(loan_id).accrued_at, 0, 0
        for seconds, amount in steps:
            chain.increase_time(seconds)
            repaid = borrower.loans.repay(loan_id, amount)
            now = loans.get_loan(loan_id).accrued_at
            exact += principal * RATE_BPS * (now - since)
            charged += repaid.interest_paid
            principal, since = repaid.principal, now
        assert charged + loans.get_loan(loan_id).interest == exact // (BPS * YEAR_SECONDS)
    finally:
        chain.revert(snapshot)
