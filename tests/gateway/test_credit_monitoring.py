"""Credit lines in /v1/positions and /v1/alerts: the figures equal the contract's reads, and each alert appears
and disappears at the right time."""

from __future__ import annotations

from typing import Any

from sdk import Ledger
from tests.conftest import Cast
from tests.contracts.credit_support import DAY, LIMIT, Desk
from tests.gateway.api_fixtures import Api


def _get(api: Api, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = api.client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _credit_alerts(api: Api, who: Any, **params: Any) -> set[tuple[str, int, int | None]]:
    body = _get(api, "/v1/alerts", api.as_(who), **params)
    return {(a["kind"], a["asset_id"], a["amount_units"]) for a in body["data"] if a["asset_type"] == "credit_line"}


def _desk(ledger: Ledger, cast: Cast) -> Desk:
    desk = Desk(ledger, cast)
    desk.approve(cast.bank1)
    desk.approve(cast.supplier1)
    return desk


def test_positions_show_utilisation_and_maturity_as_the_contract_reads_them(
    api: Api, ledger: Ledger, cast: Cast
) -> None:
    desk = _desk(ledger, cast)
    line_id = desk.open_line()
    desk.draw(line_id, 200_000_00, tenor=10 * DAY)
    desk.draw(line_id, 150_000_00, payee=cast.supplier3, tenor=25 * DAY)
    ledger.chain.increase_time(11 * DAY)  # the first tranche is overdue
    api.sync()
    line = desk.line(line_id)
    now = ledger.chain.now()
    for who, role, counterparty, params in (
        (cast.supplier1, "borrower", cast.bank1.address, {}),
        (cast.bank1, "lender", cast.supplier1.address, {}),
        (cast.regulator, "borrower", cast.bank1.address, {"of": cast.supplier1.address}),
        (cast.regulator, "lender", cast.supplier1.address, {"of": cast.bank1.address}),
    ):
        body = _get(api, "/v1/positions", api.as_(who), **params)
        [pos] = body["credit_lines"]
        assert (pos["line_id"], pos["role"], pos["counterparty"], pos["status"]) == (
            line_id, role, counterparty, "open")
        assert (pos["limit_units"], pos["used_units"], pos["available_units"], pos["next_due"]) == (
            line.limit, line.principal, line.available, line.next_due)
        assert pos["utilisation_bps"] == line.principal * 10_000 // line.limit == 3_500
        assert pos["overdue_units"] == 200_000_00
        assert pos["expiry"] == line.expiry and pos["days_to_expiry"] == (line.expiry - now + DAY - 1) // DAY
        assert [(b["bucket"], b["count"], b["outstanding_units"]) for b in pos["tranches"]] == [
            ("overdue", 1, 200_000_00), ("0-30d", 1, 150_000_00)]
    for who in (cast.supplier2, cast.bank2, cast.core):  # the payee, another bank, a stranger
        assert _get(api, "/v1/positions", api.as_(who))["credit_lines"] == []
    assert api.client.get("/v1/positions", headers=api.as_(cast.supplier2),
                          params={"of": cast.supplier1.address}).status_code == 404
    cast.supplier1.credit_lines.repay(line_id, 10**12)  # everything owed
    api.sync()
    [pos] = _get(api, "/v1/positions", api.as_(cast.supplier1))["credit_lines"]
    assert (pos["used_units"], pos["available_units"], pos["tranches"], pos["next_due"]) == (0, LIMIT, [], None)


def test_credit_alerts_appear_and_disappear_at_the_right_time(api: Api, ledger: Ledger, cast: Cast) -> None:
    desk = _desk(ledger, cast)
    line_id = desk.open_line()
    desk.draw(line_id, 200_000_00, tenor=10 * DAY)
    api.sync()
    borrower, bank = cast.supplier1, cast.bank1
    assert _credit_alerts(api, borrower) == set()  # due in 10 days: beyond the default 7-day horizon
    assert _credit_alerts(api, borrower, days=10) == {("credit_tranche_due", line_id, 200_000_00)}
    assert _credit_alerts(api, borrower, days=9) == set()

    desk.draw(line_id, 700_000_00, tenor=30 * DAY)  # 90 % used
    api.sync()
    near = ("credit_line_near_limit", line_id, 900_000_00)
    assert _credit_alerts(api, bank) == {near}
    assert _credit_alerts(api, bank, near_limit_bps=9_001) == set()  # the threshold is a parameter
    ledger.chain.increase_time(3 * DAY + 60)  # now the first tranche is due within 7 days
    api.sync()
    assert _credit_alerts(api, borrower) == {near, ("credit_tranche_due", line_id, 200_000_00)}
    assert _credit_alerts(api, cast.regulator, kind="credit_tranche_due") == {
        ("credit_tranche_due", line_id, 200_000_00)}
    assert _credit_alerts(api, cast.supplier2) == set()  # the payee is not a party to the line

    ledger.chain.increase_time(7 * DAY)  # past the first due date
    api.sync()
    assert _credit_alerts(api, borrower) == {near, ("credit_tranche_overdue", line_id, 200_000_00)}
    overdue = _get(api, "/v1/alerts", api.as_(bank), kind="credit_tranche_overdue")["data"][0]
    assert overdue["severity"] == "critical" and overdue["due_at"] == desk.line(line_id).next_due

    borrower.credit_lines.repay(line_id, 300_000_00)  # interest, the overdue tranche, part of the next
    api.sync()
    assert _credit_alerts(api, borrower) == set()  # about 60 % used, nothing overdue, the next due in 20 days

    line = desk.line(line_id)
    ledger.chain.travel_to(line.expiry - 7 * DAY)
    api.sync()
    alerts = _credit_alerts(api, bank)
    assert ("credit_line_expiring", line_id, line.principal) in alerts
    assert all(kind != "credit_line_expiring" for kind, _, _ in _credit_alerts(api, bank, days=6))
    borrower.credit_lines.repay(line_id, 10**12)
    ledger.chain.travel_to(line.expiry)
    cast.bank1.credit_lines.close(line_id)
    api.sync()
    assert _credit_alerts(api, bank, days=3_650) == set()  # a closed line is not watched


def test_pledged_receivables_are_projected_as_the_contract_reads_them(api: Api, ledger: Ledger, cast: Cast) -> None:
    from sqlalchemy import select

    from gateway.models.common import table_of
    from gateway.models.creditlines import CreditPledge
    from gateway.models.receivables import Fragment
    from tests.contracts.receivables_support import new_root

    desk = _desk(ledger, cast)
    lines = ledger.credit_lines
    root, fragment = new_root(cast, face=300_000_00, days=40)
    line_id = desk.open_line()
    pledged = int(cast.supplier1.credit_lines.pledge_receivable(line_id, fragment).fragment_id)
    desk.draw(line_id, 100_000_00, tenor=30 * DAY)
    api.sync()
    [pos] = _get(api, "/v1/positions", api.as_(cast.bank1))["credit_lines"]
    due = ledger.receivables.get_receivable(root).due_date
    assert (pos["pledged_units"], pos["next_pledge_due"]) == (lines.pledged_of(line_id), due) == (300_000_00, due)
    ledger.chain.increase_time(10 * DAY)
    cast.core.receivables.repay(root, 300_000_00)
    cast.bank1.credit_lines.collect_receivable(pledged)
    api.sync()
    on_chain = lines.get_pledge(pledged)
    with api.indexer.store.engine.connect() as conn:
        row = conn.execute(select(table_of(CreditPledge)).where(
            table_of(CreditPledge).c.fragment_id == pledged)).one()
        held = conn.execute(select(table_of(Fragment).c.holder).where(table_of(Fragment).c.id == pledged)).scalar()
    assert (row.line_id, row.status, row.value_units, row.collected_units) == (
        on_chain.line_id, int(on_chain.status), on_chain.value, on_chain.collected)
    assert row.to_line_units + row.to_borrower_units == 300_000_00 and row.to_line_units > 100_000_00
    assert held == lines.address  # the book holds the pledged fragment
    for who in (cast.supplier1, cast.bank1, cast.regulator):
        body = _get(api, f"/v1/credit-lines/{line_id}", api.as_(who))
        [p] = body["pledges"]
        assert (p["fragment_id"], p["status"], p["unpaid_units"], p["to_line_units"]) == (
            pledged, "pledged", 0, row.to_line_units)
        assert body["used_units"] == 0 and "CreditReceivableCollected" in [h["name"] for h in body["history"]]
    [pos] = _get(api, "/v1/positions", api.as_(cast.supplier1))["credit_lines"]
    assert (pos["pledged_units"], pos["next_pledge_due"], pos["used_units"]) == (0, None, 0)
    cast.supplier1.credit_lines.release_receivable(pledged)
    api.sync()
    assert _get(api, f"/v1/credit-lines/{line_id}", api.as_(cast.supplier1))["pledges"][0]["status"] == "released"


def test_an_impaired_pledged_receivable_raises_an_alert_until_it_is_paid_or_released(
    api: Api, ledger: Ledger, cast: Cast
) -> None:
    from tests.contracts.receivables_support import new_root

    desk = _desk(ledger, cast)
    late_root, late = new_root(cast, face=200_000_00, days=20)
    disputed_root, disputed = new_root(cast, face=100_000_00, days=50)
    line_id = desk.open_line()
    late_pledge = int(cast.supplier1.credit_lines.pledge_receivable(line_id, late).fragment_id)
    cast.supplier1.credit_lines.pledge_receivable(line_id, disputed)
    desk.draw(line_id, 150_000_00, tenor=30 * DAY)
    cast.core.receivables.dispute(disputed_root, "quality claim")
    api.sync()
    impaired = _get(api, "/v1/alerts", api.as_(cast.bank1), kind="credit_pledge_impaired")["data"]
    assert [(a["asset_id"], a["amount_units"], a["severity"]) for a in impaired] == [(line_id, 100_000_00, "critical")]
    assert f"receivable {disputed_root} disputed" in impaired[0]["message"]
    ledger.chain.increase_time(21 * DAY)  # the other pledged receivable is now past due and unpaid
    api.sync()
    [alert] = _get(api, "/v1/alerts", api.as_(cast.supplier1), kind="credit_pledge_impaired")["data"]
    assert alert["amount_units"] == 300_000_00 and f"receivable {late_root} overdue" in alert["message"]
    assert _credit_alerts(api, cast.supplier2, kind="credit_pledge_impaired") == set()  # not a party to the line
    cast.core.receivables.repay(late_root, 200_000_00)  # paid late: collected into the line
    cast.bank1.credit_lines.collect_receivable(late_pledge)
    cast.operator.receivables.resolve_dispute(disputed_root, upheld=True)  # the dispute fails: no longer impaired
    api.sync()
    assert _credit_alerts(api, cast.bank1, kind="credit_pledge_impaired") == set()
