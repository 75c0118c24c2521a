"""Warehouse receipts, loans, positions and alerts over the API."""

from __future__ import annotations

from typing import Any

import pytest

from sdk import Ledger
from sdk.warehouse import accrued_interest, goods_value, ltv_bps
from tests.conftest import Cast
from tests.contracts.receivables_support import DAY
from tests.gateway.api_fixtures import Api
from tests.gateway.scenarios import receivables_activity, warehouse_activity


def _get(api: Api, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = api.client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture()
def ids(api: Api, ledger: Ledger, cast: Cast) -> dict[str, int]:
    out = warehouse_activity(ledger, cast)
    api.sync()
    return out


def test_warehouse_sees_the_receipts_it_issued_and_owners_theirs(api: Api, cast: Cast, ids: dict[str, int]) -> None:
    issued = _get(api, "/v1/warehouse-receipts", api.as_(cast.warehouse), limit=100)
    assert issued["count"] >= 5 and all(r["warehouse"] == cast.warehouse.address for r in issued["data"])
    piece = _get(api, f"/v1/warehouse-receipts/{ids['piece']}", api.as_(cast.supplier3))
    assert (piece["owner"], piece["parent_id"], piece["quantity"], piece["commodity"], piece["unit"]) == (
        cast.supplier3.address, ids["traded"], 1_500, "CU-CATHODE", "kg")
    assert api.client.get(f"/v1/warehouse-receipts/{ids['pledged']}", headers=api.as_(cast.supplier3)).status_code \
        == 404
    delivered = _get(api, "/v1/warehouse-receipts", api.as_(cast.distributor), status="delivered")["data"]
    assert [r["id"] for r in delivered] == [ids["released"]]


def test_loan_shows_debt_and_ltv_at_the_latest_price(api: Api, ledger: Ledger, cast: Cast) -> None:
    from tests.contracts.warehouse_support import CU

    warehouse_activity(ledger, cast)
    receipt = cast.warehouse.receipts.issue(cast.distributor.address, _terms("GW-LOT-9"), 1_000).id
    program = ledger.loans.program_count()
    maturity = ledger.chain.now() + 30 * DAY
    loan = cast.distributor.loans.pledge(program, receipt, 40_000_00, maturity)  # 40,000 of 60,000 at 60.00
    ledger.chain.increase_time(10 * DAY)
    if ledger.chain.now() <= ledger.prices.get_feed(CU).observed_at:
        ledger.chain.increase_time(1)
    cast.feeder.prices.post_price(CU, 48_00, ledger.chain.now())  # LTV above the 80 % margin-call line
    api.sync()
    body = _get(api, f"/v1/loans/{loan.loan_id}", api.as_(cast.bank1))
    now = max(int(api.clock()), ledger.chain.now())
    interest = accrued_interest(40_000_00, loan.rate_bps, now - body["opened_at"])
    assert body["interest_units"] in (interest, accrued_interest(40_000_00, loan.rate_bps, now + 1 - body["opened_at"]))
    value = goods_value(1_000, 48_00)
    assert (body["price_units"], body["collateral_value_units"]) == (48_00, value)
    assert body["ltv_bps"] == ltv_bps(40_000_00 + body["interest_units"], value) > 8_000
    assert body["receipt_ids"] == [receipt] and body["status"] == "active"
    alerts = _get(api, "/v1/alerts", api.as_(cast.distributor), kind="ltv_above_margin_call")["data"]
    assert [a["asset_id"] for a in alerts] == [loan.loan_id]
    assert api.client.get(f"/v1/loans/{loan.loan_id}", headers=api.as_(cast.bank2)).status_code == 404


def _terms(lot: str) -> Any:
    from tests.contracts.warehouse_support import terms

    return terms(lot)


def test_positions_of_a_bank_and_a_supplier(api: Api, ledger: Ledger, cast: Cast) -> None:
    receivables_activity(ledger, cast)
    api.sync()
    bank = _get(api, "/v1/positions", api.as_(cast.bank1))
    (exposure,) = [e for e in bank["exposures"] if e["debtor"] == cast.core.address]
    onchain = ledger.receivables.get_exposure(cast.bank1.address, cast.core.address)
    assert (exposure["limit_units"], exposure["used_units"]) == (onchain.limit, onchain.used)
    assert exposure["available_units"] == onchain.limit - onchain.used
    tier2 = _get(api, "/v1/positions", api.as_(cast.supplier2))
    held = {(b["status"], b["bucket"]): b for b in tier2["holdings"]}
    frags = [f for f in ledger.receivables.list_fragments(1) if f.holder == cast.supplier2.address]
    assert sum(b["outstanding_units"] for b in held.values()) >= sum(f.value - f.paid for f in frags) > 0
    assert all(b["bucket"] in {"overdue", "0-30d", "31-60d", "61-90d", "91-180d", ">180d"} for b in held.values())
    core = _get(api, "/v1/positions", api.as_(cast.core))
    assert sum(b["outstanding_units"] for b in core["payables"]) > 0
    assert api.client.get("/v1/positions", headers=api.as_(cast.core),
                          params={"of": cast.bank1.address}).status_code == 404
    seen_by_regulator = _get(api, "/v1/positions", api.as_(cast.regulator), of=cast.bank1.address)
    assert seen_by_regulator["exposures"] == bank["exposures"]


def test_alerts_for_maturing_overdue_and_margin_called(api: Api, ledger: Ledger, cast: Cast) -> None:
    ids = receivables_activity(ledger, cast)
    api.sync()
    due = ledger.receivables.get_receivable(ids["root"]).due_date
    soon = _get(api, "/v1/alerts", api.as_(cast.core), days=100)["data"]
    assert any(a["kind"] == "receivable_maturing" and a["asset_id"] == ids["root"] for a in soon)
    assert not any(a["asset_id"] == ids["root"] for a in _get(api, "/v1/alerts", api.as_(cast.core), days=1)["data"])
    ledger.chain.travel_to(due + DAY)
    api.sync()
    late = _get(api, "/v1/alerts", api.as_(cast.supplier1), kind="receivable_overdue")["data"]
    assert [a["asset_id"] for a in late] == [ids["root"]]
    assert late[0]["amount_units"] == 700_000_00 and late[0]["severity"] == "critical"
    assert _get(api, "/v1/alerts", api.as_(cast.warehouse))["count"] == 0


def test_alerts_page_with_a_cursor_in_a_stable_order(api: Api, ledger: Ledger, cast: Cast) -> None:
    receivables_activity(ledger, cast)
    api.sync()
    headers = api.as_(cast.regulator)
    everything = _get(api, "/v1/alerts", headers, days=3_650)
    assert everything["count"] >= 2 and everything["next_cursor"] is None
    paged: list[dict[str, object]] = []
    cursor = None
    while True:
        page = _get(api, "/v1/alerts", headers, days=3_650, limit=1, **({"cursor": cursor} if cursor else {}))
        assert page["count"] == everything["count"] and len(page["data"]) == 1
        assert (page["prev_cursor"] is None) == (cursor is None)  # only the first page has none before it
        paged += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == everything["data"]
    back: list[dict[str, object]] = []  # and back again from the last page, one by one
    cursor = page["prev_cursor"]
    while cursor is not None:
        page = _get(api, "/v1/alerts", headers, days=3_650, limit=1, cursor=cursor)
        back = page["data"] + back
        cursor = page["prev_cursor"]
    assert back == everything["data"][:-1]
    bad = api.client.get("/v1/alerts", headers=headers, params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_programs_prices_and_exposures_have_routes_of_their_own(api: Api, ledger: Ledger, cast: Cast) -> None:
    warehouse_activity(ledger, cast)
    receivables_activity(ledger, cast)
    api.sync()
    programs = _get(api, "/v1/loan-programs", api.as_(cast.distributor))  # borrowers see the offers
    program = next(p for p in programs["data"] if p["bank"] == cast.bank1.address)
    chain_view = ledger.loans.get_program(program["id"])
    assert (program["rate_bps"], program["cap_units"]) == (chain_view.rate_bps, chain_view.cap)
    assert program["available_units"] == program["cap_units"] - program["outstanding_units"]
    prices = _get(api, "/v1/prices", api.as_(cast.bank1))["data"]
    assert prices and all(isinstance(p["stale"], bool) and p["unit"] for p in prices)
    mine = _get(api, "/v1/exposures", api.as_(cast.bank1))["data"]
    assert {(e["bank"], e["debtor"]) for e in mine} == {(cast.bank1.address, cast.core.address)}
    assert mine[0]["limit_units"] == 5_000_000_00 and mine[0]["available_units"] == 5_000_000_00 - mine[0]["used_units"]
    on_core = _get(api, "/v1/exposures", api.as_(cast.core))["data"]
    assert {e["bank"] for e in on_core} == {cast.bank1.address, cast.bank2.address}
    assert _get(api, "/v1/exposures", api.as_(cast.supplier3))["data"] == []
    assert len(_get(api, "/v1/exposures", api.as_(cast.regulator))["data"]) >= 2
