"""Chain backends: an embedded in-process chain (default) and any EVM JSON-RPC node.

Both sign every transaction locally with eth-account keys, hand out nonces locally so that several
transactions from one sender can be in flight, wait for receipts, and turn reverts into typed exceptions
(:mod:`sdk.errors`). Dev helpers (snapshot/revert, time travel, mining, funding) work on both the
embedded chain and anvil.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.types import BlockIdentifier, RPCEndpoint, TxParams, TxReceipt

from sdk.errors import (
    ChainConnectionError,
    ContractRevert,
    LedgerValueError,
    TransactionError,
    UnknownRevert,
    decode_revert,
    revert_data_from_exception,
)

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
            tx["to"] = to_checksum_address(to)
        try:
            try:
                tx_hash = self.w3.eth.send_raw_transaction(signer.sign_transaction(tx).raw_transaction)
            except Exception as exc:
                if not _is_fee_too_low(exc):
                    raise
                # The base fee rose past our cached cap (busy blocks, or a revert to an older snapshot):
                # re-read fees and re-sign the same nonce once.
                self._fees = None
                tx.update(self.fee_params())
                tx_hash = self.w3.eth.send_raw_transaction(signer.sign_transaction(tx).raw_transaction)
        except Exception as exc:
            self.nonces.forget(signer.address)
            data_bytes = revert_data_from_exception(exc)
            if data_bytes is not None:
                raise self._tag(decode_revert(data_bytes), None, description) from exc
            raise TransactionError(f"{description or 'transaction'} was not accepted by the node: {exc}") from exc
        return PendingTx(HexBytes(tx_hash).to_0x_hex(), signer.address, nonce, tx, description)

    def wait(self, pending: PendingTx, timeout: float = 120.0) -> TxReceipt:
        """Wait for the receipt; a reverted transaction raises its decoded error."""
        deadline = time.monotonic() + timeout
        while True:
            receipt = self._get_receipt(pending.tx_hash)
            if receipt is not None:
                break
            if time.monotonic() > deadline:
                raise TransactionError(f"no receipt for {pending.tx_hash} after {timeout:.0f} s")
            time.sleep(self.receipt_poll_interval)
        if receipt["status"] != 1:
            raise self._tag(self._replay_revert(pending, int(receipt["blockNumber"])), pending.tx_hash,
                            pending.description)
        return receipt

    def wait_all(self, pending: Sequence[PendingTx], timeout: float = 120.0) -> list[TxReceipt]:
        return [self.wait(p, timeout) for p in pending]

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


class RpcChain(Chain):
    """Any EVM JSON-RPC node: anvil, geth, Hyperledger Besu. Transactions are signed locally."""

    kind = "rpc"

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        from web3.middleware import ExtraDataToPOAMiddleware

        w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)  # QBFT/Clique headers
        try:
            w3.eth.chain_id  # noqa: B018 - connectivity check
            client = str(w3.client_version)
        except Exception as exc:
            raise ChainConnectionError(url, _reason(exc)) from exc
        super().__init__(w3, url)
        self.client_version = client
        self.is_anvil = client.lower().startswith("anvil")
        self.receipt_poll_interval = 0.002 if self.is_anvil else 0.1

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


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def _connection_error(url: str, exc: BaseException) -> ChainConnectionError | None:
    names = {type(e).__name__ for e in _chain_of(exc)}
    if names & {"ConnectionError", "ConnectTimeout", "ReadTimeout", "MaxRetryError", "NewConnectionError"}:
        return ChainConnectionError(url, _reason(exc))
    return None


def _chain_of(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(out) < 10:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


__all__ = ["Chain", "EmbeddedChain", "RpcChain", "PendingTx", "NonceManager", "connect"]
