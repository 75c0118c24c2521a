"""Benchmarks behind `scf bench`: every figure is measured in the run that reports it, never hard-coded.

Sections of the result (one JSON object):

* ``gas``: gas used per operation, read from real receipts, with the budget where the project set one.
* ``throughput``: operations per second through the SDK's pipelined path against anvil (``sdk_ops_per_s``),
  the same signed transactions replayed over raw JSON-RPC in the same run (``raw_ops_per_s``), their
  ``ratio``, and the SDK on the embedded in-process chain (``embedded_ops_per_s``).
* ``indexer``, ``api``, ``memory``: measured by the gateway's benchmark once the gateway exists; until then
  they say why they are missing.

How the throughput ratio is measured: the workload runs through the SDK (encode, sign with local nonces,
pipelined submission, batched receipts, status check) from a chain snapshot; the chain is reverted to the
snapshot; then the very same signed bytes are submitted with bare ``eth_sendRawTransaction`` calls over the same
kind of keep-alive HTTP connection, and their receipts are polled in batches, stage by stage. Rounds alternate
SDK and raw, and the medians are reported.

Features add themselves here: a gas probe to :data:`GAS_PROBES`, a workload to :data:`WORKLOADS` (the first one
is the operation measured), a section to :data:`SECTIONS`.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from sdk.chain import Chain, InFlightWindow, JsonRpcHttp, PendingTx, RpcError, connect
from sdk.errors import LedgerError, TransactionError
from sdk.ledger import Ledger, Party
from sdk.types import Role

#: Gas budgets from the benchmark issue; operations not implemented yet are reported as missing.
GAS_BUDGETS: dict[str, int] = {
    "receivable.register": 200_000,
    "receivable.confirm": 60_000,
    "receivable.accept_split": 130_000,
    "receivable.discount": 150_000,
    "receivable.claim": 60_000,
    "receipt.issue": 230_000,
    "receipt.pledge": 180_000,
}
#: Operations the gas section must eventually cover (issue 6).
GAS_EXPECTED = (
    "receivable.register", "receivable.confirm", "receivable.accept_split", "receivable.discount",
    "receivable.repay", "receivable.claim", "receipt.issue", "receipt.pledge", "receipt.release",
    "prepayment.open", "prepayment.repay",
)
TARGET_RATIO = 0.7
YEAR = 365 * 86_400
OPENING_BALANCE = 1_000_000_000_00  # cents: enough for any run


class BenchError(LedgerError):
    """A benchmark could not run (e.g. a node that is not a dev chain)."""


@dataclass(frozen=True)
class BenchSettings:
    quick: bool = False
    rpc: str | None = None  # a dev node to use instead of starting anvil
    ops: int = 3_000  # operations per throughput round on anvil
    rounds: int = 5
    embedded_ops: int = 400
    sequential_ops: int = 300

    @classmethod
    def make(cls, quick: bool = False, rpc: str | None = None, ops: int | None = None) -> BenchSettings:
        base = cls(quick=True, rpc=rpc, ops=1_000, rounds=3, embedded_ops=150, sequential_ops=200) if quick \
            else cls(quick=False, rpc=rpc)
        if ops is not None:  # an explicit size (tests use a tiny one) scales every section
            return cls(quick=base.quick, rpc=rpc, ops=ops, rounds=min(base.rounds, 2), embedded_ops=max(ops // 5, 2),
                       sequential_ops=max(ops // 4, 2))
        return base


@dataclass
class BenchCast:
    """A deployed ledger with a bank, payers and payees, all admitted and funded."""

    chain: Chain
    ledger: Ledger
    operator: Party
    bank: Party
    payers: list[Party]
    payees: list[Party]
    extra: dict[str, Any] = field(default_factory=dict)


def setup_cast(chain: Chain, payers: int = 1, payees: int = 8) -> BenchCast:
    """Deploy a fresh ledger and admit a bank, payers and payees with opening balances (dev chains only)."""
    keys = chain.dev_keys()
    if not keys:
        raise BenchError(f"benchmarks need a dev chain that can fund accounts; {chain.describe()} cannot")
    operator_acct = Account.from_key(keys[0])
    ledger = Ledger.deploy(chain, operator_acct)
    operator = ledger.as_party(operator_acct)

    def new_party() -> Party:
        acct: LocalAccount = Account.create()
        chain.fund(acct.address, 10**22)
        return ledger.as_party(acct)

    bank = new_party()
    payer_parties = [new_party() for _ in range(payers)]
    payee_parties = [new_party() for _ in range(payees)]
    expiry = chain.now() + 10 * YEAR
    operator.registry.admit(bank.address, [Role.BANK], "bench bank", expiry)
    for i, p in enumerate(payer_parties):
        operator.registry.admit(p.address, [Role.CORE_ENTERPRISE], f"bench payer {i}", expiry)
        bank.token.mint(p.address, OPENING_BALANCE, "bench")
    for i, p in enumerate(payee_parties):
        operator.registry.admit(p.address, [Role.SUPPLIER], f"bench payee {i}", expiry)
        bank.token.mint(p.address, 1_00, "bench")  # non-zero balances: steady-state transfer cost
    return BenchCast(chain, ledger, operator, bank, payer_parties, payee_parties)


# ------------------------------------------------------------------------------------------------ gas
GasProbe = Callable[[BenchCast], dict[str, int]]


def gas_of(chain: Chain, pending: PendingTx) -> int:
    return int(chain.wait(pending)["gasUsed"])


def foundation_gas(cast: BenchCast) -> dict[str, int]:
    """Gas of the registry and token operations, each in its steady state (warm accounts, non-zero balances)."""
    chain, op, bank = cast.chain, cast.operator, cast.bank
    payer, payee = cast.payers[0], cast.payees[0]
    out: dict[str, int] = {}
    for number in range(cast.ledger.deployment.block, cast.ledger.deployment.block + 2):
        for tx_hash in chain.w3.eth.get_block(number)["transactions"]:
            receipt = chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            for name, address in cast.ledger.deployment.contracts.items():
                if receipt.get("contractAddress") == address:
                    out[f"deploy.{name}"] = int(receipt["gasUsed"])
    newcomer: LocalAccount = Account.create()
    expiry = chain.now() + YEAR

    def run(name: str, party: Party, contract: str, fn: str, *args: Any) -> None:
        wrapper = party.registry if contract == "registry" else party.token
        out[name] = gas_of(chain, chain.send_many([wrapper.build_tx(fn, *args)])[0])

    from sdk.registry import identity_hash, reason_code

    run("registry.admit", op, "registry", "admit", newcomer.address, 1 << int(Role.SUPPLIER),
        identity_hash("newcomer"), expiry)
    run("registry.suspend", op, "registry", "suspend", newcomer.address, reason_code("review"))
    run("registry.resume", op, "registry", "resume", newcomer.address)
    run("registry.readmit", op, "registry", "readmit", newcomer.address, 1 << int(Role.SUPPLIER),
        identity_hash("newcomer"), expiry + YEAR)
    run("token.mint", bank, "token", "mint", payer.address, 1_000_00, reason_code("deposit"))
    run("token.transfer", payer, "token", "transfer", payee.address, 1_00)
    run("token.approve", payer, "token", "approve", bank.address, 5_00)
    run("token.burn", bank, "token", "burn", payer.address, 5_00, reason_code("withdrawal"))
    return out


GAS_PROBES: list[GasProbe] = [foundation_gas]


def measure_gas(cast: BenchCast) -> dict[str, Any]:
    measured: dict[str, int] = {}
    for probe in GAS_PROBES:
        snap = cast.chain.snapshot()
        try:
            measured.update(probe(cast))
        finally:
            cast.chain.revert(snap)
    out: dict[str, Any] = {}
    for name in sorted(measured):
        entry: dict[str, Any] = {"gas": measured[name]}
        budget = GAS_BUDGETS.get(name)
        if budget is not None:
            entry["budget"] = budget
            entry["vs_budget_pct"] = round((measured[name] - budget) * 100 / budget, 1)
            entry["within_budget"] = measured[name] <= budget
        out[name] = entry
    return out


# ------------------------------------------------------------------------------------------------ throughput
@dataclass(frozen=True)
class Workload:
    """An operation measured for throughput. `run` drives `ops` operations through the SDK's pipelined path and
    returns the transactions it sent, stage by stage (a stage needs the previous one mined)."""

    name: str
    description: str
    txs_per_op: int
    run: Callable[[BenchCast, int], list[list[PendingTx]]]


#: Operations in flight at once: anvil 1.7's automine wedges under a backlog of thousands of transactions.
PIPELINE_DEPTH = 250


def _transfers(cast: BenchCast, ops: int) -> list[list[PendingTx]]:
    payees = cast.payees
    stages: list[list[PendingTx]] = []
    for start in range(0, ops, PIPELINE_DEPTH):
        requests = []
        for i in range(start, min(start + PIPELINE_DEPTH, ops)):
            payer = cast.payers[i % len(cast.payers)]
            requests.append(payer.token.build_tx("transfer", payees[i % len(payees)].address, 1 + i % 97,
                                                 gas=90_000))
        pending = cast.chain.send_many(requests)
        cast.chain.wait_all(pending)
        stages.append(pending)
    return stages


TRANSFER = Workload(
    name="token.transfer",
    description="settlement-token transfer between participants (receivable lifecycles are not implemented "
    "yet; they replace this operation when they land)",
    txs_per_op=1,
    run=_transfers,
)
WORKLOADS: list[Workload] = [TRANSFER]


def replay_raw(url: str, stages: list[list[PendingTx]], window: int | None = None, poll: float = 0.002,
               batch: int = 200, timeout: float = 300.0) -> None:
    """Submit the same signed transactions with bare JSON-RPC, stage by stage (with the SDK's in-flight window,
    if any), and wait for successful receipts."""
    rpc = JsonRpcHttp(url)
    try:
        for stage in stages:
            hashes = []
            flow = InFlightWindow(rpc, window, poll) if window else None
            for tx in stage:
                if flow is not None:
                    flow.admit(tx.sender, tx.nonce)
                hashes.append(rpc.request("eth_sendRawTransaction", ["0x" + tx.raw.hex()]))
            missing = hashes
            deadline = time.monotonic() + timeout
            while missing:
                still = []
                for start in range(0, len(missing), batch):
                    chunk = missing[start : start + batch]
                    for tx_hash, receipt in zip(chunk, rpc.batch("eth_getTransactionReceipt", [[h] for h in chunk]),
                                                strict=True):
                        if isinstance(receipt, RpcError):
                            raise TransactionError(str(receipt))
                        if receipt is None:
                            still.append(tx_hash)
                        elif receipt["status"] != "0x1":
                            raise TransactionError(f"raw replay: {tx_hash} failed")
                missing = still
                if missing:
                    if time.monotonic() > deadline:
                        raise TransactionError(f"raw replay: no receipt for {missing[0]}")
                    time.sleep(poll)
    finally:
        rpc.close()


def measure_throughput(cast: BenchCast, settings: BenchSettings, step: Callable[[str], None],
                       workload: Workload | None = None) -> dict[str, Any]:
    chain = cast.chain
    work = workload or WORKLOADS[0]
    sdk_rates: list[float] = []
    raw_rates: list[float] = []
    window = getattr(chain, "max_in_flight", None)
    base = chain.snapshot()
    for round_no in range(settings.rounds):
        snap = chain.snapshot()
        started = time.perf_counter()
        stages = work.run(cast, settings.ops)
        sdk_rates.append(settings.ops / (time.perf_counter() - started))
        step(f"throughput round {round_no + 1}: SDK")
        chain.revert(snap)
        snap = chain.snapshot()
        started = time.perf_counter()
        replay_raw(chain.url, stages, window)
        raw_rates.append(settings.ops / (time.perf_counter() - started))
        step(f"throughput round {round_no + 1}: raw JSON-RPC")
        chain.revert(snap)
    # For context: the same operation sent one at a time, each waiting for its receipt (no pipelining).
    count = settings.sequential_ops
    payee = cast.payees[0].address
    started = time.perf_counter()
    for i in range(count):
        cast.payers[0].token.transfer(payee, 1 + i % 97)
    sequential = count / (time.perf_counter() - started)
    step("throughput: sequential SDK calls")
    chain.revert(base)
    sdk, raw = statistics.median(sdk_rates), statistics.median(raw_rates)
    return {
        "operation": work.name,
        "operation_note": work.description,
        "node": getattr(chain, "client_version", chain.describe()),
        "ops_per_round": settings.ops,
        "transactions_per_op": work.txs_per_op,
        "rounds": settings.rounds,
        "pipeline_depth": PIPELINE_DEPTH,
        "sdk_ops_per_s": round(sdk, 1),
        "raw_ops_per_s": round(raw, 1),
        "ratio": round(sdk / raw, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": sdk / raw >= TARGET_RATIO,
        "sdk_rounds_ops_per_s": [round(r, 1) for r in sdk_rates],
        "raw_rounds_ops_per_s": [round(r, 1) for r in raw_rates],
        "sdk_sequential_ops_per_s": round(sequential, 1),
    }


def measure_embedded(settings: BenchSettings, workload: Workload | None = None) -> float:
    work = workload or WORKLOADS[0]
    cast = setup_cast(connect(), payees=4)
    started = time.perf_counter()
    work.run(cast, settings.embedded_ops)
    return settings.embedded_ops / (time.perf_counter() - started)


# ------------------------------------------------------------------------------------------------ sections
Section = Callable[[BenchSettings, Callable[[str], None]], dict[str, Any]]

#: Sections measured by other parts of the project (the gateway adds indexer, api and memory).
SECTIONS: dict[str, Section] = {}
PENDING_SECTIONS = {
    "indexer": "needs the gateway's indexer (issue 5); measured once it lands",
    "api": "needs the gateway's API (issue 5); measured once it lands",
    "memory": "peak RSS of the gateway's indexer during backfill (issue 5); measured once it lands",
}


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),  # other work on the machine skews every rate
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            models = [line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")]
        if models:
            info["cpu"] = models[0]
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        from eth_keys.backends import get_backend

        info["ecc_backend"] = type(get_backend()).__name__
    except Exception:  # informational only
        pass
    return info


def plan(settings: BenchSettings) -> int:
    """Number of progress steps of a run."""
    return 2 + 2 * settings.rounds + 1 + 1 + len(SECTIONS)


def run(settings: BenchSettings, step: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every benchmark; `step(description)` is called after each step (for a progress bar)."""
    report = step or (lambda _: None)
    started = time.perf_counter()
    result: dict[str, Any] = {
        "meta": {
            "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "quick": settings.quick,
            "command": "scf bench" + (" --quick" if settings.quick else ""),
            "machine": machine(),
        },
    }
    node = None
    url = settings.rpc
    if url is None:
        from sdk.anvil import AnvilNode

        node = AnvilNode()
        url = node.start()
    try:
        chain = connect(url)
        result["meta"]["node"] = getattr(chain, "client_version", url)
        result["meta"]["anvil"] = _anvil_version() if node is not None else None
        cast = setup_cast(chain)
        report("deployed the benchmark ledger on anvil")
        result["gas"] = measure_gas(cast)
        result["gas_missing"] = [name for name in GAS_EXPECTED if name not in result["gas"]]
        report("gas per operation")
        result["throughput"] = measure_throughput(cast, settings, report)
    finally:
        if node is not None:
            node.stop()
    result["throughput"]["embedded_ops_per_s"] = round(measure_embedded(settings), 1)
    result["throughput"]["embedded_ops"] = settings.embedded_ops
    report("throughput on the embedded chain")
    for name, section in SECTIONS.items():
        result[name] = section(settings, report)
        report(name)
    for name, reason in PENDING_SECTIONS.items():
        result.setdefault(name, {"measured": False, "reason": reason})
    result["meta"]["duration_s"] = round(time.perf_counter() - started, 1)
    result["meta"]["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    return result


def _anvil_version() -> str | None:
    from sdk.anvil import anvil_binary

    try:
        text = subprocess.run([str(anvil_binary()), "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError, LedgerError):
        return None
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first.removeprefix("anvil Version: ") or None


if __name__ == "__main__":  # pragma: no cover - `scf bench` is the entry point
    import json

    print(json.dumps(run(BenchSettings.make(quick="--quick" in sys.argv)), indent=2))
