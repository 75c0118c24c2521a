"""Risk pool: the projection of losses, programs, members and claims equals the contracts' reads; over the API a
bank sees its own losses and claims, a contributor its programs with every claim, the regulator everything."""

from __future__ import annotations

from sqlalchemy import select

from gateway.models.common import table_of
from gateway.models.riskpool import Loss, RiskClaim, RiskProgram, RiskProgramMember
from sdk import Ledger
from sdk.generated.events import ClaimFiled
from tests.conftest import Cast
from tests.contracts.riskpool_support import Pool, pool  # noqa: F401 - fixture
from tests.gateway.api_fixtures import Api


def test_risk_pool_projection_and_api(api: Api, ledger: Ledger, cast: Cast, pool: Pool) -> None:  # noqa: F811
    program = pool.create()
    pool.deposit(program, 910_000_00)
    _, big = pool.defaulted_fragment(1_200_000_00)
    _, small = pool.defaulted_fragment(100_000_00)
    _, other = pool.defaulted_fragment(50_000_00, bank=cast.bank2)
    losses = [pool.record_fragment_loss(f) for f in (big, small, other)]
    claims = [cast.bank1.risk_pool.file_claim(program, loss).one(ClaimFiled).claim_id for loss in losses[:2]]
    # the debtor pays half of the big fragment late; bank1 returns the pool's share
    root = ledger.receivables.get_fragment(big).root_id
    cast.core.receivables.repay(root, 600_000_00)
    cast.bank1.receivables.claim(big)
    cast.outsider.losses.record_recovery(losses[0])
    cast.bank1.token.approve(ledger.risk_pool.address, 10**12)
    cast.bank1.risk_pool.return_recovery(claims[0])
    api.sync()

    rp = ledger.risk_pool
    with api.indexer.store.engine.connect() as conn:
        loss_rows = {r.id: r for r in conn.execute(select(table_of(Loss)))}
        program_row = conn.execute(select(table_of(RiskProgram))).one()
        members = {r.account: r for r in conn.execute(select(table_of(RiskProgramMember)))}
        claim_rows = {r.id: r for r in conn.execute(select(table_of(RiskClaim)))}
    assert set(loss_rows) == set(losses)
    for loss_id, row in loss_rows.items():
        loss = ledger.losses.get(loss_id)
        assert (row.bank, row.debtor, row.principal_units, row.interest_units, row.recovered_units,
                row.recorded_at, row.occurred_at) == (loss.bank, loss.debtor, loss.principal, loss.interest,
                                                      loss.recovered, loss.recorded_at, loss.occurred_at)
    state = rp.state(program)
    assert (program_row.deposited_units, program_row.balance_units, program_row.paid_units, program_row.open_units,
            program_row.recovered_units, program_row.claim_count) == (
        state.deposited, state.balance, state.paid, state.open, state.recovered, state.claim_count)
    assert state.open > 0 and state.recovered > 0
    for contributor in pool.contributors:
        account = rp.contributor(program, contributor.address)
        row = members[contributor.address]
        assert (row.deposited_units, row.paid_units, row.recovered_units) == (
            account.deposited, account.paid, account.recovered)
    for claim_id, row in claim_rows.items():
        claim = rp.get_claim(claim_id)
        assert (row.status, row.entitlement_units, row.paid_units, row.returned_units, row.net_loss_units) == (
            int(claim.status), claim.entitlement, claim.paid, claim.returned, claim.net_loss)

    def get(path: str, who: object) -> dict[str, object]:
        response = api.client.get(path, headers=api.as_(who))  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    mine = get("/v1/losses", cast.bank1)
    assert sorted(r["id"] for r in mine["data"]) == losses[:2]  # type: ignore[union-attr,index]
    assert {r["id"]: r["claim_id"] for r in mine["data"]} == dict(zip(losses[:2], claims, strict=True))  # type: ignore[union-attr,index]
    assert [r["id"] for r in get("/v1/losses", cast.bank2)["data"]] == [losses[2]]  # type: ignore[union-attr,index]
    assert get("/v1/losses", cast.regulator)["count"] == 3
    for who in (pool.fund, cast.bank1, cast.regulator):
        assert [p["id"] for p in get("/v1/risk-pools", who)["data"]] == [program]  # type: ignore[union-attr,index]
        detail = get(f"/v1/risk-pools/{program}", who)
        assert [c["id"] for c in detail["claims"]] == claims  # type: ignore[union-attr,index]
        assert detail["open_units"] == state.open
    assert get("/v1/risk-pools", cast.bank2)["count"] == 0
    assert api.client.get(f"/v1/risk-pools/{program}", headers=api.as_(cast.bank2)).status_code == 404
    fund = next(m for m in get(f"/v1/risk-pools/{program}", pool.fund)["members"]  # type: ignore[union-attr]
                if m["account"] == pool.fund.address)
    account = rp.contributor(program, pool.fund.address)
    assert fund["exposure_units"] == account.exposure > 0
