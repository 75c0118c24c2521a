"""The SDK's interest twin on its own: accrual in any number of steps equals accrual in one, to the unit."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from sdk.creditlines import DAY, DENOMINATOR, CreditLine, CreditLineStatus, PayeeRule, Tranche, accrue, quote_interest

START = 1_800_000_000


def line(principal: int, rate: int, surcharge: int, due_offset: int) -> CreditLine:
    due = START + due_offset
    return CreditLine(
        id=1, bank="0x" + "11" * 20, borrower="0x" + "22" * 20, status=CreditLineStatus.OPEN,
        payee_rule=PayeeRule.ANY_SUPPLIER, limit=principal, principal=principal, interest=0, carry=0,
        accrued_at=START, rate_bps=rate, surcharge_bps=surcharge, start=START, expiry=START + 365 * DAY,
        max_tenor=365 * DAY, grace=0, next_due=due, draw_count=1, payee_count=0,
        tranches=(Tranche(1, principal, START, due),),
    )


@given(
    principal=st.integers(1, 10**12),
    rate=st.integers(0, 10_000),
    surcharge=st.integers(0, 10_000),
    due_offset=st.integers(DAY, 60 * DAY),
    steps=st.lists(st.integers(1, 10 * DAY), min_size=1, max_size=40),
)
def test_accruing_in_steps_equals_accruing_once(principal: int, rate: int, surcharge: int, due_offset: int,
                                                steps: list[int]) -> None:
    state = line(principal, rate, surcharge, due_offset)
    at = START
    for step in steps:
        at += step
        interest, carry = accrue(state, at)
        assert 0 <= carry < DENOMINATOR
        state = replace(state, interest=interest, carry=carry, accrued_at=at)
    assert state.interest == quote_interest(line(principal, rate, surcharge, due_offset), at)


def test_interest_is_actual_365_rounded_down_with_the_surcharge_after_due() -> None:
    state = line(365_000_00, 700, 300, 10 * DAY)
    assert quote_interest(state, START + 10 * DAY) == 365_000_00 * 700 * 10 * DAY // DENOMINATOR
    assert quote_interest(state, START + 20 * DAY) == (
        365_000_00 * 700 * 20 * DAY + 365_000_00 * 300 * 10 * DAY) // DENOMINATOR
    assert quote_interest(replace(state, status=CreditLineStatus.DEFAULTED), START + 20 * DAY) == 0
