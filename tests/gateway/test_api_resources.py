"""Resources: filters, sorting, stable cursors, money formats, bad input as 4xx naming the field; /health, /metrics."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.conftest import INITIAL_BALANCE, Cast
from tests.gateway.api_fixtures import Api
from tests.gateway.helpers import token_activity


def _field(response: Any) -> list[Any]:
    loc: list[Any] = response.json()["detail"][0]["loc"]
    return loc


def test_balances_come_as_decimal_strings_and_integer_units(api: Api, cast: Cast) -> None:
    cast.supplier1.token.transfer(cast.supplier2.address, 12_34)
    api.sync()
    body = api.client.get(f"/v1/balances/{cast.supplier1.address}", headers=api.as_(cast.supplier1)).json()
    units = INITIAL_BALANCE - 12_34
    assert body["balance_units"] == units and isinstance(body["balance_units"], int)
    assert body["balance"] == f"{units // 100}.{units % 100:02d}"
    assert body["minted"] == "10000000.00"


def test_own_balance_before_any_movement_is_zero(api: Api, cast: Cast) -> None:
    body = api.client.get(f"/v1/balances/{cast.warehouse.address}", headers=api.as_(cast.warehouse)).json()
    assert (body["balance"], body["balance_units"]) == ("0.00", 0)


def test_event_pages_are_stable_while_new_events_arrive(api: Api, cast: Cast) -> None:
    token_activity(cast, random.Random(21), 6)
    api.sync()
    headers = api.as_(cast.regulator)
    first = api.client.get("/v1/events", headers=headers, params={"limit": 7}).json()
    everything = api.client.get("/v1/events", headers=headers, params={"limit": 500}).json()["data"]
    token_activity(cast, random.Random(22), 2)  # newer events must not shift the pages already handed out
    api.sync()
    seen = [e["id"] for e in first["data"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.client.get("/v1/events", headers=headers, params={"limit": 7, "cursor": cursor}).json()
        seen += [e["id"] for e in page["data"]]
        cursor = page["next_cursor"]
    assert seen[: len(everything)] == [e["id"] for e in everything]
    assert len(seen) == len(set(seen)) and seen == sorted(seen)
    assert len(seen) > len(everything)


def test_descending_sort_pages_back_in_time(api: Api, cast: Cast) -> None:
    headers = api.as_(cast.regulator)
    page1 = api.client.get("/v1/events", headers=headers, params={"limit": 3, "sort": "-id"}).json()
    page2 = api.client.get("/v1/events", headers=headers,
                           params={"limit": 3, "sort": "-id", "cursor": page1["next_cursor"]}).json()
    ids = [e["id"] for e in page1["data"] + page2["data"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6


def test_balances_sort_by_amount_and_filter_by_range(api: Api, cast: Cast) -> None:
    cast.bank1.token.mint(cast.supplier3.address, 5_00, "small")
    api.sync()
    headers = api.as_(cast.regulator)
    rows = api.client.get("/v1/balances", headers=headers, params={"sort": "-balance", "limit": 2}).json()
    assert [r["balance_units"] for r in rows["data"]] == sorted((r["balance_units"] for r in rows["data"]),
                                                                 reverse=True)
    rest = api.client.get("/v1/balances", headers=headers,
                          params={"sort": "-balance", "limit": 100, "cursor": rows["next_cursor"]}).json()
    units = [r["balance_units"] for r in rows["data"] + rest["data"]]
    assert units == sorted(units, reverse=True) and len(units) == rows["count"]
    rich = api.client.get("/v1/balances", headers=headers, params={"min_units": INITIAL_BALANCE}).json()
    assert rich["data"] and all(r["balance_units"] >= INITIAL_BALANCE for r in rich["data"])


def test_events_filter_by_party_name_and_block(api: Api, cast: Cast) -> None:
    cast.supplier1.token.transfer(cast.core.address, 1_00)
    api.sync()
    headers = api.as_(cast.supplier1)
    rows = api.client.get("/v1/events", headers=headers,
                          params={"counterparty": cast.core.address, "name": "Transfer"}).json()["data"]
    assert rows and all(r["name"] == "Transfer" for r in rows)
    assert all(cast.core.address in (r["args"]["from_"], r["args"]["to"]) for r in rows)
    last = rows[-1]["block_number"]
    only = api.client.get("/v1/events", headers=headers, params={"from_block": last, "to_block": last}).json()
    assert {r["block_number"] for r in only["data"]} == {last}
    by_tx = api.client.get("/v1/events", headers=headers, params={"tx_hash": rows[-1]["tx_hash"]}).json()
    assert [r["id"] for r in by_tx["data"]] == [rows[-1]["id"]]


def test_participants_filter_by_role_and_status(api: Api, cast: Cast) -> None:
    cast.operator.registry.suspend(cast.bank2.address, "AML")
    api.sync()
    headers = api.as_(cast.regulator)
    banks = api.client.get("/v1/participants", headers=headers, params={"role": "bank"}).json()["data"]
    assert {b["address"] for b in banks} == {cast.bank1.address, cast.bank2.address}
    suspended = api.client.get("/v1/participants", headers=headers, params={"status": "suspended"}).json()["data"]
    assert [(p["address"], p["suspended_reason"]) for p in suspended] == [(cast.bank2.address, "AML")]


@pytest.mark.parametrize(
    ("path", "params", "loc"),
    [
        ("/v1/events", {"limit": 0}, ["query", "limit"]),
        ("/v1/events", {"limit": 10_000}, ["query", "limit"]),
        ("/v1/events", {"sort": "amount"}, ["query", "sort"]),
        ("/v1/events", {"sort": "DROP TABLE"}, ["query", "sort"]),
        ("/v1/events", {"cursor": "not-a-cursor"}, ["query", "cursor"]),
        ("/v1/events", {"cursor": "WyJpZCIsICJ4IiwgMV0="}, ["query", "cursor"]),  # ["id", "x", 1]: wrong type
        ("/v1/events", {"cursor": "WyItaWQiLCAxLCAxXQ=="}, ["query", "cursor"]),  # cursor of another sort
        ("/v1/events", {"from_block": -1}, ["query", "from_block"]),
        ("/v1/events", {"asset_id": 2**80, "asset_type": "receivable"}, ["query", "asset_id"]),
        ("/v1/events", {"asset_type": "receivable"}, ["query", "asset_id"]),
        ("/v1/events", {"asset_type": "spaceship", "asset_id": 1}, ["query", "asset_type"]),
        ("/v1/events", {"counterparty": "0x123"}, ["query", "counterparty"]),
        ("/v1/events", {"name": "Transfer\x00"}, ["query", "name"]),
        ("/v1/events/-5", {}, ["path", "event_id"]),
        ("/v1/events/99999999999999999999999", {}, ["path", "event_id"]),
        ("/v1/balances", {"min_units": "12.5"}, ["query", "min_units"]),
        ("/v1/balances", {"max_units": 2**64}, ["query", "max_units"]),
        ("/v1/balances/0xZZ", {}, ["path", "address"]),
        ("/v1/participants", {"role": "king"}, ["query", "role"]),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(api: Api, cast: Cast, path: str, params: dict[str, Any],
                                             loc: list[Any]) -> None:
    response = api.client.get(path, headers=api.as_(cast.regulator), params=params)
    assert 400 <= response.status_code < 500, response.text
    assert _field(response) == loc
    assert response.json()["detail"][0]["msg"]


def test_malformed_json_body_is_a_422(api: Api) -> None:
    response = api.client.post("/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert _field(response)[0] == "body"


def test_health_reports_heads_and_lag(api: Api, cast: Cast) -> None:
    response = api.client.get("/health")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["indexed_head"] == body["chain_head"] and body["lag_blocks"] == 0
    assert body["events_indexed"] > 0
    cast.supplier1.token.transfer(cast.supplier2.address, 1)
    api.indexer.step()  # the indexer sees the new head before it indexes it
    behind = api.client.get("/health").json()
    assert behind["chain_head"] >= behind["indexed_head"]


def test_metrics_are_prometheus_text(api: Api, cast: Cast) -> None:
    api.client.get("/v1/events", headers=api.as_(cast.regulator))
    text = api.client.get("/metrics").text
    for name in ("scf_gateway_events_indexed_total", "scf_gateway_lag_blocks", "scf_gateway_request_seconds_bucket",
                 "scf_gateway_request_errors_total", "scf_gateway_indexed_head"):
        assert name in text
    assert 'route="/v1/events"' in text


def test_openapi_documents_every_route_with_a_response_model(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if path == "/metrics":
                continue
            if path == "/v1/stream":  # server-sent events
                assert "text/event-stream" in op["responses"]["200"]["content"]
                continue
            if path == "/v1/statement.csv":  # the statement's CSV download
                assert "text/csv" in op["responses"]["200"]["content"]
                continue
            schema = op["responses"]["200"]["content"]["application/json"]["schema"]
            assert schema, f"{method} {path} has no response model"
