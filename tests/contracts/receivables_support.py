"""Helpers shared by the receivables tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from sdk import Party
from sdk.chain import Chain
from sdk.generated.events import FragmentDiscounted
from sdk.receivables import fragment_id
from tests.conftest import Cast

DAY = 86_400
FACE = 1_000_000_00  # one million in cents
_invoices = itertools.count(1)


def invoice(tag: str = "inv") -> str:
    """A fresh invoice document text, so each test registers distinct invoices."""
    return f"{tag}-{next(_invoices)}"


def new_root(
    cast: Cast,
    *,
    face: int = FACE,
    days: int = 90,
    supplier: Party | None = None,
    debtor: Party | None = None,
    confirm: bool = True,
) -> tuple[int, int]:
    """Register (and by default confirm) a receivable; returns (root id, id of its original fragment)."""
    supplier = supplier or cast.supplier1
    debtor = debtor or cast.core
    due = supplier.ledger.chain.now() + days * DAY
    ev = supplier.receivables.register(debtor.address, face, due, invoice())
    if confirm:
        debtor.receivables.confirm(ev.root_id)
    assert ev.fragment_id == fragment_id(ev.root_id, 0)
    return ev.root_id, ev.fragment_id


def split(holder: Party, fragment: int, to: Party, amount: int) -> int:
    """Offer `amount` of `fragment` to `to` and accept; returns the child fragment id."""
    offered = holder.receivables.offer(fragment, to.address, amount)
    return to.receivables.accept(offered.offer_id).child_id


def fund(
    holder: Party, fragment: int, bank: Party, debtor: Party, *, rate: int = 550, recourse: bool = False,
    limit: int | None = None,
) -> FragmentDiscounted:
    """Holder asks `bank` to discount `fragment`; the bank sets a limit (if given) and funds it."""
    if limit is not None:
        bank.receivables.set_exposure_limit(debtor.address, limit)
    holder.receivables.request_discount(fragment, bank.address, rate, with_recourse=recourse)
    return bank.receivables.discount(fragment)


def block_time(chain: Chain, block_number: int) -> int:
    return int(chain.w3.eth.get_block(block_number)["timestamp"])


@contextmanager
def reverts(cls: type[Exception], **fields: Any) -> Iterator[None]:
    """Expect the decoded custom error `cls` with exactly these field values."""
    with pytest.raises(cls) as info:
        yield
    for name, expected in fields.items():
        actual = getattr(info.value, name)
        assert actual == expected, f"{cls.__name__}.{name} = {actual!r}, expected {expected!r}"
