"""Decoded contract events: one frozen dataclass per event (generated), and a fast log decoder.

The decoder works on raw JSON-RPC logs (hex strings) and on web3's log dicts alike, and decodes with
``eth_abi`` directly: it is the path the gateway's indexer uses, so it avoids web3's slower event helpers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import to_checksum_address

import sdk.generated.events as _generated
from sdk._events import ContractEvent
from sdk.generated.events import *  # noqa: F403
from sdk.generated.events import EVENTS

# Checksumming an address costs a keccak; the same few addresses recur in every log, and it dominated decoding.
_checksum = lru_cache(maxsize=65_536)(to_checksum_address)
_generated.to_checksum_address = _checksum  # type: ignore[attr-defined] # the generated from_abi use it

__all__ = ["ContractEvent", "EVENTS", "LogRecord", "EventDecoder", "decode_logs", "DECODER"]


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One decoded log with its position on the chain."""

    address: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    event: ContractEvent

    @property
    def name(self) -> str:
        return self.event.NAME


def _to_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return bytes(value)
    text = str(value)
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


def _to_int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _to_hex(value: Any) -> str:
    return "0x" + _to_bytes(value).hex()


class EventDecoder:
    """Maps (topic0, topic count) to the event class and decodes topics and data with eth_abi."""

    def __init__(self, events: Iterable[type[ContractEvent]] = EVENTS) -> None:
        self._by_key: dict[tuple[bytes, int], tuple[type[ContractEvent], list[str], list[str]]] = {}
        for cls in events:
            indexed = [t for t, i in zip(cls.ABI_TYPES, cls.INDEXED, strict=True) if i]
            plain = [t for t, i in zip(cls.ABI_TYPES, cls.INDEXED, strict=True) if not i]
            self._by_key[(cls.TOPIC, 1 + len(indexed))] = (cls, indexed, plain)

    @property
    def topics(self) -> list[str]:
        return sorted({"0x" + topic.hex() for topic, _ in self._by_key})

    def decode(self, log: Mapping[str, Any]) -> LogRecord | None:
        """Decode one log, or return None when it is not one of ours."""
        topics = [_to_bytes(t) for t in log["topics"]]
        if not topics:
            return None
        entry = self._by_key.get((topics[0], len(topics)))
        if entry is None:
            return None
        cls, indexed_types, data_types = entry
        indexed_values = [abi_decode([t], topic)[0] for t, topic in zip(indexed_types, topics[1:], strict=True)]
        data_values = list(abi_decode(data_types, _to_bytes(log["data"]))) if data_types else []
        values: list[Any] = []
        for is_indexed in cls.INDEXED:
            values.append(indexed_values.pop(0) if is_indexed else data_values.pop(0))
        return LogRecord(
            address=_checksum(_to_hex(log["address"])),
            block_number=_to_int(log["blockNumber"]),
            block_hash=_to_hex(log["blockHash"]),
            tx_hash=_to_hex(log["transactionHash"]),
            log_index=_to_int(log["logIndex"]),
            event=cls.from_abi(tuple(values)),
        )


DECODER = EventDecoder()


def decode_logs(logs: Iterable[Mapping[str, Any]]) -> list[LogRecord]:
    """Decode every log that belongs to the ledger's contracts, in order."""
    return [rec for log in logs if (rec := DECODER.decode(log)) is not None]
