"""Warehouse-receipt pledge financing end to end: pledge, price drop, margin call, cure, repay, release, delivery."""

from __future__ import annotations

from sdk.generated.events import ReceiptPledged, ReceiptReleased, SettlementTokenTransfer
from sdk.warehouse import (
    LoanStatus,
    ReceiptStatus,
    accrued_interest,
    apply_repayment,
    goods_value,
    loan_limit,
    ltv_bps,
)
from tests.contracts.warehouse_support import (
    CU,
    CURE_PERIOD,
    DAY,
    KG,
    MARGIN_CALL_LTV_BPS,
    MAX_LTV_BPS,
    PRICE,
    QUANTITY,
    RATE_BPS,
    Market,
    terms,
)


def test_pledge_price_drop_margin_call_cure_repay_release_and_delivery(market: Market) -> None:
    ledger, cast = market.ledger, market.cast
    chain = ledger.chain
    token = ledger.token
    borrower, bank = cast.distributor, cast.bank1
    supply = token.total_supply()
    borrower_cash = token.balance_of(borrower.address).units
    bank_cash = token.balance_of(bank.address).units

    # Issue: 10 t of copper cathode, lot QD-LOT-0001.
    receipt_id = market.issue()
    receipt = ledger.receipts.get_receipt(receipt_id)
    assert (receipt.owner, receipt.status, receipt.quantity, receipt.commodity, receipt.unit, receipt.lot_id) == (
        borrower.address, ReceiptStatus.FREE, QUANTITY, CU, KG, "QD-LOT-0001")
    assert ledger.receipts.live_receipt_of_lot(cast.warehouse.address, "QD-LOT-0001") == receipt_id

    # Pledge: the bank funds straight to the borrower in the same transaction that locks the receipt.
    limit = loan_limit(QUANTITY, PRICE, MAX_LTV_BPS)
    principal = 480_000_00
    maturity = market.maturity(90)
    borrower.receipts.approve(receipt_id, ledger.loans.address)  # the owner authorises the loan book's lien
    result = borrower.loans._transact("pledge", market.program_id, receipt_id, principal, maturity)
    opened = result.event
    assert opened.NAME == "LoanOpened"
    assert (opened.bank, opened.borrower, opened.receipt_id, opened.quantity, opened.price) == (
        bank.address, borrower.address, receipt_id, QUANTITY, PRICE)
    assert (opened.principal, opened.limit, opened.rate_bps, opened.maturity) == (principal, limit, RATE_BPS, maturity)
    assert opened.ltv_bps == ltv_bps(principal, goods_value(QUANTITY, PRICE)) == 6857
    assert (opened.old_status, opened.new_status) == (LoanStatus.NONE, LoanStatus.ACTIVE)
    assert result.one(ReceiptPledged).lien_holder == ledger.loans.address
    assert result.one(SettlementTokenTransfer).value == principal
    loan_id = opened.loan_id
    assert token.balance_of(borrower.address).units == borrower_cash + principal
    assert token.balance_of(bank.address).units == bank_cash - principal
    pledged = ledger.receipts.get_receipt(receipt_id)
    assert (pledged.status, pledged.lien_holder, pledged.owner) == (
        ReceiptStatus.PLEDGED, ledger.loans.address, borrower.address)
    opened_at = chain.now()

    # Price drop: 70.00 -> 58.00 per kg pushes LTV above 80%; anyone, even a non-participant, may call margin.
    market.post(58_00)
    risk = ledger.loans.get_risk(loan_id)
    assert risk.fresh and risk.ltv_bps > MARGIN_CALL_LTV_BPS
    called = cast.outsider.loans.call_margin(loan_id)
    now = chain.now()
    debt = principal + accrued_interest(principal, RATE_BPS, now - opened_at)
    assert called.loan_id == loan_id
    assert called.ltv_bps == ltv_bps(debt, goods_value(QUANTITY, 58_00))
    assert called.deadline == now + CURE_PERIOD
    assert (called.bank, called.borrower, called.price) == (bank.address, borrower.address, 58_00)
    assert (called.old_status, called.new_status) == (LoanStatus.ACTIVE, LoanStatus.MARGIN_CALLED)
    assert ledger.loans.get_loan(loan_id).margin_call_deadline == called.deadline

    # Cure by repaying: 100,000.00 brings LTV back within 70%.
    borrower.token.approve(ledger.loans.address, 10**12)
    repaid = borrower.loans.repay(loan_id, 100_000_00)
    interest = accrued_interest(principal, RATE_BPS, chain.now() - opened_at)
    expected = apply_repayment(principal, interest, 100_000_00)
    assert (repaid.amount, repaid.interest_paid, repaid.principal_paid) == (
        expected.paid, expected.interest_paid, expected.principal_paid)
    assert (repaid.principal, repaid.interest) == (expected.principal, 0)
    assert (repaid.old_status, repaid.new_status) == (LoanStatus.MARGIN_CALLED, LoanStatus.ACTIVE)
    loan = ledger.loans.get_loan(loan_id)
    assert (loan.status, loan.margin_call_deadline, loan.principal) == (LoanStatus.ACTIVE, 0, expected.principal)
    principal_left = expected.principal
    repaid_at, carry = chain.now(), loan.interest_carry  # the sub-cent remainder carried to the next accrual

    # A month later, a fresh price; repay part and release 2 t as a free child receipt.
    chain.increase_time(30 * DAY)
    market.post(60_00)
    both = borrower.loans.repay_and_release(loan_id, 80_000_00, receipt_id, 2_000)
    interest = accrued_interest(principal_left, RATE_BPS, chain.now() - repaid_at, carry)
    assert both.repaid.interest_paid == interest
    assert both.repaid.principal == principal_left - (80_000_00 - interest)
    principal_left = both.repaid.principal
    released = both.released
    child_id = released.released_receipt_id
    assert (released.receipt_id, released.quantity, released.pledged_quantity) == (receipt_id, 2_000, 8_000)
    assert released.ltv_bps == ltv_bps(principal_left, goods_value(8_000, 60_00))
    child = ledger.receipts.get_receipt(child_id)
    assert (child.parent_id, child.owner, child.status, child.quantity, child.lot_id) == (
        receipt_id, borrower.address, ReceiptStatus.FREE, 2_000, "QD-LOT-0001")
    assert ledger.receipts.get_receipt(receipt_id).quantity == 8_000
    assert ledger.receipts.live_pieces_of_lot(cast.warehouse.address, "QD-LOT-0001") == 2

    # Repay in full: the rest of the goods is released.
    result = borrower.loans._transact("repay", loan_id, 2**256 - 1)
    final = result.event
    assert (final.principal, final.interest) == (0, 0)
    assert (final.old_status, final.new_status) == (LoanStatus.ACTIVE, LoanStatus.REPAID)
    assert [e.id for e in result.find(ReceiptReleased)] == [receipt_id]
    assert ledger.receipts.get_receipt(receipt_id).status == ReceiptStatus.FREE
    assert ledger.loans.get_loan(loan_id).status == LoanStatus.REPAID

    # Delivery out: the holder presents both pieces; the lot is free again after the last one.
    borrower.receipts.present(child_id)
    first = cast.warehouse.receipts.deliver(child_id)
    assert (first.presenter, first.quantity, first.lot_freed) == (borrower.address, 2_000, False)
    borrower.receipts.present(receipt_id)
    last = cast.warehouse.receipts.deliver(receipt_id)
    assert (last.quantity, last.lot_freed, last.new_status) == (8_000, True, ReceiptStatus.DELIVERED)
    assert ledger.receipts.live_receipt_of_lot(cast.warehouse.address, "QD-LOT-0001") == 0
    assert ledger.receipts.balance_of(borrower.address) == 0

    # Money: nothing created or lost; the bank got principal plus interest back.
    assert token.total_supply() == supply
    interest_total = (token.balance_of(bank.address).units - bank_cash)
    assert token.balance_of(borrower.address).units == borrower_cash - interest_total
    assert interest_total > 0


def test_gas_of_each_operation_stays_within_budget(market: Market) -> None:
    """Gas from real receipts. Budgets (issue 16): issue <= 190k, pledge with funding <= 160k (the owner approved
    the loan book for the receipt, as the SDK does); the rest hold measured levels."""
    cast, loans = market.cast, market.ledger
    gas: dict[str, int] = {}
    depositor = cast.supplier2  # holds no receipt yet: the ERC-721 balance slot is written from zero
    depositor.token.approve(loans.loans.address, 10**12)
    result = cast.warehouse.receipts._transact("issue", depositor.address, terms("GAS-1").to_abi(), QUANTITY)
    gas["issue (first receipt of the depositor)"] = result.gas_used
    receipt_id = result.event.id
    result = cast.warehouse.receipts._transact("issue", depositor.address, terms("GAS-2").to_abi(), QUANTITY)
    gas["issue"] = result.gas_used
    second = result.event.id
    depositor.receipts.approve(receipt_id, loans.loans.address)  # the owner authorises the loan book's lien
    result = depositor.loans._transact("pledge", market.program_id, receipt_id, 400_000_00, market.maturity())
    gas["pledge with funding"] = result.gas_used
    loan_id = result.event.loan_id
    gas["split"] = depositor.receipts._transact("split", second, 1_000, depositor.address).gas_used
    gas["repay and release"] = depositor.loans._transact(
        "repayAndRelease", loan_id, 50_000_00, receipt_id, 1_000).gas_used
    gas["release"] = depositor.loans._transact("release", loan_id, receipt_id, 500).gas_used
    gas["repay"] = depositor.loans._transact("repay", loan_id, 10_000_00).gas_used
    market.post(40_00)
    gas["margin call"] = cast.outsider.loans._transact("callMargin", loan_id).gas_used
    depositor.receipts.approve(second, loans.loans.address)
    gas["add collateral (cure)"] = depositor.loans._transact("addCollateral", loan_id, second).gas_used
    gas["repay in full (releases 2 receipts)"] = depositor.loans._transact("repay", loan_id, 2**256 - 1).gas_used
    depositor.receipts.present(second)
    gas["deliver"] = cast.warehouse.receipts._transact("deliver", second).gas_used
    print("\nwarehouse gas:", gas)

    assert gas["issue (first receipt of the depositor)"] <= 190_000
    assert gas["issue"] <= 190_000
    assert gas["pledge with funding"] <= 160_000
    assert gas["split"] <= 165_000
    assert gas["repay and release"] <= 235_000
    assert gas["release"] <= 195_000
    assert gas["deliver"] <= 70_000
