"""Chain backends: an embedded in-process chain (default) and any EVM JSON-RPC node.

Both sign every transaction locally with eth-account keys, hand out nonces locally so that several
transactions from one sender can be in flight, wait for receipts, and turn reverts into typed exceptions
(:mod:`sdk.errors`). Dev helpers (snapshot/revert, time travel, mining, funding) work on both the
embedded chain and anvil.
"""

from __future__ import annotations

import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.datastructures import AttributeDict
from web3.types import BlockIdentifier, RPCEndpoint, TxParams, TxReceipt

from sdk._signing import sign_transaction
from sdk.errors import (
    ChainConnectionError,
    ContractRevert,
    LedgerValueError,
    TransactionError,
    UnknownRevert,
    decode_revert,
    revert_data_from_exception,
)
from sdk.rpc import JsonRpcHttp, RpcError, Web3Provider, reason

#: anvil's default dev mnemonic ("test test … junk") keys 0-9: public knowledge, for local development only.
ANVIL_DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
)

DEFAULT_PRIORITY_FEE = 1_000_000_000  # 1 gwei


@dataclass(frozen=True, slots=True)
class PendingTx:
    """A signed transaction handed to the node, not yet known to be mined."""

    tx_hash: str
    sender: str
    nonce: int
    tx: dict[str, Any]
    description: str = ""
    raw: bytes = b""  # the signed bytes as submitted


@dataclass(frozen=True, slots=True)
class TxRequest:
    """One transaction to sign and send; see :meth:`Chain.send_many`. Wrappers build them with
    :meth:`sdk.contracts.ContractBase.build_tx`."""

    signer: LocalAccount
    to: str | None
    data: bytes | str
    gas: int | None = None
    value: int = 0
    description: str = ""


class NonceManager:
    """Local nonces per sender, so transactions can be pipelined without asking the node each time."""

    def __init__(self, fetch: Callable[[str], int]) -> None:
        self._fetch = fetch
        self._next: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, address: str) -> int:
        with self._lock:
            nonce = self._next.get(address)
            if nonce is None:
                nonce = self._fetch(address)
            self._next[address] = nonce + 1
            return nonce

    def forget(self, address: str | None = None) -> None:
        """Drop cached nonces (after a failed send, a revert to snapshot, or a reorg)."""
        with self._lock:
            if address is None:
                self._next.clear()
            else:
                self._next.pop(address, None)


class Chain(ABC):
    """One connection to one chain. Subclasses: :class:`EmbeddedChain`, :class:`RpcChain`."""

    kind: ClassVar[str]

    def __init__(self, w3: Web3, url: str) -> None:
        self.w3 = w3
        self.url = url
        self.chain_id: int = w3.eth.chain_id
        self.nonces = NonceManager(lambda a: w3.eth.get_transaction_count(to_checksum_address(a), "pending"))
        self._fees: tuple[float, dict[str, int]] | None = None
        self.receipt_poll_interval = 0.005

    # ---------------------------------------------------------------- accounts
    @abstractmethod
    def dev_keys(self) -> list[str]:
        """Private keys of funded dev accounts (empty on a production node)."""

    @abstractmethod
    def fund(self, address: str, wei: int) -> None:
        """Give `address` `wei` of the native coin for gas (dev chains only)."""

    # ---------------------------------------------------------------- reads
    @property
    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    def now(self) -> int:
        """Timestamp of the latest block."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def call(self, to: str, data: bytes | str, sender: str | None = None, block: BlockIdentifier = "latest") -> bytes:
        """eth_call; a revert raises its typed exception."""
        tx: dict[str, Any] = {"to": to_checksum_address(to), "data": _hex(data)}
        if sender:
            tx["from"] = to_checksum_address(sender)
        try:
            return bytes(self.w3.eth.call(cast(TxParams, tx), block_identifier=block))
        except Exception as exc:
            raise self._revert_from(exc) from exc

    # ---------------------------------------------------------------- writes
    def fee_params(self) -> dict[str, int]:
        """EIP-1559 fees where the chain has a base fee, a legacy gas price otherwise. Cached for 30 s."""
        if self._fees is not None and time.monotonic() - self._fees[0] < 30:
            return self._fees[1]
        block = self.w3.eth.get_block("latest")
        base = block.get("baseFeePerGas")
        if base is None:
            fees = {"gasPrice": int(self.w3.eth.gas_price)}
        else:
            tip = min(DEFAULT_PRIORITY_FEE, max(int(base), 1)) if int(base) > 0 else DEFAULT_PRIORITY_FEE
            # 3x base fee: room for six full blocks of base-fee growth (12.5% each) while the cache lives.
            fees = {"maxFeePerGas": 3 * int(base) + tip, "maxPriorityFeePerGas": tip}
        self._fees = (time.monotonic(), fees)
        return fees

    def estimate_gas(self, sender: str, to: str | None, data: bytes | str, value: int = 0) -> int:
        tx: dict[str, Any] = {"from": to_checksum_address(sender), "data": _hex(data), "value": value}
        if to is not None:
            tx["to"] = to_checksum_address(to)
        try:
            return int(self.w3.eth.estimate_gas(cast(TxParams, tx)))
        except Exception as exc:
            raise self._revert_from(exc) from exc

    def send(
        self,
        signer: LocalAccount,
        to: str | None,
        data: bytes | str,
        *,
        gas: int | None = None,
        value: int = 0,
        description: str = "",
    ) -> PendingTx:
        """Sign locally and submit without waiting. Without `gas`, a pre-flight estimate surfaces reverts."""
        raw, pending = self.sign(TxRequest(signer, to, data, gas, value, description))
        return self._submit(raw, pending, signer)

    def sign(self, request: TxRequest) -> tuple[bytes, PendingTx]:
        """Take a local nonce and sign `request`; returns the raw transaction and its (not yet sent) PendingTx."""
        signer, to, data, gas, value, description = (
            request.signer, request.to, request.data, request.gas, request.value, request.description
        )
        if gas is None:
            try:
                gas = self.estimate_gas(signer.address, to, data, value) * 6 // 5 + 10_000
            except ContractRevert as err:
                raise self._tag(err, None, description) from err
        nonce = self.nonces.take(signer.address)
        tx: dict[str, Any] = {
            "chainId": self.chain_id,
            "nonce": nonce,
            "gas": gas,
            "value": value,
            "data": _hex(data),
            **self.fee_params(),
        }
        if to is not None:
            tx["to"] = checksum(to)
        raw = sign_transaction(signer, tx)
        # The hash of a signed (typed or legacy) transaction is keccak of its raw bytes: no need to ask the node.
        return raw, PendingTx("0x" + keccak(raw).hex(), signer.address, nonce, tx, description, raw)

    def send_many(self, requests: Iterable[TxRequest]) -> list[PendingTx]:
        """Sign and submit many transactions without waiting for any of them (pipelined, local nonces).

        Transactions of one sender are submitted in order. Give `gas` for transactions that depend on earlier
        ones in the same batch: an estimate runs against the current state. If the node refuses one, the rest
        are not sent, local nonces are forgotten, and the error is raised; what was already sent stays sent.
        Collect the receipts with :meth:`wait_all`.
        """
        pending: list[PendingTx] = []
        for request in requests:
            raw, tx = self.sign(request)
            pending.append(self._submit(raw, tx, request.signer))
        return pending

    def send_batched(self, requests: Iterable[TxRequest], batch_size: int = 200) -> list[PendingTx]:
        """Sign and submit independent transactions in JSON-RPC batches (see :meth:`RpcChain.send_batched`); a
        chain without JSON-RPC (the embedded one) submits them one by one, as :meth:`send_many`."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        return self.send_many(requests)

    def _submit(self, raw: bytes, pending: PendingTx, signer: LocalAccount) -> PendingTx:
        """Hand `raw` to the node; returns the transaction as sent (re-signed if the fee cap had to rise)."""
        try:
            try:
                self._send_raw(raw)
            except Exception as exc:
                if not _is_fee_too_low(exc):
                    raise
                # The base fee rose past our cached cap (busy blocks, or a revert to an older snapshot):
                # re-read fees and re-sign the same nonce once.
                self._fees = None
                tx = {**pending.tx, **self.fee_params()}
                raw = sign_transaction(signer, tx)
                pending = PendingTx("0x" + keccak(raw).hex(), pending.sender, pending.nonce, tx,
                                    pending.description, raw)
                self._send_raw(raw)
        except Exception as exc:
            self.nonces.forget(pending.sender)
            raise self._submit_error(exc, pending.description, pending.sender) from exc
        return pending

    def _send_raw(self, raw: bytes) -> None:
        self.w3.eth.send_raw_transaction(raw)

    def _submit_error(self, exc: Exception, description: str, sender: str | None = None) -> Exception:
        if isinstance(exc, ContractRevert | ChainConnectionError):
            return self._tag(exc, None, description)  # type: ignore[no-any-return]
        data_bytes = revert_data_from_exception(exc)
        if data_bytes is not None:
            return self._tag(decode_revert(data_bytes), None, description)  # type: ignore[no-any-return]
        conn = _connection_error(self.url, exc)
        if conn is not None:
            return conn
        hint = ""
        if "insufficient funds" in str(exc).lower():
            hint = (f"; the signer {sender or ''} has too little ether for gas: on a dev node run `scf dev fund "
                    f"{sender or 'ADDRESS'}`, elsewhere ask the network's operator to fund it")
        return TransactionError(f"{description or 'transaction'} was not accepted by the node: {exc}{hint}")

    def wait(self, pending: PendingTx, timeout: float = 120.0) -> TxReceipt:
        """Wait for the receipt; a reverted transaction raises its decoded error."""
        deadline = time.monotonic() + timeout
        progress = time.monotonic()
        while True:
            receipt = self._get_receipt(pending.tx_hash)
            if receipt is not None:
                break
            if time.monotonic() > deadline:
                raise TransactionError(f"no receipt for {pending.tx_hash} after {timeout:.0f} s")
            progress = self._maybe_nudge(progress)
            time.sleep(self.receipt_poll_interval)
        if receipt["status"] != 1:
            raise self._tag(self._replay_revert(pending, int(receipt["blockNumber"])), pending.tx_hash,
                            pending.description)
        return receipt

    def wait_all(self, pending: Sequence[PendingTx], timeout: float = 120.0) -> list[TxReceipt]:
        """Wait for every receipt (fetched in batches where the backend can), then raise the first revert."""
        deadline = time.monotonic() + timeout
        progress = time.monotonic()
        receipts: list[TxReceipt | None] = [None] * len(pending)
        missing = list(range(len(pending)))
        while missing:
            found = self._get_receipts([pending[i].tx_hash for i in missing])
            still: list[int] = []
            for i, receipt in zip(missing, found, strict=True):
                if receipt is None:
                    still.append(i)
                else:
                    receipts[i] = receipt
            if len(still) < len(missing):
                progress = time.monotonic()
            missing = still
            if not missing:
                break
            if time.monotonic() > deadline:
                raise TransactionError(f"no receipt for {pending[missing[0]].tx_hash} after {timeout:.0f} s")
            progress = self._maybe_nudge(progress)
            time.sleep(self.receipt_poll_interval)
        done = cast(list[TxReceipt], receipts)
        for p, receipt in zip(pending, done, strict=True):
            if receipt["status"] != 1:
                raise self._tag(self._replay_revert(p, int(receipt["blockNumber"])), p.tx_hash, p.description)
        return done

    def transact(
        self,
        signer: LocalAccount,
        to: str | None,
        data: bytes | str,
        *,
        gas: int | None = None,
        value: int = 0,
        description: str = "",
    ) -> TxReceipt:
        """Send and wait. The usual path for one state change."""
        return self.wait(self.send(signer, to, data, gas=gas, value=value, description=description))

    def _get_receipts(self, tx_hashes: Sequence[str]) -> list[TxReceipt | None]:
        return [self._get_receipt(h) for h in tx_hashes]

    #: Seconds without a new receipt after which :meth:`_nudge` runs (None: never).
    stall_nudge_after: float | None = None

    def _maybe_nudge(self, progress: float) -> float:
        if self.stall_nudge_after is not None and time.monotonic() - progress > self.stall_nudge_after:
            self._nudge()
            return time.monotonic()
        return progress

    def _nudge(self) -> None:  # noqa: B027 - an optional hook
        """Help a dev node that left transactions pending (see RpcChain)."""

    def _get_receipt(self, tx_hash: str) -> TxReceipt | None:
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except Exception as exc:
            if type(exc).__name__ in {"TransactionNotFound"}:
                return None
            raise

    def _replay_revert(self, pending: PendingTx, block_number: int) -> ContractRevert:
        tx: dict[str, Any] = {k: pending.tx[k] for k in ("to", "data", "value") if k in pending.tx}
        tx["from"] = pending.sender
        try:
            self.w3.eth.call(cast(TxParams, tx), block_identifier=max(block_number - 1, 0))
        except Exception as exc:
            err = self._revert_from(exc)
            return err if isinstance(err, ContractRevert) else UnknownRevert(b"")
        return UnknownRevert(b"")  # e.g. out of gas: the replay succeeded with unlimited gas

    def _revert_from(self, exc: BaseException) -> Exception:
        """The typed exception for a failed call: a decoded revert, a connection error, or a generic one."""
        data = revert_data_from_exception(exc)
        if data is None:
            return _connection_error(self.url, exc) or TransactionError(str(exc))
        return decode_revert(data)

    @staticmethod
    def _tag(err: Any, tx_hash: str | None, description: str) -> Any:
        if isinstance(err, ContractRevert):
            err.tx_hash = tx_hash
            err.function = description or None
        return err

    # ---------------------------------------------------------------- dev helpers
    @abstractmethod
    def snapshot(self) -> Any:
        """Take a snapshot of the chain state; returns an id for :meth:`revert`."""

    @abstractmethod
    def revert(self, snapshot_id: Any) -> None:
        """Return to a snapshot. Local nonces are forgotten."""

    @abstractmethod
    def mine(self, blocks: int = 1) -> None:
        """Mine empty blocks."""

    @abstractmethod
    def increase_time(self, seconds: int) -> int:
        """Move block time forward by `seconds`, mine a block, and return its timestamp."""

    def travel_to(self, timestamp: int) -> int:
        """Move block time forward to `timestamp` (never backwards) and mine a block."""
        return self.increase_time(max(timestamp - self.now(), 1))

    def new_account(self, wei: int = 10**21) -> LocalAccount:
        """A fresh key, funded for gas (dev chains only)."""
        acct: LocalAccount = Account.create()
        self.fund(acct.address, wei)
        return acct

    def describe(self) -> str:
        return self.url


class EmbeddedChain(Chain):
    """In-process eth-tester chain with py-evm. Lives in memory and is gone when the process ends."""

    kind = "embedded"

    def __init__(self) -> None:
        from eth_tester import EthereumTester, PyEVMBackend
        from web3 import EthereumTesterProvider

        self._backend = PyEVMBackend()
        self.tester = EthereumTester(self._backend)
        w3 = Web3(EthereumTesterProvider(self.tester))
        super().__init__(w3, "embedded")
        self._keys = [k.to_hex() for k in self._backend.account_keys]
        self._funder = Account.from_key(self._keys[0])
        self.receipt_poll_interval = 0.0

    def dev_keys(self) -> list[str]:
        return list(self._keys)

    def fund(self, address: str, wei: int) -> None:
        self.transact(self._funder, address, b"", gas=21_000, value=wei, description="fund")

    def snapshot(self) -> Any:
        return self.tester.take_snapshot()

    def revert(self, snapshot_id: Any) -> None:
        self.tester.revert_to_snapshot(snapshot_id)
        self.nonces.forget()
        self._fees = None  # the base fee went back with the chain; a cached max fee may now be below it

    def mine(self, blocks: int = 1) -> None:
        self.tester.mine_blocks(blocks)

    def increase_time(self, seconds: int) -> int:
        if seconds <= 0:
            raise LedgerValueError("time only moves forward")
        target = self.now() + seconds
        self.tester.time_travel(target)
        self.tester.mine_blocks(1)
        return self.now()


@lru_cache(maxsize=4096)
def checksum(address: str) -> str:
    """EIP-55 checksum address, cached: the same few addresses recur in every transaction and receipt, and each
    conversion is a keccak (~0.1 ms with the pycryptodome backend)."""
    return str(to_checksum_address(address))


class InFlightWindow:
    """Flow control for pipelined submission: before nonce `n` of a sender goes out, wait until the node has mined
    that sender's transactions up to nonce `n - size` (one `eth_getTransactionCount` per refresh)."""

    def __init__(self, rpc: JsonRpcHttp, size: int, poll: float = 0.002, timeout: float = 120.0) -> None:
        self.rpc = rpc
        self.size = max(1, size)
        self.poll = poll
        self.timeout = timeout
        self._confirmed: dict[str, int] = {}

    def admit(self, sender: str, nonce: int) -> None:
        confirmed = self._confirmed.get(sender)
        deadline = None
        while confirmed is None or nonce - confirmed >= self.size:
            if confirmed is not None:
                deadline = deadline or time.monotonic() + self.timeout
                if time.monotonic() > deadline:
                    raise TransactionError(f"the node mined nothing from {sender} for {self.timeout:.0f} s "
                                           f"({nonce - confirmed} transactions in flight)")
                time.sleep(self.poll)
            confirmed = int(self.rpc.request("eth_getTransactionCount", [sender, "latest"]), 16)
            self._confirmed[sender] = confirmed


def format_receipt(raw: dict[str, Any]) -> TxReceipt:
    """A raw JSON-RPC receipt in exactly the shape web3's `get_transaction_receipt` returns (ints, HexBytes,
    checksum addresses, AttributeDicts), twice as fast as web3's generic formatters; a test compares the two."""
    out = {key: _RECEIPT_FIELDS.get(key, _same)(value) for key, value in raw.items()}
    return cast(TxReceipt, AttributeDict(out))


def _same(value: Any) -> Any:
    return AttributeDict.recursive(value) if isinstance(value, dict | list) else value


def _quantity(value: Any) -> Any:
    return int(value, 16) if isinstance(value, str) else value


def _hexbytes(value: Any) -> Any:
    return None if value is None else HexBytes(value)


def _address(value: Any) -> Any:
    return None if value is None else checksum(value)


def _to_address(value: Any) -> Any:
    return checksum(value) if isinstance(value, str) and len(value) == 42 else value


def _log(entry: dict[str, Any]) -> AttributeDict[str, Any]:
    return AttributeDict({key: _LOG_FIELDS.get(key, _same)(value) for key, value in entry.items()})


_LOG_FIELDS: dict[str, Callable[[Any], Any]] = {
    "blockHash": _hexbytes,
    "blockNumber": _quantity,
    "transactionIndex": _quantity,
    "transactionHash": _hexbytes,
    "logIndex": _quantity,
    "address": _address,
    "topics": lambda topics: [HexBytes(t) for t in topics],
    "data": HexBytes,
}
_RECEIPT_FIELDS: dict[str, Callable[[Any], Any]] = {
    "blockHash": _hexbytes,
    "blockNumber": _quantity,
    "transactionIndex": _quantity,
    "transactionHash": HexBytes,
    "cumulativeGasUsed": _quantity,
    "status": _quantity,
    "gasUsed": _quantity,
    "contractAddress": _address,
    "logs": lambda logs: [_log(entry) for entry in logs],
    "logsBloom": HexBytes,
    "from": _address,
    "to": _to_address,
    "effectiveGasPrice": _quantity,
    "type": _quantity,
    "blobGasPrice": _quantity,
    "blobGasUsed": _quantity,
}


class RpcChain(Chain):
    """Any EVM JSON-RPC node: anvil, geth, Hyperledger Besu. Transactions are signed locally."""

    kind = "rpc"

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        from web3.middleware import ExtraDataToPOAMiddleware

        self.rpc = JsonRpcHttp(url, timeout)  # the one transport: web3 below rides on it too
        w3 = Web3(Web3Provider(self.rpc))
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)  # QBFT/Clique headers
        try:
            w3.eth.chain_id  # noqa: B018 - connectivity check
            client = str(w3.client_version)
        except ChainConnectionError:
            raise
        except Exception as exc:
            raise ChainConnectionError(url, reason(exc)) from exc
        super().__init__(w3, url)
        self.client_version = client
        self.is_anvil = client.lower().startswith("anvil")
        self.receipt_poll_interval = 0.002 if self.is_anvil else 0.1
        self.nonces = NonceManager(
            lambda a: int(self.rpc.request("eth_getTransactionCount", [checksum(a), "pending"]), 16)
        )
        self.receipt_batch = 200
        self.max_in_flight: int | None = None  # per sender; see send_many
        self.stall_nudge_after = 1.0 if self.is_anvil else None

    def _nudge(self) -> None:
        # anvil's automine mines one block per arrival notification and coalesces notifications that come in
        # while it mines: a transaction can then sit in its pool until the next one arrives. Mine it.
        if self.is_anvil and int(self._rpc("txpool_status", []).get("pending", "0x0"), 16) > 0:
            self._rpc("evm_mine", [])

    # ---------------------------------------------------------------- lean hot paths
    @property
    def block_number(self) -> int:
        return int(self.rpc.request("eth_blockNumber", []), 16)

    def now(self) -> int:
        block = self.rpc.request("eth_getBlockByNumber", ["latest", False])
        return int(block["timestamp"], 16)

    def _send_raw(self, raw: bytes) -> None:
        try:
            self.rpc.request("eth_sendRawTransaction", ["0x" + raw.hex()])
        except RpcError as exc:
            if exc.duplicate_submission:  # a retried submission of the same bytes
                return
            raise

    def _get_receipt(self, tx_hash: str) -> TxReceipt | None:
        raw = self.rpc.request("eth_getTransactionReceipt", [tx_hash])
        return None if raw is None else format_receipt(raw)

    def _get_receipts(self, tx_hashes: Sequence[str]) -> list[TxReceipt | None]:
        out: list[TxReceipt | None] = []
        for start in range(0, len(tx_hashes), self.receipt_batch):
            chunk = tx_hashes[start : start + self.receipt_batch]
            for result in self.rpc.batch("eth_getTransactionReceipt", [[h] for h in chunk]):
                if isinstance(result, RpcError):
                    raise TransactionError(f"receipt lookup failed on {self.url}: {result}")
                out.append(None if result is None else format_receipt(result))
        return out

    def send_batched(self, requests: Iterable[TxRequest], batch_size: int = 200) -> list[PendingTx]:
        """Sign every request (local nonces), then submit them as JSON-RPC batches of `batch_size`
        ``eth_sendRawTransaction`` calls: one round trip per batch instead of one per transaction.

        For independent transactions (say, registrations by many suppliers): a node need not keep a batch's
        order (anvil does not), so anything numbered in mining order, such as a receivable's id, must be read from
        the receipts (:meth:`wait_all`), never assumed. A sender's transactions still take effect in nonce order.
        If the node refuses any transaction, local nonces are forgotten and the first refusal is raised, tagged
        with its description; the rest of that batch and the batches before it stay sent. Keep batches to a few
        hundred on anvil (its automine wedges under a backlog of thousands)."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        signed = [self.sign(request) for request in requests]
        pending = [tx for _, tx in signed]
        for start in range(0, len(signed), batch_size):
            chunk = signed[start : start + batch_size]
            try:
                results = self.rpc.batch("eth_sendRawTransaction", [["0x" + raw.hex()] for raw, _ in chunk])
            except Exception as exc:
                self.nonces.forget()
                raise self._submit_error(exc, chunk[0][1].description, chunk[0][1].sender) from exc
            for (_, tx), result in zip(chunk, results, strict=True):
                if isinstance(result, RpcError) and not result.duplicate_submission:
                    self.nonces.forget()
                    raise self._submit_error(result, tx.description, tx.sender)
        return pending

    def send_many(self, requests: Iterable[TxRequest]) -> list[PendingTx]:
        """As :meth:`Chain.send_many`; signing overlaps with the node's round trips (a sender thread submits
        while this thread signs the next transaction), which is what makes pipelining pay off. For many
        independent transactions, :meth:`send_batched` saves the round trips too.

        With :attr:`max_in_flight` set, at most that many transactions per sender are unconfirmed at any time,
        for nodes that cap their pools per sender (geth, Besu). Don't throttle anvil's automine this way: it mines
        one block per arriving transaction, so a full window turns into a ping-pong. Instead keep batches to a
        few hundred transactions: anvil 1.7 wedges (and drops pool entries) under a backlog of thousands.
        """
        outbox: queue.Queue[tuple[int, bytes, PendingTx, LocalAccount] | None] = queue.Queue(maxsize=256)
        failure: list[BaseException] = []
        stop = threading.Event()
        window = InFlightWindow(self.rpc, self.max_in_flight, self.receipt_poll_interval) if self.max_in_flight \
            else None

        def submitter() -> None:
            while True:
                item = outbox.get()
                if item is None:
                    return
                if stop.is_set():
                    continue  # drain after a failure; nothing more is sent
                index, raw, tx, signer = item
                try:
                    if window is not None:
                        window.admit(tx.sender, tx.nonce)
                    pending[index] = self._submit(raw, tx, signer)
                except BaseException as exc:
                    failure.append(exc)
                    stop.set()

        worker = threading.Thread(target=submitter, name="scf-send-many", daemon=True)
        worker.start()
        pending: list[PendingTx] = []
        try:
            for request in requests:
                if stop.is_set():
                    break
                raw, tx = self.sign(request)
                pending.append(tx)
                outbox.put((len(pending) - 1, raw, tx, request.signer))
        finally:
            outbox.put(None)
            worker.join()
        if failure:
            self.nonces.forget()  # later nonces of this batch were taken but never sent
            raise failure[0]
        return pending

    def _rpc(self, method: str, params: list[Any]) -> Any:
        response = self.w3.provider.make_request(RPCEndpoint(method), params)
        if "error" in response:
            raise TransactionError(f"{method} failed on {self.url}: {response['error']}")
        return response.get("result")

    def _dev_only(self, what: str) -> None:
        if not self.is_anvil:
            raise TransactionError(f"{what} needs a dev node such as anvil; {self.url} is {self.client_version}")

    def dev_keys(self) -> list[str]:
        return list(ANVIL_DEV_KEYS) if self.is_anvil else []

    def fund(self, address: str, wei: int) -> None:
        self._dev_only("funding")
        self._rpc("anvil_setBalance", [to_checksum_address(address), hex(wei)])

    def snapshot(self) -> Any:
        self._dev_only("snapshot")
        return self._rpc("evm_snapshot", [])

    def revert(self, snapshot_id: Any) -> None:
        self._dev_only("revert")
        if not self._rpc("evm_revert", [snapshot_id]):
            raise TransactionError(f"snapshot {snapshot_id} is unknown to {self.url}")
        self.nonces.forget()
        self._fees = None  # the base fee went back with the chain; a cached max fee may now be below it

    def mine(self, blocks: int = 1) -> None:
        self._dev_only("mining")
        self._rpc("anvil_mine", [hex(blocks)])

    def increase_time(self, seconds: int) -> int:
        if seconds <= 0:
            raise LedgerValueError("time only moves forward")
        self._dev_only("time travel")
        self._rpc("evm_increaseTime", [hex(seconds)])
        self._rpc("evm_mine", [])
        return self.now()


def connect(url: str | None = None) -> Chain:
    """`None` or ``"embedded"``: a fresh in-process chain; anything else: a JSON-RPC URL."""
    if url in (None, "", "embedded"):
        return EmbeddedChain()
    assert url is not None
    return RpcChain(url)


def _hex(data: bytes | str) -> str:
    if isinstance(data, bytes | bytearray):
        return "0x" + bytes(data).hex()
    return data if data.startswith("0x") else "0x" + data


def _is_fee_too_low(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "base fee" in text and ("lower than" in text or "less than" in text)


def _connection_error(url: str, exc: BaseException) -> ChainConnectionError | None:
    for cause in _chain_of(exc):
        if isinstance(cause, ChainConnectionError):  # from the transport, already named
            return cause
    names = {type(e).__name__ for e in _chain_of(exc)}
    if names & {"ConnectionError", "ConnectTimeout", "ReadTimeout", "MaxRetryError", "NewConnectionError"}:
        return ChainConnectionError(url, reason(exc))
    return None


def _chain_of(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(out) < 10:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


__all__ = ["Chain", "EmbeddedChain", "NonceManager", "PendingTx", "RpcChain", "TxRequest", "connect"]
