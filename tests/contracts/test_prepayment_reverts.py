"""Every revert path of the prepayment contract, with the decoded error class and all its fields."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from sdk import Role, TransferRestriction
from sdk.errors import (
    ContractError,
    ERC20InsufficientAllowance,
    ParticipantIsSuspended,
    ParticipantKycExpired,
    ParticipantMissingRole,
    ParticipantNotRegistered,
    PrepaymentDatesInvalid,
    PrepaymentDeliveryDeadlineNotPassed,
    PrepaymentDeliveryDeadlinePassed,
    PrepaymentNotAParty,
    PrepaymentNotFound,
    PrepaymentNotOverdue,
    PrepaymentPartiesInvalid,
    PrepaymentRepaymentInvalid,
    PrepaymentScheduleInvalid,
    PrepaymentScheduleTotalMismatch,
    PrepaymentStatusInvalid,
    PrepaymentTermsInvalid,
    PrepaymentUnauthorized,
    ReceiptIsPledged,
    ReceiptLotAlreadyIssued,
    ReceiptNotLienHolder,
    ReceiptTermsInvalid,
    SettlementTransferRestricted,
)
from sdk.prepayment import Instalment, PrepaymentParty, PrepaymentStatus, PrepaymentTerms
from sdk.warehouse import MAX_UINT256, ReceiptAction, ReceiptStatus, ReceiptTerms, code
from tests.conftest import YEAR, Cast
from tests.contracts.prepayment_support import CU, DAY, KG, QUANTITY, Desk

PRINCIPAL = 487_500_00
MARGIN = 162_500_00


@dataclass(frozen=True)
class Between:
    """Matches a block time in [low, high]: a revert's `now` is the time of the block it was simulated in."""

    low: int
    high: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, int) and self.low <= other <= self.high

    __hash__ = None  # type: ignore[assignment]


@contextmanager
def reverts(cls: type[ContractError], **fields: Any) -> Iterator[None]:
    """Expect exactly `cls` with exactly `fields`."""
    with pytest.raises(cls) as err:
        yield
    assert type(err.value) is cls
    assert err.value.fields == fields, err.value.fields


def soon(desk: Desk) -> Between:
    now = desk.now()
    return Between(now, now + DAY)


# ---------------------------------------------------------------------------------------------- propose: parties
@pytest.mark.parametrize(
    "change",
    ["zero_seller", "zero_bank", "zero_warehouse", "seller_is_buyer", "bank_is_buyer", "warehouse_is_buyer",
     "bank_is_seller", "warehouse_is_seller", "warehouse_is_bank"],
)
def test_propose_reverts_when_parties_are_not_four_distinct_addresses(desk: Desk, change: str) -> None:
    zero = "0x" + "00" * 20
    b, s, k, w = desk.buyer.address, desk.seller.address, desk.bank.address, desk.warehouse.address
    seller, bank, warehouse = {
        "zero_seller": (zero, k, w), "zero_bank": (s, zero, w), "zero_warehouse": (s, k, zero),
        "seller_is_buyer": (b, k, w), "bank_is_buyer": (s, b, w), "warehouse_is_buyer": (s, k, b),
        "bank_is_seller": (s, s, w), "warehouse_is_seller": (s, k, s), "warehouse_is_bank": (s, k, k),
    }[change]
    terms = desk.terms(seller=seller, bank=bank, warehouse=warehouse)
    with reverts(PrepaymentPartiesInvalid, buyer=b, seller=seller, bank=bank, warehouse=warehouse):
        desk.propose(terms)


@pytest.mark.parametrize(
    ("field", "who", "role"),
    [
        ("buyer", "core2", Role.DISTRIBUTOR),
        ("seller", "supplier1", Role.CORE_ENTERPRISE),
        ("bank", "core2", Role.BANK),
        ("warehouse", "feeder", Role.WAREHOUSE_OPERATOR),
    ],
)
def test_propose_reverts_when_a_party_lacks_its_role(desk: Desk, field: str, who: str, role: Role) -> None:
    party = getattr(desk.cast, who)
    if field == "buyer":
        with reverts(ParticipantMissingRole, account=party.address, role=role):
            party.prepayment.propose(desk.terms(), desk.schedule(desk.terms()))
        return
    terms = desk.terms(**{field: party.address})
    with reverts(ParticipantMissingRole, account=party.address, role=role):
        desk.propose(terms)


def test_propose_reverts_for_an_outsider_buyer(desk: Desk) -> None:
    outsider = desk.cast.outsider
    terms = desk.terms()
    with reverts(ParticipantNotRegistered, account=outsider.address):
        outsider.prepayment.propose(terms, desk.schedule(terms))


def test_propose_reverts_when_the_buyer_is_suspended(desk: Desk) -> None:
    desk.cast.operator.registry.suspend(desk.buyer.address, "AML")
    with reverts(ParticipantIsSuspended, account=desk.buyer.address):
        desk.propose()


def test_propose_reverts_when_the_sellers_kyc_expired(desk: Desk, cast: Cast) -> None:
    chain = desk.ledger.chain
    seller = chain.new_account()
    expiry = chain.now() + DAY
    cast.operator.registry.admit(seller.address, [Role.CORE_ENTERPRISE], "short", expiry)
    chain.travel_to(expiry)
    with reverts(ParticipantKycExpired, account=seller.address, kyc_expiry=expiry):
        desk.propose(desk.terms(seller=seller.address))


# ---------------------------------------------------------------------------------------------- propose: terms
@pytest.mark.parametrize(
    "changes",
    [
        {"commodity": ""},
        {"unit": ""},
        {"quantity": 0},
        {"unit_price": 0},
        {"quantity": 2**64 - 1, "unit_price": 2**72 // (2**64 - 1) + 1},  # price above uint72
        {"margin_bps": 0},
        {"margin_bps": 10_000},
        {"rate_bps": 10_001},
    ],
    ids=["commodity", "unit", "quantity", "unit_price", "price_overflow", "margin_zero", "margin_all", "rate"],
)
def test_propose_reverts_on_unusable_terms(desk: Desk, changes: dict[str, Any]) -> None:
    terms = desk.terms(**changes)
    schedule = [Instalment(terms.maturity, 1)]
    with reverts(
        PrepaymentTermsInvalid,
        commodity=code(terms.commodity, 16),
        unit=code(terms.unit, 4),
        quantity=terms.quantity,
        unit_price=terms.unit_price,
        margin_bps=terms.margin_bps,
        rate_bps=terms.rate_bps,
    ):
        desk.buyer.prepayment.propose(terms, schedule)


def test_the_highest_rate_and_margin_are_accepted(desk: Desk) -> None:
    proposed = desk.propose(desk.terms(rate_bps=10_000, margin_bps=9_999))
    assert (proposed.rate_bps, proposed.margin_bps) == (10_000, 9_999)


@pytest.mark.parametrize("case", ["deadline_now", "maturity_before_deadline", "maturity_beyond_uint40"])
def test_propose_reverts_on_unusable_dates(desk: Desk, case: str) -> None:
    now = desk.now()
    deadline, maturity = {
        "deadline_now": (now, now + 90 * DAY),
        "maturity_before_deadline": (now + 10 * DAY, now + 10 * DAY - 1),
        "maturity_beyond_uint40": (now + 10 * DAY, 2**40),
    }[case]
    terms = desk.terms(delivery_deadline=deadline, maturity=maturity)
    with reverts(PrepaymentDatesInvalid, delivery_deadline=deadline, maturity=maturity, now_time=soon(desk)):
        desk.buyer.prepayment.propose(terms, [Instalment(maturity, terms.principal)])


def _schedule_case(terms: PrepaymentTerms, case: str) -> tuple[list[Instalment], tuple[int, int, int]]:
    d, m, p = terms.delivery_deadline, terms.maturity, terms.principal
    half = p // 2
    cases: dict[str, tuple[list[Instalment], tuple[int, int, int]]] = {
        "empty": ([], (0, 0, 0)),
        "thirteen": ([Instalment(d + i + 1, 1) for i in range(13)], (12, d + 13, 1)),
        "zero_principal": ([Instalment(d + 1, 0), Instalment(m, p)], (0, d + 1, 0)),
        "due_at_deadline": ([Instalment(d, p)], (0, d, p)),
        "not_increasing": ([Instalment(d + 5, half), Instalment(d + 5, p - half)], (1, d + 5, p - half)),
        "after_maturity": ([Instalment(d + 5, half), Instalment(m + 1, p - half)], (1, m + 1, p - half)),
        "above_principal": ([Instalment(d + 5, p + 1)], (0, d + 5, p + 1)),
    }
    return cases[case]


@pytest.mark.parametrize(
    "case",
    ["empty", "thirteen", "zero_principal", "due_at_deadline", "not_increasing", "after_maturity", "above_principal"],
)
def test_propose_reverts_on_an_unusable_schedule(desk: Desk, case: str) -> None:
    terms = desk.terms()
    schedule, (index, due, principal) = _schedule_case(terms, case)
    with reverts(PrepaymentScheduleInvalid, index=index, due_date=due, principal=principal):
        desk.buyer.prepayment.propose(terms, schedule)


@pytest.mark.parametrize("delta", [-1, 1])
def test_propose_reverts_when_the_schedule_does_not_add_up_to_the_principal(desk: Desk, delta: int) -> None:
    terms = desk.terms()
    schedule = [Instalment(terms.maturity - 1, PRINCIPAL // 2), Instalment(terms.maturity, PRINCIPAL // 2 + delta)]
    with reverts(PrepaymentScheduleTotalMismatch, scheduled=PRINCIPAL + delta, principal=PRINCIPAL):
        desk.buyer.prepayment.propose(terms, schedule)


def test_twelve_instalments_are_accepted(desk: Desk) -> None:
    terms = desk.terms()
    schedule = [Instalment(terms.delivery_deadline + (i + 1) * DAY, PRINCIPAL // 12) for i in range(12)]
    desk.buyer.prepayment.authorize(MARGIN)
    assert len(desk.buyer.prepayment.propose(terms, schedule).schedule) == 12


def test_propose_reverts_without_the_margin_approved(desk: Desk) -> None:
    terms = desk.terms()
    desk.buyer.prepayment.authorize(MARGIN - 1)
    with reverts(ERC20InsufficientAllowance, spender=desk.ledger.prepayment.address, allowance=MARGIN - 1,
                 needed=MARGIN):
        desk.buyer.prepayment.propose(terms, desk.schedule(terms))


# ---------------------------------------------------------------------------------------------- unknown ids
@pytest.mark.parametrize("verb", ["accept", "fund", "cancel", "repay", "buyBack", "demandRefund", "confirmDelivery",
                                  "enforce", "extendDeliveryDeadline", "repayDebt", "writeDownDebt",
                                  "quoteRepayment", "quoteBuyBack", "quoteRefund"])
def test_every_operation_on_an_unknown_id_reverts_not_found(desk: Desk, verb: str) -> None:
    args: dict[str, tuple[Any, ...]] = {
        "repay": (77, 1), "quoteRepayment": (77, 1), "extendDeliveryDeadline": (77, 2**40),
        "repayDebt": (77, 1), "writeDownDebt": (77, 1),
        "confirmDelivery": (77, code("L", 16), code("", 16), code("", 16), b"\0" * 32),
    }
    with reverts(PrepaymentNotFound, id=77):
        if verb.startswith("quote"):
            desk.ledger.prepayment._call(verb, *args.get(verb, (77,)))
        else:
            desk.buyer.prepayment._transact(verb, *args.get(verb, (77,)))


# ---------------------------------------------------------------------------------------------- accept
def test_accept_by_anyone_but_the_seller_reverts(desk: Desk) -> None:
    agreement_id = desk.propose().id
    for party in (desk.buyer, desk.bank, desk.cast.core2):
        with reverts(PrepaymentUnauthorized, id=agreement_id, account=party.address, party=PrepaymentParty.SELLER,
                     expected=desk.seller.address):
            party.prepayment.accept(agreement_id)


def test_accept_twice_reverts_with_the_status(desk: Desk) -> None:
    agreement_id = desk.accepted()
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.ACCEPTED):
        desk.seller.prepayment.accept(agreement_id)


def test_accept_after_the_delivery_deadline_reverts(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.propose(terms).id
    desk.ledger.chain.travel_to(terms.delivery_deadline)
    with reverts(PrepaymentDeliveryDeadlinePassed, id=agreement_id, delivery_deadline=terms.delivery_deadline,
                 now_time=soon(desk)):
        desk.seller.prepayment.accept(agreement_id)


def test_suspended_seller_cannot_accept(desk: Desk) -> None:
    agreement_id = desk.propose().id
    desk.cast.operator.registry.suspend(desk.seller.address, "AML")
    with reverts(ParticipantIsSuspended, account=desk.seller.address):
        desk.seller.prepayment.accept(agreement_id)


# ---------------------------------------------------------------------------------------------- fund
def test_fund_by_another_bank_reverts(desk: Desk) -> None:
    agreement_id = desk.accepted()
    bank2 = desk.cast.bank2
    with reverts(PrepaymentUnauthorized, id=agreement_id, account=bank2.address, party=PrepaymentParty.BANK,
                 expected=desk.bank.address):
        bank2.prepayment.fund(agreement_id)


def test_fund_before_the_sellers_acceptance_reverts(desk: Desk) -> None:
    agreement_id = desk.propose().id
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.PROPOSED):
        desk.bank.prepayment.fund(agreement_id)


def test_fund_after_the_delivery_deadline_reverts(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.accepted(terms)
    desk.ledger.chain.travel_to(terms.delivery_deadline)
    with reverts(PrepaymentDeliveryDeadlinePassed, id=agreement_id, delivery_deadline=terms.delivery_deadline,
                 now_time=soon(desk)):
        desk.bank.prepayment.fund(agreement_id)


def test_fund_without_the_principal_approved_reverts(desk: Desk) -> None:
    agreement_id = desk.accepted()
    desk.bank.prepayment.authorize(PRINCIPAL - 1)
    with reverts(ERC20InsufficientAllowance, spender=desk.ledger.prepayment.address, allowance=PRINCIPAL - 1,
                 needed=PRINCIPAL):
        desk.bank.prepayment.fund(agreement_id)


def test_suspended_bank_cannot_fund(desk: Desk) -> None:
    agreement_id = desk.accepted()
    desk.cast.operator.registry.suspend(desk.bank.address, "REVIEW")
    with reverts(ParticipantIsSuspended, account=desk.bank.address):
        desk.bank.prepayment.fund(agreement_id)


def test_fund_reverts_when_the_seller_was_suspended_after_accepting(desk: Desk) -> None:
    agreement_id = desk.accepted()
    desk.bank.prepayment.authorize(PRINCIPAL)
    desk.cast.operator.registry.suspend(desk.seller.address, "AML")
    with reverts(SettlementTransferRestricted, from_=desk.bank.address, to=desk.seller.address, amount=PRINCIPAL,
                 reason=TransferRestriction.RECIPIENT_SUSPENDED):
        desk.bank.prepayment.fund(agreement_id)


# ---------------------------------------------------------------------------------------------- cancel
@pytest.mark.parametrize("who", ["warehouse", "outsider", "bank2"])
def test_cancel_by_a_non_party_reverts(desk: Desk, who: str) -> None:
    agreement_id = desk.propose().id
    party = getattr(desk.cast, who)
    with reverts(PrepaymentNotAParty, id=agreement_id, account=party.address):
        party.prepayment.cancel(agreement_id)


def test_cancel_after_funding_reverts(desk: Desk) -> None:
    agreement_id = desk.funded()
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.FUNDED):
        desk.buyer.prepayment.cancel(agreement_id)


def test_cancel_twice_reverts(desk: Desk) -> None:
    agreement_id = desk.propose().id
    desk.seller.prepayment.cancel(agreement_id)
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.CANCELLED):
        desk.buyer.prepayment.cancel(agreement_id)


def test_suspended_party_cannot_cancel(desk: Desk) -> None:
    agreement_id = desk.propose().id
    desk.cast.operator.registry.suspend(desk.bank.address, "REVIEW")
    with reverts(ParticipantIsSuspended, account=desk.bank.address):
        desk.bank.prepayment.cancel(agreement_id)


# ---------------------------------------------------------------------------------------------- confirm delivery
def test_confirm_delivery_by_another_warehouse_reverts(desk: Desk, cast: Cast) -> None:
    agreement_id = desk.funded()
    other = desk.ledger.chain.new_account()
    cast.operator.registry.admit(other.address, [Role.WAREHOUSE_OPERATOR], "wh2", desk.now() + YEAR)
    with reverts(PrepaymentUnauthorized, id=agreement_id, account=other.address, party=PrepaymentParty.WAREHOUSE,
                 expected=desk.warehouse.address):
        desk.ledger.as_party(other).prepayment.confirm_delivery(agreement_id, "PP-LOT-0001")


def test_confirm_delivery_before_funding_reverts(desk: Desk) -> None:
    agreement_id = desk.accepted()
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.ACCEPTED):
        desk.deliver(agreement_id)


def test_confirm_delivery_twice_reverts(desk: Desk) -> None:
    agreement_id = desk.delivered()
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.DELIVERED):
        desk.deliver(agreement_id, lot="PP-LOT-0002")


def test_confirm_delivery_of_a_lot_with_a_live_receipt_reverts(desk: Desk) -> None:
    agreement_id = desk.funded()
    existing = desk.warehouse.receipts.issue(desk.cast.supplier1.address, ReceiptTerms(CU, KG, "PP-LOT-0001"), 5)
    with reverts(ReceiptLotAlreadyIssued, warehouse=desk.warehouse.address, lot_id=code("PP-LOT-0001", 16),
                 issued_receipt_id=existing.id):
        desk.deliver(agreement_id)


def test_confirm_delivery_without_a_lot_id_reverts(desk: Desk) -> None:
    agreement_id = desk.funded()
    with reverts(ReceiptTermsInvalid, commodity=code(CU, 16), unit=code(KG, 4), lot_id=code("", 16),
                 quantity=QUANTITY):
        desk.warehouse.prepayment.confirm_delivery(agreement_id, "")


def test_suspended_warehouse_cannot_confirm_delivery(desk: Desk) -> None:
    agreement_id = desk.funded()
    desk.cast.operator.registry.suspend(desk.warehouse.address, "LICENCE")
    with reverts(ParticipantIsSuspended, account=desk.warehouse.address):
        desk.deliver(agreement_id)


def test_confirm_delivery_after_the_refund_reverts(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    desk.travel_past(terms.delivery_deadline)
    desk.bank.prepayment.demand_refund(agreement_id)
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.REFUNDED):
        desk.deliver(agreement_id)


# ---------------------------------------------------------------------------------------------- repay
def test_repay_by_anyone_but_the_buyer_reverts(desk: Desk) -> None:
    agreement_id = desk.delivered()
    for party in (desk.seller, desk.bank, desk.cast.supplier1):
        with reverts(PrepaymentUnauthorized, id=agreement_id, account=party.address, party=PrepaymentParty.BUYER,
                     expected=desk.buyer.address):
            party.prepayment.repay(agreement_id, 1)


def test_repay_before_delivery_reverts(desk: Desk) -> None:
    agreement_id = desk.funded()
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.FUNDED):
        desk.buyer.prepayment.repay(agreement_id, 1)


@pytest.mark.parametrize("principal", [0, PRINCIPAL + 1])
def test_repay_of_nothing_or_more_than_outstanding_reverts(desk: Desk, principal: int) -> None:
    agreement_id = desk.delivered()
    desk.buyer.prepayment.authorize(MAX_UINT256)
    with reverts(PrepaymentRepaymentInvalid, id=agreement_id, principal=principal, outstanding=PRINCIPAL):
        desk.buyer.prepayment.repay(agreement_id, principal)
    with reverts(PrepaymentRepaymentInvalid, id=agreement_id, principal=principal, outstanding=PRINCIPAL):
        desk.ledger.prepayment.quote_repayment(agreement_id, principal)


def test_repay_without_principal_and_interest_approved_reverts(desk: Desk) -> None:
    agreement_id = desk.delivered()
    desk.ledger.chain.increase_time(30 * DAY)
    desk.buyer.prepayment.authorize(1_000_00)  # the principal, but not the interest on top
    with pytest.raises(ERC20InsufficientAllowance) as err:
        desk.buyer.prepayment.repay(agreement_id, 1_000_00)
    e = err.value
    assert (e.spender, e.allowance) == (desk.ledger.prepayment.address, 1_000_00)
    assert e.needed > 1_000_00


def test_repay_after_full_repayment_reverts(desk: Desk) -> None:
    agreement_id = desk.delivered()
    desk.repay(agreement_id, PRINCIPAL)
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.REPAID):
        desk.buyer.prepayment.repay(agreement_id, 1)


def test_suspended_buyer_cannot_repay(desk: Desk) -> None:
    agreement_id = desk.delivered()
    desk.cast.operator.registry.suspend(desk.buyer.address, "AML")
    with reverts(ParticipantIsSuspended, account=desk.buyer.address):
        desk.buyer.prepayment.repay(agreement_id, 1)


# ---------------------------------------------------------------------------------------------- buy-back
def test_buy_back_at_maturity_is_too_early(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    desk.ledger.chain.travel_to(terms.maturity - 5)
    with reverts(PrepaymentNotOverdue, id=agreement_id, maturity=terms.maturity,
                 now_time=Between(terms.maturity - 5, terms.maturity)):
        desk.bank.prepayment.buy_back(agreement_id)


def test_buy_back_by_anyone_but_the_bank_reverts(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    desk.travel_past(terms.maturity)
    for party in (desk.seller, desk.cast.bank2):
        with reverts(PrepaymentUnauthorized, id=agreement_id, account=party.address, party=PrepaymentParty.BANK,
                     expected=desk.bank.address):
            party.prepayment.buy_back(agreement_id)


def test_buy_back_before_delivery_reverts(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    desk.travel_past(terms.maturity)
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.FUNDED):
        desk.bank.prepayment.buy_back(agreement_id)
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.FUNDED):
        desk.ledger.prepayment.quote_buy_back(agreement_id)


def test_buy_back_without_the_sellers_approval_reverts(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    desk.travel_past(terms.maturity)
    with pytest.raises(ERC20InsufficientAllowance) as err:
        desk.bank.prepayment.buy_back(agreement_id)
    e = err.value
    assert (e.spender, e.allowance) == (desk.ledger.prepayment.address, 0)
    # principal, interest and the whole margin (nothing was repaid), less the collateral that pays first
    assert e.needed > PRINCIPAL + MARGIN - desk.ledger.prepayment.get_agreement(agreement_id).collateral


def test_after_buy_back_the_agreement_is_closed(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    desk.travel_past(terms.maturity)
    desk.seller.prepayment.authorize_buy_back(agreement_id)
    desk.bank.prepayment.buy_back(agreement_id)
    for party, verb, args in [(desk.bank, "buyBack", ()), (desk.buyer, "repay", (1,))]:
        with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.BOUGHT_BACK):
            party.prepayment._transact(verb, agreement_id, *args)


def test_suspended_bank_cannot_call_the_buy_back(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    desk.travel_past(terms.maturity)
    desk.cast.operator.registry.suspend(desk.bank.address, "REVIEW")
    with reverts(ParticipantIsSuspended, account=desk.bank.address):
        desk.bank.prepayment.buy_back(agreement_id)


# ---------------------------------------------------------------------------------------------- refund
def test_refund_before_the_delivery_deadline_reverts(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    with reverts(PrepaymentDeliveryDeadlineNotPassed, id=agreement_id, delivery_deadline=terms.delivery_deadline,
                 now_time=soon(desk)):
        desk.bank.prepayment.demand_refund(agreement_id)


def test_refund_after_delivery_reverts(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    desk.travel_past(terms.delivery_deadline)
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.DELIVERED):
        desk.bank.prepayment.demand_refund(agreement_id)
    with reverts(PrepaymentStatusInvalid, id=agreement_id, status=PrepaymentStatus.DELIVERED):
        desk.ledger.prepayment.quote_refund(agreement_id)


def test_refund_demanded_by_the_buyer_reverts(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    desk.travel_past(terms.delivery_deadline)
    with reverts(PrepaymentUnauthorized, id=agreement_id, account=desk.buyer.address, party=PrepaymentParty.BANK,
                 expected=desk.bank.address):
        desk.buyer.prepayment.demand_refund(agreement_id)


def test_refund_needs_no_approval_from_the_seller(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    desk.travel_past(terms.delivery_deadline)
    refunded = desk.bank.prepayment.demand_refund(agreement_id)
    assert refunded.debt == PRINCIPAL + refunded.interest + MARGIN - refunded.collateral_applied > 0


# ---------------------------------------------------------------------------------------------- the pledged receipt
def test_the_buyer_cannot_move_split_or_take_out_the_pledged_goods(desk: Desk) -> None:
    agreement_id = desk.delivered()
    receipt_id = desk.ledger.prepayment.get_agreement(agreement_id).receipt_id
    lien = desk.ledger.prepayment.address
    buyer = desk.buyer
    with reverts(ReceiptIsPledged, id=receipt_id, lien_holder=lien, action=ReceiptAction.TRANSFER):
        buyer.receipts.transfer(receipt_id, desk.cast.supplier1.address)
    with reverts(ReceiptIsPledged, id=receipt_id, lien_holder=lien, action=ReceiptAction.SPLIT):
        buyer.receipts.split(receipt_id, 1)
    buyer.receipts.present(receipt_id)
    with reverts(ReceiptIsPledged, id=receipt_id, lien_holder=lien, action=ReceiptAction.DELIVER):
        desk.warehouse.receipts.deliver(receipt_id)


def test_nobody_but_the_prepayment_contract_can_lift_the_lien(desk: Desk) -> None:
    agreement_id = desk.delivered()
    receipt_id = desk.ledger.prepayment.get_agreement(agreement_id).receipt_id
    for party in (desk.bank, desk.buyer, desk.seller):
        with reverts(ReceiptNotLienHolder, id=receipt_id, account=party.address,
                     lien_holder=desk.ledger.prepayment.address):
            party.receipts._transact("seize", receipt_id, party.address)


# ---------------------------------------------------------------------------------------------- enforcement
def test_buy_back_works_even_when_the_defaulting_buyer_was_suspended(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.delivered(terms)
    receipt_id = desk.ledger.prepayment.get_agreement(agreement_id).receipt_id
    desk.travel_past(terms.maturity)
    desk.seller.prepayment.authorize_buy_back(agreement_id)
    desk.cast.operator.registry.suspend(desk.buyer.address, "AML")
    bought = desk.bank.prepayment.buy_back(agreement_id)
    assert bought.new_status == PrepaymentStatus.BOUGHT_BACK
    receipt = desk.ledger.receipts.get_receipt(receipt_id)
    assert (receipt.owner, receipt.status) == (desk.seller.address, ReceiptStatus.FREE)
