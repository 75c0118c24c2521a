"""The OpenAPI document for client generators: int64 integers, named status enums, declared sort keys, and
responses that stay inside what the document declares."""

from __future__ import annotations

from typing import Any

import pytest

from sdk import Ledger
from tests.conftest import Cast
from tests.gateway.api_fixtures import Api
from tests.gateway.scenarios import receivables_activity

LISTS = {  # path -> (sort keys, status enum)
    "/v1/receivables": (["id", "due_date", "face", "created_at"], "ReceivableStatus"),
    "/v1/fragments": (["id", "due_date", "value"], "FragmentStatus"),
    "/v1/offers": (["id", "amount", "created_at"], "OfferStatus"),
    "/v1/financings": (["fragment_id", "value", "requested_at"], "FinancingStatus"),
    "/v1/participants": (["address", "admitted_at", "kyc_expiry"], "ParticipantStatus"),
    "/v1/warehouse-receipts": (["id", "quantity", "issued_at"], "ReceiptStatus"),
    "/v1/loans": (["id", "maturity", "principal"], "LoanStatus"),
    "/v1/loan-programs": (["id", "rate"], "LoanProgramStatus"),
    "/v1/prepayments": (["id", "maturity", "price"], "PrepaymentStatus"),
    "/v1/credit-lines": (["id", "expiry", "limit"], "CreditLineStatus"),
}
REST = ("/v1/warehouse-receipts", "/v1/loans", "/v1/loan-programs", "/v1/prepayments", "/v1/credit-lines")
SORTED = {"/v1/balances": ["address", "balance"], "/v1/events": ["id"], "/v1/losses": ["id", "recorded_at",
                                                                                    "occurred_at"],
          "/v1/risk-pools": ["id", "end"]}


@pytest.fixture()
def doc(api: Api) -> dict[str, Any]:
    schema: dict[str, Any] = api.client.get("/openapi.json").json()
    return schema


def _param(doc: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    (param,) = [p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == name]
    return param


def test_integers_are_int64_everywhere(doc: dict[str, Any]) -> None:
    fragment = doc["components"]["schemas"]["FragmentPublic"]["properties"]
    assert fragment["value_units"] == {"type": "integer", "format": "int64", "title": "Value Units",
                                       "description": "amount in the smallest unit of the settlement token (cents): "
                                                      "an exact integer"}
    integers: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "integer":
                integers.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert integers and all(i.get("format") == "int64" for i in integers)


def test_statuses_are_named_enums_in_responses_and_filters(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for path, (_, enum) in LISTS.items():
        assert schemas[enum]["type"] == "string" and "none" in schemas[enum]["enum"]
        item = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        listing = schemas[item.rsplit("/", 1)[1]]
        model = schemas[listing["properties"]["data"]["items"]["$ref"].rsplit("/", 1)[1]]
        assert model["properties"]["status"]["$ref"] == f"#/components/schemas/{enum}"
        status = _param(doc, path, "status")["schema"]["anyOf"][0]
        allowed = status["enum"] if path == "/v1/participants" else status["items"]["enum"]  # repeatable
        assert allowed == [v for v in schemas[enum]["enum"] if v != "none"]
    assert schemas["StoryStepPublic"]["properties"]["action"]["$ref"] == "#/components/schemas/StoryAction"


def test_sort_keys_are_declared_and_each_one_works(api: Api, cast: Cast, doc: dict[str, Any]) -> None:
    headers = api.as_(cast.regulator)
    for path, keys in [*((p, k) for p, (k, _) in LISTS.items()), *SORTED.items()]:
        declared = _param(doc, path, "sort")["schema"]["enum"]
        assert declared == [*keys, *(f"-{k}" for k in keys)]
        for key in declared:
            response = api.client.get(path, headers=headers, params={"sort": key})
            assert response.status_code == 200, (path, key, response.text)
        assert api.client.get(path, headers=headers, params={"sort": "_"}).status_code == 422


def test_money_addresses_hashes_and_times_have_formats_and_descriptions(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    loan, receivable = schemas["LoanPublic"]["properties"], schemas["ReceivablePublic"]["properties"]
    assert "smallest unit" in loan["principal_units"]["description"]
    assert loan["principal"]["format"] == "decimal" and "principal_units" in loan["principal"]["description"]
    assert (loan["bank"]["format"], loan["bank"]["pattern"]) == ("address", r"^0x[0-9a-fA-F]{40}$")
    assert receivable["invoice_hash"]["pattern"] == r"^0x[0-9a-fA-F]{64}$"
    assert schemas["EventPublic"]["properties"]["tx_hash"]["format"] == "bytes32"
    assert "unix seconds" in loan["maturity"]["description"]
    assert "unix seconds" in loan["margin_call_deadline"]["description"]  # nullable: described all the same
    assert schemas["AlertPublic"]["properties"]["kind"]["$ref"] == "#/components/schemas/AlertKind"
    assert "payout_claimable" in schemas["AlertKind"]["enum"]
    assert schemas["AlertSeverity"]["enum"] == ["critical", "warning", "info"]
    # every money field: each `X_units` integer is described, and its string twin `X` is a decimal
    for model in schemas.values():
        props = model.get("properties", {})
        for name, prop in props.items():
            if name.endswith("_units"):
                assert "smallest unit" in prop.get("description", ""), name
                twin = props.get(name.removesuffix("_units"))
                if twin is not None and "$ref" not in twin:
                    branches = twin.get("anyOf", [twin])
                    assert any(b.get("format") == "decimal" for b in branches), name


def test_every_list_filter_is_validated_with_a_message(api: Api, cast: Cast) -> None:
    headers = api.as_(cast.regulator)
    for path in LISTS:
        if path == "/v1/participants":
            continue
        bad = api.client.get(path, headers=headers, params={"status": "nonsense"})
        assert bad.status_code == 422, path
        [item] = bad.json()["detail"]
        assert item["loc"] == ["query", "status"] and "nonsense" in item["msg"], path
    bad = api.client.get("/v1/loans", headers=headers, params={"borrower": "0x12"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "borrower"]


def test_responses_carry_only_declared_status_values(api: Api, ledger: Ledger, cast: Cast,
                                                     doc: dict[str, Any]) -> None:
    ids = receivables_activity(ledger, cast)
    api.sync()
    headers = api.as_(cast.regulator)
    schemas = doc["components"]["schemas"]
    for path, (_, enum) in LISTS.items():
        rows = api.client.get(path, headers=headers, params={"limit": 500}).json()["data"]
        if path in REST:
            continue  # covered by the Schemathesis run over every kind of asset
        assert rows, path
        assert {r["status"] for r in rows} <= set(schemas[enum]["enum"]), path
    story = api.client.get(f"/v1/receivables/{ids['root']}/lineage", headers=headers).json()["story"]
    assert {s["action"] for s in story} <= set(schemas["StoryAction"]["enum"])
