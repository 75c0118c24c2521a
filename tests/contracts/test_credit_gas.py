"""Gas budgets of the credit-line book (issue 12), read from receipts: open <= 150k, draw <= 110k, repay <= 80k.

As in `scf bench`, the bank and the borrower approve the book without limit: the book can only take a line's
available limit from the bank on the borrower's draw, and a payer's own repayment on that payer's call."""

from __future__ import annotations

from sdk.creditlines import DAY, Draw, purpose_hash
from tests.contracts.credit_support import Desk

UNLIMITED = 2**256 - 1


def test_open_draw_and_repay_stay_within_their_gas_budgets(credit: Desk) -> None:
    credit.approve(credit.bank, UNLIMITED)
    credit.approve(credit.borrower, UNLIMITED)
    lines = credit.borrower.credit_lines
    opened = credit.bank.credit_lines._transact("open", credit.terms().as_tuple())
    line_id = opened.event.line_id
    lines.accept(line_id)
    purpose = purpose_hash("PO-GAS")
    first = lines._transact("draw", line_id, 200_000_00, credit.cast.supplier2.address, 30 * DAY, purpose)
    credit.ledger.chain.increase_time(DAY)
    second = lines._transact("draw", line_id, 100_000_00, credit.cast.supplier3.address, 20 * DAY, purpose)
    credit.ledger.chain.increase_time(DAY)
    repay = lines._transact("repay", line_id, 50_000_00)
    assert opened.gas_used <= 150_000
    assert max(first.gas_used, second.gas_used) <= 110_000
    assert repay.gas_used <= 80_000


def test_batched_draw_costs_less_per_item_than_single_draws(credit: Desk) -> None:
    credit.approve(credit.bank, UNLIMITED)
    line_id = credit.open_line()
    payees = [credit.cast.supplier2.address, credit.cast.supplier3.address]
    single = credit.borrower.credit_lines._transact(
        "draw", line_id, 1_000_00, payees[0], 10 * DAY, purpose_hash("PO-0")).gas_used
    draws = [Draw(payees[i % 2], 1_000_00, 10 * DAY, f"PO-{i + 1}") for i in range(10)]
    calls = [bytes.fromhex(credit.borrower.credit_lines._encode(
        "draw", line_id, d.amount, d.payee, d.tenor, purpose_hash(str(d.purpose))).removeprefix("0x")) for d in draws]
    batch = credit.borrower.credit_lines._transact("multicall", calls)
    assert len(credit.line(line_id).tranches) == 11
    assert batch.gas_used // len(draws) < single
