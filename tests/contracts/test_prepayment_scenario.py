"""Prepayment (confirmed-warehouse) financing end to end: three instalments with staged pick-up, default with
buy-back, non-delivery refund, cancellation, rounding of releases and margins, reads and gas."""

from __future__ import annotations

import pytest

from sdk.generated.events import (
    ReceiptDelivered,
    ReceiptIssued,
    ReceiptReleased,
    ReceiptSeized,
    ReceiptSplit,
)
from sdk.prepayment import (
    Instalment,
    PrepaymentStatus,
    accrued_interest,
    collateral_of,
    equal_instalments,
    forfeited_margin,
    interest_with_carry,
    margin_of,
    released_quantity,
    schedule_of,
)
from sdk.warehouse import ReceiptStatus
from tests.contracts.prepayment_support import CU, KG, MARGIN_BPS, QUANTITY, RATE_BPS, UNIT_PRICE, Desk

PRICE = QUANTITY * UNIT_PRICE  # 650,000.00
MARGIN = PRICE * MARGIN_BPS // 10_000  # 162,500.00
PRINCIPAL = PRICE - MARGIN  # 487,500.00
COLLATERAL = 97_500_00  # the seller's, 20 % of the principal (the SDK's default share), rounded up


def test_three_instalments_with_staged_pickup_then_second_agreement_bought_back(desk: Desk) -> None:
    ledger, chain, token = desk.ledger, desk.ledger.chain, desk.ledger.token
    pp = ledger.prepayment
    buyer, seller, bank, warehouse = desk.buyer, desk.seller, desk.bank, desk.warehouse
    supply = token.total_supply()
    cash = {p.address: token.balance_of(p.address).units for p in (buyer, seller, bank)}

    def moved(party_address: str) -> int:
        return token.balance_of(party_address).units - cash[party_address]

    # 1. The buyer proposes and deposits the 25% margin; the contract holds it.
    terms = desk.terms()
    schedule = desk.schedule(terms)
    assert (terms.price, terms.margin, terms.principal) == (PRICE, MARGIN, PRINCIPAL)
    buyer.prepayment.authorize(MARGIN)
    proposed = buyer.prepayment.propose(terms, schedule)
    agreement_id = proposed.id
    assert (proposed.buyer, proposed.seller, proposed.bank, proposed.warehouse) == (
        buyer.address, seller.address, bank.address, warehouse.address)
    assert (proposed.quantity, proposed.unit_price, proposed.margin, proposed.margin_bps, proposed.rate_bps) == (
        QUANTITY, UNIT_PRICE, MARGIN, MARGIN_BPS, RATE_BPS)
    assert (proposed.delivery_deadline, proposed.maturity) == (terms.delivery_deadline, terms.maturity)
    assert schedule_of(proposed) == schedule == pp.get_schedule(agreement_id)
    assert sum(i.principal for i in schedule) == PRINCIPAL
    assert (proposed.old_status, proposed.new_status) == (PrepaymentStatus.NONE, PrepaymentStatus.PROPOSED)
    assert token.balance_of(pp.address).units == MARGIN
    assert moved(buyer.address) == -MARGIN

    # The seller accepts (its buy-back guarantee); the bank funds and the seller gets the FULL price at once.
    # Accepting locks the seller's collateral, 20 % of the principal by default, in the contract.
    accepted = seller.prepayment.accept(agreement_id)
    assert (accepted.seller, accepted.buyer, accepted.bank) == (seller.address, buyer.address, bank.address)
    assert (accepted.old_status, accepted.new_status) == (PrepaymentStatus.PROPOSED, PrepaymentStatus.ACCEPTED)
    assert accepted.collateral == COLLATERAL == collateral_of(PRINCIPAL, terms.collateral_bps)
    assert token.balance_of(pp.address).units == MARGIN + COLLATERAL
    bank.prepayment.authorize(PRINCIPAL)
    funded = bank.prepayment.fund(agreement_id)
    funded_at = chain.now()
    assert (funded.bank, funded.seller, funded.buyer) == (bank.address, seller.address, buyer.address)
    assert (funded.principal, funded.margin, funded.price) == (PRINCIPAL, MARGIN, PRICE)
    assert (funded.old_status, funded.new_status) == (PrepaymentStatus.ACCEPTED, PrepaymentStatus.FUNDED)
    assert moved(seller.address) == PRICE - COLLATERAL
    assert moved(bank.address) == -PRINCIPAL
    assert token.balance_of(pp.address).units == COLLATERAL

    # 3. The warehouse confirms the goods in: one receipt, the buyer's, born pledged under the agreement.
    result = warehouse.prepayment._transact(
        "confirmDelivery", agreement_id, b"PP-LOT-0001".ljust(16, b"\0"), b"LME-A".ljust(16, b"\0"),
        b"QINGDAO-DAGANG-3".ljust(16, b"\0"), b"\1" * 32,
    )
    delivered = result.event
    receipt_id = delivered.receipt_id
    assert delivered.NAME == "PrepaymentDelivered"
    assert (delivered.warehouse, delivered.buyer, delivered.bank, delivered.quantity) == (
        warehouse.address, buyer.address, bank.address, QUANTITY)
    assert (delivered.old_status, delivered.new_status) == (PrepaymentStatus.FUNDED, PrepaymentStatus.DELIVERED)
    issued = result.one(ReceiptIssued)
    assert (issued.id, issued.owner, issued.lien_holder, issued.warehouse) == (
        receipt_id, buyer.address, pp.address, warehouse.address)
    receipt = ledger.receipts.get_receipt(receipt_id)
    assert (receipt.owner, receipt.status, receipt.lien_holder, receipt.quantity, receipt.commodity, receipt.unit,
            receipt.lot_id) == (buyer.address, ReceiptStatus.PLEDGED, pp.address, QUANTITY, CU, KG, "PP-LOT-0001")

    # 4. Three instalments, each at its due date; interest actual/365 on the outstanding since the last payment.
    last_paid_at, outstanding, repaid_total, released_total, interest_total = funded_at, PRINCIPAL, 0, 0, 0
    carry = 0  # the sub-cent remainder carried from one repayment to the next
    children: list[int] = []
    for n, instalment in enumerate(schedule):
        chain.travel_to(instalment.due_date)
        buyer.prepayment.authorize_repayment(agreement_id, instalment.principal)
        result = buyer.prepayment._transact("repay", agreement_id, instalment.principal)
        paid = result.event
        now = chain.now()
        interest, carry = interest_with_carry(outstanding, RATE_BPS, now - last_paid_at, carry)
        assert interest > 0 and pp.get_agreement(agreement_id).interest_carry == carry
        repaid_total += instalment.principal
        outstanding -= instalment.principal
        release = released_quantity(QUANTITY, PRINCIPAL, repaid_total) - released_total
        released_total += release
        assert (paid.principal, paid.interest, paid.outstanding) == (instalment.principal, interest, outstanding)
        assert (paid.released_quantity, paid.pledged_quantity) == (release, QUANTITY - released_total)
        last = n == len(schedule) - 1
        assert (paid.old_status, paid.new_status) == (
            PrepaymentStatus.DELIVERED, PrepaymentStatus.REPAID if last else PrepaymentStatus.DELIVERED)
        interest_total += interest
        last_paid_at = now
        if last:
            # The last repayment releases the pledged receipt itself, with the remainder of the goods.
            assert paid.released_receipt_id == receipt_id
            assert [e.id for e in result.find(ReceiptReleased)] == [receipt_id]
            assert ledger.receipts.get_receipt(receipt_id).status == ReceiptStatus.FREE
        else:
            split = result.one(ReceiptSplit)
            assert (split.id, split.child_id, split.child_owner, split.quantity) == (
                receipt_id, paid.released_receipt_id, buyer.address, release)
            assert split.parent_status == ReceiptStatus.PLEDGED
            children.append(paid.released_receipt_id)
            assert ledger.receipts.get_receipt(receipt_id).quantity == QUANTITY - released_total
        if n == 0:
            # Staged pick-up: the buyer presents the first released child and takes the goods out.
            child = ledger.receipts.get_receipt(children[0])
            assert (child.owner, child.status, child.parent_id, child.quantity) == (
                buyer.address, ReceiptStatus.FREE, receipt_id, 3_333)
            buyer.receipts.present(children[0])
            out = warehouse.receipts.deliver(children[0])
            assert isinstance(out, ReceiptDelivered)
            assert (out.presenter, out.quantity, out.lot_freed) == (buyer.address, 3_333, False)
            assert ledger.receipts.get_receipt(children[0]).status == ReceiptStatus.DELIVERED
    assert [ledger.receipts.get_receipt(c).quantity for c in children] == [3_333, 3_333]
    assert QUANTITY - 2 * 3_333 == 3_334 == ledger.receipts.get_receipt(receipt_id).quantity
    a = pp.get_agreement(agreement_id)
    assert (a.status, a.principal_repaid, a.released_quantity, a.outstanding) == (
        PrepaymentStatus.REPAID, PRINCIPAL, QUANTITY, 0)
    assert moved(bank.address) == interest_total  # closed loop: the principal came back with interest
    assert moved(buyer.address) == -(MARGIN + PRINCIPAL + interest_total)
    assert pp.next_instalment(agreement_id) is None
    # Repaid in full: the collateral is released, claimable by the seller.
    assert pp.claimable(seller.address) == COLLATERAL
    assert seller.prepayment.claim().amount == COLLATERAL
    assert moved(seller.address) == PRICE
    assert token.balance_of(pp.address).units == 0

    # 5. A second agreement defaults: one instalment paid, then maturity passes.
    second_terms = desk.terms()
    second_schedule = desk.schedule(second_terms)
    second = desk.delivered(second_terms, lot="PP-LOT-0002")
    second_receipt = pp.get_agreement(second).receipt_id
    chain.travel_to(second_schedule[0].due_date)
    first = desk.repay(second, second_schedule[0].principal)
    first_paid_at = chain.now()
    assert first.released_quantity == 3_333
    nxt = pp.next_instalment(second)
    assert nxt is not None
    assert (nxt.index, nxt.due_date, nxt.principal_due) == (1, second_schedule[1].due_date,
                                                            second_schedule[1].principal)
    desk.travel_past(second_terms.maturity)
    quote = pp.quote_buy_back(second)
    outstanding = PRINCIPAL - second_schedule[0].principal
    assert (quote.principal, quote.quantity) == (outstanding, QUANTITY - 3_333)
    assert quote.forfeited_margin == forfeited_margin(MARGIN, PRINCIPAL, outstanding) == MARGIN * 2 // 3
    seller.prepayment.authorize_buy_back(second)
    carry = pp.get_agreement(second).interest_carry
    before = {p.address: token.balance_of(p.address).units for p in (buyer, seller, bank)}
    result = bank.prepayment._transact("buyBack", second)
    bought = result.event
    interest = interest_with_carry(outstanding, RATE_BPS, chain.now() - first_paid_at, carry)[0]
    assert bought.NAME == "PrepaymentBoughtBack"
    assert (bought.seller, bought.bank, bought.buyer, bought.receipt_id) == (
        seller.address, bank.address, buyer.address, second_receipt)
    assert (bought.quantity, bought.principal, bought.forfeited_margin) == (
        QUANTITY - 3_333, outstanding, quote.forfeited_margin)
    assert bought.interest == interest >= quote.interest > 0
    assert bought.collateral_applied == COLLATERAL
    assert (bought.old_status, bought.new_status) == (PrepaymentStatus.DELIVERED, PrepaymentStatus.BOUGHT_BACK)
    total = bought.principal + bought.interest + bought.forfeited_margin
    assert token.balance_of(seller.address).units == before[seller.address] - (total - COLLATERAL)
    assert token.balance_of(bank.address).units == before[bank.address] + total
    assert token.balance_of(buyer.address).units == before[buyer.address]
    seized = result.one(ReceiptSeized)
    assert (seized.id, seized.from_, seized.to, seized.lien_holder) == (
        second_receipt, buyer.address, seller.address, pp.address)
    taken = ledger.receipts.get_receipt(second_receipt)
    assert (taken.owner, taken.status, taken.lien_holder, taken.quantity) == (
        seller.address, ReceiptStatus.FREE, None, QUANTITY - 3_333)
    a = pp.get_agreement(second)
    assert (a.status, a.outstanding, a.pledged_quantity, a.released_quantity) == (
        PrepaymentStatus.BOUGHT_BACK, 0, 0, 3_333)
    assert pp.accrued_interest(second) == 0

    # Nothing created or destroyed; the contract holds nothing.
    assert token.total_supply() == supply
    assert token.balance_of(pp.address).units == 0


def test_seller_non_delivery_is_refunded_from_the_collateral_and_the_rest_is_recorded_debt(desk: Desk) -> None:
    ledger, chain, token = desk.ledger, desk.ledger.chain, desk.ledger.token
    buyer, seller, bank = desk.buyer, desk.seller, desk.bank
    supply = token.total_supply()
    cash = {p.address: token.balance_of(p.address).units for p in (buyer, seller, bank)}
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    funded_at = chain.now()
    desk.travel_past(terms.delivery_deadline)
    refunded = bank.prepayment.demand_refund(agreement_id)  # nothing is asked of the seller now
    interest = accrued_interest(PRINCIPAL, RATE_BPS, chain.now() - funded_at)
    assert (refunded.seller, refunded.bank, refunded.buyer) == (seller.address, bank.address, buyer.address)
    assert (refunded.principal, refunded.interest, refunded.margin) == (PRINCIPAL, interest, MARGIN)
    assert (refunded.collateral_applied, refunded.debt) == (COLLATERAL, PRINCIPAL + interest + MARGIN - COLLATERAL)
    assert interest > 0
    assert (refunded.old_status, refunded.new_status) == (PrepaymentStatus.FUNDED, PrepaymentStatus.REFUNDED)
    assert token.balance_of(bank.address).units == cash[bank.address] - PRINCIPAL + COLLATERAL
    a = ledger.prepayment.get_agreement(agreement_id)
    assert (a.status, a.receipt_id, a.outstanding) == (PrepaymentStatus.REFUNDED, 0, 0)
    assert (a.debt_to_bank, a.debt_to_buyer) == (PRINCIPAL + interest - COLLATERAL, MARGIN)
    # The seller pays its debt: the bank first, then the buyer's margin, which the buyer claims.
    seller.prepayment.authorize(a.debt)
    seller.prepayment.repay_debt(agreement_id, a.debt)
    buyer.prepayment.claim()
    assert token.balance_of(buyer.address).units == cash[buyer.address]
    assert token.balance_of(bank.address).units == cash[bank.address] + interest
    assert token.balance_of(seller.address).units == cash[seller.address] - interest
    assert token.total_supply() == supply
    assert token.balance_of(ledger.prepayment.address).units == 0


@pytest.mark.parametrize("who", ["buyer", "seller", "bank"])
@pytest.mark.parametrize("accepted", [False, True])
def test_cancel_before_funding_returns_the_margin(desk: Desk, who: str, accepted: bool) -> None:
    token = desk.ledger.token
    before = token.balance_of(desk.buyer.address).units
    agreement_id = desk.accepted() if accepted else desk.propose().id
    party = getattr(desk, who)
    cancelled = party.prepayment.cancel(agreement_id)
    assert (cancelled.by, cancelled.buyer, cancelled.margin_returned) == (party.address, desk.buyer.address, MARGIN)
    old = PrepaymentStatus.ACCEPTED if accepted else PrepaymentStatus.PROPOSED
    assert (cancelled.old_status, cancelled.new_status) == (old, PrepaymentStatus.CANCELLED)
    collateral = COLLATERAL if accepted else 0  # credited to the seller, claimable
    assert desk.ledger.prepayment.claimable(desk.seller.address) == collateral
    if who == "buyer":  # paid back at once
        assert token.balance_of(desk.buyer.address).units == before
        assert token.balance_of(desk.ledger.prepayment.address).units == collateral
    else:  # credited: a suspended buyer can't keep the others from declining
        assert desk.ledger.prepayment.claimable(desk.buyer.address) == MARGIN
        assert token.balance_of(desk.ledger.prepayment.address).units == collateral + MARGIN
        desk.buyer.prepayment.claim()
        assert token.balance_of(desk.buyer.address).units == before


def test_releases_round_down_and_the_last_repayment_releases_the_remainder(desk: Desk) -> None:
    # 10 units at 10.01: price 100.10, margin 30% = 30.03, principal 70.07 in instalments 23.35/23.35/23.37.
    terms = desk.terms(quantity=10, unit_price=10_01, margin_bps=3_000)
    assert (terms.price, terms.margin, terms.principal) == (100_10, 30_03, 70_07)
    schedule = desk.schedule(terms)
    assert [i.principal for i in schedule] == [23_35, 23_35, 23_37]
    agreement_id = desk.delivered(terms)
    released = [desk.repay(agreement_id, i.principal).released_quantity for i in schedule]
    # floor(10 x 2335/7007) = 3, floor(10 x 4670/7007) = 6, then the remainder 4.
    assert released == [3, 3, 4]
    assert sum(released) == 10


def test_margin_rounds_down_and_the_bank_funds_the_remainder(desk: Desk) -> None:
    terms = desk.terms(quantity=3, unit_price=33_33, margin_bps=2_001)  # price 99.99, margin 20.01% = 20.0079...
    assert margin_of(terms.price, 2_001) == 20_00
    proposed = desk.propose(terms)
    assert proposed.margin == 20_00
    a = desk.ledger.prepayment.get_agreement(proposed.id)
    assert (a.price, a.margin, a.principal, a.unit_price) == (99_99, 20_00, 79_99, 33_33)


def test_small_repayment_may_release_nothing(desk: Desk) -> None:
    agreement_id = desk.delivered()
    paid = desk.repay(agreement_id, 1)  # one cent of 487,500.00 releases floor(10,000 / 48,750,000) = 0 kg
    assert (paid.released_quantity, paid.released_receipt_id, paid.pledged_quantity) == (0, 0, QUANTITY)
    assert paid.outstanding == PRINCIPAL - 1
    a = desk.ledger.prepayment.get_agreement(agreement_id)
    assert (a.principal_repaid, a.released_quantity, a.pledged_quantity) == (1, 0, QUANTITY)


def test_late_repayment_after_maturity_is_accepted_until_buy_back(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    desk.travel_past(terms.maturity)
    quote = desk.ledger.prepayment.quote_repayment(agreement_id, PRINCIPAL)
    assert (quote.released_quantity, quote.total) == (QUANTITY, PRINCIPAL + quote.interest)
    paid = desk.repay(agreement_id, PRINCIPAL)
    assert paid.new_status == PrepaymentStatus.REPAID
    assert paid.interest >= quote.interest > 0


def test_unused_ids_read_as_empty(desk: Desk) -> None:
    pp = desk.ledger.prepayment
    a = pp.get_agreement(999)
    assert (a.status, a.quantity, a.outstanding) == (PrepaymentStatus.NONE, 0, 0)
    assert pp.get_schedule(999) == ()
    assert pp.accrued_interest(999) == 0
    assert pp.next_instalment(999) is None
    assert (pp.max_instalments(), pp.max_rate_bps()) == (12, 10_000)


def test_list_agreements_filters_by_party_and_status(desk: Desk) -> None:
    pp = desk.ledger.prepayment
    first = desk.propose().id
    second = desk.funded()
    assert [a.id for a in pp.list_agreements(party=desk.warehouse.address)] == [first, second]
    assert [a.id for a in pp.list_agreements(statuses=[PrepaymentStatus.FUNDED])] == [second]
    assert pp.list_agreements(party=desk.cast.bank2.address) == []


def test_equal_instalments_put_the_remainder_last() -> None:
    assert equal_instalments(100, [1, 2, 3]) == (Instalment(1, 33), Instalment(2, 33), Instalment(3, 34))


def test_gas_of_opening_and_repaying(desk: Desk) -> None:
    """Gas from real receipts: open = propose + accept + fund (three instalments), repay = a partial instalment
    that splits a child receipt off. Budgets catch regressions; the measured values are in the README."""
    desk.approve_all()
    terms = desk.terms()
    schedule = desk.schedule(terms)
    gas = {}
    proposed = desk.buyer.prepayment._transact("propose", terms.to_abi(), [i.to_abi() for i in schedule])
    agreement_id = proposed.event.id
    gas["propose"] = proposed.gas_used
    gas["accept"] = desk.seller.prepayment._transact("accept", agreement_id).gas_used
    gas["fund"] = desk.bank.prepayment._transact("fund", agreement_id).gas_used
    desk.deliver(agreement_id)
    desk.ledger.chain.travel_to(schedule[0].due_date)
    gas["repay"] = desk.buyer.prepayment._transact("repay", agreement_id, schedule[0].principal).gas_used
    gas["repay_final"] = desk.buyer.prepayment._transact(
        "repay", agreement_id, PRINCIPAL - schedule[0].principal).gas_used
    assert gas["propose"] < 310_000
    assert gas["accept"] < 75_000  # locks the seller's collateral: one token transfer
    assert gas["fund"] < 95_000
    assert gas["propose"] + gas["accept"] + gas["fund"] < 470_000
    assert gas["repay"] < 245_000
    assert gas["repay_final"] < 130_000  # also credits the released collateral to the seller
