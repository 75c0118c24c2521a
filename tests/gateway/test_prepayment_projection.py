"""Prepayment agreements: projection equals the contract; over the API, the four parties see the deal."""

from __future__ import annotations

from sqlalchemy import select

from gateway.models.common import table_of
from gateway.models.prepayments import Prepayment, PrepaymentInstalment
from sdk import Ledger
from tests.conftest import Cast
from tests.contracts.prepayment_support import DAY, Desk
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
        assert_guarantee_projected(row, a)
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


def assert_guarantee_projected(row: object, a: object) -> None:
    """The seller's guarantee columns (v2) equal the contract's view."""
    assert (row.collateral_bps, row.grace_period, row.collateral_units, row.collateral_held_units,  # type: ignore[attr-defined]
            row.debt_to_bank_units, row.debt_to_buyer_units, row.delivery_deadline) == (  # type: ignore[attr-defined]
        a.collateral_bps, a.grace_period, a.collateral, a.collateral_held,  # type: ignore[attr-defined]
        a.debt_to_bank, a.debt_to_buyer, a.delivery_deadline), row.id  # type: ignore[attr-defined]


def test_guarantee_enforcement_refund_debt_and_extension_are_projected(api: Api, ledger: Ledger, cast: Cast) -> None:
    desk = Desk(ledger, cast)
    terms = desk.terms(collateral_bps=3_000, grace_period=2 * DAY)
    enforced = desk.delivered(terms, lot="PP-GW-1")
    refunded = desk.funded(terms)
    extended = desk.funded(terms)
    desk.bank.prepayment.extend_delivery_deadline(extended, terms.delivery_deadline + 5 * DAY)
    desk.travel_past(terms.delivery_deadline + DAY)
    desk.bank.prepayment.demand_refund(refunded)
    desk.travel_past(terms.maturity + terms.grace_period)
    desk.bank.prepayment.enforce(enforced)
    debt = ledger.prepayment.get_agreement(refunded).debt
    desk.seller.prepayment.authorize(debt)
    desk.seller.prepayment.repay_debt(refunded, debt // 2)
    desk.bank.prepayment.write_down_debt(enforced, 1_00)
    api.sync()
    with api.indexer.store.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(table_of(Prepayment)))}
    for pid in (enforced, refunded, extended):
        assert_guarantee_projected(rows[pid], ledger.prepayment.get_agreement(pid))
    assert rows[enforced].status == 9 and rows[enforced].debt_to_bank_units > 0  # DEFAULTED
    body = api.client.get(f"/v1/prepayments/{enforced}", headers=api.as_(cast.bank1)).json()
    assert body["status"] == "defaulted"
    assert body["debt_to_bank_units"] == ledger.prepayment.get_agreement(enforced).debt_to_bank
    assert body["collateral_units"] == ledger.prepayment.get_agreement(enforced).collateral
    listed = api.client.get("/v1/prepayments", headers=api.as_(cast.bank1), params={"status": "defaulted"})
    assert [d["id"] for d in listed.json()["data"]] == [enforced]
