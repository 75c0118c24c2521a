"""SDK batches: many Receivables writes in one atomic multicall transaction, results per item, failures by index."""

from __future__ import annotations

import pytest

from sdk import Ledger
from sdk.batch import BatchItemFailed
from sdk.errors import LedgerValueError, ReceivableNotFound, ReceivableStatusInvalid
from sdk.generated.events import (
    FinancingRepaid,
    FragmentDiscounted,
    FragmentPaid,
    ReceivableConfirmed,
    ReceivableRepaid,
)
from sdk.types import FinancingStatus, FragmentStatus, ReceivableStatus
from tests.conftest import Cast
from tests.contracts.receivables_support import FACE, new_root, split


def test_batch_confirms_many_receivables_in_one_transaction(ledger: Ledger, cast: Cast) -> None:
    roots = [new_root(cast, confirm=False)[0] for _ in range(3)]
    with cast.core.receivables.batch() as b:
        indexes = [b.confirm(root) for root in roots]
    assert indexes == [0, 1, 2]
    assert b.result is not None
    events = b.result.events()
    assert all(isinstance(ev, ReceivableConfirmed) for ev in events)
    assert [ev.root_id for ev in events] == roots
    assert len({item.call.index for item in b.result.items}) == 3
    assert b.result.gas_per_item * 3 <= b.result.tx.gas_used
    for root in roots:
        assert ledger.receivables.get_receivable(root).status == ReceivableStatus.CONFIRMED


def test_a_failing_item_reverts_the_batch_and_is_named(ledger: Ledger, cast: Cast) -> None:
    first, _ = new_root(cast, confirm=False)
    second, _ = new_root(cast, confirm=False)
    b = cast.core.receivables.batch()
    b.confirm(first)
    b.confirm(10_000)
    b.confirm(second)
    with pytest.raises(BatchItemFailed) as info:
        b.send()
    assert info.value.index == 1 and info.value.call is not None and info.value.call.args == (10_000,)
    assert isinstance(info.value.error, ReceivableNotFound) and info.value.error.root_id == 10_000
    assert "item 1" in str(info.value) and "ReceivableNotFound" in str(info.value)
    # atomic: the first confirmation did not happen either
    assert ledger.receivables.get_receivable(first).status == ReceivableStatus.REGISTERED


def test_failure_of_an_item_that_depends_on_an_earlier_one_is_found(ledger: Ledger, cast: Cast) -> None:
    root, _ = new_root(cast, confirm=False)
    b = cast.core.receivables.batch()
    b.confirm(root)
    b.confirm(root)  # fine alone, fails after the first
    failure = b.dry_run()
    assert failure is not None and failure.index == 1
    assert isinstance(failure.error, ReceivableStatusInvalid) and failure.error.status == ReceivableStatus.CONFIRMED


def test_batch_funds_repays_and_claims_portfolios(ledger: Ledger, cast: Cast) -> None:
    cast.bank1.receivables.set_exposure_limit(cast.core.address, 10 * FACE)
    roots, fragments = [], []
    for _ in range(3):
        root, original = new_root(cast)
        child = split(cast.supplier1, original, cast.supplier2, FACE // 4)
        cast.supplier2.receivables.request_discount(child, cast.bank1.address, 550, with_recourse=False)
        roots.append(root)
        fragments.append((original, child))

    with cast.bank1.receivables.batch() as funding:
        for _, child in fragments:
            funding.discount(child)
    assert funding.result is not None
    discounted = funding.result.events()
    assert all(isinstance(ev, FragmentDiscounted) for ev in discounted)
    assert [ev.fragment_id for ev in discounted] == [child for _, child in fragments]
    assert ledger.receivables.get_exposure(cast.bank1.address, cast.core.address).used == 3 * (FACE // 4)

    with cast.core.receivables.batch() as repaying:
        for root in roots:
            repaying.repay(root, FACE)
    assert repaying.result is not None
    assert all(isinstance(ev, ReceivableRepaid) and ev.new_status == ReceivableStatus.SETTLED
               for ev in repaying.result.events())

    with cast.regulator.receivables.batch() as claiming:
        for original, child in fragments:
            claiming.claim(original)
            claiming.claim(child)
    assert claiming.result is not None
    items = claiming.result.items
    assert len(items) == 6 and all(isinstance(item.event, FragmentPaid) for item in items)
    # each financed fragment's item carries its financing's closing event, the others do not
    for item in items:
        closing = [ev for ev in item.events if isinstance(ev, FinancingRepaid)]
        assert len(closing) == (1 if item.index % 2 else 0)
    for original, child in fragments:
        assert ledger.receivables.get_fragment(original).status == FragmentStatus.PAID
        assert ledger.receivables.get_financing(child).status == FinancingStatus.REPAID
    assert ledger.token.balance_of(ledger.receivables.address).units == 0


def test_empty_or_resent_batches_are_refused(cast: Cast) -> None:
    b = cast.core.receivables.batch()
    with pytest.raises(LedgerValueError):
        b.send()
    root, _ = new_root(cast, confirm=False)
    b.confirm(root)
    b.send()
    with pytest.raises(LedgerValueError):
        b.send()
    with pytest.raises(LedgerValueError):
        b.confirm(root)
