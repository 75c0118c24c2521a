"""Full scenario: a core enterprise, three tiers of suppliers, two banks. Split down the tiers, discount at both
banks, repay late, default with recourse. Also the SDK's discount price against the chain, and gas budgets."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdk import Ledger, Party
from sdk.errors import LedgerValueError
from sdk.generated.events import FragmentPaid
from sdk.receivables import days_to_maturity, discount_price
from sdk.types import FinancingStatus, FragmentStatus, ReceivableStatus
from tests.conftest import Cast
from tests.contracts.receivables_support import DAY, block_time, fund, new_root, split


def test_three_tiers_two_banks_late_repayment_and_recourse(ledger: Ledger, cast: Cast) -> None:
    rc = ledger.receivables
    supply_before = ledger.token.total_supply()
    core, tier1, tier2, tier3 = cast.core, cast.supplier1, cast.supplier2, cast.supplier3
    big_bank, city_bank = cast.bank1, cast.bank2
    cast.operator.receivables.set_grace_period(15 * DAY)
    big_bank.receivables.set_exposure_limit(core.address, 2_000_000_00)
    city_bank.receivables.set_exposure_limit(core.address, 300_000_00)

    # Tier 1 delivers to the core enterprise, which confirms the receivable.
    root, f1 = new_root(cast, face=1_000_000_00, days=120, supplier=tier1)
    assert rc.get_receivable(root).status == ReceivableStatus.CONFIRMED

    # Tier 1 pays tier 2 with 600k of it; tier 2 pays tier 3 with 250k of that.
    f2 = split(tier1, f1, tier2, 600_000_00)
    f3 = split(tier2, f2, tier3, 250_000_00)
    tree = rc.lineage(root)
    assert [(depth, frag.id, frag.holder) for depth, frag in tree.walk()] == [
        (0, f1, tier1.address), (1, f2, tier2.address), (2, f3, tier3.address)
    ]
    assert {f.id: f.value for f in rc.list_fragments(root)} == {f1: 400_000_00, f2: 350_000_00, f3: 250_000_00}

    # Tier 1 discounts at the large bank without recourse (5.5 %), tier 3 at the city bank with recourse (7.7 %).
    ledger.chain.increase_time(10 * DAY + 3_600)
    due = rc.get_receivable(root).due_date
    d1 = fund(tier1, f1, big_bank, core, rate=550, recourse=False)
    t1 = _last_block_time(ledger, big_bank)
    d3 = fund(tier3, f3, city_bank, core, rate=770, recourse=True)
    t3 = _last_block_time(ledger, city_bank)
    assert d1.price == discount_price(400_000_00, 550, due, t1) and d1.days_to_maturity == 110
    assert d3.price == discount_price(250_000_00, 770, due, t3) and d3.seller == tier3.address
    assert rc.get_exposure(big_bank.address, core.address).used == 400_000_00
    assert rc.get_exposure(city_bank.address, core.address).used == 250_000_00

    # The due date passes without payment: everything reads overdue, and after the grace period the city bank
    # declares its fragment defaulted and turns to tier 3, which repays the recourse debt.
    ledger.chain.travel_to(due + 1)
    assert rc.is_overdue(root)
    ledger.chain.travel_to(due + 15 * DAY)
    defaulted = city_bank.receivables.declare_default(f3)
    assert (defaulted.old_status, defaulted.unpaid) == (FragmentStatus.FINANCED, 250_000_00)
    recourse = city_bank.receivables.exercise_recourse(f3)
    assert (recourse.seller, recourse.debt) == (tier3.address, 250_000_00)
    assert rc.get_exposure(city_bank.address, core.address).used == 0
    tier3.receivables.repay_recourse(f3, 100_000_00)
    settled = tier3.receivables.repay_recourse(f3, 150_000_00)
    assert settled.new_status == FinancingStatus.RECOURSE_SETTLED
    tier2.receivables.declare_default(f2)

    # The core enterprise finally repays, late, in two parts; anyone distributes to the current holders.
    first = core.receivables.repay(root, 600_000_00)
    assert first.late and first.new_status == ReceivableStatus.CONFIRMED
    paid = cast.regulator.receivables.distribute(root)
    second = core.receivables.repay(root, 400_000_00)
    assert second.late and second.new_status == ReceivableStatus.SETTLED
    paid += cast.regulator.receivables.distribute(root)
    assert not rc.is_overdue(root)

    by_holder: dict[str, int] = {}
    for p in paid:
        by_holder[p.holder] = by_holder.get(p.holder, 0) + p.amount
    assert by_holder == {big_bank.address: 400_000_00, tier2.address: 350_000_00, tier3.address: 250_000_00}
    assert sum(p.amount for p in paid) == first.amount + second.amount
    assert all(f.status == FragmentStatus.PAID for f in rc.list_fragments(root))
    assert rc.get_exposure(big_bank.address, core.address).used == 0
    assert ledger.token.balance_of(rc.address).units == 0
    assert ledger.token.total_supply() == supply_before


def _last_block_time(ledger: Ledger, party: Party) -> int:
    result = party.receivables.last_result
    assert result is not None
    return block_time(ledger.chain, result.block_number)


# ================================================================================================ discount price
def test_sdk_discount_price_matches_the_chain(ledger: Ledger, cast: Cast) -> None:
    cast.bank1.receivables.set_exposure_limit(cast.core.address, 10**12)
    cases = [(1_000_000_00, 550, 90 * DAY), (333_33, 770, 30 * DAY + 1), (1, 10_000, 364 * DAY),
             (999_999_99, 1, 2 * DAY - 7), (123_456_789, 870, 200 * DAY + 43_210)]
    for value, rate, tenor in cases:
        due = ledger.chain.now() + tenor
        frag = cast.supplier1.receivables.register(cast.core.address, value, due, f"PRICE-{value}-{rate}").fragment_id
        cast.core.receivables.confirm(frag >> 16)
        cast.supplier1.receivables.request_discount(frag, cast.bank1.address, rate, with_recourse=False)
        ev = cast.bank1.receivables.discount(frag)
        now = _last_block_time(ledger, cast.bank1)
        assert ev.days_to_maturity == days_to_maturity(due, now)
        assert ev.price == discount_price(value, rate, due, now), (value, rate, tenor)


def test_discount_price_rounds_days_up_and_price_down() -> None:
    due = 1_000_000
    assert days_to_maturity(due, due - 1) == 1
    assert days_to_maturity(due, due - DAY) == 1
    assert days_to_maturity(due, due - DAY - 1) == 2
    assert days_to_maturity(due, due) == 0
    # 100.00 at 36.5 % for 1 day: 100.00 x (1 - 0.001) = 99.90 exactly; 1 cent more value rounds down.
    assert discount_price(100_00, 3_650, due, due - 1) == 99_90
    assert discount_price(100_01, 3_650, due, due - 1) == 99_90
    with pytest.raises(LedgerValueError):
        discount_price(100_00, 10_000, due, due - 365 * DAY)
    with pytest.raises(LedgerValueError):
        discount_price(100_00, 10_001, due, due - 1)


@given(
    value=st.integers(min_value=0, max_value=2**96 - 1),
    rate=st.integers(min_value=0, max_value=10_000),
    seconds=st.integers(min_value=1, max_value=3 * 365 * DAY),
)
def test_discount_price_equals_face_times_one_minus_rate_times_days(value: int, rate: int, seconds: int) -> None:
    due, now = 10**9, 10**9 - seconds
    days = -(-seconds // DAY)
    exact = Fraction(value) * (1 - Fraction(rate, 10_000) * Fraction(days, 365))
    if rate * days >= 3_650_000:  # the contract refuses a price of zero or less
        with pytest.raises(LedgerValueError):
            discount_price(value, rate, due, now)
        return
    price = discount_price(value, rate, due, now)
    assert price == int(exact)  # floor: exact is non-negative
    assert 0 <= exact - price < 1


# ================================================================================================ gas
def test_gas_of_each_operation_stays_within_budget(ledger: Ledger, cast: Cast) -> None:
    """Gas from real receipts. A split (accept) must cost far less than a fresh registration."""
    gas: dict[str, int] = {}

    def used(party_rc: object) -> int:
        result = getattr(party_rc, "last_result")  # noqa: B009
        assert result is not None
        return int(result.gas_used)

    due = ledger.chain.now() + 90 * DAY
    root = cast.supplier1.receivables.register(cast.core.address, 1_000_000_00, due, "GAS-1", po="PO-1").root_id
    gas["register"] = used(cast.supplier1.receivables)
    cast.core.receivables.confirm(root)
    gas["confirm"] = used(cast.core.receivables)
    frag = root << 16
    offer_id = cast.supplier1.receivables.offer(frag, cast.supplier2.address, 300_000_00).offer_id
    gas["offer"] = used(cast.supplier1.receivables)
    child = cast.supplier2.receivables.accept(offer_id).child_id
    gas["accept (split)"] = used(cast.supplier2.receivables)
    other = split(cast.supplier1, frag, cast.supplier3, 100_000_00)
    cast.bank1.receivables.set_exposure_limit(cast.core.address, 10**12)
    cast.supplier2.receivables.request_discount(child, cast.bank1.address, 550, with_recourse=False)
    gas["request discount"] = used(cast.supplier2.receivables)
    cast.bank1.receivables.discount(child)
    gas["discount (fund)"] = used(cast.bank1.receivables)
    cast.core.receivables.repay(root, 1_000_000_00)
    gas["repay"] = used(cast.core.receivables)
    assert isinstance(cast.supplier3.receivables.claim(other), FragmentPaid)
    gas["claim"] = used(cast.supplier3.receivables)
    cast.bank1.receivables.claim(child)
    gas["claim (bank, releases exposure)"] = used(cast.bank1.receivables)
    print("\nreceivables gas:", gas)

    # budgets of issue 16 (also in sdk/cli/bench_suite.py, measured by `scf bench`)
    assert gas["register"] <= 160_000  # the invoice hash is in the event only
    assert gas["confirm"] <= 45_000
    assert gas["accept (split)"] <= 110_000
    assert gas["accept (split)"] < gas["register"]
    assert gas["discount (fund)"] <= 100_000  # without recourse: seller and price are in the event only
    # The brief's 60k claim budget is below what one transfer of this compliance token costs plus three cold
    # reads (see the report); hold the measured level so it cannot creep up.
    assert gas["claim"] <= 64_000
    # the bank's last claim also closes its financing (defect 10: status Repaid, one more slot and event)
    assert gas["claim (bank, releases exposure)"] <= 80_000


def test_batched_discount_stays_within_its_budget_per_item(ledger: Ledger, cast: Cast) -> None:
    """Issue 16: a bank funding a portfolio in one multicall pays at most 75k gas per discount (bench: N = 50)."""
    cast.bank1.receivables.set_exposure_limit(cast.core.address, 10**12)
    fragments = []
    for _ in range(10):
        _, frag = new_root(cast, face=100_000_00)
        cast.supplier1.receivables.request_discount(frag, cast.bank1.address, 550, with_recourse=False)
        fragments.append(frag)
    with cast.bank1.receivables.batch() as b:
        for frag in fragments:
            b.discount(frag)
    assert b.result is not None and len(b.result.items) == 10
    assert b.result.gas_per_item <= 75_000
