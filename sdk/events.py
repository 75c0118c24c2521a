"""Decoded contract events: one frozen dataclass per event (generated), and a fast log decoder.

The decoder works on raw JSON-RPC logs (hex strings) and on web3's log dicts alike, and decodes with
``eth_abi`` directly: it is the path the gateway's indexer uses, so it avoids web3's slower event helpers.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import to_checksum_address

import sdk.generated.events as _generated
from sdk._events import ContractEvent
from sdk.generated.events import *  # noqa: F403
from sdk.generated.events import EVENTS

# Checksumming an address costs a keccak; the same few addresses recur in every log, and it dominated decoding.
_checksum = lru_cache(maxsize=65_536)(to_checksum_address)
_generated.to_checksum_address = _checksum  # type: ignore[attr-defined] # the generated from_abi use it

__all__ = ["ContractEvent", "EVENTS", "LogRecord", "EventDecoder", "decode_logs", "encode_log", "DECODER"]


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
    """Maps (topic0, topic count) to a decoder compiled once per event layout from the ABI.

    For an event whose parameters are all static elementary types (every event of the ledger but a few), the
    decoder is one generated Python function that reads each field straight from the log's hex text: ``int(word,
    16)`` for integers, a cached checksum for addresses, a table lookup for enums; no bytes round trip, no per-log
    ABI lookup, no eth_abi call. Events with dynamic parameters (strings, arrays, tuples) use an eth_abi tuple
    decoder built once for their data types. A test checks that the compiled path, eth_abi and the generated
    ``from_abi`` give equal events for every event class.
    """

    def __init__(self, events: Iterable[type[ContractEvent]] = EVENTS) -> None:
        self._by_key: dict[tuple[bytes, int], tuple[type[ContractEvent], list[str], list[str]]] = {}
        #: "0x<topic0 hex>" -> {topic count: (data hex length or -1, compiled decoder)}
        self._compiled: dict[str, dict[int, tuple[int, _Compiled]]] = {}
        for cls in events:
            indexed = [t for t, i in zip(cls.ABI_TYPES, cls.INDEXED, strict=True) if i]
            plain = [t for t, i in zip(cls.ABI_TYPES, cls.INDEXED, strict=True) if not i]
            self._by_key[(cls.TOPIC, 1 + len(indexed))] = (cls, indexed, plain)
            self._compiled.setdefault("0x" + cls.TOPIC.hex(), {})[1 + len(indexed)] = _compile(cls, indexed, plain)

    @property
    def topics(self) -> list[str]:
        return sorted({"0x" + topic.hex() for topic, _ in self._by_key})

    def decode(self, log: Mapping[str, Any]) -> LogRecord | None:
        """Decode one log, or return None when it is not one of ours."""
        topics = log["topics"]
        if not topics:
            return None
        if not isinstance(topics[0], str):  # bytes (the embedded chain, web3's HexBytes): to the node's hex text
            topics = ["0x" + bytes(t).hex() for t in topics]
        layouts = self._compiled.get(topics[0].lower())
        if layouts is None:
            return None
        entry = layouts.get(len(topics))
        if entry is None:
            return None
        data = log["data"]
        if not isinstance(data, str):
            data = "0x" + bytes(data).hex()
        size, compiled = entry
        if size >= 0 and len(data) != size:  # not the layout the ABI promises: let eth_abi judge it
            cls = self._by_key_of(topics)
            event = self.decode_slow(cls, [_to_bytes(t) for t in topics], _to_bytes(data))
        else:
            event = compiled(topics, data)
        address, block_hash, tx_hash = log["address"], log["blockHash"], log["transactionHash"]
        return LogRecord(
            address=_checksum_text(address.lower()) if isinstance(address, str) else _checksum(_to_hex(address)),
            block_number=_to_int(log["blockNumber"]),
            block_hash=block_hash.lower() if isinstance(block_hash, str) else _to_hex(block_hash),
            tx_hash=tx_hash.lower() if isinstance(tx_hash, str) else _to_hex(tx_hash),
            log_index=_to_int(log["logIndex"]),
            event=event,
        )

    def _by_key_of(self, topics: list[str]) -> type[ContractEvent]:
        return self._by_key[(_to_bytes(topics[0]), len(topics))][0]

    def decode_slow(self, cls: type[ContractEvent], topics: list[bytes], data: bytes) -> ContractEvent:
        """eth_abi and the generated ``from_abi``: the reference path."""
        _, indexed_types, data_types = self._by_key[(cls.TOPIC, len(topics))]
        indexed_values = [abi_decode([t], topic)[0] for t, topic in zip(indexed_types, topics[1:], strict=True)]
        data_values = list(abi_decode(data_types, data)) if data_types else []
        values: list[Any] = []
        for is_indexed in cls.INDEXED:
            values.append(indexed_values.pop(0) if is_indexed else data_values.pop(0))
        return cls.from_abi(tuple(values))


#: A compiled decoder: (topics as 0x-hex text, data as 0x-hex text) -> the event.
_Compiled = Callable[[Sequence[str], str], ContractEvent]


def _compile(cls: type[ContractEvent], indexed: list[str], plain: list[str]) -> tuple[int, _Compiled]:
    """The decoder of one event layout: generated source for static layouts, a prebuilt eth_abi decoder otherwise.
    Returns the data's expected hex length (-1: variable) and the function."""
    hints = typing.get_type_hints(cls)
    scope: dict[str, Any] = {"cls": cls, "_int": int, "_checksum_text": _checksum_text, "_from_hex": bytes.fromhex,
                             "_signed": _signed, "_enum_of": _enum_of}
    args: list[str] = []
    topic, word = 1, 0
    for n, (name, kind, is_indexed) in enumerate(zip(cls.FIELDS, cls.ABI_TYPES, cls.INDEXED, strict=True)):
        if is_indexed:
            text = f"t[{topic}]"
            topic += 1
        else:
            text = f"d[{2 + 64 * word}:{2 + 64 * (word + 1)}]"
            word += 1
        hint = hints.get(name)
        expr = _word_expression(kind, text)
        if expr is None:
            return -1, _compile_dynamic(cls, indexed, plain)
        if isinstance(hint, type) and issubclass(hint, IntEnum):
            scope[f"_e{n}"] = _enum_table(hint)
            scope[f"_E{n}"] = hint
            expr = f"_enum_of(_e{n}, _E{n}, {expr})"
        args.append(expr)
    source = f"def decode(t, d):\n    return cls({', '.join(args)})\n"
    exec(compile(source, f"<decoder {cls.__name__}>", "exec"), scope)  # noqa: S102 - our own ABI-derived source
    return 2 + 64 * word, scope["decode"]


def _word_expression(kind: str, text: str) -> str | None:
    """Python reading one 32-byte word (64 hex characters in `text`) as `kind`; None if `kind` is dynamic."""
    if kind == "address":
        return f"_checksum_text({text}[-40:].lower())"
    if kind == "bool":
        return f"_int({text}, 16) != 0"
    if kind.startswith("uint") and kind[4:].isdigit():
        return f"_int({text}, 16)"
    if kind.startswith("int") and kind[3:].isdigit():
        return f"_signed(_int({text}, 16))"
    if kind.startswith("bytes") and kind[5:].isdigit():
        return f"_from_hex({text}[{2 if text.startswith('t[') else 0}:][:{2 * int(kind[5:])}])"
    return None


def _compile_dynamic(cls: type[ContractEvent], indexed: list[str], plain: list[str]) -> _Compiled:
    """Events with dynamic parameters: eth_abi decoders built once for the topics and for the data tuple."""
    from eth_abi import abi as _abi
    from eth_abi.decoding import ContextFramesBytesIO

    topic_decoders = [_abi.default_codec._registry.get_tuple_decoder(t) for t in indexed]
    data_decoder = _abi.default_codec._registry.get_tuple_decoder(*plain) if plain else None
    order = cls.INDEXED

    def decode(t: Sequence[str], d: str) -> ContractEvent:
        tops = iter([dec(ContextFramesBytesIO(bytes.fromhex(x[2:])))[0]  # type: ignore[no-untyped-call]
                     for dec, x in zip(topic_decoders, t[1:], strict=True)])
        data = iter(data_decoder(ContextFramesBytesIO(bytes.fromhex(d[2:]))) if data_decoder else ())  # type: ignore[no-untyped-call]
        return cls.from_abi(tuple(next(tops) if i else next(data) for i in order))

    return decode


def _signed(value: int) -> int:
    return value - (1 << 256) if value >> 255 else value


def _enum_table(enum: type[IntEnum]) -> dict[int, IntEnum]:
    return {int(member): member for member in enum}


def _enum_of(table: dict[int, IntEnum], enum: type[IntEnum], value: int) -> IntEnum:
    member = table.get(value)
    return member if member is not None else enum(value)  # raises ValueError, as the enum itself would


@lru_cache(maxsize=65_536)
def _checksum_text(lower_hex: str) -> str:
    """Checksummed address of 40 lower-case hex characters (with or without 0x)."""
    return str(to_checksum_address(lower_hex if lower_hex.startswith("0x") else "0x" + lower_hex))


DECODER = EventDecoder()


def encode_log(event: ContractEvent, address: str, *, block_number: int = 1, block_hash: str = "0x" + "00" * 32,
               tx_hash: str = "0x" + "00" * 32, log_index: int = 0, block_timestamp: int | None = None
               ) -> dict[str, Any]:
    """The raw JSON-RPC log a contract would emit for `event` (for tests and synthetic chains)."""
    topics = ["0x" + event.TOPIC.hex()]
    data_types: list[str] = []
    data_values: list[Any] = []
    for name, kind, indexed in zip(event.FIELDS, event.ABI_TYPES, event.INDEXED, strict=True):
        value = getattr(event, name)
        if indexed:
            topics.append("0x" + abi_encode([kind], [value]).hex())
        else:
            data_types.append(kind)
            data_values.append(value)
    log: dict[str, Any] = {
        "address": address.lower(), "topics": topics, "data": "0x" + abi_encode(data_types, data_values).hex(),
        "blockNumber": hex(block_number), "blockHash": block_hash, "transactionHash": tx_hash,
        "transactionIndex": hex(log_index), "logIndex": hex(log_index), "removed": False,
    }
    if block_timestamp is not None:
        log["blockTimestamp"] = hex(block_timestamp)
    return log


def decode_logs(logs: Iterable[Mapping[str, Any]]) -> list[LogRecord]:
    """Decode every log that belongs to the ledger's contracts, in order."""
    return [rec for log in logs if (rec := DECODER.decode(log)) is not None]
