"""Receivables mode: a confirmed receivable pledged to a credit line repays the line first from its payout
(self-repayment). Thinking as each other party: the bank never takes more than is owed, the borrower gets the rest
and cannot move, sell or claim the receivable while it is pledged, nobody can block the other's money, and a
disputed, voided or late receivable leaves the line's debt as it was."""

from __future__ import annotations

import random

from sdk import Party
from sdk.creditlines import CreditPledgeStatus, PayeeRule, payout_split, repayment_split
from sdk.errors import (
    CreditLineBorrowingBaseExceeded,
    CreditLineNotBorrower,
    CreditLineStatusInvalid,
    CreditPledgeLocked,
    CreditPledgeNotFound,
    CreditPledgeNothingToCollect,
    CreditPledgeNotReturnable,
    CreditPledgeOfferInvalid,
    ReceivableNotHolder,
    ReceivableOfferExpired,
    ReceivableRepaymentStarted,
)
from sdk.generated.events import CreditLineRecovered, CreditPayoutHeld, CreditRepaymentHeld
from sdk.types import CreditLineStatus, FragmentStatus
from tests.contracts.credit_support import GRACE, Desk
from tests.contracts.receivables_support import DAY, new_root, reverts

FACE = 300_000_00


def bal(party: Party) -> int:
    return party.token.balance_of(party.address).units


def book_balance(desk: Desk) -> int:
    return desk.ledger.token.balance_of(desk.ledger.credit_lines.address).units


def pledged_line(desk: Desk, drawn: int = 200_000_00, face: int = FACE, days: int = 60,
                 **terms: object) -> tuple[int, int, int]:
    """supplier1 holds a confirmed receivable on core of `face`, due in `days`; its line is drawn `drawn` and the
    whole fragment pledged. Returns (line id, root id, pledged fragment id)."""
    root, fragment = new_root(desk.cast, face=face, days=days)
    line_id = desk.open_line(**terms)
    pledged = desk.borrower.credit_lines.pledge_receivable(line_id, fragment)
    if drawn:
        desk.draw(line_id, drawn)
    return line_id, root, int(pledged.fragment_id)


def test_payout_repays_the_line_first_and_the_rest_reaches_the_borrower(credit: Desk) -> None:
    cast, lines = credit.cast, credit.ledger.credit_lines
    root, fragment = new_root(cast, face=FACE, days=60)
    line_id = credit.open_line()
    ev = credit.borrower.credit_lines.pledge_receivable(line_id, fragment)
    pledged = int(ev.fragment_id)
    assert (ev.line_id, ev.borrower, ev.value, ev.pledged) == (line_id, credit.borrower.address, FACE, FACE)
    assert ev.due_date == cast.core.receivables.get_receivable(root).due_date
    held = credit.ledger.receivables.get_fragment(pledged)
    assert (held.holder, held.value) == (lines.address, FACE)
    assert lines.get_pledge(pledged).status == CreditPledgeStatus.PLEDGED and lines.pledged_of(line_id) == FACE
    # the borrower can no longer offer, discount or give the receivable away
    with reverts(ReceivableNotHolder, holder=lines.address):
        credit.borrower.receivables.offer(pledged, cast.supplier3.address, 1_000_00)
    with reverts(ReceivableNotHolder):
        credit.borrower.receivables.request_discount(pledged, cast.bank2.address, 500, with_recourse=False)

    credit.draw(line_id, 200_000_00, tenor=30 * DAY)
    credit.ledger.chain.increase_time(20 * DAY)
    cast.core.receivables.repay(root, FACE)
    before = credit.line(line_id)
    bank0, borrower0 = bal(credit.bank), bal(credit.borrower)
    done = cast.supplier3.credit_lines.collect_receivable(pledged)  # anyone may trigger it
    at = credit.ledger.chain.now()
    owed = before.principal + repayment_split(before, 0, at).interest
    assert (done.to_line, done.to_borrower) == (owed, FACE - owed) == payout_split(before, FACE, at)
    assert done.repayment is not None and done.repayment.payer == lines.address
    assert done.repayment.interest_paid == owed - 200_000_00 > 0
    assert bal(credit.bank) == bank0 + owed and bal(credit.borrower) == borrower0 + FACE - owed
    assert lines.get_debt(line_id) == (0, 0) and lines.pledged_of(line_id) == 0
    assert lines.get_pledge(pledged).collected == FACE
    assert book_balance(credit) == 0  # nothing stranded in the contract
    with reverts(CreditPledgeNothingToCollect, fragment_id=pledged):
        cast.supplier3.credit_lines.collect_receivable(pledged)


def test_partial_payouts_and_a_claim_made_by_someone_else_are_all_accounted(credit: Desk) -> None:
    cast, lines = credit.cast, credit.ledger.credit_lines
    line_id, root, pledged = pledged_line(credit, drawn=200_000_00)
    credit.ledger.chain.increase_time(10 * DAY)
    cast.core.receivables.repay(root, 120_000_00)
    first = cast.bank1.credit_lines.collect_receivable(pledged)
    assert (first.to_line, first.to_borrower) == (120_000_00, 0)  # less than owed: all of it repays the line
    assert lines.pledged_of(line_id) == FACE - 120_000_00
    cast.core.receivables.repay(root, FACE - 120_000_00)
    cast.supplier3.receivables.claim(pledged)  # a stranger claims on Receivables: the money still comes here
    assert book_balance(credit) == FACE - 120_000_00
    before, borrower0 = credit.line(line_id), bal(credit.borrower)
    second = cast.supplier3.credit_lines.collect_receivable(pledged)
    expected = payout_split(before, FACE - 120_000_00, credit.ledger.chain.now())
    assert (second.to_line, second.to_borrower) == expected and expected[1] > 0
    assert bal(credit.borrower) == borrower0 + expected[1]
    assert lines.get_debt(line_id) == (0, 0) and book_balance(credit) == 0


def test_release_waits_until_the_line_owes_nothing_then_the_fragment_goes_back(credit: Desk) -> None:
    cast, lines = credit.cast, credit.ledger.credit_lines
    line_id, _, pledged = pledged_line(credit, drawn=50_000_00)
    credit.ledger.chain.increase_time(DAY)
    principal, interest = lines.get_debt(line_id)
    with reverts(CreditPledgeLocked, fragment_id=pledged, line_id=line_id, principal=50_000_00):
        credit.borrower.credit_lines.release_receivable(pledged)
    with reverts(CreditLineNotBorrower, line_id=line_id, account=cast.bank1.address):
        cast.bank1.credit_lines.release_receivable(pledged)  # the bank cannot take the receivable either
    credit.borrower.credit_lines.repay_in_full(line_id)
    released = credit.borrower.credit_lines.release_receivable(pledged)
    assert (released.old_status, released.new_status, released.value_left) == (
        CreditPledgeStatus.PLEDGED, CreditPledgeStatus.RELEASED, FACE)
    assert released.offer_id != 0 and lines.pledged_of(line_id) == 0
    with reverts(CreditPledgeNotReturnable, fragment_id=pledged):  # its offer is still open
        credit.borrower.credit_lines.release_receivable(pledged)
    child = credit.borrower.receivables.accept(released.offer_id).child_id
    back = credit.ledger.receivables.get_fragment(child)
    assert (back.holder, back.value, back.status) == (credit.borrower.address, FACE, FragmentStatus.ACTIVE)
    assert principal == 50_000_00 and interest > 0


def test_pledge_reverts_are_named(credit: Desk) -> None:
    cast = credit.cast
    root, fragment = new_root(cast, face=FACE, days=60)
    offered_line = credit.offer()  # not accepted yet
    open_line = credit.open_line()
    to_book = credit.borrower.receivables.offer(fragment, credit.ledger.credit_lines.address, 100_000_00)
    with reverts(CreditLineStatusInvalid, line_id=offered_line, status=CreditLineStatus.OFFERED):
        credit.borrower.credit_lines.pledge(offered_line, to_book.offer_id)
    with reverts(CreditLineNotBorrower, line_id=open_line, account=cast.supplier2.address):
        cast.supplier2.credit_lines.pledge(open_line, to_book.offer_id)
    elsewhere = credit.borrower.receivables.offer(fragment, cast.supplier3.address, 100_000_00)
    with reverts(CreditPledgeOfferInvalid, offer_id=elsewhere.offer_id, to=cast.supplier3.address):
        credit.borrower.credit_lines.pledge(open_line, elsewhere.offer_id)
    soon = credit.ledger.chain.now() + DAY
    expiring = credit.borrower.receivables.offer(fragment, credit.ledger.credit_lines.address, 100_000_00,
                                                 expires_at=soon)
    credit.ledger.chain.increase_time(2 * DAY)
    with reverts(ReceivableOfferExpired, offer_id=expiring.offer_id):
        credit.borrower.credit_lines.pledge(open_line, expiring.offer_id)
    cast.core.receivables.repay(root, 1_00)  # repayment started: the receivable no longer moves
    with reverts(ReceivableRepaymentStarted, root_id=root):
        credit.borrower.credit_lines.pledge(open_line, to_book.offer_id)
    with reverts(CreditPledgeNotFound, fragment_id=fragment):
        cast.supplier3.credit_lines.collect_receivable(fragment)
    with reverts(CreditPledgeNotFound, fragment_id=fragment):
        credit.borrower.credit_lines.release_receivable(fragment)


def test_a_line_drawn_against_receivables_stays_within_the_pledged_value(credit: Desk) -> None:
    cast, lines = credit.cast, credit.ledger.credit_lines
    line_id = credit.open_line(payee_rule=PayeeRule.PLEDGED_RECEIVABLES)
    with reverts(CreditLineBorrowingBaseExceeded, line_id=line_id, principal=1_00, pledged=0):
        credit.draw(line_id, 1_00)
    root, fragment = new_root(cast, face=FACE, days=60)
    credit.borrower.credit_lines.pledge_receivable(line_id, fragment)
    credit.draw(line_id, 250_000_00, payee=cast.supplier2)  # any supplier, as under ANY_SUPPLIER
    with reverts(CreditLineBorrowingBaseExceeded, line_id=line_id, principal=300_000_01, pledged=FACE):
        credit.draw(line_id, 50_000_01)
    credit.draw(line_id, 50_000_00)
    assert lines.get_line(line_id).payee_rule == PayeeRule.PLEDGED_RECEIVABLES


def test_a_party_that_cannot_receive_blocks_nobody(credit: Desk) -> None:
    cast, lines, operator = credit.cast, credit.ledger.credit_lines, credit.cast.operator
    line_id, root, pledged = pledged_line(credit, drawn=100_000_00)
    cast.core.receivables.repay(root, FACE)
    operator.registry.suspend(credit.borrower.address, "AML")
    operator.registry.suspend(credit.bank.address, "KYC_REVIEW")
    result = cast.supplier3.credit_lines._transact("collectReceivable", pledged)
    bank_held, borrower_held = result.one(CreditRepaymentHeld), result.one(CreditPayoutHeld)
    assert bank_held.amount + borrower_held.amount == FACE and bank_held.amount >= 100_000_00
    assert lines.held_for(credit.bank.address) == bank_held.amount
    assert lines.held_for(credit.borrower.address) == borrower_held.amount
    assert lines.get_debt(line_id) == (0, 0)  # the line is repaid all the same
    operator.registry.resume(credit.borrower.address)
    operator.registry.resume(credit.bank.address)
    borrower0 = bal(credit.borrower)
    assert credit.borrower.credit_lines.collect_held().amount == borrower_held.amount
    assert bal(credit.borrower) == borrower0 + borrower_held.amount
    credit.bank.credit_lines.collect_held()
    assert book_balance(credit) == 0


def test_a_disputed_then_voided_receivable_leaves_the_debt_with_the_borrower(credit: Desk) -> None:
    cast, lines = credit.cast, credit.ledger.credit_lines
    line_id, root, pledged = pledged_line(credit, drawn=80_000_00)
    cast.core.receivables.dispute(root, "goods short")
    with reverts(CreditPledgeNothingToCollect):
        cast.bank1.credit_lines.collect_receivable(pledged)
    cast.operator.receivables.resolve_dispute(root, upheld=False)  # voided: it will never pay
    with reverts(CreditPledgeLocked, principal=80_000_00):
        credit.borrower.credit_lines.release_receivable(pledged)
    credit.borrower.credit_lines.repay_in_full(line_id)  # the borrower repays from its own money
    released = credit.borrower.credit_lines.release_receivable(pledged)
    assert released.offer_id == 0  # a voided receivable cannot move: it stays, worthless, in the book
    with reverts(CreditPledgeNotReturnable, fragment_id=pledged):
        credit.borrower.credit_lines.release_receivable(pledged)
    assert lines.get_pledge(pledged).status == CreditPledgeStatus.RELEASED


def test_payout_on_a_defaulted_line_is_a_recovery_that_can_close_it(credit: Desk) -> None:
    cast, lines = credit.cast, credit.ledger.credit_lines
    line_id, root, pledged = pledged_line(credit, drawn=100_000_00, days=90)
    credit.ledger.chain.increase_time(30 * DAY + GRACE + 60)  # the tranche (30-day tenor) is past due + grace
    defaulted = cast.bank1.credit_lines.declare_default(line_id)
    loss = defaulted.principal + defaulted.interest
    credit.ledger.chain.increase_time(60 * DAY)
    cast.core.receivables.repay(root, FACE)  # the debtor pays late: the receivable still repays the line
    borrower0 = bal(credit.borrower)
    done = cast.bank1.credit_lines.collect_receivable(pledged)
    assert isinstance(done.repayment, CreditLineRecovered)
    assert (done.to_line, done.to_borrower) == (loss, FACE - loss)  # no interest after default
    assert done.repayment.new_status == CreditLineStatus.CLOSED
    assert lines.get_line(line_id).status == CreditLineStatus.CLOSED
    assert bal(credit.borrower) == borrower0 + FACE - loss


def test_property_the_line_never_receives_more_than_owed_and_the_borrower_gets_the_rest(credit: Desk) -> None:
    """Random draws, payouts in random parts at random times, over several lines: every collection sends the
    line exactly min(payout, debt at that block) and the borrower the remainder; tokens are conserved."""
    cast, lines, chain = credit.cast, credit.ledger.credit_lines, credit.ledger.chain
    rng = random.Random(20261127)
    for _ in range(4):
        face = rng.randrange(50_000_00, 400_000_00)
        line_id, root, pledged = pledged_line(credit, drawn=0, face=face, days=60)
        for _ in range(rng.randrange(1, 4)):
            credit.draw(line_id, rng.randrange(1_00, 150_000_00), tenor=rng.randrange(1, 30) * DAY)
        left, to_line_total, to_borrower_total = face, 0, 0
        while left:
            chain.increase_time(rng.randrange(1, 10 * DAY))
            part = left if rng.random() < 0.3 else rng.randrange(1, left + 1)
            cast.core.receivables.repay(root, part)
            left -= part
            before, bank0, borrower0 = credit.line(line_id), bal(credit.bank), bal(credit.borrower)
            paid_before = lines.get_pledge(pledged).collected
            try:
                done = cast.supplier3.credit_lines.collect_receivable(pledged)
            except CreditPledgeNothingToCollect:
                continue  # a tiny part can round to nothing for this fragment until the next one
            payout = lines.get_pledge(pledged).collected - paid_before
            owed = before.principal + repayment_split(before, 0, chain.now()).interest
            assert done.to_line == min(payout, owed) and done.to_borrower == payout - done.to_line
            assert bal(credit.bank) - bank0 == done.to_line and bal(credit.borrower) - borrower0 == done.to_borrower
            to_line_total += done.to_line
            to_borrower_total += done.to_borrower
        assert to_line_total + to_borrower_total == face
        assert book_balance(credit) == 0
        if lines.get_debt(line_id) == (0, 0):
            credit.borrower.credit_lines.release_receivable(pledged)
        else:
            credit.borrower.credit_lines.repay_in_full(line_id)
