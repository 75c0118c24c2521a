"""A client that shares no code with the project (Node + ethers from npm) does a day's work through the gateway:
SIWE sign-in, prepare, sign locally, submit, follow to indexed — a confirm, a discount request and a discount."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from eth_account import Account

from sdk import Ledger, Role, connect
from sdk.chain import ANVIL_DEV_KEYS
from tests.cli.test_gateway_cli import serving

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "tests" / "e2e" / "node_client.mjs"
FACE = 100_000_00


def test_node_client_confirms_and_discounts(own_anvil: str, tmp_path: Path) -> None:
    if shutil.which("node") is None or not (ROOT / "node_modules" / "ethers").is_dir():
        pytest.fail("the independent client needs node and ethers from npm: run `bash scripts/setup.sh`")
    chain = connect(own_anvil)
    operator = Account.from_key(ANVIL_DEV_KEYS[0])
    ledger = Ledger.deploy(chain, operator)
    op = ledger.as_party(operator)
    expiry = chain.now() + 10**7
    core, supplier, bank = (chain.new_account() for _ in range(3))
    for account, role in ((core, Role.CORE_ENTERPRISE), (supplier, Role.SUPPLIER), (bank, Role.BANK)):
        op.registry.admit(account.address, [role], f"node-client:{role.name}", expiry)
    op.token.set_mint_allowance(bank.address, 10 * FACE)
    banker = ledger.as_party(bank)
    banker.token.mint(bank.address, 10 * FACE, "deposit")
    banker.token.approve(ledger.receivables.address, 10 * FACE)
    banker.receivables.set_exposure_limit(core.address, 10 * FACE)
    registered = ledger.as_party(supplier).receivables.register(core.address, FACE, chain.now() + 90 * 86_400,
                                                                "invoice-node-1")
    deployment = ledger.save(tmp_path / "deployment.json")
    steps = [
        {"key": core.key.to_0x_hex(), "action": "receivable.confirm", "params": {"root_id": registered.root_id}},
        {"key": supplier.key.to_0x_hex(), "action": "receivable.request_discount",
         "params": {"fragment_id": registered.fragment_id, "bank": bank.address, "rate_bps": 600,
                    "with_recourse": False}},
        {"key": bank.key.to_0x_hex(), "action": "receivable.discount",
         "params": {"fragment_id": registered.fragment_id, "rate_bps": 600, "with_recourse": False,
                    "max_price": FACE, "deadline": chain.now() + 3_600}},
    ]
    with serving(own_anvil, deployment, tmp_path) as url:
        env = {**os.environ, "SCF_GATEWAY": url, "SCF_STEPS": json.dumps(steps), "SCF_TIMEOUT_MS": "60000"}
        with open(tmp_path / "node.log", "w") as log:  # a file, never an unread pipe
            done = subprocess.run(["node", str(CLIENT)], stdout=subprocess.PIPE, stderr=log, text=True, env=env,
                                  cwd=ROOT, timeout=120)
        assert done.returncode == 0, (tmp_path / "node.log").read_text() + done.stdout
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [(r["action"], r["status"]) for r in results] == [
        ("receivable.confirm", "indexed"), ("receivable.request_discount", "indexed"),
        ("receivable.discount", "indexed")]
    assert "ReceivableConfirmed" in results[0]["events"]
    assert "FragmentDiscounted" in results[2]["events"]
    fragment = ledger.receivables.get_fragment(registered.fragment_id)
    assert fragment.holder == bank.address
