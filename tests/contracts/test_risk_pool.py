"""Risk compensation pool (issue 13): the scenario, the graded rule's worked example, and every refusal."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdk.errors import (
    ERC20InsufficientAllowance,
    LossAlreadyRecorded,
    LossNotFound,
    LossSourceUnknown,
    RiskPoolBalanceShort,
    RiskPoolBankNotCovered,
    RiskPoolClaimWindowClosed,
    RiskPoolGradesInvalid,
    RiskPoolLossAlreadyClaimed,
    RiskPoolLossOutsidePeriod,
    RiskPoolNotContributor,
    RiskPoolNothingOwed,
    RiskPoolNotLossBank,
    RiskPoolNotOperator,
    RiskPoolSharesInvalid,
    RiskPoolSourceNotCovered,
    RiskPoolWithdrawLocked,
)
from sdk.generated.events import ClaimFiled, ContributionDrawn
from sdk.riskpool import CLAIM_WINDOW, ClaimStatus, LossSourceKind, ProgramTerms, graded
from tests.contracts.credit_support import GRACE, Desk
from tests.contracts.receivables_support import new_root, reverts
from tests.contracts.riskpool_support import GRADES, SHARES, TIER1, Pool
from tests.contracts.warehouse_support import PRICE, Market

DAY = 86_400

FACE = 1_200_000_00


def test_worked_example_of_the_graded_rule(pool: Pool) -> None:
    """The README's example: tiers 80 % of the first 1,000,000.00 and 50 % up to 5,000,000.00. A bank that lost
    600,000.00, then 700,000.00, then 5,000,000.00 is entitled to 480,000.00, 470,000.00 (400,000 x 80 % +
    300,000 x 50 %) and 1,850,000.00 (3,700,000 x 50 %, then beyond 5,000,000.00 nothing) — all under the caps."""
    program = pool.create()
    rp = pool.ledger.risk_pool
    assert rp.graded(program, 600_000_00) == graded(GRADES, 600_000_00) == 480_000_00
    assert rp.graded(program, 1_300_000_00) - rp.graded(program, 600_000_00) == 470_000_00
    assert rp.graded(program, 6_300_000_00) - rp.graded(program, 1_300_000_00) == 1_850_000_00
    assert rp.graded(program, 10**15) == 800_000_00 + 2_000_000_00


def test_scenario_fragment_default_and_pledge_shortfall_paid_pro_rata(pool: Pool, market: Market) -> None:
    ledger, cast = pool.ledger, pool.cast
    program = pool.create()
    pool.deposit(program, 910_000_00)  # 364,000 + 364,000 + 182,000
    assert ledger.risk_pool.state(program).balance == 910_000_00

    # 1. a fragment discounted without recourse defaults; anyone records the loss from Receivables' state
    _, frag = pool.defaulted_fragment(FACE)
    loss_id = pool.record_fragment_loss(frag)
    loss = ledger.losses.get(loss_id)
    financing = ledger.receivables.get_financing(frag)
    assert (loss.kind, loss.bank, loss.debtor) == (LossSourceKind.RECEIVABLES, cast.bank1.address, cast.core.address)
    # without recourse Receivables keeps the price in its FragmentDiscounted event only (financing.price is 0); the
    # registry recomputes it from the stored terms: the principal is what the bank paid, the rest discount yield
    price = pool.discounted[frag]
    assert financing.price == 0 and 0 < price < FACE
    assert (loss.principal, loss.interest) == (price, FACE - price)

    quote = ledger.risk_pool.quote(program, loss_id)
    before = cast.bank1.token.balance_of(cast.bank1.address).units
    result = cast.bank1.risk_pool.file_claim(program, loss_id)
    filed: ClaimFiled = result.one(ClaimFiled)
    # 1,200,000.00 of net loss: 1,000,000 x 80 % + 200,000 x 50 % = 900,000.00
    assert filed.entitlement == quote.entitlement == 900_000_00
    draws = {e.contributor: e.amount for e in result.find(ContributionDrawn)}
    assert draws == {pool.fund.address: 360_000_00, pool.insurer.address: 360_000_00, cast.bank1.address: 180_000_00}
    assert tuple(draws.values()) == quote.draws
    assert cast.bank1.token.balance_of(cast.bank1.address).units == before + 900_000_00
    claim = ledger.risk_pool.get_claim(filed.claim_id)
    assert (claim.status, claim.paid) == (ClaimStatus.PAID, 900_000_00)

    # 2. a pledge loan foreclosed with a shortfall
    market.post(PRICE)  # a fresh quote after the month the fragment took to default
    receipt_id = market.issue()
    loan_id = market.pledge(receipt_id, 490_000_00)
    market.post(45_00)
    deadline = cast.outsider.loans.call_margin(loan_id).deadline
    ledger.chain.travel_to(deadline + 1)
    market.post(45_00)
    shortfall = cast.bank1.loans.foreclose(loan_id).shortfall
    foreclosed_at = ledger.chain.now()  # the block that mined the foreclosure
    assert shortfall > 0
    ledger.chain.increase_time(5 * 86_400)  # recorded days later: the loss occurred at the foreclosure
    loan_loss = cast.outsider.losses.record(ledger.loans.address, loan_id).loss_id
    assert ledger.losses.get(loan_loss).principal == shortfall
    assert ledger.losses.get(loan_loss).occurred_at == foreclosed_at < ledger.losses.get(loan_loss).recorded_at
    quote = ledger.risk_pool.quote(program, loan_loss)
    assert quote.entitlement == shortfall * 5_000 // 10_000  # all of it in the 50 % tier
    result = cast.bank1.risk_pool.file_claim(program, loan_loss)
    claim = ledger.risk_pool.get_claim(result.one(ClaimFiled).claim_id)
    # the pool had 10,000.00 left: it pays what it has, the rest is open
    assert claim.paid == quote.paid_now == 10_000_00
    assert claim.status == ClaimStatus.OPEN and claim.open == quote.open == quote.entitlement - 10_000_00
    assert ledger.risk_pool.state(program).open == claim.open

    # the contributors top up; the open claim is paid in filing order
    pool.deposit(program, 1_000_000_00)
    paid = cast.outsider.risk_pool.pay_open_claims(program, 8)
    assert [p.claim_id for p in paid] == [claim.id]
    assert paid[0].new_status == ClaimStatus.PAID
    state = ledger.risk_pool.state(program)
    assert state.open == 0 and state.paid == 900_000_00 + quote.entitlement
    # the payment waits for bank1 to collect it (a bank that cannot receive never blocks the line)
    held = quote.entitlement - 10_000_00
    assert ledger.risk_pool.held_for(cast.bank1.address) == held
    before = cast.bank1.token.balance_of(cast.bank1.address).units
    assert cast.bank1.risk_pool.collect().amount == held
    assert cast.bank1.token.balance_of(cast.bank1.address).units == before + held
    assert ledger.risk_pool.held_for(cast.bank1.address) == 0
    for party, share in zip(pool.contributors, SHARES, strict=True):
        account = ledger.risk_pool.contributor(program, party.address)
        assert account.paid * 10_000 // share in range(state.paid - 3, state.paid + 1)

    # 3. the debtor pays the defaulted fragment late: the recovery flows back pro rata to what each paid
    root = ledger.receivables.get_fragment(frag).root_id
    cast.core.receivables.repay(root, FACE)
    cast.bank1.receivables.claim(frag)
    recovered = cast.outsider.losses.record_recovery(loss_id)
    assert recovered.new_recovered == FACE
    assert ledger.risk_pool.recovery_owed(filed.claim_id) == 900_000_00
    # anyone may return it for the bank (a keeper right after recordRecovery), taken under the bank's approval only
    cast.bank1.token.approve(ledger.risk_pool.address, 0)
    with reverts(ERC20InsufficientAllowance, spender=ledger.risk_pool.address, allowance=0, needed=900_000_00):
        cast.outsider.risk_pool.return_recovery(filed.claim_id)
    cast.bank1.token.approve(ledger.risk_pool.address, 900_000_00)
    bank_before = cast.bank1.token.balance_of(cast.bank1.address).units
    outsider_before = cast.outsider.token.balance_of(cast.outsider.address).units
    returned = cast.outsider.risk_pool.return_recovery(filed.claim_id)
    assert returned.amount == 900_000_00
    assert cast.bank1.token.balance_of(cast.bank1.address).units == bank_before - 900_000_00
    assert cast.outsider.token.balance_of(cast.outsider.address).units == outsider_before
    with reverts(RiskPoolNothingOwed, claim_id=filed.claim_id):
        cast.outsider.risk_pool.return_recovery(filed.claim_id)
    assert ledger.risk_pool.state(program).recovered == 900_000_00
    fund_account = ledger.risk_pool.contributor(program, pool.fund.address)
    assert fund_account.recovered == 360_000_00
    assert fund_account.exposure == fund_account.paid - 360_000_00


def test_refusals(pool: Pool) -> None:
    ledger, cast = pool.ledger, pool.cast
    program = pool.create()
    pool.deposit(program, 1_000_000_00)
    _, frag = pool.defaulted_fragment(100_000_00)
    loss_id = pool.record_fragment_loss(frag)
    # the loss is recorded once
    with reverts(LossAlreadyRecorded, source=ledger.receivables.address, asset_id=frag, loss_id=loss_id):
        cast.bank1.losses.record(ledger.receivables.address, frag)
    # a loss of another bank
    _, other = pool.defaulted_fragment(100_000_00, bank=cast.bank2)
    other_loss = pool.record_fragment_loss(other)
    with reverts(RiskPoolNotLossBank, loss_id=other_loss, bank=cast.bank2.address, account=cast.bank1.address):
        cast.bank1.risk_pool.file_claim(program, other_loss)
    with reverts(RiskPoolBankNotCovered, program_id=program, bank=cast.bank2.address):
        cast.bank2.risk_pool.file_claim(program, other_loss)
    # claimed twice
    claim_id = cast.bank1.risk_pool.file_claim(program, loss_id).one(ClaimFiled).claim_id
    with reverts(RiskPoolLossAlreadyClaimed, loss_id=loss_id, claim_id=claim_id):
        cast.bank1.risk_pool.file_claim(program, loss_id)
    second = pool.create(name="second")
    with reverts(RiskPoolLossAlreadyClaimed, loss_id=loss_id, claim_id=claim_id):
        cast.bank1.risk_pool.file_claim(second, loss_id)  # not in another program either
    # outside the period: a program that ended before the loss occurred (the fragment's due date)
    now = ledger.chain.now()
    ended = pool.create(start=now, end=now + 10)
    late_root, late = pool.defaulted_fragment(100_000_00)
    late_loss = pool.record_fragment_loss(late)
    occurred_at = ledger.losses.get(late_loss).occurred_at
    assert occurred_at == ledger.receivables.get_receivable(late_root).due_date > now + 10
    with reverts(RiskPoolLossOutsidePeriod, program_id=ended, loss_id=late_loss, occurred_at=occurred_at,
                 start=now, end=now + 10):
        cast.bank1.risk_pool.file_claim(ended, late_loss)
    # ... and a program that began after it occurred: recording an old loss inside a new period does not bring it in
    begun = pool.create(start=ledger.chain.now())
    with reverts(RiskPoolLossOutsidePeriod, program_id=begun, loss_id=late_loss, occurred_at=occurred_at):
        cast.bank1.risk_pool.file_claim(begun, late_loss)
    # a source that is not covered
    loans_only = pool.create(sources=(ledger.loans.address,))
    with reverts(RiskPoolSourceNotCovered, program_id=loans_only, source=ledger.receivables.address):
        cast.bank1.risk_pool.file_claim(loans_only, late_loss)
    # a forged loss: an account that is not a ledger contract, even if registered as a source
    with reverts(LossSourceUnknown, source=cast.bank1.address):
        cast.bank1.losses.record(cast.bank1.address, 1)
    cast.operator.losses.set_source(cast.outsider.address, LossSourceKind.RECEIVABLES)
    with reverts(LossSourceUnknown, source=cast.outsider.address):
        cast.bank1.losses.record(cast.outsider.address, 1)
    # not a real loss: a fragment that has not defaulted
    _, healthy = new_root(cast, face=100_000_00)
    with reverts(LossNotFound, source=ledger.receivables.address, asset_id=healthy):
        cast.bank1.losses.record(ledger.receivables.address, healthy)


def test_program_rules_are_validated_on_chain(pool: Pool) -> None:
    cast = pool.cast
    rp = cast.operator.risk_pool
    with reverts(RiskPoolNotOperator, account=cast.bank1.address):
        cast.bank1.risk_pool._transact("createProgram", pool.terms().as_tuple())
    bad_shares = pool.terms(shares_bps=(4_000, 4_000, 1_000))
    with reverts(RiskPoolSharesInvalid, total=9_000):
        rp._transact("createProgram", bad_shares.as_tuple())
    bad_grades = pool.terms(grades=((TIER1, 8_000), (TIER1, 5_000)))
    with reverts(RiskPoolGradesInvalid, index=1):
        rp._transact("createProgram", bad_grades.as_tuple())
    too_high = pool.terms(grades=((TIER1, 10_001),))
    with reverts(RiskPoolGradesInvalid, index=0):
        rp._transact("createProgram", too_high.as_tuple())
    program = pool.create()
    terms: ProgramTerms = pool.ledger.risk_pool.terms(program)
    assert terms == pool.terms(start=terms.start, end=terms.end)


def test_a_bank_that_cannot_receive_never_blocks_the_open_claims_behind_it(pool: Pool) -> None:
    """bank2's claim waits first in line; bank2 is suspended; paying the line still pays bank1's claim behind it,
    and bank2 collects once resumed."""
    ledger, cast = pool.ledger, pool.cast
    program = pool.create(banks=(cast.bank1.address, cast.bank2.address))
    pool.deposit(program, 10_000_00)
    _, first = pool.defaulted_fragment(100_000_00, bank=cast.bank2)
    _, second = pool.defaulted_fragment(100_000_00)
    first_claim = cast.bank2.risk_pool.file_claim(program, pool.record_fragment_loss(first)).one(ClaimFiled)
    second_claim = cast.bank1.risk_pool.file_claim(program, pool.record_fragment_loss(second)).one(ClaimFiled)
    assert ledger.risk_pool.get_claim(first_claim.claim_id).paid == 10_000_00  # all the pool had
    assert ledger.risk_pool.get_claim(second_claim.claim_id).paid == 0  # waits behind it
    cast.operator.registry.suspend(cast.bank2.address, "review")
    pool.deposit(program, 200_000_00)
    paid = cast.outsider.risk_pool.pay_open_claims(program, 8)
    assert [p.claim_id for p in paid] == [first_claim.claim_id, second_claim.claim_id]
    assert ledger.risk_pool.held_for(cast.bank2.address) == 80_000_00 - 10_000_00
    assert ledger.risk_pool.held_for(cast.bank1.address) == 80_000_00
    cast.bank1.risk_pool.collect()
    cast.operator.registry.resume(cast.bank2.address)
    assert cast.bank2.risk_pool.collect().amount == 70_000_00


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(st.tuples(st.integers(1, 10**10), st.integers(0, 10_000)), min_size=1, max_size=8),
    points=st.lists(st.integers(0, 10**11), min_size=1, max_size=5),
)
def test_graded_twin_equals_the_chain(pool: Pool, steps: list[tuple[int, int]], points: list[int]) -> None:
    grades, up_to = [], 0
    for width, rate in steps:
        up_to += width
        grades.append((up_to, rate))
    program = pool.create(grades=tuple(grades))
    for x in points:
        assert pool.ledger.risk_pool.graded(program, x) == graded(grades, x)


def test_claim_window_and_withdrawal(pool: Pool) -> None:
    """Claims on in-period losses may be filed until 90 days after the period; contributors withdraw only then."""
    ledger, cast = pool.ledger, pool.cast
    program = pool.create()
    pool.deposit(program, 100_000_00)
    terms = ledger.risk_pool.terms(program)
    unlock = terms.end + CLAIM_WINDOW
    assert ledger.risk_pool._call("CLAIM_WINDOW") == CLAIM_WINDOW
    with reverts(RiskPoolWithdrawLocked, program_id=program, unlock=unlock, open=0):
        pool.fund.risk_pool.withdraw(program, 1)
    _, frag = pool.defaulted_fragment(10_000_00)
    loss_id = pool.record_fragment_loss(frag)  # inside the period
    ledger.chain.travel_to(unlock)
    with reverts(RiskPoolClaimWindowClosed, program_id=program, closed_at=unlock):
        cast.bank1.risk_pool.file_claim(program, loss_id)
    with reverts(RiskPoolNotContributor, program_id=program, account=cast.bank2.address):
        cast.bank2.risk_pool.withdraw(program, 1)
    with reverts(RiskPoolBalanceShort, program_id=program, account=pool.fund.address, balance=40_000_00,
                 amount=40_000_01):
        pool.fund.risk_pool.withdraw(program, 40_000_01)
    before = ledger.token.balance_of(pool.fund.address).units
    event = pool.fund.risk_pool.withdraw(program, 40_000_00)
    assert (event.amount, event.balance) == (40_000_00, 0)
    assert ledger.token.balance_of(pool.fund.address).units == before + 40_000_00
    assert ledger.risk_pool.state(program).withdrawn == 40_000_00


def test_fragment_loss_principal_is_the_price_the_bank_paid(pool: Pool) -> None:
    """Receivables stores no price for a financing without recourse; the registry recomputes it from the stored
    terms (rate, funding time, due date) with the contract's formula, and it equals the FragmentDiscounted price
    for any rate and tenor (days rounded up)."""
    from tests.contracts.receivables_support import fund

    ledger, cast = pool.ledger, pool.cast
    for rate, days, face in ((550, 1, 1_000_00), (700, 45, 333_333_33), (1_999, 200, 777_777_77), (0, 30, 5_00)):
        root, frag = new_root(cast, face=face, days=days)
        ledger.chain.increase_time(3_601)  # funded part-way through a day: the day counts in full
        price = fund(cast.supplier1, frag, cast.bank1, cast.core, rate=rate, recourse=False, limit=10**15).price
        due = ledger.receivables.get_receivable(root).due_date
        ledger.chain.travel_to(due + ledger.receivables.grace_period())
        cast.bank1.receivables.declare_default(frag)
        loss = ledger.losses.get(pool.record_fragment_loss(frag))
        assert (loss.principal, loss.interest) == (price, face - price), (rate, days)


def test_credit_line_default_is_a_loss_that_occurred_at_the_missed_due_date(pool: Pool, credit: Desk) -> None:
    """A defaulted credit line: the registry reads its debt (principal and interest) and, as the time it occurred,
    the due date of the tranche the borrower missed; a program that began after that date refuses it, one that
    covered it pays it; a later repayment is a recovery the bank owes back pro rata."""
    ledger, cast = pool.ledger, pool.cast
    program = pool.create()
    pool.deposit(program, 1_000_000_00)
    line_id = credit.open_line()
    credit.draw(line_id, 600_000_00, tenor=10 * DAY)
    due = credit.line(line_id).next_due
    ledger.chain.travel_to(due + GRACE + 1)
    credit.bank.credit_lines.declare_default(line_id)
    ledger.chain.increase_time(DAY)
    loss_id = cast.outsider.losses.record(ledger.credit_lines.address, line_id).loss_id
    loss = ledger.losses.get(loss_id)
    assert (loss.kind, loss.bank, loss.debtor) == (LossSourceKind.CREDIT_LINES, cast.bank1.address,
                                                   credit.borrower.address)
    assert (loss.principal, loss.interest) == ledger.credit_lines.get_debt(line_id)
    assert loss.occurred_at == due < loss.recorded_at
    later = pool.create(name="after the default", start=due + 1)
    with reverts(RiskPoolLossOutsidePeriod, program_id=later, loss_id=loss_id, occurred_at=due, start=due + 1):
        cast.bank1.risk_pool.file_claim(later, loss_id)
    claim_id = cast.bank1.risk_pool.file_claim(program, loss_id).one(ClaimFiled).claim_id
    claim = ledger.risk_pool.get_claim(claim_id)
    assert claim.paid == claim.entitlement == graded(GRADES, loss.net)
    credit.borrower.credit_lines.repay(line_id, 300_000_00)
    recovered = cast.outsider.losses.record_recovery(loss_id).amount
    assert recovered == 300_000_00
    assert ledger.risk_pool.recovery_owed(claim_id) == recovered * claim.paid // claim.net_loss
