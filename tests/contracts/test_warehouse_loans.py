"""PledgeLoans: programs, pledge with funding, interest, release, margin calls, cure and foreclosure."""

from __future__ import annotations

import pytest

from sdk import Role
from sdk.errors import (
    ERC20InsufficientAllowance,
    LoanAmountInvalid,
    LoanCollateralFull,
    LoanCollateralMismatch,
    LoanForeclosureNotDue,
    LoanLtvAboveMax,
    LoanMarginCallNotDue,
    LoanMaturityInvalid,
    LoanNotBank,
    LoanNotBorrower,
    LoanNotFound,
    LoanPrincipalExceedsLimit,
    LoanProgramNotBank,
    LoanProgramNotOpen,
    LoanProgramTermsInvalid,
    LoanReceiptNotCollateral,
    LoanReleaseQuantityInvalid,
    LoanStatusInvalid,
    ParticipantIsSuspended,
    ParticipantMissingRole,
    PriceCommodityNotListed,
    PriceStale,
    ReceiptIsPledged,
    ReceiptNotOwner,
)
from sdk.generated.events import (
    CollateralAdded,
    CollateralReleased,
    LoanForeclosed,
    MarginCallCured,
    ProgramClosed,
    ProgramOpened,
    ReceiptSeized,
    ReceiptSplit,
)
from sdk.warehouse import (
    LoanStatus,
    ProgramStatus,
    ReceiptAction,
    ReceiptStatus,
    accrued_interest,
    code,
    goods_value,
    loan_limit,
    ltv_bps,
    max_release,
)
from tests.contracts.warehouse_support import (
    AL,
    CU,
    CURE_PERIOD,
    DAY,
    MARGIN_CALL_LTV_BPS,
    MAX_AGE,
    MAX_LTV_BPS,
    MAX_TENOR,
    PRICE,
    PROGRAM_CAP,
    QUANTITY,
    RATE_BPS,
    Market,
    list_commodity,
)

LIMIT = loan_limit(QUANTITY, PRICE, MAX_LTV_BPS)  # 490,000.00
PRINCIPAL = 400_000_00


def open_loan(market: Market, principal: int = PRINCIPAL, lot: str = "QD-LOT-0001", days: int = 90) -> tuple[int, int]:
    receipt_id = market.issue(lot=lot)
    return market.pledge(receipt_id, principal, days=days), receipt_id


# ---------------------------------------------------------------------------------------------- programs
def test_program_keeps_its_terms(market: Market) -> None:
    program = market.ledger.loans.get_program(market.program_id)
    assert (program.bank, program.commodity, program.rate_bps, program.max_ltv_bps, program.margin_call_ltv_bps) == (
        market.cast.bank1.address, CU, RATE_BPS, MAX_LTV_BPS, MARGIN_CALL_LTV_BPS)
    assert (program.cure_period, program.max_tenor, program.status) == (CURE_PERIOD, MAX_TENOR, ProgramStatus.OPEN)


def test_open_program_event_carries_the_terms(market: Market) -> None:
    event = market.cast.bank2.loans.open_program(
        CU, rate_bps=770, max_ltv_bps=6_000, margin_call_ltv_bps=7_500, cure_period=DAY,
            max_tenor=30 * DAY, cap=PROGRAM_CAP)
    assert event == ProgramOpened(
        event.program_id, market.cast.bank2.address, code(CU, 16), 770, 6_000, 7_500, DAY, 30 * DAY,
        PROGRAM_CAP, ProgramStatus.NONE, ProgramStatus.OPEN)


@pytest.mark.parametrize(
    ("rate", "max_ltv", "mc_ltv", "cure", "tenor"),
    [
        (550, 0, 8_000, DAY, DAY),  # no LTV
        (550, 8_000, 8_000, DAY, DAY),  # margin call not above max
        (550, 7_000, 10_001, DAY, DAY),  # margin call above 100%
        (10_001, 7_000, 8_000, DAY, DAY),  # rate above 100%
        (550, 7_000, 8_000, 0, DAY),  # no cure period
        (550, 7_000, 8_000, DAY, 0),  # no tenor
    ],
)
def test_program_with_bad_terms_reverts(market: Market, rate: int, max_ltv: int, mc_ltv: int, cure: int,
                                        tenor: int) -> None:
    with pytest.raises(LoanProgramTermsInvalid) as err:
        market.cast.bank1.loans.open_program(
            CU, rate_bps=rate, max_ltv_bps=max_ltv, margin_call_ltv_bps=mc_ltv, cure_period=cure,
            max_tenor=tenor, cap=PROGRAM_CAP)
    e = err.value
    assert (e.commodity, e.rate_bps, e.max_ltv_bps, e.margin_call_ltv_bps, e.cure_period, e.max_tenor) == (
        code(CU, 16), rate, max_ltv, mc_ltv, cure, tenor)


def test_program_for_unlisted_commodity_reverts(market: Market) -> None:
    with pytest.raises(PriceCommodityNotListed) as err:
        market.cast.bank1.loans.open_program(
            "NI", rate_bps=550, max_ltv_bps=7_000, margin_call_ltv_bps=8_000, cure_period=DAY,
            max_tenor=DAY, cap=PROGRAM_CAP)
    assert err.value.commodity == code("NI", 16)


def test_only_banks_open_programs(market: Market) -> None:
    with pytest.raises(ParticipantMissingRole) as err:
        market.cast.distributor.loans.open_program(
            CU, rate_bps=550, max_ltv_bps=7_000, margin_call_ltv_bps=8_000, cure_period=DAY,
            max_tenor=DAY, cap=PROGRAM_CAP)
    assert (err.value.account, err.value.role) == (market.cast.distributor.address, Role.BANK)


def test_closed_program_takes_no_pledges(market: Market) -> None:
    cast = market.cast
    with pytest.raises(LoanProgramNotBank) as err:
        cast.bank2.loans.close_program(market.program_id)
    assert (err.value.program_id, err.value.account, err.value.bank) == (
        market.program_id, cast.bank2.address, cast.bank1.address)
    assert cast.bank1.loans.close_program(market.program_id) == ProgramClosed(
        market.program_id, cast.bank1.address, ProgramStatus.OPEN, ProgramStatus.CLOSED)
    receipt_id = market.issue()
    with pytest.raises(LoanProgramNotOpen) as err2:
        market.pledge(receipt_id, 1)
    assert (err2.value.program_id, err2.value.status) == (market.program_id, ProgramStatus.CLOSED)
    with pytest.raises(LoanProgramNotOpen) as err3:
        cast.distributor.loans.pledge(77, receipt_id, 1, market.maturity())
    assert (err3.value.program_id, err3.value.status) == (77, ProgramStatus.NONE)


# ---------------------------------------------------------------------------------------------- pledge
def test_pledge_up_to_the_limit_exactly(market: Market) -> None:
    loan_id, receipt_id = open_loan(market, LIMIT)
    loan = market.ledger.loans.get_loan(loan_id)
    assert (loan.principal, loan.interest, loan.status, loan.receipt_ids, loan.borrower, loan.bank) == (
        LIMIT, 0, LoanStatus.ACTIVE, (receipt_id,), market.cast.distributor.address, market.cast.bank1.address)


def test_pledge_one_cent_over_the_limit_reverts(market: Market) -> None:
    receipt_id = market.issue()
    with pytest.raises(LoanPrincipalExceedsLimit) as err:
        market.pledge(receipt_id, LIMIT + 1)
    assert (err.value.principal, err.value.limit) == (LIMIT + 1, LIMIT)


def test_pledge_of_zero_reverts_amount_invalid(market: Market) -> None:
    receipt_id = market.issue()
    with pytest.raises(LoanAmountInvalid) as err:
        market.pledge(receipt_id, 0)
    assert err.value.amount == 0


@pytest.mark.parametrize("offset", [-1, MAX_TENOR + DAY])  # a day of slack: calls run in the next block
def test_pledge_with_maturity_outside_the_tenor_reverts(market: Market, offset: int) -> None:
    receipt_id = market.issue()
    now = market.ledger.chain.now()
    with pytest.raises(LoanMaturityInvalid) as err:
        market.cast.distributor.loans.pledge(market.program_id, receipt_id, 1, now + offset)
    assert err.value.maturity == now + offset
    assert err.value.latest_maturity >= now + MAX_TENOR


def test_pledge_at_a_stale_price_reverts(market: Market) -> None:
    receipt_id = market.issue()
    observed = market.ledger.prices.get_feed(CU).observed_at
    market.ledger.chain.increase_time(MAX_AGE + 1)
    with pytest.raises(PriceStale) as err:
        market.pledge(receipt_id, 1)
    assert (err.value.commodity, err.value.observed_at, err.value.max_age) == (code(CU, 16), observed, MAX_AGE)


def test_pledge_of_another_commodity_reverts_mismatch(market: Market) -> None:
    list_commodity(market.cast, AL, 18_00)
    receipt_id = market.issue(lot="AL-1", commodity=AL)
    with pytest.raises(LoanCollateralMismatch) as err:
        market.pledge(receipt_id, 1)
    e = err.value
    assert (e.receipt_id, e.commodity, e.program_commodity, e.unit, e.price_unit) == (
        receipt_id, code(AL, 16), code(CU, 16), code("kg", 4), code("kg", 4))


def test_pledge_of_someone_elses_receipt_reverts_not_owner(market: Market) -> None:
    receipt_id = market.issue(owner=market.cast.core)
    with pytest.raises(ReceiptNotOwner) as err:
        market.pledge(receipt_id, 1)
    assert (err.value.id, err.value.account, err.value.owner) == (
        receipt_id, market.cast.distributor.address, market.cast.core.address)


def test_pledging_a_pledged_receipt_again_reverts(market: Market) -> None:
    cast = market.cast
    _, receipt_id = open_loan(market)
    other = cast.bank2.loans.open_program(
        CU, rate_bps=500, max_ltv_bps=5_000, margin_call_ltv_bps=6_000, cure_period=DAY,
            max_tenor=90 * DAY, cap=PROGRAM_CAP)
    with pytest.raises(ReceiptIsPledged) as err:
        cast.distributor.loans.pledge(other.program_id, receipt_id, 1, market.maturity())
    assert (err.value.id, err.value.lien_holder, err.value.action) == (
        receipt_id, market.ledger.loans.address, ReceiptAction.PLEDGE)


def test_pledge_without_bank_approval_reverts(market: Market) -> None:
    cast = market.cast
    cast.bank1.token.approve(market.ledger.loans.address, 10)
    receipt_id = market.issue()
    with pytest.raises(ERC20InsufficientAllowance) as err:
        market.pledge(receipt_id, 11)
    assert (err.value.spender, err.value.allowance, err.value.needed) == (market.ledger.loans.address, 10, 11)
    assert market.ledger.receipts.get_receipt(receipt_id).status == ReceiptStatus.FREE


def test_pledge_under_a_suspended_bank_reverts(market: Market) -> None:
    receipt_id = market.issue()
    market.cast.operator.registry.suspend(market.cast.bank1.address, "RESOLUTION")
    with pytest.raises(ParticipantIsSuspended) as err:
        market.pledge(receipt_id, 1)
    assert err.value.account == market.cast.bank1.address


# ---------------------------------------------------------------------------------------------- interest and repayment
def test_interest_accrues_actual_365_to_the_second_as_the_sdk_computes(market: Market) -> None:
    chain, loans = market.ledger.chain, market.ledger.loans
    loan_id, _ = open_loan(market)
    opened = loans.get_loan(loan_id).accrued_at
    chain.increase_time(45 * DAY + 777)
    principal, interest = loans.get_debt(loan_id)
    assert (principal, interest) == (PRINCIPAL, accrued_interest(PRINCIPAL, RATE_BPS, chain.now() - opened))
    market.approve_loans(market.cast.distributor)
    repaid = market.cast.distributor.loans.repay(loan_id, 1_000_00)
    expected = accrued_interest(PRINCIPAL, RATE_BPS, chain.now() - opened)
    assert (repaid.interest_paid, repaid.principal_paid) == (1_000_00, 0)
    assert (repaid.principal, repaid.interest) == (PRINCIPAL, expected - 1_000_00)
    loan = loans.get_loan(loan_id)
    assert (loan.interest, loan.accrued_at) == (expected - 1_000_00, chain.now())
    assert loan.debt_at(chain.now() + DAY, RATE_BPS) == PRINCIPAL + expected - 1_000_00 + accrued_interest(
        PRINCIPAL, RATE_BPS, DAY, loan.interest_carry)


def test_anyone_active_may_repay_and_the_money_goes_to_the_bank(market: Market) -> None:
    cast, token = market.cast, market.ledger.token
    loan_id, _ = open_loan(market)
    market.approve_loans(cast.core)
    bank_before = token.balance_of(cast.bank1.address).units
    repaid = cast.core.loans.repay(loan_id, 50_000_00)
    assert (repaid.payer, repaid.bank, repaid.amount) == (cast.core.address, cast.bank1.address, 50_000_00)
    assert token.balance_of(cast.bank1.address).units == bank_before + 50_000_00


def test_repay_of_zero_or_unknown_or_closed_loan_reverts(market: Market) -> None:
    cast = market.cast
    loan_id, _ = open_loan(market)
    market.approve_loans(cast.distributor)
    with pytest.raises(LoanAmountInvalid) as err:
        cast.distributor.loans.repay(loan_id, 0)
    assert err.value.amount == 0
    with pytest.raises(LoanNotFound) as err2:
        cast.distributor.loans.repay(99, 1)
    assert err2.value.loan_id == 99
    cast.distributor.loans.repay_in_full(loan_id)
    with pytest.raises(LoanStatusInvalid) as err3:
        cast.distributor.loans.repay(loan_id, 1)
    assert (err3.value.loan_id, err3.value.status) == (loan_id, LoanStatus.REPAID)


def test_overpayment_takes_only_the_debt(market: Market) -> None:
    cast, token = market.cast, market.ledger.token
    loan_id, receipt_id = open_loan(market)
    market.approve_loans(cast.distributor)
    before = token.balance_of(cast.distributor.address).units
    repaid = cast.distributor.loans.repay(loan_id, PRINCIPAL * 2)
    assert repaid.amount == repaid.interest_paid + PRINCIPAL
    assert repaid.new_status == LoanStatus.REPAID
    assert token.balance_of(cast.distributor.address).units == before - repaid.amount
    assert market.ledger.receipts.get_receipt(receipt_id).status == ReceiptStatus.FREE


# ---------------------------------------------------------------------------------------------- release
def test_release_splits_a_free_child_within_max_ltv(market: Market) -> None:
    loan_id, receipt_id = open_loan(market, 300_000_00)
    principal, interest = market.ledger.loans.get_debt(loan_id)
    most = max_release(QUANTITY, principal + interest + 1_00, PRICE, MAX_LTV_BPS)  # margin for a block of interest
    event = market.cast.distributor.loans.release(loan_id, receipt_id, most)
    assert (event.loan_id, event.receipt_id, event.quantity, event.pledged_quantity) == (
        loan_id, receipt_id, most, QUANTITY - most)
    assert event.ltv_bps <= MAX_LTV_BPS
    child = market.ledger.receipts.get_receipt(event.released_receipt_id)
    assert (child.owner, child.status, child.parent_id) == (market.cast.distributor.address, ReceiptStatus.FREE,
                                                            receipt_id)


def test_release_beyond_max_ltv_reverts_with_the_most_allowed(market: Market) -> None:
    loan_id, receipt_id = open_loan(market, 300_000_00)
    principal, interest = market.ledger.loans.get_debt(loan_id)
    with pytest.raises(LoanReleaseQuantityInvalid) as err:
        market.cast.distributor.loans.release(loan_id, receipt_id, 5_000)
    e = err.value
    assert (e.loan_id, e.receipt_id, e.quantity) == (loan_id, receipt_id, 5_000)
    assert e.max_quantity == max_release(QUANTITY, principal + interest, PRICE, MAX_LTV_BPS)
    with pytest.raises(LoanReleaseQuantityInvalid) as err2:
        market.cast.distributor.loans.release(loan_id, receipt_id, 0)
    assert err2.value.quantity == 0


def test_release_by_non_borrower_or_of_foreign_receipt_reverts(market: Market) -> None:
    loan_id, receipt_id = open_loan(market)
    with pytest.raises(LoanNotBorrower) as err:
        market.cast.core.loans.release(loan_id, receipt_id, 1)
    assert (err.value.loan_id, err.value.account, err.value.borrower) == (
        loan_id, market.cast.core.address, market.cast.distributor.address)
    with pytest.raises(LoanReceiptNotCollateral) as err2:
        market.cast.distributor.loans.release(loan_id, 999, 1)
    assert (err2.value.loan_id, err2.value.receipt_id) == (loan_id, 999)


def test_release_needs_a_fresh_price(market: Market) -> None:
    loan_id, receipt_id = open_loan(market, 100_000_00)
    market.ledger.chain.increase_time(MAX_AGE + 1)
    with pytest.raises(PriceStale) as err:
        market.cast.distributor.loans.release(loan_id, receipt_id, 1)
    assert err.value.commodity == code(CU, 16)


def test_releasing_a_whole_receipt_unlocks_it_and_drops_it_from_the_loan(market: Market) -> None:
    cast = market.cast
    loan_id, first = open_loan(market, 50_000_00)
    second = market.issue(lot="QD-LOT-0002", quantity=2_000)
    added = cast.distributor.loans.add_collateral(loan_id, second)
    assert added == CollateralAdded(loan_id, second, cast.distributor.address, 2_000, QUANTITY + 2_000,
                                    LoanStatus.ACTIVE, LoanStatus.ACTIVE)
    event = cast.distributor.loans.release(loan_id, first, QUANTITY)
    debt = market.ledger.loans.get_loan(loan_id).debt_at(market.ledger.chain.now(), RATE_BPS)
    assert event == CollateralReleased(loan_id, first, first, QUANTITY, 2_000, ltv_bps(debt, goods_value(2_000, PRICE)),
                                       LoanStatus.ACTIVE, LoanStatus.ACTIVE)
    assert market.ledger.loans.get_loan(loan_id).receipt_ids == (second,)
    assert market.ledger.receipts.get_receipt(first).status == ReceiptStatus.FREE


# ---------------------------------------------------------------------------------------------- margin
def test_margin_call_below_threshold_reverts_not_due(market: Market) -> None:
    loan_id, _ = open_loan(market)
    with pytest.raises(LoanMarginCallNotDue) as err:
        market.cast.outsider.loans.call_margin(loan_id)
    e = err.value
    assert (e.loan_id, e.margin_call_ltv_bps) == (loan_id, MARGIN_CALL_LTV_BPS)
    assert e.ltv_bps == ltv_bps(PRINCIPAL, goods_value(QUANTITY, PRICE))


def test_margin_call_at_exactly_the_threshold_is_not_due_and_one_cent_lower_is(market: Market) -> None:
    cast = market.cast
    # A zero-rate program, so no interest moves LTV between blocks.
    program = cast.bank1.loans.open_program(
        CU, rate_bps=0, max_ltv_bps=MAX_LTV_BPS, margin_call_ltv_bps=MARGIN_CALL_LTV_BPS, cure_period=DAY,
        max_tenor=MAX_TENOR, cap=PROGRAM_CAP)
    receipt_id = market.issue()
    loan_id = cast.distributor.loans.pledge(program.program_id, receipt_id, PRINCIPAL, market.maturity()).loan_id
    market.post(50_00)  # 400,000.00 / 500,000.00 = exactly 80%
    with pytest.raises(LoanMarginCallNotDue) as err:
        cast.outsider.loans.call_margin(loan_id)
    assert err.value.ltv_bps == MARGIN_CALL_LTV_BPS
    market.post(49_99)
    called = cast.outsider.loans.call_margin(loan_id)
    assert called.ltv_bps == ltv_bps(PRINCIPAL, goods_value(QUANTITY, 49_99)) == 8001


def test_margin_call_twice_or_on_unknown_loan_reverts(market: Market) -> None:
    loan_id, _ = open_loan(market, LIMIT)
    market.post(55_00)
    market.cast.outsider.loans.call_margin(loan_id)
    with pytest.raises(LoanStatusInvalid) as err:
        market.cast.outsider.loans.call_margin(loan_id)
    assert (err.value.loan_id, err.value.status) == (loan_id, LoanStatus.MARGIN_CALLED)
    with pytest.raises(LoanNotFound):
        market.cast.outsider.loans.call_margin(loan_id + 1)


def test_margin_call_needs_a_fresh_price(market: Market) -> None:
    loan_id, _ = open_loan(market, LIMIT)
    market.ledger.chain.increase_time(MAX_AGE + 1)
    with pytest.raises(PriceStale):
        market.cast.outsider.loans.call_margin(loan_id)


def test_release_while_margin_called_reverts(market: Market) -> None:
    loan_id, receipt_id = open_loan(market, LIMIT)
    market.post(55_00)
    market.cast.outsider.loans.call_margin(loan_id)
    with pytest.raises(LoanStatusInvalid) as err:
        market.cast.distributor.loans.release(loan_id, receipt_id, 1)
    assert err.value.status == LoanStatus.MARGIN_CALLED


def test_cure_by_adding_a_receipt(market: Market) -> None:
    cast = market.cast
    loan_id, _ = open_loan(market, LIMIT)
    market.post(55_00)
    cast.outsider.loans.call_margin(loan_id)
    extra = market.issue(lot="QD-LOT-0002", quantity=3_000)
    added = cast.distributor.loans.add_collateral(loan_id, extra)
    assert (added.old_status, added.new_status, added.pledged_quantity) == (
        LoanStatus.MARGIN_CALLED, LoanStatus.ACTIVE, QUANTITY + 3_000)
    loan = market.ledger.loans.get_loan(loan_id)
    assert (loan.status, loan.margin_call_deadline, loan.receipt_ids[-1]) == (LoanStatus.ACTIVE, 0, extra)


def test_adding_too_little_keeps_the_margin_call(market: Market) -> None:
    loan_id, _ = open_loan(market, LIMIT)
    market.post(55_00)
    market.cast.outsider.loans.call_margin(loan_id)
    extra = market.issue(lot="QD-LOT-0002", quantity=100)
    added = market.cast.distributor.loans.add_collateral(loan_id, extra)
    assert (added.old_status, added.new_status) == (LoanStatus.MARGIN_CALLED, LoanStatus.MARGIN_CALLED)
    with pytest.raises(LoanLtvAboveMax) as err:
        market.cast.outsider.loans.cure(loan_id)
    assert (err.value.loan_id, err.value.max_ltv_bps) == (loan_id, MAX_LTV_BPS)
    assert err.value.ltv_bps > MAX_LTV_BPS


def test_price_recovery_cures_through_cure(market: Market) -> None:
    loan_id, _ = open_loan(market, LIMIT)
    market.post(55_00)
    market.cast.outsider.loans.call_margin(loan_id)
    market.post(80_00)
    event = market.cast.outsider.loans.cure(loan_id)
    principal, interest = market.ledger.loans.get_debt(loan_id)
    assert event == MarginCallCured(loan_id, ltv_bps(principal + interest, goods_value(QUANTITY, 80_00)),
                                    MAX_LTV_BPS, LoanStatus.MARGIN_CALLED, LoanStatus.ACTIVE)
    with pytest.raises(LoanStatusInvalid) as err:
        market.cast.outsider.loans.cure(loan_id)
    assert err.value.status == LoanStatus.ACTIVE


def test_add_collateral_limits(market: Market) -> None:
    cast = market.cast
    loan_id, _ = open_loan(market, 1_000_00)
    with pytest.raises(LoanNotBorrower):
        cast.core.loans.add_collateral(loan_id, market.issue(owner=cast.core, lot="CORE-1"))
    for i in range(2, 6):
        cast.distributor.loans.add_collateral(loan_id, market.issue(lot=f"QD-LOT-000{i}", quantity=10))
    sixth = market.issue(lot="QD-LOT-0006", quantity=10)
    with pytest.raises(LoanCollateralFull) as err:
        cast.distributor.loans.add_collateral(loan_id, sixth)
    assert (err.value.loan_id, err.value.max_receipts) == (loan_id, 5)
    assert market.ledger.loans.get_pledged_quantity(loan_id) == QUANTITY + 40
    assert len(market.ledger.loans.get_loan(loan_id).receipt_ids) == 5


# ---------------------------------------------------------------------------------------------- foreclosure
def test_foreclosure_after_the_cure_deadline_passes_the_goods_and_records_the_shortfall(market: Market) -> None:
    cast, chain, loans = market.cast, market.ledger.chain, market.ledger.loans
    loan_id, receipt_id = open_loan(market, LIMIT)
    opened_at = loans.get_loan(loan_id).accrued_at
    market.post(45_00)
    called = cast.outsider.loans.call_margin(loan_id)
    with pytest.raises(LoanForeclosureNotDue) as err:
        cast.bank1.loans.foreclose(loan_id)
    assert (err.value.loan_id, err.value.status, err.value.margin_call_deadline) == (
        loan_id, LoanStatus.MARGIN_CALLED, called.deadline)
    chain.travel_to(called.deadline + 1)
    with pytest.raises(LoanNotBank) as err2:
        cast.bank2.loans.foreclose(loan_id)
    assert (err2.value.account, err2.value.bank) == (cast.bank2.address, cast.bank1.address)
    market.post(45_00)  # foreclosure values the goods at a fresh price
    result = cast.bank1.loans._transact("foreclose", loan_id)
    event = result.one(LoanForeclosed)
    assert event.interest == accrued_interest(LIMIT, RATE_BPS, chain.now() - opened_at)
    value = goods_value(QUANTITY, 45_00)
    assert (event.bank, event.borrower, event.principal, event.quantity, event.price, event.collateral_value) == (
        cast.bank1.address, cast.distributor.address, LIMIT, QUANTITY, 45_00, value)
    assert event.shortfall == LIMIT + event.interest - value > 0
    assert (event.old_status, event.new_status) == (LoanStatus.MARGIN_CALLED, LoanStatus.FORECLOSED)
    assert result.one(ReceiptSeized).to == cast.bank1.address
    receipt = market.ledger.receipts.get_receipt(receipt_id)
    assert (receipt.owner, receipt.status) == (cast.bank1.address, ReceiptStatus.FREE)
    loan = loans.get_loan(loan_id)
    assert (loan.status, loan.shortfall, loan.interest) == (LoanStatus.FORECLOSED, event.shortfall, event.interest)
    assert loans.get_debt(loan_id) == (LIMIT, event.interest)  # closed: no more accrual
    with pytest.raises(LoanStatusInvalid):
        cast.bank1.loans.foreclose(loan_id)


def test_foreclosure_after_unpaid_maturity_even_without_margin_call(market: Market) -> None:
    cast, chain = market.cast, market.ledger.chain
    loan_id, receipt_id = open_loan(market, 100_000_00, days=10)
    maturity = market.ledger.loans.get_loan(loan_id).maturity
    chain.travel_to(maturity - 60)  # calls run in the next block, a little later
    with pytest.raises(LoanForeclosureNotDue) as err:
        cast.bank1.loans.foreclose(loan_id)
    assert (err.value.status, err.value.maturity, err.value.margin_call_deadline) == (LoanStatus.ACTIVE, maturity, 0)
    chain.travel_to(maturity + 1)
    market.post(PRICE)
    result = cast.bank1.loans._transact("foreclose", loan_id)
    event = result.one(LoanForeclosed)
    assert event.shortfall == 0  # goods worth more than the debt: the bank takes only what covers it
    assert event.price == PRICE
    assert event.seized_quantity == -(-(event.principal + event.interest) // PRICE)
    assert market.ledger.receipts.owner_of(result.one(ReceiptSplit).child_id) == cast.bank1.address
    assert market.ledger.receipts.get_receipt(receipt_id).quantity == QUANTITY - event.seized_quantity
    assert market.ledger.receipts.owner_of(receipt_id) == cast.distributor.address


def test_late_payer_is_accepted_until_foreclosure(market: Market) -> None:
    cast, chain = market.cast, market.ledger.chain
    loan_id, receipt_id = open_loan(market, 100_000_00, days=10)
    chain.travel_to(market.ledger.loans.get_loan(loan_id).maturity + 5 * DAY)
    market.approve_loans(cast.distributor)
    repaid = cast.distributor.loans.repay_in_full(loan_id)
    assert repaid.new_status == LoanStatus.REPAID
    assert market.ledger.receipts.owner_of(receipt_id) == cast.distributor.address


def test_foreclosure_works_against_a_suspended_borrower(market: Market) -> None:
    cast = market.cast
    loan_id, receipt_id = open_loan(market, 100_000_00, days=10)
    cast.operator.registry.suspend(cast.distributor.address, "AML")
    market.ledger.chain.travel_to(market.ledger.loans.get_loan(loan_id).maturity + 1)
    market.post(PRICE)
    result = cast.bank1.loans._transact("foreclose", loan_id)
    assert result.one(LoanForeclosed).new_status == LoanStatus.FORECLOSED
    assert market.ledger.receipts.owner_of(result.one(ReceiptSplit).child_id) == cast.bank1.address
    assert market.ledger.receipts.get_receipt(receipt_id).status == ReceiptStatus.FREE
