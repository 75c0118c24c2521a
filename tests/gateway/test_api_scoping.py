"""The scoping matrix: every party type x every resource. No foreign row ever appears; the regulator sees all;
anything outside a party's scope answers 404, not 403."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from gateway.models.common import table_of
from gateway.models.events import EventRef
from sdk import Party
from tests.conftest import Cast
from tests.gateway.api_fixtures import Api
from tests.gateway.helpers import registry_activity, token_activity

PARTY_TYPES = ["core", "supplier1", "distributor", "bank1", "warehouse", "feeder", "riskpool", "regulator"]


def _mentions(value: Any, address: str) -> bool:
    if isinstance(value, dict):
        return any(_mentions(v, address) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, address) for v in value)
    return value == address


def _party_events(conn: Any, me: str) -> int:
    ref = table_of(EventRef).c
    return int(conn.execute(select(func.count()).where(ref.kind == "party", ref.ref == me)).scalar_one())


def _rows_of(table: str) -> Callable[[Any, str], int]:
    def count(conn: Any, me: str) -> int:
        t = SQLModel.metadata.tables[table]
        return int(conn.execute(select(func.count()).select_from(t).where(t.c.address == me)).scalar_one())

    return count


def _total(table: str) -> Callable[[Any], int]:
    return lambda conn: int(conn.execute(select(func.count()).select_from(SQLModel.metadata.tables[table]))
                            .scalar_one())


@dataclass(frozen=True)
class Resource:
    path: str
    concerns: Callable[[dict[str, Any], str], bool]  # does this API row concern the address?
    expected: Callable[[Any, str], int]  # rows concerning the address, counted in the database
    total: Callable[[Any], int]  # all rows, counted in the database


RESOURCES: dict[str, Resource] = {
    "participants": Resource("/v1/participants", lambda row, me: row["address"] == me, _rows_of("participant"),
                             _total("participant")),
    "balances": Resource("/v1/balances", lambda row, me: row["address"] == me, _rows_of("balance"),
                         _total("balance")),
    "events": Resource("/v1/events", lambda row, me: _mentions(row["args"], me), _party_events,
                       _total("event_log")),
}


def _all_rows(api: Api, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        response = api.client.get(path, headers=headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            assert len(rows) == body["count"]
            return rows


@pytest.fixture()
def busy_api(api: Api, cast: Cast) -> Api:
    token_activity(cast, random.Random(11), 5)
    registry_activity(cast)
    api.sync()
    return api


def test_every_party_type_sees_exactly_the_rows_of_every_resource_that_concern_it(busy_api: Api, cast: Cast) -> None:
    problems: list[str] = []
    with busy_api.indexer.store.engine.connect() as conn:
        for who in PARTY_TYPES:
            party: Party = getattr(cast, who)
            headers = busy_api.as_(party)
            for name, res in sorted(RESOURCES.items()):
                rows = _all_rows(busy_api, res.path, headers)
                if who == "regulator":
                    if len(rows) != res.total(conn):
                        problems.append(f"regulator sees {len(rows)} of {res.total(conn)} {name}")
                    continue
                foreign = [r for r in rows if not res.concerns(r, party.address)]
                if foreign:
                    problems.append(f"{who} sees {len(foreign)} foreign {name}: {foreign[:1]}")
                if len(rows) != res.expected(conn, party.address):
                    problems.append(f"{who} sees {len(rows)} {name}, expected {res.expected(conn, party.address)}")
    assert problems == []


@pytest.mark.parametrize("who", [w for w in PARTY_TYPES if w != "regulator"])
def test_foreign_rows_answer_404(busy_api: Api, cast: Cast, who: str) -> None:
    party: Party = getattr(cast, who)
    headers = busy_api.as_(party)
    other = cast.supplier2 if party is not cast.supplier2 else cast.supplier3
    for path in (f"/v1/participants/{other.address}", f"/v1/balances/{other.address}"):
        response = busy_api.client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.json()["detail"][0]["type"] == "not_found"
    theirs = _all_rows(busy_api, "/v1/events", busy_api.as_(other))
    mine = {e["id"] for e in _all_rows(busy_api, "/v1/events", headers)}
    foreign = next(e for e in theirs if e["id"] not in mine)
    assert busy_api.client.get(f"/v1/events/{foreign['id']}", headers=headers).status_code == 404
    assert busy_api.client.get("/v1/events/999999999999", headers=headers).status_code == 404


def test_regulator_reads_any_row(busy_api: Api, cast: Cast) -> None:
    headers = busy_api.as_(cast.regulator)
    for path in (f"/v1/participants/{cast.supplier2.address}", f"/v1/balances/{cast.supplier2.address}"):
        assert busy_api.client.get(path, headers=headers).status_code == 200


def test_regulator_cannot_change_anything(busy_api: Api, cast: Cast) -> None:
    headers = busy_api.as_(cast.regulator)
    for method, path in (("post", "/v1/events"), ("put", f"/v1/participants/{cast.bank1.address}"),
                         ("delete", f"/v1/balances/{cast.bank1.address}"), ("patch", "/v1/participants/me")):
        assert getattr(busy_api.client, method)(path, headers=headers).status_code == 405
