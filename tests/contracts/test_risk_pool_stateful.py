"""Property test of a risk-pool program: random deposits, claims on recorded losses (in random order), partial
recoveries of the losses (before or after they were claimed), returns of recoveries and payment of open claims,
checked against a model built on the SDK twins after every step.

Invariants:
- every claim: paid + open = its graded entitlement (the twin's figure at filing), and the program's open total is
  the sum of what its open claims lack;
- contributors' balances move exactly as the twin's pro-rata split says (every draw is predicted to the unit);
- tokens are conserved: the pool holds exactly the program's balance (deposits - paid + recovered) plus what it
  holds for the bank from payments on open claims, and a collection moves exactly that to the bank;
- no loss is paid twice: a second claim on a loss is refused;
- a recovery never returns more than was paid, to the claim or to any contributor.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from sdk import Party
from sdk.errors import RiskPoolLossAlreadyClaimed
from sdk.generated.events import ClaimFiled, ContributionDrawn
from sdk.riskpool import ClaimStatus, entitlement, split_payment
from tests.contracts.receivables_support import fund, new_root
from tests.contracts.riskpool_support import SHARES, Pool
from tests.profiles import stateful_settings

FACES = (300_000_00, 700_000_00, 1_500_000_00, 2_500_000_00, 90_000_00, 3_000_000_00)


class RiskPoolMachine(RuleBasedStateMachine):
    pool: Pool

    def __init__(self) -> None:
        super().__init__()
        p = self.pool
        self.ledger, self.cast = p.ledger, p.cast
        self.chain = p.ledger.chain
        self.snapshot = self.chain.snapshot()
        self.rp = p.ledger.risk_pool
        self.bank: Party = self.cast.bank1
        self.bank.token.approve(self.rp.address, 10**14)
        self.program = p.create(cap_per_claim=1_500_000_00, cap_per_bank=2_600_000_00)
        self.terms = self.rp.terms(self.program)
        self.contributors = p.contributors
        # every loss at once: fragments sold without recourse, one month later all defaulted and recorded
        roots: list[tuple[int, int]] = []
        for face in FACES:
            root, frag = new_root(self.cast, face=face, days=1)
            fund(self.cast.supplier1, frag, self.bank, self.cast.core, recourse=False, limit=10**15)
            roots.append((root, frag))
        due = max(self.ledger.receivables.get_receivable(r).due_date for r, _ in roots)
        self.chain.travel_to(due + self.ledger.receivables.grace_period())
        self.roots = [r for r, _ in roots]
        self.losses: list[int] = []
        for _, frag in roots:
            self.bank.receivables.declare_default(frag)
            self.losses.append(p.record_fragment_loss(frag))
        self.frags = [f for _, f in roots]
        # the model
        self.balances = [0] * len(self.contributors)
        self.paid_by: dict[int, list[int]] = {}
        self.claim_of: dict[int, int] = {}  # loss index -> claim id
        self.entitlements: dict[int, int] = {}
        self.queue: list[int] = []  # open claims in filing order
        self.bank_loss = 0
        self.bank_entitled = 0
        self.deposited = self.paid = self.recovered = 0
        self.repaid = [0] * len(FACES)

    def teardown(self) -> None:
        self.chain.revert(self.snapshot)

    # ------------------------------------------------------------------ model helpers
    def _apply_draws(self, claim_id: int, draws: tuple[int, ...], events: list[ContributionDrawn]) -> None:
        got = {e.contributor: e.amount for e in events if e.claim_id == claim_id}
        want = {c.address: d for c, d in zip(self.contributors, draws, strict=True) if d}
        assert got == want  # every draw predicted to the unit
        for i, d in enumerate(draws):
            self.balances[i] -= d
            self.paid_by[claim_id][i] += d
        self.paid += sum(draws)

    # ------------------------------------------------------------------ rules
    @rule(who=st.integers(0, 2), amount=st.integers(1, 1_500_000_00))
    def deposit(self, who: int, amount: int) -> None:
        # at most what the contributor holds (the bank also funded the fragments and returns recoveries)
        amount = min(amount, self.ledger.token.balance_of(self.contributors[who].address).units)
        if amount == 0:
            return
        self.contributors[who].risk_pool.deposit(self.program, amount)
        self.balances[who] += amount
        self.deposited += amount

    @rule(index=st.integers(0, len(FACES) - 1))
    def file(self, index: int) -> None:
        loss_id = self.losses[index]
        if index in self.claim_of:
            with pytest.raises(RiskPoolLossAlreadyClaimed):
                self.bank.risk_pool.file_claim(self.program, loss_id)
            return
        net = self.ledger.losses.get(loss_id).net
        if net == 0:
            return  # fully recovered before it was claimed: nothing to claim
        value = entitlement(self.terms, self.bank_loss, self.bank_entitled, net)
        result = self.bank.risk_pool.file_claim(self.program, loss_id)
        claim_id = result.one(ClaimFiled).claim_id
        assert result.one(ClaimFiled).entitlement == value
        self.claim_of[index] = claim_id
        self.entitlements[claim_id] = value
        self.paid_by[claim_id] = [0] * len(self.contributors)
        self.bank_loss += net
        self.bank_entitled += value
        if not self.queue or value == 0:
            draws = split_payment(SHARES, self.balances, value)
            self._apply_draws(claim_id, draws, list(result.find(ContributionDrawn)))
            if sum(draws) < value:
                self.queue.append(claim_id)
        else:
            assert not result.find(ContributionDrawn)
            self.queue.append(claim_id)

    @precondition(lambda self: bool(self.queue))
    @rule(max_count=st.integers(1, 4))
    def pay_open(self, max_count: int) -> None:
        result = self.cast.outsider.risk_pool._transact("payOpenClaims", self.program, max_count)
        events = list(result.find(ContributionDrawn))
        for _ in range(max_count):
            if not self.queue:
                break
            claim_id = self.queue[0]
            want = self.entitlements[claim_id] - sum(self.paid_by[claim_id])
            draws = split_payment(SHARES, self.balances, want)
            self._apply_draws(claim_id, draws, events)
            if sum(draws) < want:
                break
            self.queue.pop(0)

    @precondition(lambda self: self.rp.held_for(self.bank.address) > 0)
    @rule()
    def collect(self) -> None:
        held = self.rp.held_for(self.bank.address)
        before = self.ledger.token.balance_of(self.bank.address).units
        assert self.bank.risk_pool.collect().amount == held
        assert self.ledger.token.balance_of(self.bank.address).units == before + held

    @rule(index=st.integers(0, len(FACES) - 1), fraction=st.integers(1, 100))
    def recover(self, index: int, fraction: int) -> None:
        left = FACES[index] - self.repaid[index]
        if left == 0:
            return
        amount = max(1, left * fraction // 100)
        self.cast.core.receivables.repay(self.roots[index], amount)
        self.bank.receivables.claim(self.frags[index])
        self.repaid[index] += amount
        self.cast.outsider.losses.record_recovery(self.losses[index])

    @rule(index=st.integers(0, len(FACES) - 1))
    def return_recovery(self, index: int) -> None:
        claim_id = self.claim_of.get(index)
        if claim_id is None:
            return
        owed = self.rp.recovery_owed(claim_id)
        if owed == 0:
            return
        before = self.rp.get_claim(claim_id).returned
        self.bank.risk_pool.return_recovery(claim_id)
        self.recovered += owed
        assert self.rp.get_claim(claim_id).returned == before + owed
        for i, c in enumerate(self.contributors):
            self.balances[i] = self.rp.contributor(self.program, c.address).balance

    # ------------------------------------------------------------------ invariants
    @invariant()
    def claims_add_up(self) -> None:
        open_total = 0
        for claim_id, value in self.entitlements.items():
            claim = self.rp.get_claim(claim_id)
            assert claim.entitlement == value
            assert claim.paid == sum(self.paid_by[claim_id])
            assert claim.paid + claim.open == value
            assert (claim.status == ClaimStatus.PAID) == (claim.paid == value)
            assert claim.returned <= claim.paid
            open_total += claim.open
        assert self.rp.state(self.program).open == open_total

    @invariant()
    def money_is_conserved(self) -> None:
        state = self.rp.state(self.program)
        assert state.deposited == self.deposited and state.paid == self.paid and state.recovered == self.recovered
        assert state.balance == self.deposited - self.paid + self.recovered
        held = self.rp.held_for(self.bank.address)  # paid on open claims, waiting for the bank to collect
        assert self.ledger.token.balance_of(self.rp.address).units == state.balance + held
        for i, c in enumerate(self.contributors):
            account = self.rp.contributor(self.program, c.address)
            assert account.balance == self.balances[i]
            assert account.recovered <= account.paid
        assert sum(self.balances) == state.balance


def test_risk_pool_state_machine(pool: Pool) -> None:
    RiskPoolMachine.pool = pool
    run_state_machine_as_test(RiskPoolMachine, settings=stateful_settings(examples=8, steps=30))
