"""Receivables v2 (issue 16): state that closes (defect 10), the fragment cap an attacker cannot exhaust (defect 8).

Each test is written in the shoes of the party that loses on the v1 contract: the bank whose financing never
closes, the recipient of a stale offer, the bank whose funding transaction is delayed across a day boundary.
"""

from __future__ import annotations

import pytest

from sdk import Ledger, Party
from sdk.errors import (
    ReceivableDiscountDeadlinePassed,
    ReceivableDiscountPriceAboveMax,
    ReceivableFragmentBelowMinimum,
    ReceivableMinFragmentValueInvalid,
    ReceivableNotOperator,
    ReceivableOfferExpired,
    ReceivableOfferExpiryInvalid,
    ReceivableOfferNotOpen,
    ReceivableSplitsExhausted,
)
from sdk.generated.events import FinancingRepaid
from sdk.receivables import discount_price
from sdk.types import FinancingStatus, FragmentStatus, OfferStatus
from tests.conftest import Cast
from tests.contracts.receivables_support import DAY, FACE, fund, new_root, reverts, split


# ================================================================================ defect 10a: financing closes
def test_financing_is_repaid_once_its_fragment_is_paid_in_full(ledger: Ledger, cast: Cast) -> None:
    root, original = new_root(cast)
    child = split(cast.supplier1, original, cast.supplier2, FACE // 4)
    fund(cast.supplier2, child, cast.bank1, cast.core, limit=FACE)
    rc = ledger.receivables

    cast.core.receivables.repay(root, FACE // 2)
    cast.regulator.receivables.claim(child)
    result = cast.regulator.receivables.last_result
    assert result is not None and not result.find(FinancingRepaid)  # half paid: still funded
    assert rc.get_financing(child).status == FinancingStatus.FUNDED

    cast.core.receivables.repay(root, FACE - FACE // 2)
    paid = cast.regulator.receivables.claim(child)
    assert paid.new_status == FragmentStatus.PAID
    result = cast.regulator.receivables.last_result
    assert result is not None
    closed = result.one(FinancingRepaid)
    assert (closed.fragment_id, closed.bank, closed.total_paid) == (child, cast.bank1.address, FACE // 4)
    assert (closed.old_status, closed.new_status) == (FinancingStatus.FUNDED, FinancingStatus.REPAID)
    assert rc.get_financing(child).status == FinancingStatus.REPAID
    assert rc.get_exposure(cast.bank1.address, cast.core.address).used == 0


def test_distribute_closes_the_financing_of_a_defaulted_fragment_paid_late(ledger: Ledger, cast: Cast) -> None:
    root, original = new_root(cast, days=10)
    fund(cast.supplier1, original, cast.bank1, cast.core, limit=FACE)
    ledger.chain.increase_time(10 * DAY + ledger.receivables.grace_period())
    cast.bank1.receivables.declare_default(original)
    cast.core.receivables.repay(root, FACE)  # a late payer is not failed
    cast.regulator.receivables.distribute(root)
    result = cast.regulator.receivables.last_result
    assert result is not None
    assert result.one(FinancingRepaid).old_status == FinancingStatus.FUNDED
    assert ledger.receivables.get_financing(original).status == FinancingStatus.REPAID


# ================================================================================ defect 10b: offers expire
def test_offer_cannot_be_accepted_after_its_expiry(ledger: Ledger, cast: Cast) -> None:
    _, original = new_root(cast)
    expires = ledger.chain.now() + 3_600
    offered = cast.supplier1.receivables.offer(original, cast.supplier2.address, FACE // 2, expires_at=expires)
    assert offered.expires_at == expires
    assert ledger.receivables.get_offer(offered.offer_id).expires_at == expires
    ledger.chain.increase_time(3_600)
    with reverts(ReceivableOfferExpired, offer_id=offered.offer_id, expires_at=expires):
        cast.supplier2.receivables.accept(offered.offer_id)
    # the sender gets its value back by withdrawing
    cast.supplier1.receivables.withdraw_offer(offered.offer_id)
    assert ledger.receivables.get_fragment(original).locked == 0
    with reverts(ReceivableOfferNotOpen, status=OfferStatus.WITHDRAWN):
        cast.supplier2.receivables.accept(offered.offer_id)


def test_offer_is_accepted_before_its_expiry_and_zero_means_never(ledger: Ledger, cast: Cast) -> None:
    _, original = new_root(cast)
    soon = cast.supplier1.receivables.offer(original, cast.supplier2.address, FACE // 4,
                                            expires_at=ledger.chain.now() + 3_600)
    never = cast.supplier1.receivables.offer(original, cast.supplier3.address, FACE // 4)
    assert never.expires_at == 0 and ledger.receivables.get_offer(never.offer_id).expires_at is None
    cast.supplier2.receivables.accept(soon.offer_id)
    ledger.chain.increase_time(80 * DAY)
    cast.supplier3.receivables.accept(never.offer_id)


def test_offer_expiry_must_be_in_the_future(ledger: Ledger, cast: Cast) -> None:
    _, original = new_root(cast)
    now = ledger.chain.now()
    with reverts(ReceivableOfferExpiryInvalid, expires_at=now - 1):
        cast.supplier1.receivables.offer(original, cast.supplier2.address, 1_000_00, expires_at=now - 1)
    with reverts(ReceivableOfferExpiryInvalid, expires_at=2**32):
        cast.supplier1.receivables.offer(original, cast.supplier2.address, 1_000_00, expires_at=2**32)


# ================================================================================ defect 10c: the bank's price bound
def test_a_day_boundary_cannot_raise_what_the_bank_pays(ledger: Ledger, cast: Cast) -> None:
    """The bank quotes, signs with that price as its bound; the transaction lands a day later, when the price
    is higher. v1 paid the higher price; v2 reverts with the computed price and the bank's bound."""
    _, original = new_root(cast)
    cast.bank1.receivables.set_exposure_limit(cast.core.address, FACE)
    cast.supplier1.receivables.request_discount(original, cast.bank1.address, 550, with_recourse=False)
    quoted = ledger.receivables.quote_discount(original, 550)
    ledger.chain.increase_time(DAY)
    later = ledger.receivables.quote_discount(original, 550)
    assert later.price > quoted.price  # fewer days to maturity: the bank would pay more
    with reverts(ReceivableDiscountPriceAboveMax, fragment_id=original, price=later.price, max_price=quoted.price):
        cast.bank1.receivables.discount(original, max_price=quoted.price, deadline=ledger.chain.now() + 3_600)
    # with a bound that covers the new price it funds, at the price computed in its block
    ev = cast.bank1.receivables.discount(original, max_price=later.price, deadline=ledger.chain.now() + 3_600)
    assert ev.price == later.price


def test_discount_after_the_bank_deadline_reverts(ledger: Ledger, cast: Cast) -> None:
    _, original = new_root(cast)
    cast.bank1.receivables.set_exposure_limit(cast.core.address, FACE)
    cast.supplier1.receivables.request_discount(original, cast.bank1.address, 550, with_recourse=False)
    deadline = ledger.chain.now() + 600
    ledger.chain.increase_time(601)
    with reverts(ReceivableDiscountDeadlinePassed, fragment_id=original, deadline=deadline):
        cast.bank1.receivables.discount(original, max_price=FACE, deadline=deadline)


def test_sdk_default_bound_is_the_price_at_the_deadline(ledger: Ledger, cast: Cast) -> None:
    _, original = new_root(cast)
    cast.bank1.receivables.set_exposure_limit(cast.core.address, FACE)
    cast.supplier1.receivables.request_discount(original, cast.bank1.address, 550, with_recourse=False)
    fragment, rate, recourse, max_price, deadline = cast.bank1.receivables.discount_args(original)
    due = ledger.receivables.get_receivable(original >> 16).due_date
    assert (fragment, rate, recourse) == (original, 550, False)
    assert max_price == discount_price(FACE, 550, due, deadline)
    ev = cast.bank1.receivables.discount(original)
    assert ev.price <= max_price


# ================================================================================ defect 8: the fragment cap
def _ping_pong(a: Party, b: Party, fragment: int) -> int:
    """Colluders pass a whole fragment back and forth until their split budget runs out; returns the splits made."""
    made = 0
    holder, other = a, b
    while True:
        try:
            value = holder.receivables.get_fragment(fragment).value
            offered = holder.receivables.offer(fragment, other.address, value)
        except ReceivableSplitsExhausted as err:
            assert err.fragment_id == fragment
            return made
        fragment = other.receivables.accept(offered.offer_id).child_id
        holder, other = other, holder
        made += 1


def test_colluding_holders_cannot_exhaust_the_original_holders_splits(ledger: Ledger, cast: Cast) -> None:
    """v1: two colluders trading one fragment back and forth used up the root's cap of 6 fragments, and the
    original holder's next split reverted (ReceivableFragmentCapReached). v2: they use up only their own share."""
    cast.operator.receivables.set_fragment_cap(6)
    root, original = new_root(cast)
    assert ledger.receivables.get_fragment(original).splits_left == 5
    colluder = split(cast.supplier1, original, cast.supplier2, FACE // 2)  # spends 1; half of the other 4
    assert ledger.receivables.get_fragment(colluder).splits_left == 2
    assert ledger.receivables.get_fragment(original).splits_left == 2
    assert _ping_pong(cast.supplier2, cast.supplier3, colluder) == 2
    # the original holder still makes the splits of its own share
    split(cast.supplier1, original, cast.distributor, FACE // 4)
    split(cast.supplier1, original, cast.distributor, FACE // 8)
    rec = ledger.receivables.get_receivable(root)
    assert rec.fragment_count == 6
    assert sum(f.splits_left for f in ledger.receivables.list_fragments(root)) + rec.fragment_count == 6


def test_a_parent_that_keeps_value_keeps_a_split(ledger: Ledger, cast: Cast) -> None:
    _, original = new_root(cast)
    child = split(cast.supplier1, original, cast.supplier2, FACE - 100_00)  # gives away 99.99 %
    assert ledger.receivables.get_fragment(child).splits_left == 97  # floor(98 * 0.9999)
    assert ledger.receivables.get_fragment(original).splits_left == 1
    split(cast.supplier1, original, cast.supplier3, 100_00)  # the whole remainder: still possible


@pytest.mark.parametrize("amount", [1, 100_00 - 1])
def test_one_cent_offers_are_refused(ledger: Ledger, cast: Cast, amount: int) -> None:
    _, original = new_root(cast)
    with reverts(ReceivableFragmentBelowMinimum, fragment_id=original, value=amount, minimum=100_00):
        cast.supplier1.receivables.offer(original, cast.supplier2.address, amount)


def test_a_split_may_not_leave_a_remainder_below_the_minimum(ledger: Ledger, cast: Cast) -> None:
    _, original = new_root(cast)
    with reverts(ReceivableFragmentBelowMinimum, fragment_id=original, value=1, minimum=100_00):
        cast.supplier1.receivables.offer(original, cast.supplier2.address, FACE - 1)


def test_a_whole_fragment_below_the_minimum_may_still_be_passed_on(ledger: Ledger, cast: Cast) -> None:
    _, original = new_root(cast, face=50_00)
    child = split(cast.supplier1, original, cast.supplier2, 50_00)
    assert ledger.receivables.get_fragment(child).value == 50_00
    with reverts(ReceivableFragmentBelowMinimum, fragment_id=child, value=10_00, minimum=100_00):
        cast.supplier2.receivables.offer(child, cast.supplier3.address, 10_00)


def test_operator_sets_the_minimum_fragment_value(ledger: Ledger, cast: Cast) -> None:
    assert ledger.receivables.min_fragment_value() == 100_00
    ev = cast.operator.receivables.set_min_fragment_value(1_00)
    assert (ev.operator, ev.old_minimum, ev.new_minimum) == (cast.operator.address, 100_00, 1_00)
    _, original = new_root(cast)
    split(cast.supplier1, original, cast.supplier2, 1_00)
    with reverts(ReceivableNotOperator, account=cast.core.address):
        cast.core.receivables.set_min_fragment_value(0)
    with reverts(ReceivableMinFragmentValueInvalid, minimum=2**96):
        cast.operator.receivables._transact("setMinFragmentValue", 2**96)
