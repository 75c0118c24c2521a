"""Helpers for the gateway tests: fresh databases, indexers on the test chain, comparable database dumps."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import SQLModel

from gateway.core.config import Settings
from gateway.indexer.engine import Indexer
from gateway.indexer.source import ChainSource, EmbeddedSource, RpcSource
from sdk.chain import Chain, EmbeddedChain
from sdk.ledger import Deployment
from tests.conftest import Cast

#: Tables the indexer keeps for itself; everything else is derived from events and must match a fresh re-index.
BOOKKEEPING = {"indexer_state", "indexed_block", "change_log", "auth_nonce", "alembic_version", "tx_submission"}

TEST_SECRET = "test-secret-" + "x" * 40


def settings(**overrides: Any) -> Settings:
    # The test client is one address standing for many participants: its sign-ins are not rate limited here
    # (test_api_conventions.py checks the limit itself).
    values: dict[str, Any] = {"environment": "test", "jwt_secret": TEST_SECRET, "poll_interval": 0.05,
                              "backoff_initial": 0.05, "backoff_max": 0.5, "nonce_requests_per_minute": 100_000}
    values.update(overrides)
    return Settings(**values)


def source_for(chain: Chain) -> ChainSource:
    if isinstance(chain, EmbeddedChain):
        return EmbeddedSource(chain)
    return RpcSource(chain.url)


def indexer(chain: Chain, deployment: Deployment, engine: Engine, **overrides: Any) -> Indexer:
    fault = overrides.pop("fault", None)
    return Indexer(source_for(chain), deployment, engine, settings(**overrides), fault=fault)


def dump(engine: Engine) -> dict[str, Any]:
    """Every event-derived row, ordered, plus the checkpoint: two databases that index the same chain are equal."""
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for name, table in sorted(SQLModel.metadata.tables.items()):
            if name in BOOKKEEPING:
                continue
            order = list(table.primary_key.columns)
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
        state = SQLModel.metadata.tables["indexer_state"]
        out["checkpoint"] = tuple(conn.execute(
            select(state.c.head_block, state.c.head_hash, state.c.events_total)).one())
    return out


def token_activity(cast: Cast, rng: random.Random, transfers: int) -> None:
    """Random settlement-token transfers between funded participants."""
    holders = [cast.core, cast.core2, cast.supplier1, cast.supplier2, cast.supplier3, cast.distributor,
               cast.bank1, cast.bank2]
    for _ in range(transfers):
        sender, receiver = rng.sample(holders, 2)
        sender.token.transfer(receiver.address, rng.randint(1, 50_000))


def registry_activity(cast: Cast) -> None:
    """Suspend, resume and readmit a participant; a deposit and a withdrawal."""
    op = cast.operator
    op.registry.suspend(cast.supplier3.address, "AML")
    op.registry.resume(cast.supplier3.address)
    p = op.registry.get_participant(cast.supplier2.address)
    op.registry.readmit(cast.supplier2.address, sorted(p.roles), "identity:supplier2:v2", p.kyc_expiry + 86_400)
    cast.bank2.token.mint(cast.supplier2.address, 123_45, "deposit-1")
    cast.supplier2.token.approve(cast.bank2.address, 100_00)
    cast.bank2.token.burn(cast.supplier2.address, 100_00, "withdrawal-1")


class Clock:
    """The gateway's clock in tests: wall time plus an offset that tests move forward."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.frozen: float | None = None  # when set, the clock reads exactly this (no race with wall time)

    def __call__(self) -> float:
        import time

        return self.frozen if self.frozen is not None else time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def siwe_text(address: str, nonce: str, *, domain: str, chain_id: int, uri: str = "http://127.0.0.1:8000",
              expiration: str | None = None) -> str:
    from datetime import UTC, datetime

    from siwe import SiweMessage

    fields: dict[str, Any] = {
        "domain": domain, "address": address, "statement": "Sign in to the SCF ledger gateway.", "uri": uri,
        "version": "1", "chain_id": chain_id, "nonce": nonce,
        "issued_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    if expiration is not None:
        fields["expiration_time"] = expiration
    return str(SiweMessage(**fields).prepare_message())


def sign_text(account: Any, text: str) -> str:
    from eth_account.messages import encode_defunct

    signature: str = account.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
    return signature
