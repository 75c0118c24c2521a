"""The indexer against a real node process (anvil, started here whatever --chain says): node outages, anvil_reorg,
and an indexer process killed with SIGKILL at random points."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gateway.main import create_app
from gateway.models.indexer import IndexerState
from sdk import Ledger, Party, Role, connect
from sdk.anvil import AnvilNode
from sdk.chain import RpcChain
from tests.conftest import test_key as key_for
from tests.gateway.helpers import TEST_SECRET, dump, indexer, settings


@dataclass
class Node:
    node: AnvilNode
    chain: RpcChain
    ledger: Ledger
    bank: Party
    supplier: Party

    def activity(self, mints: int) -> None:
        """`mints` deposits (two events each), each in its own block."""
        for i in range(mints):
            self.bank.token.mint(self.supplier.address, 100 + i, f"m{i}")


@pytest.fixture()
def node(tmp_path: Path) -> Iterator[Node]:
    anvil = AnvilNode(state=tmp_path / "anvil-state.json")
    anvil.start()
    try:
        chain = connect(anvil.url)
        assert isinstance(chain, RpcChain)
        operator = key_for("operator")
        chain.fund(operator.address, 10**22)
        ledger = Ledger.deploy(chain, operator)
        op = ledger.as_party(operator)
        parties = {}
        for name, role in (("bank", Role.BANK), ("supplier", Role.SUPPLIER)):
            key = key_for(name)
            chain.fund(key.address, 10**22)
            op.registry.admit(key.address, [role], f"identity:{name}", chain.now() + 10**8)
            parties[name] = ledger.as_party(key)
        op.token.set_mint_allowance(parties["bank"].address, 10**12)
        yield Node(anvil, chain, ledger, parties["bank"], parties["supplier"])
    finally:
        anvil.stop()


def _wait(predicate: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_indexer_rides_out_a_node_outage(node: Node, make_db: Callable[[], Engine]) -> None:
    db = make_db()
    idx = indexer(node.chain, node.ledger.deployment, db, poll_interval=0.05, backoff_initial=0.05,
                  backoff_max=0.3, rpc_timeout=2.0)
    client = TestClient(create_app(settings(), engine=db, indexer=idx))
    node.activity(3)
    idx.start()
    try:
        _wait(lambda: client.get("/health").json()["indexed_head"] == node.chain.block_number, what="catch-up")
        assert client.get("/health").status_code == 200
        node.node.stop()
        _wait(lambda: client.get("/health").json()["status"] == "degraded", what="degraded")
        down = client.get("/health")
        assert down.status_code == 503
        assert any("chain node unavailable" in r for r in down.json()["reasons"])
        node.node.start()  # same port, chain restored from --state
        chain = connect(node.node.url)
        bank = Ledger.connect(chain, node.ledger.deployment).as_party(node.bank.account)
        bank.token.mint(node.supplier.address, 7_77, "after-outage")
        head = chain.block_number
        _wait(lambda: client.get("/health").json()["indexed_head"] == head, what="recovery")
        assert client.get("/health").json()["status"] == "ok"
        assert idx.metrics.node_errors._value.get() > 0
    finally:
        idx.stop()
    fresh = make_db()
    indexer(chain, node.ledger.deployment, fresh).sync()
    assert dump(db) == dump(fresh)


def test_anvil_reorg_is_rolled_back_and_reindexed(node: Node, make_db: Callable[[], Engine]) -> None:
    db = make_db()
    idx = indexer(node.chain, node.ledger.deployment, db)
    node.activity(6)
    idx.sync()
    before = dump(db)
    # replace the last 4 blocks with a branch that carries one different deposit
    data = node.ledger.token._encode("mint", node.bank.address, 55_55, b"reorg".ljust(32, b"\0"))
    tx = {"from": node.bank.address, "to": node.ledger.token.address, "data": data, "gas": hex(200_000)}
    node.chain.w3.provider.make_request("anvil_impersonateAccount", [node.bank.address])  # type: ignore[arg-type]
    reply = node.chain.w3.provider.make_request("anvil_reorg", [4, [[tx, 1]]])  # type: ignore[arg-type]
    assert "error" not in reply, reply
    idx.sync()
    assert idx.metrics.reorgs._value.get() == 1
    fresh = make_db()
    indexer(node.chain, node.ledger.deployment, fresh).sync()
    after = dump(db)
    assert after == dump(fresh)
    assert after != before
    deposits = [row[9] for row in after["event_log"] if row[7] == "DepositMinted"]
    assert any('"amount":5555' in args for args in deposits)  # the new branch's deposit
    assert len(deposits) == len([r for r in before["event_log"] if r[7] == "DepositMinted"]) - 4 + 1


def _indexer_env(db: Engine, deployment_file: Path, url: str) -> dict[str, str]:
    env = dict(os.environ)
    schema = getattr(db, "scf_schema", None)
    env.update({
        "SCF_GATEWAY_ENVIRONMENT": "test",
        "SCF_GATEWAY_JWT_SECRET": TEST_SECRET,
        "SCF_GATEWAY_CHAIN_URL": url,
        "SCF_GATEWAY_DEPLOYMENT_FILE": str(deployment_file),
        "SCF_GATEWAY_DATABASE_URL": db.url.render_as_string(hide_password=False),
        "SCF_GATEWAY_WINDOW_INITIAL": "2",
        "SCF_GATEWAY_WINDOW_MAX": "2",
        "SCF_GATEWAY_POLL_INTERVAL": "0.05",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH", "")]),
    })
    if schema:
        env["SCF_GATEWAY_DATABASE_SCHEMA"] = schema
    return env


@pytest.mark.slow
def test_indexer_process_killed_at_random_points_resumes_exactly_once(node: Node, make_db: Callable[[], Engine],
                                                                      tmp_path: Path) -> None:
    for _ in range(40):  # deposits spread over ~240 blocks, so a kill can land anywhere
        node.activity(1)
        node.chain.mine(5)
    head = node.chain.block_number
    deployment_file = node.ledger.save(tmp_path / "deployment.json")
    db = make_db()
    env = _indexer_env(db, deployment_file, node.node.url)
    rng = random.Random(42)
    kills = 0
    lives: list[int] = []

    def indexed() -> int:
        with db.connect() as conn:
            from sqlmodel import select

            state = conn.execute(select(IndexerState.head_block)).scalar()  # type: ignore[call-overload]
        return int(state or 0)

    while indexed() < head and kills < 100:
        before = indexed()
        target = min(head, before + rng.randint(5, 60))
        log = tmp_path / f"indexer-{kills}.log"  # a file, not a pipe nobody reads while the child runs
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "gateway.indexer"], env=env, stdout=subprocess.DEVNULL,
                                    stderr=out)
        _wait(lambda t=target, p=proc: indexed() >= t or p.poll() is not None, timeout=120,
              what="the indexer to write")
        time.sleep(rng.uniform(0.0, 0.02))  # then kill it wherever it is: inside a batch or between two
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert proc.returncode == -signal.SIGKILL, log.read_text(errors="replace")[-2000:]
        kills += 1
        lives.append(indexed() - before)
    assert kills >= 2, f"the indexer should have been killed mid-way at least once (blocks per life: {lives})"
    assert indexed() == head
    fresh = make_db()
    indexer(node.chain, node.ledger.deployment, fresh).sync()
    assert dump(db) == dump(fresh)
