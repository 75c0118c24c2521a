"""Risk pools in /v1/positions and /v1/alerts (issue 13): a bank's compensated and uncompensated losses and a
contributor's program exposure, equal to the contracts' reads; the underfunded-program alert with its reserve
setting; each party sees only its own."""

from __future__ import annotations

from typing import Any

from sdk import Ledger
from sdk.generated.events import ClaimFiled
from tests.conftest import Cast
from tests.contracts.riskpool_support import Pool, pool  # noqa: F401 - fixture
from tests.gateway.api_fixtures import Api


def _get(api: Api, path: str, who: object, status: int = 200) -> Any:
    response = api.client.get(path, headers=api.as_(who))  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    return response.json()


def _pool_alerts(api: Api, who: object) -> list[dict[str, Any]]:
    body = _get(api, "/v1/alerts?kind=risk_pool_underfunded", who)
    return list(body["data"])


def _reserve(api: Api, bps: int) -> None:
    ctx = api.client.app.state.ctx  # type: ignore[attr-defined]
    ctx.settings = ctx.settings.model_copy(update={"risk_pool_reserve_bps": bps})


def test_positions_show_compensated_and_uncompensated_losses(api: Api, ledger: Ledger, cast: Cast,
                                                             pool: Pool) -> None:  # noqa: F811
    program = pool.create()
    pool.deposit(program, 910_000_00)
    _, big = pool.defaulted_fragment(1_200_000_00)
    _, small = pool.defaulted_fragment(100_000_00)
    _, other = pool.defaulted_fragment(50_000_00, bank=cast.bank2)
    losses = [pool.record_fragment_loss(f) for f in (big, small, other)]
    # 1,200,000.00 -> 1,000,000.00 x 80 % + 200,000.00 x 50 % = 900,000.00, paid; then 100,000.00 x 50 % =
    # 50,000.00, of which the 10,000.00 left is paid and 40,000.00 waits
    claims = [cast.bank1.risk_pool.file_claim(program, loss).one(ClaimFiled).claim_id for loss in losses[:2]]
    rp = ledger.risk_pool
    assert [(rp.get_claim(c).paid, rp.get_claim(c).open) for c in claims] == [
        (900_000_00, 0), (10_000_00, 40_000_00)]
    # the debtor pays half of the big fragment late: the pool's share of it is 600,000.00 x 900/1,200 = 450,000.00
    root = ledger.receivables.get_fragment(big).root_id
    cast.core.receivables.repay(root, 600_000_00)
    cast.bank1.receivables.claim(big)
    cast.outsider.losses.record_recovery(losses[0])
    api.sync()

    mine = _get(api, "/v1/positions", cast.bank1)["risk_losses"]
    owed = rp.recovery_owed(claims[0])
    assert owed == 450_000_00
    assert mine["recovery_owed_units"] == owed + rp.recovery_owed(claims[1])
    assert (mine["losses"], mine["claimed"], mine["net_units"], mine["recovered_units"]) == (
        2, 2, 700_000_00, 600_000_00)
    assert (mine["compensated_units"], mine["pending_units"], mine["uncompensated_units"]) == (
        460_000_00, 40_000_00, 200_000_00)
    assert mine["net_units"] == sum(ledger.losses.get(loss).net for loss in losses[:2])
    assert mine["pending_units"] == sum(rp.get_claim(c).open for c in claims)

    # bank1 returns the pool's share: what it keeps and bears does not change, nothing is owed any more
    cast.bank1.token.approve(rp.address, 10**12)
    cast.bank1.risk_pool.return_recovery(claims[0])
    api.sync()
    after = _get(api, "/v1/positions", cast.bank1)["risk_losses"]
    assert (after["compensated_units"], after["uncompensated_units"], after["recovery_owed_units"]) == (
        460_000_00, 200_000_00, 0)

    # a contributor's exposure per program equals its account on chain
    for contributor in (pool.fund, pool.insurer, cast.bank1):
        rows = _get(api, "/v1/positions", contributor)["risk_contributions"]
        account, state = rp.contributor(program, contributor.address), rp.state(program)
        assert [(r["program_id"], r["deposited_units"], r["paid_units"], r["recovered_units"], r["exposure_units"],
                 r["program_balance_units"], r["program_open_units"]) for r in rows] == [
            (program, account.deposited, account.paid, account.recovered, account.exposure, state.balance,
             state.open)]
    assert _get(api, "/v1/positions", pool.fund)["risk_losses"] is None  # the fund suffered no loss

    # scoping: bank2 sees its own unclaimed loss and no program; not bank1's position; the regulator sees bank1's
    theirs = _get(api, "/v1/positions", cast.bank2)
    assert (theirs["risk_losses"]["net_units"], theirs["risk_losses"]["uncompensated_units"],
            theirs["risk_losses"]["claimed"]) == (50_000_00, 50_000_00, 0)
    assert theirs["risk_contributions"] == []
    _get(api, f"/v1/positions?of={cast.bank1.address}", cast.bank2, status=404)
    assert _get(api, f"/v1/positions?of={cast.bank1.address}", cast.regulator)["risk_losses"] == after


def test_alert_for_a_program_below_open_claims_plus_reserve(api: Api, ledger: Ledger, cast: Cast,
                                                            pool: Pool) -> None:  # noqa: F811
    program = pool.create()
    pool.deposit(program, 100_000_00)
    api.sync()
    assert _pool_alerts(api, pool.fund) == []  # full: 100,000.00 >= 0 open + 10 % of 100,000.00
    _, frag = pool.defaulted_fragment(200_000_00)
    loss = pool.record_fragment_loss(frag)
    claim = cast.bank1.risk_pool.file_claim(program, loss).one(ClaimFiled).claim_id  # 160,000.00 due, 100,000 paid
    api.sync()
    state = ledger.risk_pool.state(program)
    assert (state.balance, state.open) == (0, 60_000_00)
    reserve = 10_000_00  # the default: 1,000 bps of the 100,000.00 deposited
    for who in (pool.fund, pool.insurer, cast.bank1, cast.regulator):
        [alert] = _pool_alerts(api, who)
        assert (alert["severity"], alert["asset_type"], alert["asset_id"], alert["amount_units"]) == (
            "critical", "risk_program", program, state.open + reserve - state.balance)
        assert "60000.00 of claims wait unpaid" in alert["message"]
    assert _pool_alerts(api, cast.bank2) == []  # neither contributes nor claimed
    assert _pool_alerts(api, cast.supplier1) == []

    # topped up by 100,000.00 (deposits now 200,000.00, reserve 20,000.00): the open claim is paid, the 40,000.00
    # left is above the reserve: no alert
    pool.deposit(program, 100_000_00)
    cast.outsider.risk_pool.pay_open_claims(program)
    api.sync()
    state = ledger.risk_pool.state(program)
    assert (state.balance, state.open, ledger.risk_pool.get_claim(claim).open) == (40_000_00, 0, 0)
    assert _pool_alerts(api, pool.fund) == []
    # a reserve of 25 % (50,000.00) is not met: a warning for the 10,000.00 missing
    _reserve(api, 2_500)
    [alert] = _pool_alerts(api, cast.regulator)
    assert (alert["severity"], alert["amount_units"]) == ("warning", 10_000_00)
    _reserve(api, 0)  # no reserve: alerts only once claims wait
    assert _pool_alerts(api, cast.regulator) == []
