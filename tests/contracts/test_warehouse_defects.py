"""Contracts v2 (issue 16): the warehouse money path against an absent or hostile party.

Each test is written in the shoes of the party that lost something on the v1 contracts."""

from __future__ import annotations

import pytest

from sdk import Party, Role
from sdk.errors import (
    LoanBorrowerNotListed,
    LoanMarginCallNotDue,
    LoanNotFound,
    LoanProgramCapExceeded,
    LoanProgramCapInvalid,
    LoanProgramNotBank,
    LoanWarehouseNotListed,
    PriceConfirmationBySameFeeder,
    PriceMaxAgeAboveCeiling,
    PriceProposalNotFound,
    PriceStale,
    ReceiptIssuerNotApproved,
    ReceiptLockNotApproved,
    ReceiptPledgeManagerNotContract,
    ReceiptSpenderRestricted,
)
from sdk.generated.events import (
    LoanForeclosed,
    PriceBandSet,
    PricePosted,
    PriceProposed,
    ProgramAllowListsSet,
    ProgramBorrowerListed,
    ProgramCapSet,
    ProgramWarehouseListed,
    ReceiptReleased,
    ReceiptSeized,
    ReceiptSplit,
)
from sdk.warehouse import LoanStatus, PriceBand, ReceiptStatus, code, goods_value, loan_limit
from tests.contracts.warehouse_support import (
    CU,
    CURE_PERIOD,
    DAY,
    MARGIN_CALL_LTV_BPS,
    MAX_AGE,
    MAX_LTV_BPS,
    MAX_TENOR,
    PRICE,
    QUANTITY,
    RATE_BPS,
    Market,
    deploy_manager,
    terms,
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


# ---------------------------------------------------------------------------------------------- defect 4
def capped_program(market: Market, cap: int) -> int:
    return market.cast.bank1.loans.open_program(
        CU, rate_bps=RATE_BPS, max_ltv_bps=MAX_LTV_BPS, margin_call_ltv_bps=MARGIN_CALL_LTV_BPS,
        cure_period=CURE_PERIOD, max_tenor=MAX_TENOR, cap=cap).program_id


def test_program_cap_bounds_the_principal_outstanding(market: Market) -> None:
    """The bank's allowance is no longer an open tap: the program lends at most its cap outstanding at once."""
    cast, loans = market.cast, market.ledger.loans
    program_id = capped_program(market, 300_000_00)
    first = market.issue()
    cast.distributor.loans.pledge(program_id, first, 200_000_00, market.maturity())
    second = market.issue(owner=cast.supplier1, lot="QD-LOT-0002")
    with pytest.raises(LoanProgramCapExceeded) as err:
        cast.supplier1.loans.pledge(program_id, second, 100_000_01, market.maturity())
    e = err.value
    assert (e.program_id, e.principal, e.outstanding, e.cap) == (program_id, 100_000_01, 200_000_00, 300_000_00)
    loan_id = cast.supplier1.loans.pledge(program_id, second, 100_000_00, market.maturity()).loan_id  # exactly
    assert loans.get_program(program_id).outstanding == 300_000_00
    # repaid principal frees room under the cap (the cap is on outstanding principal, not on principal ever lent)
    market.approve_loans(cast.supplier1)
    repaid = cast.supplier1.loans.repay(loan_id, 50_000_00)
    program = loans.get_program(program_id)
    assert program.outstanding == 300_000_00 - repaid.principal_paid
    assert program.headroom == repaid.principal_paid


def test_only_the_bank_sets_a_positive_cap(market: Market) -> None:
    cast = market.cast
    program_id = capped_program(market, 1_00)
    with pytest.raises(LoanProgramNotBank):
        cast.distributor.loans.set_program_cap(program_id, 10**12)
    with pytest.raises(LoanProgramCapInvalid):
        cast.bank1.loans.set_program_cap(program_id, 0)
    with pytest.raises(LoanProgramCapInvalid):
        capped_program(market, 0)
    assert cast.bank1.loans.set_program_cap(program_id, 5_00) == ProgramCapSet(
        program_id, cast.bank1.address, 1_00, 5_00, 0)


def test_outsider_borrower_is_refused_by_an_allow_listed_program(market: Market) -> None:
    cast, loans = market.cast, market.ledger.loans
    program_id = market.program_id
    assert cast.bank1.loans.set_program_allow_lists(program_id, warehouses=False, borrowers=True) == (
        ProgramAllowListsSet(program_id, cast.bank1.address, False, True))
    receipt_id = market.issue(owner=cast.supplier1)
    with pytest.raises(LoanBorrowerNotListed) as err:
        market.pledge(receipt_id, 1_000_00, borrower=cast.supplier1)
    assert (err.value.program_id, err.value.borrower) == (program_id, cast.supplier1.address)
    assert cast.bank1.loans.list_borrower(program_id, cast.supplier1.address) == ProgramBorrowerListed(
        program_id, cast.supplier1.address, True)
    assert loans.is_listed(program_id, cast.warehouse.address, cast.supplier1.address) == (False, True)
    market.pledge(receipt_id, 1_000_00, borrower=cast.supplier1)
    with pytest.raises(LoanProgramNotBank):
        cast.supplier1.loans.list_borrower(program_id, cast.distributor.address)


def test_receipt_of_an_unlisted_warehouse_is_refused(market: Market) -> None:
    cast, loans = market.cast, market.ledger.loans
    program_id = market.program_id
    # a second warehouse, admitted by the operator but not trusted by the bank
    other = cast.outsider
    cast.operator.registry.admit(other.address, [Role.WAREHOUSE_OPERATOR], "identity:warehouse2",
                                 market.ledger.chain.now() + 365 * DAY)
    cast.bank1.loans.set_program_allow_lists(program_id, warehouses=True, borrowers=False)
    assert cast.bank1.loans.list_warehouse(program_id, cast.warehouse.address) == ProgramWarehouseListed(
        program_id, cast.warehouse.address, True)
    foreign = other.receipts.issue(cast.distributor.address, terms("OTHER-LOT-1"), QUANTITY).id
    with pytest.raises(LoanWarehouseNotListed) as err:
        market.pledge(foreign, 1_000_00)
    assert (err.value.program_id, err.value.receipt_id, err.value.warehouse) == (program_id, foreign, other.address)
    loan_id = market.pledge(market.issue(), 1_000_00)
    with pytest.raises(LoanWarehouseNotListed):  # nor may it come in as added collateral
        cast.distributor.loans.add_collateral(loan_id, foreign)
    program = loans.get_program(program_id)
    assert (program.warehouses_listed, program.borrowers_listed) == (True, False)


# ---------------------------------------------------------------------------------------------- defect 7 (ERC-721)
def test_suspended_operator_holding_an_approval_cannot_move_or_split_receipts(market: Market) -> None:
    cast, receipts = market.cast, market.ledger.receipts
    receipt_id = market.issue()
    cast.distributor.receipts.set_approval_for_all(cast.core.address)
    cast.operator.registry.suspend(cast.core.address, "AML")
    with pytest.raises(ReceiptSpenderRestricted) as err:
        cast.core.receipts.transfer_from(cast.distributor.address, receipt_id, cast.supplier1.address)
    assert (err.value.id, err.value.spender, err.value.standing) == (receipt_id, cast.core.address, 2)  # Suspended
    with pytest.raises(ReceiptSpenderRestricted):
        cast.core.receipts.split(receipt_id, 1_000, cast.supplier1.address)
    assert receipts.owner_of(receipt_id) == cast.distributor.address
    cast.operator.registry.resume(cast.core.address)  # reinstated, the approval works again
    cast.core.receipts.transfer_from(cast.distributor.address, receipt_id, cast.supplier1.address)
    assert receipts.owner_of(receipt_id) == cast.supplier1.address


def test_unregistered_spender_with_a_single_receipt_approval_cannot_move_it(market: Market) -> None:
    cast = market.cast
    receipt_id = market.issue()
    cast.distributor.receipts.approve(receipt_id, cast.outsider.address)
    with pytest.raises(ReceiptSpenderRestricted) as err:
        cast.outsider.receipts.transfer_from(cast.distributor.address, receipt_id, cast.supplier1.address)
    assert err.value.standing == 0  # NotRegistered


# ---------------------------------------------------------------------------------------------- defect 5 (loans)
def test_tiny_repayments_no_longer_erase_interest(market: Market) -> None:
    """40 one-cent repayments 500 s apart on 10,000.00 at 5.5 %: each accrual is below a cent. The
    borrower must still owe, to the cent, the interest of the whole time on the principal actually outstanding."""
    cast, chain, loans = market.cast, market.ledger.chain, market.ledger.loans
    loan_id = market.pledge(market.issue(), 10_000_00)
    market.approve_loans(cast.distributor)
    principal, since = PRINCIPAL_SMALL, loans.get_loan(loan_id).accrued_at
    exact = 0  # sum of principal x rate x seconds, before dividing by 10,000 x 365 days
    paid = 0
    for _ in range(40):
        chain.increase_time(500)
        repaid = cast.distributor.loans.repay(loan_id, 1)
        now = loans.get_loan(loan_id).accrued_at
        exact += principal * RATE_BPS * (now - since)
        principal, since = repaid.principal, now
        paid += repaid.interest_paid
    owed = loans.get_loan(loan_id).interest
    expected = exact // (10_000 * 365 * DAY)
    assert expected == 34  # what the borrower owed for that time (v1 charged 0)
    assert paid + owed == expected


PRINCIPAL_SMALL = 10_000_00


# ---------------------------------------------------------------------------------------------- defect 3
def test_pledge_manager_role_goes_to_contracts_only(market: Market) -> None:
    """v1: the admin could make any key a lien holder, which could then lock and seize anyone's receipt."""
    cast = market.cast
    with pytest.raises(ReceiptPledgeManagerNotContract) as err:
        cast.operator.receipts.grant_pledge_manager(cast.outsider.address)
    assert err.value.account == cast.outsider.address
    assert not market.ledger.receipts.is_pledge_manager(cast.outsider.address)


def test_pledge_manager_contract_cannot_lien_a_receipt_its_owner_did_not_approve(market: Market) -> None:
    """In the shoes of a rogue (or buggy) pledge-manager contract: it tries to lock the distributor's receipt."""
    cast, receipts = market.cast, market.ledger.receipts
    rogue = deploy_manager(market.ledger, cast.outsider.account, grant=cast.operator)
    victim = market.issue()
    with pytest.raises(ReceiptLockNotApproved) as err:
        rogue.receipts._transact("lock", victim, cast.distributor.address)
    assert (err.value.id, err.value.owner, err.value.lien_holder) == (victim, cast.distributor.address, rogue.address)
    cast.distributor.receipts.approve(victim, cast.bank1.address)  # an approval of someone else is no authorisation
    with pytest.raises(ReceiptLockNotApproved):
        rogue.receipts._transact("lock", victim, cast.distributor.address)
    assert receipts.get_receipt(victim).status == ReceiptStatus.FREE
    # the owner's own approval for that receipt authorises the lien, and is consumed by it
    cast.distributor.receipts.approve(victim, rogue.address)
    rogue.receipts._transact("lock", victim, cast.distributor.address)
    locked = receipts.get_receipt(victim)
    assert (locked.status, locked.lien_holder) == (ReceiptStatus.PLEDGED, rogue.address)
    assert receipts.get_approved(victim) is None


def test_approval_for_all_authorises_liens(market: Market) -> None:
    cast, receipts = market.cast, market.ledger.receipts
    cast.distributor.receipts.set_approval_for_all(market.ledger.loans.address)
    receipt_id = market.issue()
    loan_id = cast.distributor.loans._transact(
        "pledge", market.program_id, receipt_id, 1_000_00, market.maturity()).events[-1].loan_id
    assert market.ledger.loans.get_loan(loan_id).receipt_ids == (receipt_id,)
    assert receipts.get_receipt(receipt_id).status == ReceiptStatus.PLEDGED


def test_pledge_without_the_owners_approval_of_the_loan_book_reverts(market: Market) -> None:
    cast = market.cast
    receipt_id = market.issue()
    with pytest.raises(ReceiptLockNotApproved) as err:
        cast.distributor.loans._transact("pledge", market.program_id, receipt_id, 1_000_00, market.maturity())
    assert (err.value.owner, err.value.lien_holder) == (cast.distributor.address, market.ledger.loans.address)


def test_issue_pledged_only_in_the_name_of_a_warehouse_that_approved_the_manager(market: Market) -> None:
    """v1: any pledge manager could mint pledged receipts in any warehouse's name (goods that were never there)."""
    cast, receipts = market.cast, market.ledger.receipts
    rogue = deploy_manager(market.ledger, cast.outsider.account, grant=cast.operator)
    fake = terms("FAKE-LOT-1").to_abi()
    with pytest.raises(ReceiptIssuerNotApproved) as err:
        rogue.receipts._transact("issuePledged", cast.warehouse.address, cast.distributor.address, fake, 500)
    assert (err.value.warehouse, err.value.manager) == (cast.warehouse.address, rogue.address)
    approved = cast.warehouse.receipts.set_issuer_approval(rogue.address)
    assert (approved.warehouse, approved.manager, approved.old_approved, approved.new_approved) == (
        cast.warehouse.address, rogue.address, False, True)
    assert receipts.is_issuer_approved(cast.warehouse.address, rogue.address)
    rogue.receipts._transact("issuePledged", cast.warehouse.address, cast.distributor.address, fake, 500)
    cast.warehouse.receipts.set_issuer_approval(rogue.address, False)
    with pytest.raises(ReceiptIssuerNotApproved):
        rogue.receipts._transact(
            "issuePledged", cast.warehouse.address, cast.distributor.address, terms("FAKE-LOT-2").to_abi(), 5)


# ---------------------------------------------------------------------------------------------- multicall
def test_borrower_repays_two_loans_in_one_multicall_and_it_is_atomic(market: Market) -> None:
    cast, loans = market.cast, market.ledger.loans
    first = market.pledge(market.issue(), 10_000_00)
    second = market.pledge(market.issue(lot="QD-LOT-0002"), 20_000_00)
    market.approve_loans(cast.distributor)
    result = cast.distributor.loans.multicall([("repay", (first, 1_000_00)), ("repay", (second, 2_000_00))])
    repaid = [e for e in result.events if e.NAME == "LoanRepaid"]
    assert [(e.loan_id, e.amount, e.payer) for e in repaid] == [
        (first, 1_000_00, cast.distributor.address), (second, 2_000_00, cast.distributor.address)]
    before = loans.get_debt(first)
    with pytest.raises(LoanNotFound):  # one bad call undoes the whole batch
        cast.distributor.loans.multicall([("repay", (first, 1_00)), ("repay", (999, 1_00))])
    assert loans.get_debt(first)[0] == before[0]


# ---------------------------------------------------------------------------------------------- defect 9 (feed)
def second_feeder(market: Market) -> Party:
    from tests.conftest import test_key

    key = test_key("feeder2")
    market.ledger.chain.fund(key.address, 10**21)
    cast = market.cast
    cast.operator.registry.admit(key.address, [Role.PRICE_FEEDER], "identity:feeder2",
                                 market.ledger.chain.now() + 365 * DAY)
    cast.operator.prices.set_feeder(CU, key.address)
    return market.ledger.as_party(key)


def test_max_age_has_a_protocol_ceiling(market: Market) -> None:
    """v1: the operator could list a commodity whose prices stay 'fresh' for years."""
    prices = market.cast.operator.prices
    ceiling = prices.max_age_ceiling()
    assert ceiling == 7 * DAY
    with pytest.raises(PriceMaxAgeAboveCeiling) as err:
        prices.list_commodity(CU, "kg", ceiling + 1)
    assert (err.value.max_age, err.value.ceiling) == (ceiling + 1, ceiling)
    assert prices.list_commodity(CU, "kg", ceiling).new_max_age == ceiling


def test_a_move_beyond_the_band_needs_a_second_feeder(market: Market) -> None:
    """In the shoes of one rogue feeder: a 30 % crash posted alone must not let the bank call margin."""
    cast, prices, chain = market.cast, market.ledger.prices, market.ledger.chain
    loan_id = market.pledge(market.issue(), LIMIT)
    assert cast.operator.prices.set_price_band(CU, 1_000) == PriceBandSet(code(CU, 16), 0, 1_000)
    chain.increase_time(1)
    at = chain.now()
    proposed = cast.feeder.prices.post_price(CU, 49_00, at)
    assert isinstance(proposed, PriceProposed)
    assert (proposed.price, proposed.last_price, proposed.band_bps) == (49_00, PRICE, 1_000)
    assert prices.get_feed(CU).price == PRICE  # not in effect
    with pytest.raises(LoanMarginCallNotDue):
        cast.outsider.loans.call_margin(loan_id)
    with pytest.raises(PriceConfirmationBySameFeeder):
        cast.feeder.prices.confirm_price(CU, 49_00, at)
    other = second_feeder(market)
    with pytest.raises(PriceProposalNotFound):
        other.prices.confirm_price(CU, 48_00, at)
    posted = other.prices.confirm_price(CU, 49_00, at)
    assert (posted.feeder, posted.price, posted.old_price) == (cast.feeder.address, 49_00, PRICE)
    assert prices.get_feed(CU).price == 49_00
    assert prices.get_price_band(CU).proposer is None
    assert cast.outsider.loans.call_margin(loan_id).price == 49_00


def test_a_move_within_the_band_takes_effect_alone_and_clears_a_stale_proposal(market: Market) -> None:
    cast, prices, chain = market.cast, market.ledger.prices, market.ledger.chain
    cast.operator.prices.set_price_band(CU, 1_000)
    chain.increase_time(1)
    cast.feeder.prices.post_price(CU, 10_00, chain.now())  # proposal
    assert prices.get_price_band(CU).proposed_price == 10_00
    chain.increase_time(1)
    posted = cast.feeder.prices.post_price(CU, PRICE * 11 // 10, chain.now())  # exactly +10 %: within
    assert isinstance(posted, PricePosted)
    assert prices.get_price_band(CU) == PriceBand(1_000, 0, 0, None)
