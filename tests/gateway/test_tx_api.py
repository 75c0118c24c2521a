"""The write API: prepare an unsigned transaction, sign it here (as any client would), submit, follow to indexed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gateway.main import create_app
from sdk import Ledger, Party
from sdk.chain import Chain
from tests.conftest import Cast
from tests.contracts.receivables_support import new_root
from tests.gateway.api_fixtures import DOMAIN, Api
from tests.gateway.helpers import Clock, indexer, settings


def follow(wapi: Api, who: Party, tx_hash: str) -> dict[str, Any]:
    """Index until the transaction reads `indexed` (a relayed transaction may still be pending at the first sync)."""
    status: dict[str, Any] = {}
    for _ in range(40):
        wapi.sync()
        status = wapi.client.get(f"/v1/tx/{tx_hash}", headers=wapi.as_(who)).json()
        if status["status"] == "indexed":
            return status
        time.sleep(0.05)
    raise AssertionError(f"{tx_hash} never indexed: {status}")


def make_api(chain: Chain, ledger: Ledger, db: Engine, **overrides: Any) -> Iterator[Api]:
    idx = indexer(chain, ledger.deployment, db)
    idx.sync()
    clock = Clock()
    app = create_app(settings(siwe_domain=DOMAIN, **overrides), engine=db, indexer=idx, clock=clock, chain=chain)
    with TestClient(app) as client:
        yield Api(client=client, indexer=idx, clock=clock, chain_id=ledger.deployment.chain_id)


@pytest.fixture()
def wapi(chain: Chain, ledger: Ledger, db: Engine) -> Iterator[Api]:
    yield from make_api(chain, ledger, db)


def prepare(api: Api, party: Party, action: str, params: dict[str, Any], status: int = 200) -> Any:
    response = api.client.post("/v1/tx/prepare", json={"action": action, "params": params}, headers=api.as_(party))
    assert response.status_code == status, response.text
    return response.json()


def sign(party: Party, tx: dict[str, Any]) -> str:
    """What any client does with the unsigned transaction: sign it with its own key."""
    fields = {k: tx[k] for k in ("to", "data", "value", "gas", "nonce", "chainId") if k in tx}
    for fee in ("maxFeePerGas", "maxPriorityFeePerGas", "gasPrice"):
        if tx.get(fee) is not None:
            fields[fee] = tx[fee]
    if "maxFeePerGas" in fields:
        fields["type"] = 2
    raw: str = Account.sign_transaction(fields, party.account.key).raw_transaction.to_0x_hex()
    return raw


def submit(api: Api, raw: str) -> Any:
    return api.client.post("/v1/tx", json={"raw": raw})


def test_prepare_sign_submit_follow_to_indexed(wapi: Api, cast: Cast) -> None:
    root, _ = new_root(cast, confirm=False)
    wapi.sync()
    prepared = prepare(wapi, cast.core, "receivable.confirm", {"root_id": root})
    assert prepared["would_revert"] is None
    tx = prepared["tx"]
    assert tx["from"] == cast.core.address and tx["to"] == cast.core.ledger.receivables.address
    assert tx["gas"] > 21_000 and tx["chainId"] == wapi.chain_id
    assert prepared["summary"][0].startswith("Receivables.confirm: root id")
    raw = sign(cast.core, tx)
    first = submit(wapi, raw)
    assert first.status_code == 200, first.text
    tx_hash = first.json()["tx_hash"]
    again = submit(wapi, raw)  # idempotent
    assert again.status_code == 200 and again.json() == first.json()
    status = wapi.client.get(f"/v1/tx/{tx_hash}", headers=wapi.as_(cast.core)).json()
    assert status["status"] in ("pending", "mined")
    status = follow(wapi, cast.core, tx_hash)
    names = [e["name"] for e in status["events"]]
    assert "ReceivableConfirmed" in names
    confirmed = next(e for e in status["events"] if e["name"] == "ReceivableConfirmed")
    assert confirmed["args"]["root_id"] == root


def test_prepare_that_would_revert_returns_the_decoded_error(wapi: Api, cast: Cast) -> None:
    root, _ = new_root(cast, confirm=False)
    wapi.sync()
    # the supplier is not the debtor: the dry run says so before anything is signed
    prepared = prepare(wapi, cast.supplier1, "receivable.confirm", {"root_id": root})
    error = prepared["would_revert"]
    assert error["error"] == "ReceivableNotDebtor"
    assert error["fields"] == {"root_id": root, "caller": cast.supplier1.address, "debtor": cast.core.address}
    assert prepared["tx"]["gas"] is None


def test_bad_input_names_the_field(wapi: Api, cast: Cast) -> None:
    headers = wapi.as_(cast.supplier1)
    cases: list[tuple[dict[str, Any], list[Any]]] = [
        ({"action": "receivable.nope", "params": {}}, ["body", "action"]),
        ({"action": "receivable.confirm", "params": {}}, ["body", "params", "root_id"]),
        ({"action": "receivable.confirm", "params": {"root_id": "x"}}, ["body", "params", "root_id"]),
        ({"action": "receivable.confirm", "params": {"root_id": -1}}, ["body", "params", "root_id"]),
        ({"action": "receivable.confirm", "params": {"root_id": 1, "extra": 2}}, ["body", "params", "extra"]),
        ({"action": "token.transfer", "params": {"to": "0x12", "value": 1}}, ["body", "params", "to"]),
        ({"action": "receivable.confirm", "params": {"root_id": 1}, "from": cast.core.address}, ["body", "from"]),
    ]
    for body, loc in cases:
        response = wapi.client.post("/v1/tx/prepare", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"][0]["loc"] == loc, (body, response.text)
    assert wapi.client.post("/v1/tx/prepare", json={"action": "receivable.confirm", "params": {"root_id": 1}}
                            ).status_code == 401
    for raw in ("nothex", "0xzz", "0x", "0x01020304"):
        response = submit(wapi, raw)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", "raw"]
    assert wapi.client.get("/v1/tx/0x1234", headers=headers).status_code == 422
    missing = wapi.client.get("/v1/tx/0x" + "ab" * 32, headers=headers)
    assert missing.status_code == 404
    actions = {a["action"] for a in wapi.client.get("/v1/tx/actions").json()}
    assert {"receivable.confirm", "receivable.discount", "receivable.request_discount", "token.transfer",
            "credit_line.draw", "prepayment.fund", "receipt.deliver", "loan.pledge"} <= actions


def test_relay_refuses_foreign_targets_and_unadmitted_senders(wapi: Api, cast: Cast) -> None:
    tx = prepare(wapi, cast.supplier1, "token.approve", {"spender": cast.bank1.address, "value": 5})["tx"]
    foreign = sign(cast.supplier1, {**tx, "to": cast.outsider.address})
    response = submit(wapi, foreign)
    assert response.status_code == 403 and "not a contract of this deployment" in response.text
    chain = cast.outsider.ledger.chain
    outsider_tx = {**tx, "nonce": chain.w3.eth.get_transaction_count(cast.outsider.address)}
    response = submit(wapi, sign(cast.outsider, outsider_tx))
    assert response.status_code == 403 and "not an admitted participant" in response.text


@pytest.fixture()
def limited(chain: Chain, ledger: Ledger, db: Engine) -> Iterator[Api]:
    yield from make_api(chain, ledger, db, tx_rate_limit=2, tx_rate_window_seconds=60)


def test_rate_limit_per_sender(limited: Api, cast: Cast) -> None:
    tx = prepare(limited, cast.supplier1, "token.approve", {"spender": cast.bank1.address, "value": 5})["tx"]
    raws = [sign(cast.supplier1, {**tx, "nonce": tx["nonce"] + n, "data": tx["data"][:-1] + str(n)})
            for n in range(3)]
    assert submit(limited, raws[0]).status_code == 200
    assert submit(limited, raws[1]).status_code == 200
    refused = submit(limited, raws[2])
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert submit(limited, raws[0]).status_code == 200  # a resubmission is not a new submission
    # another sender has its own budget
    other = prepare(limited, cast.supplier2, "token.approve", {"spender": cast.bank1.address, "value": 5})["tx"]
    assert submit(limited, sign(cast.supplier2, other)).status_code == 200


def read_stream(api: Api, party: Party, **params: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    with api.client.stream("GET", "/v1/stream", params={"max_seconds": 0.3, **params},
                           headers=api.as_(party)) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        current: dict[str, Any] = {}
        for line in response.iter_lines():
            if line.startswith("id: "):
                current["id"] = int(line[4:])
            elif line.startswith("event: "):
                current["event"] = line[7:]
            elif line.startswith("data: "):
                current["data"] = json.loads(line[6:])
            elif line == "" and current:
                events.append(current)
                current = {}
    return events


def test_stream_delivers_the_callers_new_events_only(wapi: Api, cast: Cast) -> None:
    start = read_stream(wapi, cast.supplier1)  # from now on: nothing yet
    assert [e for e in start if e.get("event") != "end"] == []
    head = max((e["id"] for e in wapi.client.get("/v1/events", params={"limit": 500},
                                                  headers=wapi.as_(cast.regulator)).json()["data"]), default=0)
    new_root(cast, supplier=cast.supplier1, confirm=False)
    new_root(cast, supplier=cast.supplier2, debtor=cast.core2, confirm=False)
    wapi.sync()
    mine = [e for e in read_stream(wapi, cast.supplier1, after=head) if "id" in e]
    assert [e["event"] for e in mine] == ["ReceivableRegistered"]
    assert mine[0]["data"]["args"]["supplier"] == cast.supplier1.address
    others = [e for e in read_stream(wapi, cast.supplier2, after=head) if "id" in e]
    assert [e["data"]["args"]["supplier"] for e in others] == [cast.supplier2.address]
    # resume with Last-Event-ID: nothing after the last one seen
    resumed = wapi.client.stream("GET", "/v1/stream", params={"max_seconds": 0.2},
                                 headers={**wapi.as_(cast.supplier1), "Last-Event-ID": str(mine[-1]["id"])})
    with resumed as response:
        assert "ReceivableRegistered" not in response.read().decode()


def test_struct_parameters_are_objects_with_named_fields(wapi: Api, cast: Cast) -> None:
    doc = {a["action"]: a for a in wapi.client.get("/v1/tx/actions").json()}["credit_line.open"]
    assert doc["params"]["terms"].startswith("{borrower: address, limit: uint96, rate_bps: uint16")
    now = cast.bank1.ledger.chain.now()
    terms = {"borrower": cast.supplier1.address, "limit": 100_000_00, "rate_bps": 800, "surcharge_bps": 200,
             "start": now, "expiry": now + 365 * 86_400, "max_tenor": 90 * 86_400, "grace": 7 * 86_400,
             "payee_rule": 0}
    prepared = prepare(wapi, cast.bank1, "credit_line.open", {"terms": terms})
    assert prepared["tx"]["to"] == cast.bank1.ledger.deployment.contracts["CreditLines"]
    assert prepared["params"]["terms"]["limit"] == 100_000_00
    assert "limit: 100,000.00" in prepared["summary"][0]
    bad = wapi.client.post("/v1/tx/prepare", json={"action": "credit_line.open",
                                                   "params": {"terms": {**terms, "limit": 2**96}}},
                           headers=wapi.as_(cast.bank1))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "params", "terms", "limit"]


def test_a_batch_is_one_transaction(wapi: Api, cast: Cast) -> None:
    roots = [new_root(cast, confirm=False)[0] for _ in range(2)]
    wapi.sync()
    prepared = prepare(wapi, cast.core, "receivable.confirm", [{"root_id": r} for r in roots])
    assert prepared["would_revert"] is None and prepared["summary"][0] == "one transaction, 2 × receivable.confirm"
    tx_hash = submit(wapi, sign(cast.core, prepared["tx"])).json()["tx_hash"]
    status = follow(wapi, cast.core, tx_hash)
    assert [e["args"]["root_id"] for e in status["events"] if e["name"] == "ReceivableConfirmed"] == roots
    bad = wapi.client.post("/v1/tx/prepare", json={"action": "receivable.confirm",
                                                   "params": [{"root_id": 1}, {"root_id": "x"}]},
                           headers=wapi.as_(cast.core))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "params", 1, "root_id"]
    no_batch = wapi.client.post("/v1/tx/prepare", json={"action": "token.transfer", "params": []},
                                headers=wapi.as_(cast.core))
    assert no_batch.status_code == 422 and no_batch.json()["detail"][0]["loc"] == ["body", "params"]
