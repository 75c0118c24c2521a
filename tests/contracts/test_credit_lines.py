"""CreditLines: offer and acceptance, closed-loop draws, interest with carry, repayment order, bank controls,
default and recovery, batched draws, and the absent or hostile party."""

from __future__ import annotations

import pytest

from sdk import Party, TransferRestriction
from sdk.creditlines import (
    DAY,
    CreditLineStatus,
    Draw,
    PayeeRule,
    purpose_hash,
    quote_interest,
    repayment_split,
)
from sdk.errors import (
    CreditLineAmountInvalid,
    CreditLineDefaultNotDue,
    CreditLineLimitInvalid,
    CreditLineNotAvailable,
    CreditLineNotBank,
    CreditLineNotBorrower,
    CreditLineNotClosable,
    CreditLineNotFound,
    CreditLineNothingHeld,
    CreditLineNothingOwed,
    CreditLineOverdue,
    CreditLinePayeeNotAllowed,
    CreditLinePayeesFull,
    CreditLinePayeeUnchanged,
    CreditLinePurposeMissing,
    CreditLineStatusInvalid,
    CreditLineTenorInvalid,
    CreditLineTermsInvalid,
    CreditLineTranchesFull,
    ERC20InsufficientAllowance,
    ParticipantIsSuspended,
    ParticipantMissingRole,
    SettlementTransferRestricted,
)
from sdk.generated.events import (
    CreditLineAccepted,
    CreditLineClosed,
    CreditLineDefaulted,
    CreditLineOpened,
    CreditLineRecovered,
    CreditLineRepaid,
    CreditRepaymentHeld,
    CreditTrancheRepaid,
)
from sdk.types import Role
from tests.contracts.credit_support import GRACE, LIMIT, MAX_TENOR, RATE_BPS, SURCHARGE_BPS, TERM, Desk


def bal(party: Party) -> int:
    return party.token.balance_of(party.address).units


# ---------------------------------------------------------------------------------------------- open and accept
def test_open_records_the_terms_and_waits_for_acceptance(credit: Desk) -> None:
    terms = credit.terms()
    event = credit.bank.credit_lines.open(terms)
    assert event == CreditLineOpened(
        event.line_id, credit.bank.address, credit.borrower.address, LIMIT, RATE_BPS, SURCHARGE_BPS, terms.start,
        terms.expiry, MAX_TENOR, GRACE, PayeeRule.ANY_SUPPLIER, CreditLineStatus.NONE, CreditLineStatus.OFFERED)
    line = credit.line(event.line_id)
    assert (line.status, line.limit, line.principal, line.available, line.next_due, line.tranches) == (
        CreditLineStatus.OFFERED, LIMIT, 0, LIMIT, 0, ())
    with pytest.raises(CreditLineStatusInvalid):
        credit.draw(event.line_id, 100_00)  # not accepted yet
    accepted = credit.borrower.credit_lines.accept(event.line_id)
    assert accepted == CreditLineAccepted(
        event.line_id, credit.borrower.address, CreditLineStatus.OFFERED, CreditLineStatus.OPEN)


@pytest.mark.parametrize(
    "changes",
    [
        {"limit": 0},
        {"limit": 10**15 + 1},
        {"rate_bps": 10_001},
        {"surcharge_bps": 10_001},
        {"max_tenor": DAY - 1},
        {"max_tenor": 365 * DAY + 1},
        {"grace": 365 * DAY + 1},
    ],
)
def test_open_with_bad_terms_reverts(credit: Desk, changes: dict[str, int]) -> None:
    with pytest.raises(CreditLineTermsInvalid) as err:
        credit.offer(**changes)
    assert err.value.borrower == credit.borrower.address


def test_open_window_longer_than_a_year_reverts(credit: Desk) -> None:
    now = credit.ledger.chain.now()
    with pytest.raises(CreditLineTermsInvalid):
        credit.offer(start=now, expiry=now + 365 * DAY + 1)
    with pytest.raises(CreditLineTermsInvalid):
        credit.offer(start=now - 10, expiry=now - 1)  # already expired


def test_only_an_active_bank_opens_for_a_supplier_or_distributor(credit: Desk) -> None:
    cast = credit.cast
    with pytest.raises(ParticipantMissingRole) as err:
        credit.offer(bank=cast.supplier2)
    assert err.value.role == Role.BANK
    with pytest.raises(ParticipantMissingRole) as err2:
        credit.offer(borrower=cast.core.address)
    assert (err2.value.account, err2.value.role) == (cast.core.address, Role.SUPPLIER)
    line_id = credit.offer(borrower=cast.distributor.address)
    assert credit.line(line_id).borrower == cast.distributor.address
    with pytest.raises(ParticipantMissingRole):
        cast.bank1.credit_lines.open(credit.terms(borrower=cast.bank1.address))  # a bank lends to itself


def test_only_the_borrower_accepts_before_expiry(credit: Desk) -> None:
    line_id = credit.offer()
    with pytest.raises(CreditLineNotBorrower) as err:
        credit.cast.supplier2.credit_lines.accept(line_id)
    assert (err.value.line_id, err.value.account, err.value.borrower) == (
        line_id, credit.cast.supplier2.address, credit.borrower.address)
    credit.ledger.chain.increase_time(TERM + 1)
    with pytest.raises(CreditLineNotAvailable):
        credit.borrower.credit_lines.accept(line_id)


def test_unknown_line_reverts(credit: Desk) -> None:
    with pytest.raises(CreditLineNotFound) as err:
        credit.borrower.credit_lines.accept(99)
    assert err.value.line_id == 99


# ---------------------------------------------------------------------------------------------- draws
def test_draw_pays_the_named_payee_never_the_borrower(credit: Desk) -> None:
    line_id = credit.open_line()
    cast = credit.cast
    bank0, payee0, borrower0 = bal(cast.bank1), bal(cast.supplier2), bal(credit.borrower)
    now = credit.ledger.chain.now()
    event = credit.borrower.credit_lines.draw(line_id, 250_000_00, cast.supplier2.address, 20 * DAY, "PO-77")
    assert (event.tranche_id, event.payee, event.amount, event.purpose_ref) == (
        1, cast.supplier2.address, 250_000_00, purpose_hash("PO-77"))
    assert (event.principal, event.available) == (250_000_00, LIMIT - 250_000_00)
    assert now < event.due <= now + 20 * DAY + 5
    assert bal(cast.bank1) == bank0 - 250_000_00
    assert bal(cast.supplier2) == payee0 + 250_000_00
    assert bal(credit.borrower) == borrower0
    line = credit.line(line_id)
    assert (line.principal, line.available, line.next_due, line.draw_count) == (
        250_000_00, LIMIT - 250_000_00, event.due, 1)
    assert [(t.id, t.principal, t.due) for t in line.tranches] == [(1, 250_000_00, event.due)]


def test_draw_to_the_borrower_itself_reverts(credit: Desk) -> None:
    line_id = credit.open_line()
    with pytest.raises(CreditLinePayeeNotAllowed) as err:
        credit.draw(line_id, 100_00, payee=credit.borrower)
    assert (err.value.payee, err.value.rule) == (credit.borrower.address, PayeeRule.ANY_SUPPLIER)


def test_any_supplier_rule_refuses_a_non_supplier_unless_allow_listed(credit: Desk) -> None:
    line_id = credit.open_line()
    with pytest.raises(CreditLinePayeeNotAllowed):
        credit.draw(line_id, 100_00, payee=credit.cast.core)
    credit.bank.credit_lines.set_payee(line_id, credit.cast.core.address)
    credit.draw(line_id, 100_00, payee=credit.cast.core)


def test_allow_list_rule_pays_only_listed_payees(credit: Desk) -> None:
    line_id = credit.open_line(payee_rule=PayeeRule.ALLOW_LIST)
    with pytest.raises(CreditLinePayeeNotAllowed):
        credit.draw(line_id, 100_00, payee=credit.cast.supplier2)  # a supplier, but not listed
    event = credit.bank.credit_lines.set_payee(line_id, credit.cast.supplier2.address)
    assert (event.old_allowed, event.new_allowed, event.payee_count) == (False, True, 1)
    credit.draw(line_id, 100_00, payee=credit.cast.supplier2)
    credit.bank.credit_lines.set_payee(line_id, credit.cast.supplier2.address, False)
    with pytest.raises(CreditLinePayeeNotAllowed):
        credit.draw(line_id, 100_00, payee=credit.cast.supplier2)


def test_payee_list_changes_are_checked_and_bounded(credit: Desk) -> None:
    line_id = credit.open_line(payee_rule=PayeeRule.ALLOW_LIST)
    lines = credit.bank.credit_lines
    with pytest.raises(CreditLinePayeeUnchanged):
        lines.set_payee(line_id, credit.cast.supplier2.address, False)  # not listed
    with pytest.raises(CreditLinePayeeUnchanged):
        lines.set_payee(line_id, credit.borrower.address)
    with pytest.raises(CreditLineNotBank):
        credit.borrower.credit_lines.set_payee(line_id, credit.cast.supplier2.address)
    maximum = credit.ledger.credit_lines.max_payees()
    for i in range(maximum):
        lines.set_payee(line_id, "0x" + f"{i + 1:040x}")
    with pytest.raises(CreditLinePayeesFull) as err:
        lines.set_payee(line_id, credit.cast.supplier2.address)
    assert err.value.max_payees == maximum


def test_draw_needs_a_purpose_reference(credit: Desk) -> None:
    line_id = credit.open_line()
    with pytest.raises(CreditLinePurposeMissing):
        credit.borrower.credit_lines.draw(line_id, 100_00, credit.cast.supplier2.address, DAY, b"\0" * 32)


def test_draw_amount_must_fit_the_available_limit(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.draw(line_id, LIMIT - 100_00)
    with pytest.raises(CreditLineAmountInvalid) as err:
        credit.draw(line_id, 100_01)
    assert (err.value.amount, err.value.max_amount) == (100_01, 100_00)
    with pytest.raises(CreditLineAmountInvalid):
        credit.draw(line_id, 0)
    credit.draw(line_id, 100_00)
    assert credit.line(line_id).available == 0


def test_draw_tenor_is_bounded_by_max_tenor_and_expiry(credit: Desk) -> None:
    line_id = credit.open_line()
    with pytest.raises(CreditLineTenorInvalid):
        credit.draw(line_id, 100_00, tenor=DAY - 1)
    with pytest.raises(CreditLineTenorInvalid) as err:
        credit.draw(line_id, 100_00, tenor=MAX_TENOR + 1)
    assert err.value.max_tenor == MAX_TENOR
    credit.ledger.chain.increase_time(TERM - 10 * DAY)
    with pytest.raises(CreditLineTenorInvalid):
        credit.draw(line_id, 100_00, tenor=11 * DAY)  # would fall due after the line's expiry
    credit.draw(line_id, 100_00, tenor=9 * DAY)


def test_draw_only_inside_the_availability_window(credit: Desk) -> None:
    now = credit.ledger.chain.now()
    line_id = credit.open_line(start=now + 10 * DAY, expiry=now + 60 * DAY)
    with pytest.raises(CreditLineNotAvailable) as err:
        credit.draw(line_id, 100_00)
    assert err.value.start == now + 10 * DAY
    credit.ledger.chain.increase_time(10 * DAY)
    credit.draw(line_id, 100_00, tenor=DAY)
    credit.borrower.credit_lines.repay_in_full(line_id)
    credit.ledger.chain.increase_time(50 * DAY)
    with pytest.raises(CreditLineNotAvailable):
        credit.draw(line_id, 100_00, tenor=DAY)


def test_only_the_borrower_draws(credit: Desk) -> None:
    line_id = credit.open_line()
    with pytest.raises(CreditLineNotBorrower):
        credit.cast.supplier2.credit_lines.draw(line_id, 100_00, credit.cast.supplier3.address, DAY, "PO")


def test_open_tranches_are_bounded(credit: Desk) -> None:
    line_id = credit.open_line()
    maximum = credit.ledger.credit_lines.max_tranches()
    for _ in range(maximum):
        credit.draw(line_id, 1_00)
    with pytest.raises(CreditLineTranchesFull) as err:
        credit.draw(line_id, 1_00)
    assert err.value.max_tranches == maximum
    credit.borrower.credit_lines.repay(line_id, 1_50)  # interest, then the first tranche in full
    credit.draw(line_id, 1_00)  # its slot is free again
    assert len(credit.line(line_id).tranches) == maximum


def test_no_draw_while_a_tranche_is_overdue(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.draw(line_id, 100_00, tenor=DAY)
    credit.ledger.chain.increase_time(DAY + 1)
    with pytest.raises(CreditLineOverdue) as err:
        credit.draw(line_id, 100_00)
    assert err.value.due == credit.line(line_id).next_due


def test_batched_draw_pays_many_suppliers_in_one_transaction(credit: Desk) -> None:
    line_id = credit.open_line()
    cast = credit.cast
    before = bal(cast.supplier2), bal(cast.supplier3)
    draws = [Draw(cast.supplier2.address, 10_000_00, 10 * DAY, "INV-1"),
             Draw(cast.supplier3.address, 20_000_00, 20 * DAY, "INV-2"),
             Draw(cast.supplier2.address, 5_000_00, 30 * DAY, "INV-3")]
    events = credit.borrower.credit_lines.draw_many(line_id, draws)
    assert [(e.tranche_id, e.payee, e.amount) for e in events] == [
        (1, cast.supplier2.address, 10_000_00), (2, cast.supplier3.address, 20_000_00),
        (3, cast.supplier2.address, 5_000_00)]
    assert (bal(cast.supplier2), bal(cast.supplier3)) == (before[0] + 15_000_00, before[1] + 20_000_00)
    bad = [Draw(cast.supplier3.address, 1_00, DAY, "INV-4"), Draw(credit.borrower.address, 1_00, DAY, "INV-5")]
    with pytest.raises(CreditLinePayeeNotAllowed):
        credit.borrower.credit_lines.draw_many(line_id, bad)
    assert credit.line(line_id).draw_count == 3  # all or nothing


# ---------------------------------------------------------------------------------------------- interest and repayment
def test_interest_accrues_per_second_on_the_days_used(credit: Desk) -> None:
    line_id = credit.open_line(surcharge_bps=0)
    credit.draw(line_id, 365_000_00)
    line = credit.line(line_id)
    credit.ledger.chain.increase_time(10 * DAY)
    principal, interest = credit.ledger.credit_lines.get_debt(line_id)
    now = credit.ledger.chain.now()
    assert principal == 365_000_00
    assert interest == quote_interest(line, now) == 365_000_00 * RATE_BPS * (now - line.accrued_at) // (
        10_000 * 365 * DAY)


def test_daily_repayments_cost_the_same_interest_as_one_at_the_end(credit: Desk) -> None:
    """Thirty one-cent repayments (each below the interest accrued) then a final one pay exactly the interest of a
    single repayment at the end: the sub-cent remainder is carried forward, never erased."""
    line_id = credit.open_line(surcharge_bps=0)
    credit.draw(line_id, 123_456_78)
    at_draw = credit.line(line_id)
    chain = credit.ledger.chain
    paid_interest = 0
    for _ in range(30):
        chain.increase_time(DAY)
        event = credit.borrower.credit_lines.repay(line_id, 1)
        assert isinstance(event, CreditLineRepaid)
        paid_interest += event.interest_paid
    line = credit.line(line_id)
    assert line.principal == 123_456_78  # only interest was paid
    final = credit.borrower.credit_lines.repay(line_id, line.interest + 1)  # whatever is due at the next block
    paid_interest += final.interest_paid
    end = credit.line(line_id)
    assert paid_interest == quote_interest(at_draw, end.accrued_at)  # one repayment at the end, to the unit
    assert paid_interest > 30  # the one-cent payments did not erase it


def test_repay_pays_interest_first_then_the_tranche_due_first(credit: Desk) -> None:
    line_id = credit.open_line()
    late = credit.draw(line_id, 300_00, tenor=30 * DAY)
    early = credit.draw(line_id, 200_00, tenor=5 * DAY)
    credit.ledger.chain.increase_time(2 * DAY)
    line = credit.line(line_id)
    result = credit.borrower.credit_lines._transact("repay", line_id, 250_00)
    repaid = result.one(CreditLineRepaid)
    at = credit.line(line_id).accrued_at
    expected = repayment_split(line, 250_00, at)
    assert (repaid.amount, repaid.interest_paid, repaid.principal_paid) == (
        250_00, expected.interest_paid, expected.principal_paid)
    tranches = result.find(CreditTrancheRepaid)
    assert [(t.tranche_id, t.principal_left) for t in tranches] == [
        (early, 0), (late, 300_00 - (expected.principal_paid - 200_00))]
    after = credit.line(line_id)
    assert [t.id for t in after.tranches] == [late]
    assert after.next_due == line.tranches[0].due
    assert after.available == LIMIT - after.principal  # repaid principal is available again at once


def test_repay_never_takes_more_than_owed(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.draw(line_id, 1_000_00)
    credit.ledger.chain.increase_time(3 * DAY)
    before = bal(credit.borrower)
    event = credit.borrower.credit_lines.repay(line_id, 10**12)
    assert event.principal == 0 and event.interest == 0
    assert bal(credit.borrower) == before - event.amount
    assert event.amount == 1_000_00 + event.interest_paid
    with pytest.raises(CreditLineNothingOwed):
        credit.borrower.credit_lines.repay(line_id, 1)


def test_repay_zero_reverts(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.draw(line_id, 1_000_00)
    with pytest.raises(CreditLineAmountInvalid) as err:
        credit.borrower.credit_lines.repay(line_id, 0)
    assert err.value.amount == 0


def test_a_third_party_may_repay_for_the_borrower(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.draw(line_id, 1_000_00)
    helper = credit.cast.core
    credit.approve(helper)
    bank0 = bal(credit.bank)
    event = helper.credit_lines.repay(line_id, 400_00)
    assert event.payer == helper.address
    assert bal(credit.bank) == bank0 + 400_00
    assert credit.line(line_id).principal == 1_000_00 - event.principal_paid


def test_overdue_surcharge_applies_from_the_due_date(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.draw(line_id, 500_000_00, tenor=DAY)
    line = credit.line(line_id)
    credit.ledger.chain.increase_time(11 * DAY)
    now = credit.ledger.chain.now()
    _, interest = credit.ledger.credit_lines.get_debt(line_id)
    tranche = line.tranches[0]
    numerator = 500_000_00 * RATE_BPS * (now - line.accrued_at) + 500_000_00 * SURCHARGE_BPS * (now - tranche.due)
    assert interest == quote_interest(line, now) == numerator // (10_000 * 365 * DAY)
    assert interest > quote_interest(line, tranche.due) * 10  # the surcharge makes overdue days dearer


# ---------------------------------------------------------------------------------------------- bank controls
def test_reduce_limit_never_below_outstanding(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.draw(line_id, 400_000_00)
    event = credit.bank.credit_lines.reduce_limit(line_id, 500_000_00)
    assert (event.old_limit, event.new_limit, event.principal) == (LIMIT, 500_000_00, 400_000_00)
    assert credit.line(line_id).available == 100_000_00
    with pytest.raises(CreditLineLimitInvalid):
        credit.bank.credit_lines.reduce_limit(line_id, 399_999_99)
    with pytest.raises(CreditLineLimitInvalid):
        credit.bank.credit_lines.reduce_limit(line_id, 600_000_00)  # only down
    with pytest.raises(CreditLineNotBank):
        credit.borrower.credit_lines.reduce_limit(line_id, 450_000_00)


def test_freeze_stops_draws_but_not_repayments(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.draw(line_id, 1_000_00)
    event = credit.bank.credit_lines.freeze(line_id)
    assert (event.old_status, event.new_status) == (CreditLineStatus.OPEN, CreditLineStatus.FROZEN)
    with pytest.raises(CreditLineStatusInvalid) as err:
        credit.draw(line_id, 1_00)
    assert err.value.status == CreditLineStatus.FROZEN
    credit.borrower.credit_lines.repay(line_id, 500_00)
    with pytest.raises(CreditLineStatusInvalid):
        credit.bank.credit_lines.freeze(line_id)
    with pytest.raises(CreditLineNotBank):
        credit.borrower.credit_lines.unfreeze(line_id)
    credit.bank.credit_lines.unfreeze(line_id)
    credit.draw(line_id, 1_00)


def test_close_rules(credit: Desk) -> None:
    offered = credit.offer()
    assert credit.borrower.credit_lines.close(offered) == CreditLineClosed(
        offered, credit.borrower.address, CreditLineStatus.OFFERED, CreditLineStatus.CLOSED)
    line_id = credit.open_line()
    credit.draw(line_id, 1_000_00)
    with pytest.raises(CreditLineNotClosable):
        credit.borrower.credit_lines.close(line_id)  # something owed
    credit.borrower.credit_lines.repay_in_full(line_id)
    with pytest.raises(CreditLineNotClosable) as err:
        credit.bank.credit_lines.close(line_id)  # the bank's commitment runs to expiry
    assert err.value.expiry == credit.line(line_id).expiry
    with pytest.raises(CreditLineNotBorrower):
        credit.cast.supplier2.credit_lines.close(line_id)
    credit.ledger.chain.increase_time(TERM)
    credit.bank.credit_lines.close(line_id)
    assert credit.line(line_id).status == CreditLineStatus.CLOSED
    with pytest.raises(CreditLineStatusInvalid):
        credit.borrower.credit_lines.repay(line_id, 1)


# ---------------------------------------------------------------------------------------------- default and recovery
def test_default_after_grace_records_the_loss_and_recoveries_close_it(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.draw(line_id, 600_000_00, tenor=10 * DAY)
    chain = credit.ledger.chain
    chain.increase_time(10 * DAY + GRACE - 60)
    with pytest.raises(CreditLineDefaultNotDue) as err:
        credit.bank.credit_lines.declare_default(line_id)
    assert err.value.grace == GRACE
    with pytest.raises(CreditLineNotBank):
        credit.borrower.credit_lines.declare_default(line_id)
    chain.increase_time(120)
    line = credit.line(line_id)
    event = credit.bank.credit_lines.declare_default(line_id)
    at = credit.line(line_id).accrued_at
    assert event == CreditLineDefaulted(
        line_id, credit.bank.address, credit.borrower.address, 600_000_00, quote_interest(line, at),
        CreditLineStatus.OPEN, CreditLineStatus.DEFAULTED)
    with pytest.raises(CreditLineStatusInvalid):
        credit.draw(line_id, 1_00)
    chain.increase_time(30 * DAY)
    assert credit.ledger.credit_lines.get_debt(line_id) == (600_000_00, event.interest)  # interest stopped
    first = credit.borrower.credit_lines.repay(line_id, 100_000_00)
    assert isinstance(first, CreditLineRecovered)
    assert (first.interest_paid, first.principal_paid, first.new_status) == (
        event.interest, 100_000_00 - event.interest, CreditLineStatus.DEFAULTED)
    last = credit.borrower.credit_lines.repay_in_full(line_id)
    assert isinstance(last, CreditLineRecovered)
    assert (last.principal, last.interest, last.old_status, last.new_status) == (
        0, 0, CreditLineStatus.DEFAULTED, CreditLineStatus.CLOSED)
    assert first.amount + last.amount == 600_000_00 + event.interest


def test_default_not_due_without_outstanding_tranches(credit: Desk) -> None:
    line_id = credit.open_line()
    with pytest.raises(CreditLineDefaultNotDue) as err:
        credit.bank.credit_lines.declare_default(line_id)
    assert err.value.next_due == 0


# ------------------------------------------------------------------------------------- absent or hostile parties
def test_revoked_bank_allowance_reverts_the_draw_and_strands_nothing(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.bank.token.approve(credit.ledger.credit_lines.address, 0)
    before = bal(credit.bank), bal(credit.cast.supplier2)
    with pytest.raises(ERC20InsufficientAllowance) as err:
        credit.draw(line_id, 100_00)
    assert (err.value.spender, err.value.allowance, err.value.needed) == (
        credit.ledger.credit_lines.address, 0, 100_00)
    assert (bal(credit.bank), bal(credit.cast.supplier2)) == before
    line = credit.line(line_id)
    assert (line.principal, line.tranches, line.draw_count) == (0, (), 0)


def test_allowance_never_lets_a_draw_exceed_the_line(credit: Desk) -> None:
    """The bank's allowance may be unlimited: the line's limit alone bounds what this line takes."""
    line_id = credit.open_line(limit=1_000_00)
    credit.draw(line_id, 1_000_00)
    with pytest.raises(CreditLineAmountInvalid):
        credit.draw(line_id, 1)


def test_suspended_borrower_cannot_draw_but_others_can_repay(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.draw(line_id, 1_000_00)
    credit.cast.operator.registry.suspend(credit.borrower.address, "AML")
    with pytest.raises(ParticipantIsSuspended) as err:
        credit.draw(line_id, 1_00)
    assert err.value.account == credit.borrower.address
    credit.approve(credit.cast.core)
    credit.cast.core.credit_lines.repay_in_full(line_id)
    assert credit.line(line_id).principal == 0


def test_suspended_payee_is_refused_with_a_named_error(credit: Desk) -> None:
    line_id = credit.open_line(payee_rule=PayeeRule.ALLOW_LIST)
    credit.bank.credit_lines.set_payee(line_id, credit.cast.supplier2.address)
    credit.cast.operator.registry.suspend(credit.cast.supplier2.address, "AML")
    with pytest.raises(SettlementTransferRestricted) as err:
        credit.draw(line_id, 100_00)
    assert err.value.reason == TransferRestriction.RECIPIENT_SUSPENDED
    other = credit.open_line()  # any-supplier rule: a suspended supplier is no supplier
    with pytest.raises(CreditLinePayeeNotAllowed):
        credit.draw(other, 100_00)


def test_suspended_bank_cannot_fund_and_repayments_are_held_for_it(credit: Desk) -> None:
    line_id = credit.open_line()
    credit.draw(line_id, 1_000_00)
    operator = credit.cast.operator
    operator.registry.suspend(credit.bank.address, "KYC_REVIEW")
    with pytest.raises(SettlementTransferRestricted) as err:
        credit.draw(line_id, 1_00)
    assert err.value.reason == TransferRestriction.SENDER_SUSPENDED
    result = credit.borrower.credit_lines._transact("repay", line_id, 600_00)
    held = result.one(CreditRepaymentHeld)
    assert (held.bank, held.amount, held.held_total) == (credit.bank.address, 600_00, 600_00)
    lines = credit.ledger.credit_lines
    assert lines.held_for(credit.bank.address) == 600_00
    assert credit.ledger.token.balance_of(lines.address).units == 600_00
    assert credit.line(line_id).principal < 1_000_00  # the borrower's repayment counted
    with pytest.raises(SettlementTransferRestricted):
        credit.bank.credit_lines.collect_held()  # still suspended: it stays held
    operator.registry.resume(credit.bank.address)
    bank0 = bal(credit.bank)
    assert credit.bank.credit_lines.collect_held().amount == 600_00
    assert bal(credit.bank) == bank0 + 600_00
    assert credit.ledger.token.balance_of(lines.address).units == 0
    with pytest.raises(CreditLineNothingHeld):
        credit.bank.credit_lines.collect_held()


# ---------------------------------------------------------------------------------------------- every state
def test_scenario_through_every_state(credit: Desk) -> None:
    cast, chain, lines = credit.cast, credit.ledger.chain, credit.borrower.credit_lines
    line_id = credit.offer()
    assert credit.line(line_id).status == CreditLineStatus.OFFERED
    lines.accept(line_id)
    credit.draw(line_id, 200_000_00, payee=cast.supplier2, tenor=10 * DAY, purpose="PO-1")
    credit.draw(line_id, 100_000_00, payee=cast.supplier3, tenor=20 * DAY, purpose="PO-2")
    chain.increase_time(5 * DAY)
    lines.repay(line_id, 150_000_00)
    credit.draw(line_id, 150_000_00, payee=cast.supplier3, tenor=20 * DAY, purpose="PO-3")  # it revolves
    credit.bank.credit_lines.freeze(line_id)
    assert credit.line(line_id).status == CreditLineStatus.FROZEN
    credit.bank.credit_lines.unfreeze(line_id)
    chain.increase_time(30 * DAY)  # everything overdue
    credit.bank.credit_lines.declare_default(line_id)
    assert credit.line(line_id).status == CreditLineStatus.DEFAULTED
    lines.repay_in_full(line_id)
    assert credit.line(line_id).status == CreditLineStatus.CLOSED
