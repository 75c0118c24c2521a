"""API conventions a client author relies on: one error shape, readable operationIds, documented errors,
no-store tokens, configured CORS, and sign-in nonces that anonymous callers can't pile up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gateway.api.errors import ERROR_TYPES
from gateway.main import create_app
from sdk import Ledger
from sdk.chain import Chain
from tests.conftest import Cast
from tests.gateway.api_fixtures import Api
from tests.gateway.helpers import indexer, settings


def test_framework_errors_have_the_api_error_shape(api: Api) -> None:
    for method, path, status, kind in (("GET", "/v1/no-such-thing", 404, "not_found"),
                                       ("DELETE", "/v1/auth/nonce", 405, "method_not_allowed")):
        response = api.client.request(method, path)
        assert response.status_code == status
        (item,) = response.json()["detail"]
        assert item["type"] == kind and item["type"] in ERROR_TYPES and item["msg"]


def test_operation_ids_are_readable_and_unique(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert {"listReceivables", "getReceivable", "getNonce", "login", "listAlerts"} <= set(ids)
    assert all("_" not in i and not i.endswith("_get") for i in ids), ids


def test_every_v1_route_documents_its_errors(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for op in operations.values():
            assert {"401", "404", "422", "503"} <= set(op["responses"]), (path, sorted(op["responses"]))


def test_tokens_are_not_cached(api: Api, cast: Cast) -> None:
    response = api.login_response(cast.bank1)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"


@pytest.fixture()
def strict(chain: Chain, ledger: Ledger, db: Engine) -> Iterator[TestClient]:
    """A gateway with the default nonce limits lowered, and one allowed browser origin."""
    idx = indexer(chain, ledger.deployment, db)
    idx.sync()
    app = create_app(settings(nonce_requests_per_minute=5, max_open_nonces=8,
                              cors_origins=["https://app.example"]), engine=db, indexer=idx)
    with TestClient(app) as client:
        yield client


def test_nonces_are_rate_limited_per_client(strict: TestClient) -> None:
    answers = [strict.get("/v1/auth/nonce") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[-1].headers["retry-after"] == "60"
    assert answers[-1].json()["detail"][0]["type"] == "rate_limited"


def test_unused_nonces_are_capped_in_all(strict: TestClient) -> None:
    for host in ("10.0.0.1", "10.0.0.2"):  # two clients, each within its own limit
        client = TestClient(strict.app, client=(host, 50_000))
        for _ in range(4):
            assert client.get("/v1/auth/nonce").status_code == 200
    refused = TestClient(strict.app, client=("10.0.0.3", 50_000)).get("/v1/auth/nonce")
    assert refused.status_code == 503 and refused.json()["detail"][0]["type"] == "unavailable"


def test_cors_allows_only_the_configured_origin(strict: TestClient, api: Api) -> None:
    allowed = strict.get("/v1/auth/nonce", headers={"Origin": "https://app.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    other = strict.get("/v1/auth/nonce", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in api.client.get("/health", headers={"Origin": "https://x"}).headers
