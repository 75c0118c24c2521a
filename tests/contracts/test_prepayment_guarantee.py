"""Defect 2: the seller's buy-back guarantee holds against an absent or hostile seller, and no status strands the
pledged receipt.

Before the fix, `buyBack` and `demandRefund` pulled the money from the seller at the moment of default: a seller
that never approved, revoked its approval, was suspended or whose KYC lapsed made both revert, and the receipt
stayed pledged to the Prepayment contract with no call left to the bank (the first two tests below reproduced it
on that code: the buy-back reverted and the receipt stayed pledged; the refund reverted). Now the seller locks
collateral at acceptance, the bank can always `enforce` after maturity plus the grace period, and a refund pays
from the collateral and records the rest as the seller's debt.
"""

from __future__ import annotations

import pytest

from sdk import Role
from sdk.errors import (
    ContractError,
    ERC20InsufficientAllowance,
    LedgerValueError,
    PrepaymentDebtAmountInvalid,
    PrepaymentGracePeriodNotOver,
    PrepaymentGuaranteeInvalid,
    PrepaymentNothingToClaim,
    PrepaymentStatusInvalid,
    PrepaymentUnauthorized,
    SettlementTransferRestricted,
)
from sdk.generated.events import PrepaymentCredited, PrepaymentDebtRecorded
from sdk.prepayment import PrepaymentParty, PrepaymentStatus, collateral_of, interest_with_carry
from sdk.warehouse import ReceiptStatus
from tests.contracts.prepayment_support import DAY, Desk

SELLER_ABSENT = ["never_approved", "revoked", "suspended", "kyc_expired"]
PRINCIPAL = 487_500_00
MARGIN = 162_500_00
COLLATERAL = 97_500_00  # 20 % of the principal, the SDK's default share


def make_seller_absent(desk: Desk, how: str) -> None:
    """Put the seller, after acceptance, in one of the four states where it cannot or will not pay."""
    if how == "revoked":
        desk.seller.prepayment.authorize(10**15)
        desk.seller.prepayment.authorize(0)
    elif how == "suspended":
        desk.cast.operator.registry.suspend(desk.seller.address, "AML")
    elif how == "kyc_expired":
        desk.cast.operator.registry.readmit(desk.seller.address, [Role.CORE_ENTERPRISE], "core", desk.now() + DAY)


def bring_seller_back(desk: Desk, how: str) -> None:
    if how == "suspended":
        desk.cast.operator.registry.resume(desk.seller.address)
    elif how == "kyc_expired":
        desk.cast.operator.registry.readmit(desk.seller.address, [Role.CORE_ENTERPRISE], "core", desk.now() + 400 * DAY)


def balance(desk: Desk, address: str) -> int:
    return desk.ledger.token.balance_of(address).units


def test_the_collateral_is_locked_at_acceptance(desk: Desk) -> None:
    proposed = desk.propose()
    a = desk.ledger.prepayment.get_agreement(proposed.id)
    assert (a.collateral_bps, a.grace_period, a.collateral, a.collateral_held) == (2_000, 7 * DAY, COLLATERAL, 0)
    assert collateral_of(PRINCIPAL, 2_000) == COLLATERAL
    seller_before = balance(desk, desk.seller.address)
    accepted = desk.seller.prepayment.accept(proposed.id)
    assert accepted.collateral == COLLATERAL
    assert balance(desk, desk.seller.address) == seller_before - COLLATERAL
    assert balance(desk, desk.ledger.prepayment.address) == MARGIN + COLLATERAL
    assert desk.ledger.prepayment.get_agreement(proposed.id).collateral_held == COLLATERAL


def test_a_seller_that_does_not_lock_the_collateral_cannot_accept(desk: Desk) -> None:
    proposed = desk.propose()
    with pytest.raises(ERC20InsufficientAllowance):
        desk.seller.prepayment.accept(proposed.id, approve_collateral=False)


def test_the_collateral_share_is_rounded_up_against_the_guarantor(desk: Desk) -> None:
    proposed = desk.propose(desk.terms(collateral_bps=1, unit_price=65_01))
    a = desk.ledger.prepayment.get_agreement(proposed.id)
    assert a.collateral == -(-a.principal // 10_000) and a.principal % 10_000 != 0


@pytest.mark.parametrize("how", SELLER_ABSENT)
def test_after_grace_the_bank_takes_the_goods_and_the_collateral_from_an_absent_seller(desk: Desk, how: str) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    receipt_id = desk.ledger.prepayment.get_agreement(agreement_id).receipt_id
    make_seller_absent(desk, how)
    desk.travel_past(terms.maturity)
    with pytest.raises(ContractError):  # the voluntary buy-back still needs the seller: it cannot pay
        desk.bank.prepayment.buy_back(agreement_id)
    enforceable_from = terms.maturity + terms.grace_period
    with pytest.raises(PrepaymentGracePeriodNotOver) as err:
        desk.bank.prepayment.enforce(agreement_id)
    assert (err.value.id, err.value.enforceable_from) == (agreement_id, enforceable_from)
    desk.travel_past(enforceable_from)
    bank_before = balance(desk, desk.bank.address)
    a = desk.ledger.prepayment.get_agreement(agreement_id)
    enforced = desk.bank.prepayment.enforce(agreement_id)
    interest = interest_with_carry(PRINCIPAL, a.rate_bps, desk.now() - a.interest_from, a.interest_carry)[0]
    assert (enforced.principal, enforced.interest, enforced.collateral_applied, enforced.debt, enforced.quantity) == (
        PRINCIPAL, interest, COLLATERAL, PRINCIPAL + interest - COLLATERAL, terms.quantity)
    assert enforced.new_status == PrepaymentStatus.DEFAULTED
    receipt = desk.ledger.receipts.get_receipt(receipt_id)
    assert (receipt.owner, receipt.status, receipt.lien_holder) == (desk.bank.address, ReceiptStatus.FREE, None)
    assert balance(desk, desk.bank.address) == bank_before + COLLATERAL
    assert balance(desk, desk.ledger.prepayment.address) == 0
    a = desk.ledger.prepayment.get_agreement(agreement_id)
    assert (a.status, a.debt_to_bank, a.debt_to_buyer, a.collateral_held) == (
        PrepaymentStatus.DEFAULTED, enforced.debt, 0, 0)
    # the seller pays its recorded debt later, once it is back
    bring_seller_back(desk, how)
    desk.seller.prepayment.authorize(enforced.debt)
    first = desk.seller.prepayment.repay_debt(agreement_id, 1_000_00)
    assert (first.to_bank, first.to_buyer, first.owed_to_bank) == (1_000_00, 0, enforced.debt - 1_000_00)
    last = desk.seller.prepayment.repay_debt(agreement_id, enforced.debt - 1_000_00)
    assert last.owed_to_bank == 0
    assert balance(desk, desk.bank.address) == bank_before + COLLATERAL + enforced.debt
    assert desk.ledger.prepayment.get_agreement(agreement_id).debt == 0


def test_enforcement_records_the_debt_in_an_event(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    desk.travel_past(terms.maturity + terms.grace_period)
    result = desk.bank.prepayment._transact("enforce", agreement_id)
    recorded = result.one(PrepaymentDebtRecorded)
    a = desk.ledger.prepayment.get_agreement(agreement_id)
    assert (recorded.id, recorded.seller, recorded.owed_to_bank, recorded.owed_to_buyer) == (
        agreement_id, desk.seller.address, a.debt_to_bank, 0)


def test_enforcement_works_with_buyer_and_seller_both_suspended(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    for party in (desk.buyer, desk.seller):
        desk.cast.operator.registry.suspend(party.address, "AML")
    desk.travel_past(terms.maturity + terms.grace_period)
    desk.bank.prepayment.enforce(agreement_id)
    receipt = desk.ledger.receipts.get_receipt(desk.ledger.prepayment.get_agreement(agreement_id).receipt_id)
    assert (receipt.owner, receipt.status) == (desk.bank.address, ReceiptStatus.FREE)


def test_enforcement_after_part_repayment_credits_the_unused_collateral_to_the_seller(desk: Desk) -> None:
    terms = desk.terms(rate_bps=0)
    agreement_id = desk.delivered(terms)
    desk.repay(agreement_id, PRINCIPAL - 10_000_00)
    desk.travel_past(terms.maturity + terms.grace_period)
    result = desk.bank.prepayment._transact("enforce", agreement_id)
    credited = result.one(PrepaymentCredited)
    assert (credited.account, credited.amount) == (desk.seller.address, COLLATERAL - 10_000_00)
    a = desk.ledger.prepayment.get_agreement(agreement_id)
    assert (a.debt, a.status) == (0, PrepaymentStatus.DEFAULTED)
    assert desk.ledger.prepayment.claimable(desk.seller.address) == COLLATERAL - 10_000_00
    with pytest.raises(PrepaymentDebtAmountInvalid):
        desk.seller.prepayment.repay_debt(agreement_id, 1)


def test_enforcement_needs_the_bank_and_a_delivered_agreement(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    desk.travel_past(terms.maturity + terms.grace_period)
    for party in (desk.seller, desk.buyer, desk.cast.bank2):
        with pytest.raises(PrepaymentUnauthorized) as err:
            party.prepayment.enforce(agreement_id)
        assert (err.value.party, err.value.expected) == (PrepaymentParty.BANK, desk.bank.address)
    later = desk.terms()
    funded = desk.funded(later)
    desk.travel_past(later.maturity + later.grace_period)
    with pytest.raises(PrepaymentStatusInvalid):
        desk.bank.prepayment.enforce(funded)


def test_buy_back_takes_the_collateral_first_and_the_rest_from_the_seller(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    desk.travel_past(terms.maturity)
    desk.seller.prepayment.authorize_buy_back(agreement_id)
    bank_before = balance(desk, desk.bank.address)
    seller_before = balance(desk, desk.seller.address)
    bought = desk.bank.prepayment.buy_back(agreement_id)
    owed = bought.principal + bought.interest + bought.forfeited_margin
    assert bought.collateral_applied == COLLATERAL
    assert balance(desk, desk.bank.address) == bank_before + owed
    assert balance(desk, desk.seller.address) == seller_before - (owed - COLLATERAL)
    assert balance(desk, desk.ledger.prepayment.address) == 0


@pytest.mark.parametrize("how", SELLER_ABSENT)
def test_refund_from_an_absent_seller_pays_from_the_collateral_and_records_the_rest(desk: Desk, how: str) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    make_seller_absent(desk, how)
    desk.travel_past(terms.delivery_deadline)
    bank_before = balance(desk, desk.bank.address)
    refunded = desk.bank.prepayment.demand_refund(agreement_id)
    assert (refunded.principal, refunded.margin, refunded.collateral_applied) == (PRINCIPAL, MARGIN, COLLATERAL)
    assert refunded.debt == PRINCIPAL + refunded.interest + MARGIN - COLLATERAL
    assert balance(desk, desk.bank.address) == bank_before + COLLATERAL
    a = desk.ledger.prepayment.get_agreement(agreement_id)
    assert (a.status, a.debt_to_bank, a.debt_to_buyer) == (
        PrepaymentStatus.REFUNDED, PRINCIPAL + refunded.interest - COLLATERAL, MARGIN)
    # repaying the debt pays the bank first, then the buyer's margin (credited, claimable)
    bring_seller_back(desk, how)
    desk.seller.prepayment.authorize(a.debt)
    paid = desk.seller.prepayment.repay_debt(agreement_id, a.debt)
    assert (paid.to_bank, paid.to_buyer, paid.owed_to_bank, paid.owed_to_buyer) == (a.debt_to_bank, MARGIN, 0, 0)
    buyer_before = balance(desk, desk.buyer.address)
    assert desk.buyer.prepayment.claim().amount == MARGIN
    assert balance(desk, desk.buyer.address) == buyer_before + MARGIN
    assert balance(desk, desk.ledger.prepayment.address) == 0


def test_a_full_collateral_covers_the_banks_refund_and_part_of_the_margin(desk: Desk) -> None:
    terms = desk.terms(collateral_bps=10_000, rate_bps=0)
    agreement_id = desk.funded(terms)
    desk.travel_past(terms.delivery_deadline)
    refunded = desk.bank.prepayment.demand_refund(agreement_id)
    assert (refunded.collateral_applied, refunded.debt) == (PRINCIPAL, MARGIN)
    assert desk.ledger.prepayment.get_agreement(agreement_id).debt_to_bank == 0


def test_the_collateral_is_released_to_the_seller_when_the_deal_is_repaid(desk: Desk) -> None:
    agreement_id = desk.delivered()
    desk.repay(agreement_id, PRINCIPAL // 2)
    assert desk.ledger.prepayment.claimable(desk.seller.address) == 0  # released at the end, not pro rata
    desk.repay(agreement_id, PRINCIPAL - PRINCIPAL // 2)
    assert desk.ledger.prepayment.claimable(desk.seller.address) == COLLATERAL
    # a suspended seller cannot withdraw, but nothing is lost: the balance waits for it
    desk.cast.operator.registry.suspend(desk.seller.address, "AML")
    with pytest.raises(SettlementTransferRestricted):
        desk.seller.prepayment.claim()
    desk.cast.operator.registry.resume(desk.seller.address)
    seller_before = balance(desk, desk.seller.address)
    assert desk.seller.prepayment.claim().amount == COLLATERAL
    assert balance(desk, desk.seller.address) == seller_before + COLLATERAL
    with pytest.raises(PrepaymentNothingToClaim):
        desk.seller.prepayment.claim()


def test_cancelling_an_accepted_deal_credits_the_collateral_back(desk: Desk) -> None:
    agreement_id = desk.accepted()
    desk.bank.prepayment.cancel(agreement_id)
    assert desk.ledger.prepayment.claimable(desk.seller.address) == COLLATERAL
    assert balance(desk, desk.ledger.prepayment.address) == COLLATERAL + MARGIN  # the buyer's margin, credited


def test_the_seller_can_decline_even_when_the_buyer_is_suspended(desk: Desk) -> None:
    agreement_id = desk.propose().id
    desk.cast.operator.registry.suspend(desk.buyer.address, "AML")
    desk.seller.prepayment.cancel(agreement_id)  # used to revert: the margin was pushed to the suspended buyer
    assert desk.ledger.prepayment.claimable(desk.buyer.address) == MARGIN


def test_the_bank_writes_down_the_debt_it_recovered(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    desk.travel_past(terms.maturity + terms.grace_period)
    debt = desk.bank.prepayment.enforce(agreement_id).debt
    with pytest.raises(PrepaymentUnauthorized):
        desk.seller.prepayment.write_down_debt(agreement_id, 1)
    with pytest.raises(PrepaymentDebtAmountInvalid) as err:
        desk.bank.prepayment.write_down_debt(agreement_id, debt + 1)
    assert (err.value.amount, err.value.owed) == (debt + 1, debt)
    written = desk.bank.prepayment.write_down_debt(agreement_id, debt - 1)
    assert written.owed_to_bank == 1


def test_guarantee_terms_out_of_range_are_refused(desk: Desk) -> None:
    with pytest.raises(LedgerValueError, match="collateral share"):
        desk.terms(collateral_bps=10_001).to_abi()
    with pytest.raises(LedgerValueError, match="grace period"):
        desk.terms(grace_period=366 * DAY).to_abi()
    terms = desk.terms()
    raw = list(terms.to_abi())
    raw[-1] = 366 * DAY
    desk.buyer.prepayment.authorize(terms.margin)
    with pytest.raises(PrepaymentGuaranteeInvalid) as err:
        desk.buyer.prepayment._transact("propose", tuple(raw), [i.to_abi() for i in desk.schedule(terms)])
    assert (err.value.collateral_bps, err.value.grace_period) == (2_000, 366 * DAY)


# ---------------------------------------------------------------------------------------------- no stranded receipt
STATUSES = ["proposed", "accepted", "funded", "delivered", "part_repaid", "repaid", "bought_back", "refunded",
            "cancelled", "defaulted"]


def reach(desk: Desk, status: str) -> int:
    terms = desk.terms()
    if status == "proposed":
        return desk.propose(terms).id
    if status == "accepted":
        return desk.accepted(terms)
    if status == "cancelled":
        agreement_id = desk.accepted(terms)
        desk.buyer.prepayment.cancel(agreement_id)
        return agreement_id
    if status == "funded":
        return desk.funded(terms)
    if status == "refunded":
        agreement_id = desk.funded(terms)
        desk.travel_past(terms.delivery_deadline)
        desk.bank.prepayment.demand_refund(agreement_id)
        return agreement_id
    agreement_id = desk.delivered(terms)
    if status == "part_repaid":
        desk.repay(agreement_id, PRINCIPAL // 3)
    elif status == "repaid":
        desk.repay(agreement_id, PRINCIPAL)
    elif status == "bought_back":
        desk.travel_past(terms.maturity)
        desk.seller.prepayment.authorize_buy_back(agreement_id)
        desk.bank.prepayment.buy_back(agreement_id)
    elif status == "defaulted":
        desk.travel_past(terms.maturity + terms.grace_period)
        desk.bank.prepayment.enforce(agreement_id)
    return agreement_id


@pytest.mark.parametrize("status", STATUSES)
def test_no_status_strands_a_pledged_receipt(desk: Desk, status: str) -> None:
    """In every status, either no receipt is pledged to the contract, or the bank can lift the lien with both
    counterparties suspended and without their approval."""
    agreement_id = reach(desk, status)
    a = desk.ledger.prepayment.get_agreement(agreement_id)
    lien = desk.ledger.receipts.get_receipt(a.receipt_id).lien_holder if a.receipt_id else None
    if lien != desk.ledger.prepayment.address:
        assert a.status != PrepaymentStatus.DELIVERED
        return
    assert a.status == PrepaymentStatus.DELIVERED
    for party in (desk.buyer, desk.seller):
        desk.cast.operator.registry.suspend(party.address, "gone")
    desk.travel_past(a.enforceable_from)
    desk.bank.prepayment.enforce(agreement_id)
    receipt = desk.ledger.receipts.get_receipt(a.receipt_id)
    assert (receipt.status, receipt.owner, receipt.lien_holder) == (ReceiptStatus.FREE, desk.bank.address, None)
