"""Defect 6: the warehouse could confirm delivery after the deadline and so pre-empt the bank's refund. A late
confirmation now reverts with `PrepaymentDeliveryLate` unless the bank extended the deadline on chain.

On the old code the first test failed: the confirmation after the deadline went through (status Delivered)."""

from __future__ import annotations

import pytest

from sdk.errors import (
    ParticipantIsSuspended,
    PrepaymentDeadlineExtensionInvalid,
    PrepaymentDeliveryDeadlineNotPassed,
    PrepaymentDeliveryLate,
    PrepaymentStatusInvalid,
    PrepaymentUnauthorized,
)
from sdk.prepayment import PrepaymentParty, PrepaymentStatus
from tests.contracts.prepayment_support import DAY, Desk


def test_confirmation_after_the_deadline_reverts_and_the_refund_stays_open(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    desk.travel_past(terms.delivery_deadline)
    with pytest.raises(PrepaymentDeliveryLate) as err:
        desk.deliver(agreement_id)
    assert (err.value.id, err.value.delivery_deadline) == (agreement_id, terms.delivery_deadline)
    assert err.value.now_time > terms.delivery_deadline
    assert desk.ledger.prepayment.get_agreement(agreement_id).status == PrepaymentStatus.FUNDED
    assert desk.bank.prepayment.demand_refund(agreement_id).new_status == PrepaymentStatus.REFUNDED


def test_confirmation_at_the_deadline_is_on_time(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    desk.ledger.chain.travel_to(terms.delivery_deadline - 2)
    assert desk.deliver(agreement_id).new_status == PrepaymentStatus.DELIVERED


def test_the_bank_extends_the_deadline_and_the_warehouse_confirms_late(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    desk.travel_past(terms.delivery_deadline)  # already late: the bank may still agree to wait
    new_deadline = terms.delivery_deadline + 7 * DAY
    extended = desk.bank.prepayment.extend_delivery_deadline(agreement_id, new_deadline)
    assert (extended.id, extended.bank, extended.old_deadline, extended.new_deadline) == (
        agreement_id, desk.bank.address, terms.delivery_deadline, new_deadline)
    assert desk.ledger.prepayment.get_agreement(agreement_id).delivery_deadline == new_deadline
    with pytest.raises(PrepaymentDeliveryDeadlineNotPassed):  # the refund waits for the new deadline too
        desk.bank.prepayment.demand_refund(agreement_id)
    assert desk.deliver(agreement_id).new_status == PrepaymentStatus.DELIVERED


def test_after_the_extended_deadline_the_confirmation_reverts_again(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    new_deadline = terms.delivery_deadline + 3 * DAY
    desk.bank.prepayment.extend_delivery_deadline(agreement_id, new_deadline)
    desk.travel_past(new_deadline)
    with pytest.raises(PrepaymentDeliveryLate) as err:
        desk.deliver(agreement_id)
    assert err.value.delivery_deadline == new_deadline


def test_only_the_bank_extends_the_deadline(desk: Desk) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    for party in (desk.warehouse, desk.seller, desk.buyer, desk.cast.bank2):
        with pytest.raises(PrepaymentUnauthorized) as err:
            party.prepayment.extend_delivery_deadline(agreement_id, terms.delivery_deadline + DAY)
        assert (err.value.account, err.value.party, err.value.expected) == (
            party.address, PrepaymentParty.BANK, desk.bank.address)
    desk.cast.operator.registry.suspend(desk.bank.address, "REVIEW")
    with pytest.raises(ParticipantIsSuspended):
        desk.bank.prepayment.extend_delivery_deadline(agreement_id, terms.delivery_deadline + DAY)


@pytest.mark.parametrize("change", ["earlier", "same", "past_maturity", "in_the_past"])
def test_an_extension_must_move_the_deadline_later_and_not_past_maturity(desk: Desk, change: str) -> None:
    terms = desk.terms()
    agreement_id = desk.funded(terms)
    new_deadline = {
        "earlier": terms.delivery_deadline - DAY,
        "same": terms.delivery_deadline,
        "past_maturity": terms.maturity + 1,
        "in_the_past": terms.delivery_deadline + DAY,
    }[change]
    if change == "in_the_past":
        desk.travel_past(new_deadline + DAY)
    with pytest.raises(PrepaymentDeadlineExtensionInvalid) as err:
        desk.bank.prepayment.extend_delivery_deadline(agreement_id, new_deadline)
    assert err.value.fields == {"id": agreement_id, "delivery_deadline": terms.delivery_deadline,
                                "new_deadline": new_deadline, "maturity": terms.maturity}


def test_the_deadline_can_be_extended_only_while_funded(desk: Desk) -> None:
    terms = desk.terms()
    accepted = desk.accepted(terms)
    with pytest.raises(PrepaymentStatusInvalid):
        desk.bank.prepayment.extend_delivery_deadline(accepted, terms.delivery_deadline + DAY)
    delivered = desk.delivered(desk.terms(), lot="PP-LOT-X")
    with pytest.raises(PrepaymentStatusInvalid):
        desk.bank.prepayment.extend_delivery_deadline(delivered, terms.delivery_deadline + DAY)
