"""The SDK's copy of the pledge-loan arithmetic: properties that must hold for the contract's formulas too
(the chain tests compare the two on real transactions)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdk.errors import LedgerValueError
from sdk.warehouse import (
    BPS,
    YEAR_SECONDS,
    ReceiptTerms,
    accrued_interest,
    apply_repayment,
    code,
    decode_code,
    exceeds_ltv,
    goods_value,
    loan_limit,
    ltv_bps,
    max_release,
)

quantities = st.integers(1, 10**9)
prices = st.integers(1, 10**8)
ltvs = st.integers(1, BPS)


@given(quantities, prices, ltvs)
def test_limit_is_the_floor_of_the_exact_limit(quantity: int, price: int, bps: int) -> None:
    exact = Fraction(quantity * price * bps, BPS)
    limit = loan_limit(quantity, price, bps)
    assert 0 <= exact - limit < 1
    assert not exceeds_ltv(limit, goods_value(quantity, price), bps)
    assert exceeds_ltv(limit + 1, goods_value(quantity, price), bps)


@given(st.integers(0, 10**12), st.integers(0, BPS), st.integers(0, 10 * YEAR_SECONDS))
def test_interest_is_actual_365_to_the_second_rounded_down(principal: int, rate: int, seconds: int) -> None:
    exact = Fraction(principal * rate * seconds, BPS * YEAR_SECONDS)
    interest = accrued_interest(principal, rate, seconds)
    assert 0 <= exact - interest < 1


def test_a_year_at_550_bps_on_a_million() -> None:
    assert accrued_interest(1_000_000_00, 550, YEAR_SECONDS) == 55_000_00
    assert accrued_interest(1_000_000_00, 550, 86_400) == 15_068  # 150.68 a day, the remainder stays with the borrower
    with pytest.raises(LedgerValueError):
        accrued_interest(1, 1, -1)


@given(st.integers(0, 10**12), st.integers(0, 10**10), st.integers(0, 2 * 10**12))
def test_repayment_pays_interest_first_and_never_more_than_the_debt(principal: int, interest: int, amount: int) -> None:
    r = apply_repayment(principal, interest, amount)
    assert r.paid == min(amount, principal + interest)
    assert r.interest_paid == min(r.paid, interest)
    assert r.paid == r.interest_paid + r.principal_paid
    assert (r.principal, r.interest) == (principal - r.principal_paid, interest - r.interest_paid)
    assert r.principal_paid == 0 or r.interest == 0


@given(st.integers(1, 10**6), st.integers(1, 10**11), prices, ltvs)
def test_max_release_is_the_largest_release_that_keeps_the_debt_covered(total: int, debt: int, price: int,
                                                                        bps: int) -> None:
    most = max_release(total, debt, price, bps)
    assert 0 <= most <= total
    if most > 0:
        assert debt <= loan_limit(total - most, price, bps)
    if most < total:
        assert debt > loan_limit(total - most - 1, price, bps)


def test_ltv_rounds_down_and_zero_value_is_max() -> None:
    assert ltv_bps(2, 3) == 6666
    assert ltv_bps(1, 0) == 2**256 - 1


def test_codes_pad_and_refuse_overlong_text() -> None:
    assert code("CU", 4) == b"CU\0\0"
    assert decode_code(code("QD-LOT-0001", 16)) == "QD-LOT-0001"
    with pytest.raises(LedgerValueError):
        code("ABCDE", 4)
    with pytest.raises(LedgerValueError):
        ReceiptTerms(commodity="CU", unit="kg", lot_id="L", inspection_hash=b"short").to_abi()
