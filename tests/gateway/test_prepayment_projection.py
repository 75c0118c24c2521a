"""Prepayment agreements: projection equals the contract; over the API, the four parties see the deal."""

from __future__ import annotations

from sqlalchemy import select

from gateway.models.common import table_of
from gateway.models.prepayments import Prepayment, PrepaymentInstalment
from sdk import Ledger
from tests.conftest import Cast
from tests.gateway.api_fixtures import Api
from tests.gateway.scenarios import prepayment_activity


def test_prepayment_projection_and_api(api: Api, ledger: Ledger, cast: Cast) -> None:
    ids = prepayment_activity(ledger, cast)
    api.sync()
    with api.indexer.store.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(table_of(Prepayment)))}
        plan = conn.execute(select(table_of(PrepaymentInstalment)).where(
            table_of(PrepaymentInstalment).c.prepayment_id == ids["deal"])).all()
    for pid, row in rows.items():
        a = ledger.prepayment.get_agreement(pid)
        assert (row.status, row.buyer, row.seller, row.bank, row.warehouse, row.quantity, row.principal_units,
                row.principal_repaid_units, row.released_quantity, row.receipt_id or 0, row.margin_units) == (
            int(a.status), a.buyer, a.seller, a.bank, a.warehouse, a.quantity, a.principal, a.principal_repaid,
            a.released_quantity, a.receipt_id, a.margin), pid
    deal = ledger.prepayment.get_agreement(ids["deal"])
    assert len(plan) == deal.instalment_count == 3
    assert sum(i.principal_units for i in plan) == deal.principal
    for who in (cast.distributor, cast.core, cast.bank1, cast.warehouse, cast.regulator):
        body = api.client.get(f"/v1/prepayments/{ids['deal']}", headers=api.as_(who)).json()
        assert body["status"] == "delivered" and body["outstanding_units"] == deal.principal - deal.principal_repaid
        assert [i["principal_units"] for i in body["schedule"]] == [i.principal_units for i in plan]
    for who in (cast.supplier1, cast.bank2):
        assert api.client.get(f"/v1/prepayments/{ids['deal']}", headers=api.as_(who)).status_code == 404
    api.clock.advance(0)
    ledger.chain.travel_to(max(i.due_date for i in plan) + 1)
    api.sync()
    alerts = api.client.get("/v1/alerts", headers=api.as_(cast.bank1), params={"kind": "instalment_overdue"}).json()
    assert [(a["asset_id"], a["amount_units"]) for a in alerts["data"]] == [
        (ids["deal"], deal.principal - deal.principal_repaid)]
