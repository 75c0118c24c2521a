"""Contracts v2 (issue 16): the warehouse money path against an absent or hostile party.

Each test is written in the shoes of the party that lost something on the v1 contracts."""

from __future__ import annotations

import pytest

from sdk.errors import LoanMarginCallNotDue, PriceStale
from sdk.generated.events import LoanForeclosed, ReceiptReleased, ReceiptSeized, ReceiptSplit
from sdk.warehouse import LoanStatus, ReceiptStatus, goods_value, loan_limit
from tests.contracts.warehouse_support import (
    CURE_PERIOD,
    DAY,
    MAX_AGE,
    MAX_LTV_BPS,
    PRICE,
    QUANTITY,
    Market,
)

LIMIT = loan_limit(QUANTITY, PRICE, MAX_LTV_BPS)


def margin_called(market: Market, price: int) -> tuple[int, int, int]:
    """A loan at the limit, margin called at `price`: (loan id, receipt id, cure deadline)."""
    receipt_id = market.issue()
    loan_id = market.pledge(receipt_id, LIMIT)
    market.post(price)
    called = market.cast.outsider.loans.call_margin(loan_id)
    return loan_id, receipt_id, called.deadline


# ---------------------------------------------------------------------------------------------- defect 1
def test_stale_price_neither_lets_the_bank_foreclose_nor_blocks_the_cure(market: Market) -> None:
    """Margin call, the feed goes quiet for a day, the borrower repays 90 %: the bank may not take goods worth 11x
    the rest of the debt, neither while the price is stale nor once a fresh price shows the call was cured."""
    cast, chain, loans = market.cast, market.ledger.chain, market.ledger.loans
    loan_id, receipt_id, deadline = margin_called(market, 55_00)
    chain.increase_time(MAX_AGE + 1)  # the feed is quiet
    principal, interest = loans.get_debt(loan_id)
    market.approve_loans(cast.distributor)
    cast.distributor.loans.repay(loan_id, (principal + interest) * 9 // 10)
    chain.travel_to(deadline + 1)
    debt = sum(loans.get_debt(loan_id))
    assert goods_value(QUANTITY, 55_00) > 11 * debt
    with pytest.raises(PriceStale):
        cast.bank1.loans.foreclose(loan_id)
    market.post(55_00)  # fresh again, unchanged
    with pytest.raises(LoanMarginCallNotDue) as err:
        cast.bank1.loans.foreclose(loan_id)
    assert (err.value.loan_id, err.value.margin_call_ltv_bps) == (loan_id, 8_000)
    cured = cast.outsider.loans.cure(loan_id)
    assert cured.new_status == LoanStatus.ACTIVE
    receipt = market.ledger.receipts.get_receipt(receipt_id)
    assert (receipt.owner, receipt.status) == (cast.distributor.address, ReceiptStatus.PLEDGED)


def test_borrower_may_add_collateral_while_the_price_is_stale(market: Market) -> None:
    cast, chain = market.cast, market.ledger.chain
    loan_id, _, deadline = margin_called(market, 55_00)
    chain.increase_time(MAX_AGE + 1)
    extra = market.issue(lot="QD-LOT-0002", quantity=3_000)
    added = cast.distributor.loans.add_collateral(loan_id, extra)
    assert added.new_status == LoanStatus.MARGIN_CALLED  # no fresh price, so no cure yet ...
    chain.travel_to(deadline + 1)
    market.post(55_00)
    with pytest.raises(LoanMarginCallNotDue):  # ... but the bank cannot foreclose a loan the goods now cover
        cast.bank1.loans.foreclose(loan_id)


def test_margin_call_foreclosure_takes_only_the_goods_that_cover_the_debt(market: Market) -> None:
    """Surplus rule: the bank takes ceil(debt / price) units, split off the pledged receipt; the rest goes back to
    the borrower free."""
    cast, chain, receipts = market.cast, market.ledger.chain, market.ledger.receipts
    loan_id, receipt_id, deadline = margin_called(market, 60_00)  # 490,000 / 600,000 = 81.7 %
    chain.travel_to(deadline + 1)
    market.post(60_00)
    result = cast.bank1.loans._transact("foreclose", loan_id)
    event = result.one(LoanForeclosed)
    debt = event.principal + event.interest
    seized = -(-debt // 60_00)
    assert (event.quantity, event.seized_quantity, event.price, event.shortfall) == (QUANTITY, seized, 60_00, 0)
    assert event.collateral_value == goods_value(QUANTITY, 60_00)
    split = result.one(ReceiptSplit)
    assert (split.id, split.child_owner, split.quantity) == (receipt_id, cast.bank1.address, seized)
    assert result.one(ReceiptReleased).id == receipt_id
    assert not result.find(ReceiptSeized)
    bank_part = receipts.get_receipt(split.child_id)
    own_part = receipts.get_receipt(receipt_id)
    assert (bank_part.owner, bank_part.status, bank_part.quantity) == (cast.bank1.address, ReceiptStatus.FREE, seized)
    assert (own_part.owner, own_part.status, own_part.quantity) == (
        cast.distributor.address, ReceiptStatus.FREE, QUANTITY - seized)
    # the bank is covered, and by less than one unit's value more than the debt
    assert debt <= goods_value(seized, 60_00) < debt + 60_00
    assert market.ledger.loans.get_loan(loan_id).status == LoanStatus.FORECLOSED


def test_maturity_foreclosure_settles_the_surplus_across_receipts(market: Market) -> None:
    cast, chain, receipts, loans = market.cast, market.ledger.chain, market.ledger.receipts, market.ledger.loans
    first = market.issue(quantity=1_000)
    loan_id = market.pledge(first, 49_000_00, days=10)
    second = market.issue(lot="QD-LOT-0002", quantity=2_000)
    third = market.issue(lot="QD-LOT-0003", quantity=500)
    cast.distributor.loans.add_collateral(loan_id, second)
    cast.distributor.loans.add_collateral(loan_id, third)
    chain.travel_to(loans.get_loan(loan_id).maturity + 1)
    with pytest.raises(PriceStale):  # a maturity foreclosure values the goods at a fresh price too
        cast.bank1.loans.foreclose(loan_id)
    market.post(40_00)  # the first receipt alone no longer covers the debt
    event = cast.bank1.loans.foreclose(loan_id)
    seized = -(-(event.principal + event.interest) // 40_00)
    assert 1_000 < seized < 3_000
    assert (event.seized_quantity, event.shortfall, event.quantity) == (seized, 0, 3_500)
    assert receipts.owner_of(first) == cast.bank1.address  # taken whole
    rest = receipts.get_receipt(second)
    assert (rest.owner, rest.status, rest.quantity) == (cast.distributor.address, ReceiptStatus.FREE,
                                                        2_000 - (seized - 1_000))
    assert receipts.get_receipt(third).owner == cast.distributor.address
    assert receipts.get_receipt(third).status == ReceiptStatus.FREE


def test_foreclosure_below_the_debt_takes_everything_and_records_the_shortfall(market: Market) -> None:
    cast, chain = market.cast, market.ledger.chain
    loan_id, receipt_id, deadline = margin_called(market, 45_00)
    chain.travel_to(deadline + 1)
    market.post(45_00)
    event = cast.bank1.loans.foreclose(loan_id)
    assert event.seized_quantity == QUANTITY
    assert event.shortfall == event.principal + event.interest - goods_value(QUANTITY, 45_00) > 0
    assert market.ledger.receipts.owner_of(receipt_id) == cast.bank1.address
    assert CURE_PERIOD == 3 * DAY
