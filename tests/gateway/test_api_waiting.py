"""What waits for a party (issue 10): payouts to claim, receipts presented for delivery out, risk-pool claims the pool
can pay, payments held to collect and recoveries owed back. Each appears in /v1/alerts for that party only, with
the amount the contract's own read gives and the command to run, and disappears once done; the resources carry the
same facts (`claimable_units`, `presented`, `recovery_owed_units`, `held_units`)."""

from __future__ import annotations

from typing import Any

from sdk import Ledger
from sdk.display import FragmentId
from sdk.generated.events import ClaimFiled
from tests.conftest import Cast
from tests.contracts.receivables_support import new_root
from tests.contracts.riskpool_support import Pool, pool  # noqa: F401 - fixture
from tests.contracts.warehouse_support import terms
from tests.gateway.api_fixtures import Api


def _get(api: Api, path: str, who: object, status: int = 200) -> Any:
    response = api.client.get(path, headers=api.as_(who))  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    return response.json()


def _alerts(api: Api, who: object, kind: str) -> list[dict[str, Any]]:
    return list(_get(api, f"/v1/alerts?kind={kind}", who)["data"])


def test_a_partly_repaid_fragment_waits_for_its_holder_to_claim(api: Api, ledger: Ledger, cast: Cast) -> None:
    root, frag = new_root(cast, face=1_000_00)
    cast.core.receivables.repay(root, 400_00)
    api.sync()
    owed = ledger.receivables.get_fragment(frag).claimable
    assert owed == 400_00
    assert _get(api, f"/v1/fragments/{frag}", cast.supplier1)["claimable_units"] == owed
    [alert] = _alerts(api, cast.supplier1, "payout_claimable")
    assert (alert["asset_type"], alert["asset_id"], alert["amount_units"], alert["severity"]) == (
        "fragment", frag, owed, "info")
    assert f"`scf receivable claim {FragmentId(frag)}`" in alert["message"]
    assert alert["due_at"] == ledger.receivables.get_receivable(root).due_date
    assert _alerts(api, cast.core, "payout_claimable") == []  # the debtor has nothing to claim
    assert _alerts(api, cast.regulator, "payout_claimable") == []  # nor the regulator, who sees everything else

    cast.outsider.receivables.claim(frag)
    api.sync()
    assert _get(api, f"/v1/fragments/{frag}", cast.supplier1)["claimable_units"] == 0
    assert _alerts(api, cast.supplier1, "payout_claimable") == []


def test_a_presented_receipt_waits_for_its_warehouse_until_delivered(api: Api, ledger: Ledger, cast: Cast) -> None:
    kept = cast.warehouse.receipts.issue(cast.distributor.address, terms("GW-LOT-K"), 500).id
    receipt = cast.warehouse.receipts.issue(cast.distributor.address, terms("GW-LOT-P"), 1_000).id
    cast.distributor.receipts.present(receipt)
    api.sync()
    rows = {r["id"]: r for r in _get(api, "/v1/warehouse-receipts", cast.distributor)["data"]}
    assert (rows[receipt]["presented"], rows[kept]["presented"]) == (True, False)
    [alert] = _alerts(api, cast.warehouse, "receipt_presented")
    assert (alert["asset_type"], alert["asset_id"]) == ("receipt", receipt)
    assert f"`scf receipt deliver {receipt}`" in alert["message"]
    assert _alerts(api, cast.distributor, "receipt_presented") == []

    cast.warehouse.receipts.deliver(receipt)
    api.sync()
    assert _alerts(api, cast.warehouse, "receipt_presented") == []


def test_a_transfer_withdraws_the_presentation(api: Api, ledger: Ledger, cast: Cast) -> None:
    receipt = cast.warehouse.receipts.issue(cast.distributor.address, terms("GW-LOT-T"), 1_000).id
    cast.distributor.receipts.present(receipt)
    cast.distributor.receipts.transfer(receipt, cast.supplier1.address)
    api.sync()
    assert ledger.receipts.get_approved(receipt) is None
    assert _get(api, f"/v1/warehouse-receipts/{receipt}", cast.supplier1)["presented"] is False
    assert _alerts(api, cast.warehouse, "receipt_presented") == []


def test_risk_pool_claims_wait_for_their_bank(api: Api, ledger: Ledger, cast: Cast,
                                              pool: Pool) -> None:  # noqa: F811
    rp = ledger.risk_pool
    program = pool.create()
    pool.deposit(program, 910_000_00)
    _, big = pool.defaulted_fragment(1_200_000_00)
    _, small = pool.defaulted_fragment(100_000_00)
    claims = [cast.bank1.risk_pool.file_claim(program, pool.record_fragment_loss(f)).one(ClaimFiled).claim_id
              for f in (big, small)]
    assert rp.get_claim(claims[1]).open == 40_000_00
    api.sync()
    assert _alerts(api, cast.bank1, "risk_claim_payable") == []  # the pool is empty: nothing to pay yet

    pool.deposit(program, 10_000_00)  # tops it up: the pool can pay 10,000.00 of the open claim now
    api.sync()
    [payable] = _alerts(api, cast.bank1, "risk_claim_payable")
    assert (payable["asset_id"], payable["amount_units"]) == (claims[1], rp.state(program).balance)
    assert f"`scf risk-pool pay-open {program}`" in payable["message"]
    assert _alerts(api, cast.bank2, "risk_claim_payable") == []

    cast.outsider.risk_pool.pay_open_claims(program)
    api.sync()
    assert _alerts(api, cast.bank1, "risk_claim_payable") == []
    [held] = _alerts(api, cast.bank1, "risk_payment_held")
    assert held["amount_units"] == rp.held_for(cast.bank1.address) == 10_000_00
    assert "`scf risk-pool collect`" in held["message"]
    assert _get(api, "/v1/positions", cast.bank1)["risk_losses"]["held_units"] == 10_000_00
    cast.bank1.risk_pool.collect()
    api.sync()
    assert _alerts(api, cast.bank1, "risk_payment_held") == []
    assert _get(api, "/v1/positions", cast.bank1)["risk_losses"]["held_units"] == 0

    # the debtor pays half of the big fragment late: the bank owes the pool its share of the recovery
    root = ledger.receivables.get_fragment(big).root_id
    cast.core.receivables.repay(root, 600_000_00)
    cast.bank1.receivables.claim(big)
    cast.outsider.losses.record_recovery(rp.get_claim(claims[0]).loss_id)
    api.sync()
    [owed] = _alerts(api, cast.bank1, "risk_recovery_owed")
    assert (owed["asset_id"], owed["amount_units"]) == (claims[0], rp.recovery_owed(claims[0]))
    assert f"`scf risk-pool return-recovery {claims[0]}`" in owed["message"]
    detail = _get(api, f"/v1/risk-pools/{program}", cast.bank1)
    assert {c["id"]: c["recovery_owed_units"] for c in detail["claims"]} == {
        c: rp.recovery_owed(c) for c in claims}
