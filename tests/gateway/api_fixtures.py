"""An API client over a gateway that indexes the test chain, and sign-in helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gateway.indexer.engine import Indexer
from gateway.main import create_app
from sdk import Ledger, Party
from sdk.chain import Chain
from tests.gateway.helpers import Clock, indexer, settings, sign_text, siwe_text

DOMAIN = "127.0.0.1:8000"


@dataclass
class Api:
    client: TestClient
    indexer: Indexer
    clock: Clock
    chain_id: int

    def sync(self) -> None:
        self.indexer.sync()

    def nonce(self) -> str:
        response = self.client.get("/v1/auth/nonce")
        assert response.status_code == 200, response.text
        nonce: str = response.json()["nonce"]
        return nonce

    def login_response(self, party: Party | Any, **overrides: Any) -> Any:
        account = getattr(party, "account", party)
        nonce = overrides.pop("nonce", None) or self.nonce()
        text = siwe_text(account.address, nonce, domain=overrides.pop("domain", DOMAIN),
                         chain_id=overrides.pop("chain_id", self.chain_id), **overrides)
        return self.client.post("/v1/auth/login", json={"message": text, "signature": sign_text(account, text)})

    def token(self, party: Party) -> str:
        response = self.login_response(party)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def as_(self, party: Party) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(party)}"}


@pytest.fixture()
def api(chain: Chain, ledger: Ledger, db: Engine) -> Iterator[Api]:
    idx = indexer(chain, ledger.deployment, db)
    idx.sync()
    clock = Clock()
    app = create_app(settings(siwe_domain=DOMAIN), engine=db, indexer=idx, clock=clock)
    with TestClient(app) as client:
        yield Api(client=client, indexer=idx, clock=clock, chain_id=ledger.deployment.chain_id)
