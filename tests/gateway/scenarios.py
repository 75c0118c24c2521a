"""Ledger activity for the gateway tests, driven through the SDK."""

from __future__ import annotations

from sdk import Ledger
from tests.conftest import Cast
from tests.contracts.receivables_support import DAY, fund, new_root, split


def receivables_activity(ledger: Ledger, cast: Cast) -> dict[str, int]:
    """Two receivables: one split down three tiers, discounted at two banks (one with recourse), partly repaid
    and distributed; one issued directly and disputed. Plus an open offer, a declined and a withdrawn request."""
    core, t1, t2, t3 = cast.core, cast.supplier1, cast.supplier2, cast.supplier3
    cast.bank1.receivables.set_exposure_limit(core.address, 5_000_000_00)
    cast.bank2.receivables.set_exposure_limit(core.address, 1_000_000_00)
    root, f1 = new_root(cast, face=1_000_000_00, days=90, supplier=t1)
    f2 = split(t1, f1, t2, 600_000_00)
    f3 = split(t2, f2, t3, 250_000_00)
    fund(t1, f1, cast.bank1, core, rate=550, recourse=False)
    fund(t3, f3, cast.bank2, core, rate=770, recourse=True)
    t2.receivables.request_discount(f2, cast.bank1.address, 600, with_recourse=False)
    cast.bank1.receivables.decline_discount(f2)
    open_offer = t2.receivables.offer(f2, cast.distributor.address, 10_000_00).offer_id
    core.receivables.repay(root, 300_000_00)
    cast.regulator.receivables.distribute(root)
    due = ledger.chain.now() + 30 * DAY
    issued = core.receivables.issue(t3.address, 50_000_00, due, "certificate-1").root_id
    core.receivables.dispute(issued, "QUALITY")
    registered, _ = new_root(cast, face=20_000_00, days=60, supplier=t2, debtor=cast.core2, confirm=False)
    return {"root": root, "f1": f1, "f2": f2, "f3": f3, "offer": open_offer, "issued": issued,
            "registered": registered}
