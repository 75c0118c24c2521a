"""Property test of a revolving credit line: random draws to several payees, repayments by the borrower and by a
third party, time jumps, limit reductions, freezes, bank suspensions (repayments held for it) and defaults,
checked against a model after every step.

Invariants:
- outstanding principal <= limit;
- available + outstanding = limit while the line is open or frozen (with the limit as last reduced);
- interest: the chain's accrued interest equals the SDK twin's figure at the latest block, and every repayment's
  interest (paid + left) equals the twin's figure at its block, to the unit;
- settlement tokens are conserved: every balance moves exactly as the model says, the contract holds only what it
  holds for the bank, and the supply never changes;
- every draw's money reached the named payee in the same transaction;
- the line's principal equals the sum of its tranches and the earliest due date is the tranches' minimum.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from sdk import Party
from sdk.creditlines import DAY, CreditLine, CreditLineStatus, quote_interest
from sdk.errors import (
    CreditLineAmountInvalid,
    CreditLineNotAvailable,
    CreditLineOverdue,
    CreditLineStatusInvalid,
    CreditLineTenorInvalid,
    CreditLineTranchesFull,
    SettlementTransferRestricted,
)
from sdk.generated.events import CreditLineDrawn, CreditLineRecovered, CreditLineRepaid, CreditRepaymentHeld
from tests.contracts.credit_support import Desk
from tests.profiles import stateful_settings

LIMIT = 500_000_00
LIVE = (CreditLineStatus.OPEN, CreditLineStatus.FROZEN)


class CreditLineMachine(RuleBasedStateMachine):
    desk: Desk

    def __init__(self) -> None:
        super().__init__()
        d = self.desk
        self.chain = d.ledger.chain
        self.snapshot = self.chain.snapshot()
        self.lines = d.ledger.credit_lines
        self.cast = d.cast
        self.bank = d.bank
        self.borrower = d.borrower
        self.helper = d.cast.core  # repays on the borrower's behalf
        d.approve(self.helper)
        self.payees: list[Party] = [d.cast.supplier2, d.cast.supplier3]
        self.parties: list[Party] = [self.bank, self.borrower, self.helper, *self.payees]
        self.balances = {p.address: d.ledger.token.balance_of(p.address).units for p in self.parties}
        self.held = 0
        self.supply = d.ledger.token.total_supply()
        self.line_id = d.open_line(limit=LIMIT, expiry=self.chain.now() + 365 * DAY, max_tenor=60 * DAY,
                                   grace=3 * DAY)
        self.limit = LIMIT
        self.bank_suspended = False
        self.interest_paid = 0
        self.status = CreditLineStatus.OPEN
        self.principal = 0

    def teardown(self) -> None:
        self.chain.revert(self.snapshot)

    # ------------------------------------------------------------------ helpers
    def line(self) -> CreditLine:
        return self.lines.get_line(self.line_id)

    def balance(self, party: Party) -> int:
        return self.desk.ledger.token.balance_of(party.address).units

    # ------------------------------------------------------------------ rules
    @precondition(lambda self: self.status == CreditLineStatus.OPEN)
    @rule(amount=st.integers(1, LIMIT // 3), payee=st.integers(0, 1), tenor_days=st.integers(1, 60))
    def draw(self, amount: int, payee: int, tenor_days: int) -> None:
        to = self.payees[payee]
        before = self.line()
        try:
            result = self.borrower.credit_lines._transact(
                "draw", self.line_id, amount, to.address, tenor_days * DAY, b"\x01" * 32)
        except (CreditLineAmountInvalid, CreditLineOverdue, CreditLineStatusInvalid, CreditLineNotAvailable,
                CreditLineTenorInvalid, CreditLineTranchesFull, SettlementTransferRestricted) as err:
            now = self.chain.now()
            if isinstance(err, CreditLineAmountInvalid):
                assert amount > before.available
            elif isinstance(err, CreditLineOverdue):
                assert 0 < before.next_due <= now + 2
            elif isinstance(err, CreditLineStatusInvalid):
                assert before.status != CreditLineStatus.OPEN
            elif isinstance(err, CreditLineTenorInvalid):
                assert now + tenor_days * DAY + 2 >= before.expiry
            elif isinstance(err, CreditLineTranchesFull):
                assert len(before.tranches) == self.lines.max_tranches()
            elif isinstance(err, CreditLineNotAvailable):
                assert now + 2 >= before.expiry
            else:
                assert self.bank_suspended
            return
        assert before.status == CreditLineStatus.OPEN and amount <= before.available and not self.bank_suspended
        event = result.one(CreditLineDrawn)
        assert (event.payee, event.amount) == (to.address, amount)
        self.balances[self.bank.address] -= amount
        self.balances[to.address] += amount
        assert self.balance(to) == self.balances[to.address]  # the money reached the named payee
        assert self.balance(self.bank) == self.balances[self.bank.address]
        after = self.line()
        assert after.principal == before.principal + amount
        self.principal = after.principal
        assert after.interest == quote_interest(before, after.accrued_at)

    @precondition(lambda self: self.principal > 0)
    @rule(amount=st.one_of(st.integers(1, 100), st.integers(1, LIMIT // 2)), by_helper=st.booleans())
    def repay(self, amount: int, by_helper: bool) -> None:
        payer = self.helper if by_helper else self.borrower
        before = self.line()
        result = payer.credit_lines._transact("repay", self.line_id, amount)
        event = (result.find(CreditLineRepaid) or result.find(CreditLineRecovered))[0]
        after = self.line()
        at = after.accrued_at if before.status != CreditLineStatus.DEFAULTED else before.accrued_at
        owed_interest = quote_interest(before, at)
        assert event.interest_paid + event.interest == owed_interest  # the twin, to the unit
        assert event.amount == min(amount, before.principal + owed_interest)  # never more than owed
        assert event.interest_paid == min(event.amount, owed_interest)  # interest first
        self.interest_paid += event.interest_paid
        self.principal = event.principal
        self.status = after.status
        self.balances[payer.address] -= event.amount
        if result.find(CreditRepaymentHeld):
            assert self.bank_suspended
            self.held += event.amount
        else:
            self.balances[self.bank.address] += event.amount

    @rule(seconds=st.sampled_from([60, 3_600, DAY, 3 * DAY, 7 * DAY, 31 * DAY]))
    def wait(self, seconds: int) -> None:
        if self.chain.now() + seconds < self.line().expiry + 30 * DAY:
            self.chain.increase_time(seconds)

    @precondition(lambda self: self.status in LIVE)
    @rule(fraction=st.integers(0, 99))
    def reduce_limit(self, fraction: int) -> None:
        line = self.line()
        new_limit = line.principal + (line.limit - line.principal) * fraction // 100
        if new_limit >= line.limit:
            return
        self.bank.credit_lines.reduce_limit(self.line_id, new_limit)
        self.limit = new_limit

    @precondition(lambda self: self.status in LIVE)
    @rule()
    def toggle_freeze(self) -> None:
        if self.status == CreditLineStatus.OPEN:
            self.status = self.bank.credit_lines.freeze(self.line_id).new_status
        else:
            self.status = self.bank.credit_lines.unfreeze(self.line_id).new_status

    @rule()
    def toggle_bank_suspension(self) -> None:
        registry = self.cast.operator.registry
        if self.bank_suspended:
            registry.resume(self.bank.address)
        else:
            registry.suspend(self.bank.address, "REVIEW")
        self.bank_suspended = not self.bank_suspended

    @precondition(lambda self: self.held > 0 and not self.bank_suspended)
    @rule()
    def collect(self) -> None:
        event = self.bank.credit_lines.collect_held()
        assert event.amount == self.held
        self.balances[self.bank.address] += self.held
        self.held = 0

    @precondition(lambda self: self.status in LIVE and self.principal > 0)
    @rule()
    def declare_default(self) -> None:
        line = self.line()
        if not line.can_default(self.chain.now() + 1):
            return
        event = self.bank.credit_lines.declare_default(self.line_id)
        self.status = CreditLineStatus.DEFAULTED
        at = self.line().accrued_at
        assert (event.principal, event.interest) == (line.principal, quote_interest(line, at))

    # ------------------------------------------------------------------ invariants
    @invariant()
    def principal_within_limit(self) -> None:
        line = self.line()
        assert line.principal <= line.limit == self.limit
        if line.status in LIVE:
            assert self.lines.get_available(self.line_id) + line.principal == self.limit

    @invariant()
    def tranches_add_up(self) -> None:
        line = self.line()
        assert sum(t.principal for t in line.tranches) == line.principal
        assert all(t.principal > 0 for t in line.tranches)
        assert line.next_due == min((t.due for t in line.tranches), default=0)

    @invariant()
    def interest_matches_the_twin(self) -> None:
        line = self.line()
        _, interest = self.lines.get_debt(self.line_id)
        assert interest == quote_interest(line, self.chain.now())

    @invariant()
    def tokens_are_conserved(self) -> None:
        for party in self.parties:
            assert self.balance(party) == self.balances[party.address], party
        assert self.desk.ledger.token.balance_of(self.lines.address).units == self.held
        assert self.lines.held_for(self.bank.address) == self.held
        assert self.desk.ledger.token.total_supply() == self.supply


@pytest.mark.slow
def test_credit_line_state_machine(credit: Desk) -> None:
    CreditLineMachine.desk = credit
    run_state_machine_as_test(CreditLineMachine, settings=stateful_settings(examples=10, steps=40))
