"""The fast word-by-word event decoder gives exactly what eth_abi and the generated from_abi give."""

from __future__ import annotations

import random
import typing
from enum import IntEnum
from typing import Any

import pytest
from eth_utils import to_checksum_address

from sdk.events import DECODER, EVENTS, ContractEvent, _to_bytes, encode_log


def _random_value(rng: random.Random, kind: str, hint: Any) -> Any:
    if isinstance(hint, type) and issubclass(hint, IntEnum):
        return rng.choice(list(hint))
    if kind.endswith("[]"):  # dynamic: takes eth_abi's path, which must agree too
        return tuple(_random_value(rng, kind[:-2], None) for _ in range(rng.randrange(4)))
    if kind.startswith("("):
        return tuple(_random_value(rng, part, None) for part in kind[1:-1].split(","))
    if kind == "address":
        return to_checksum_address("0x" + rng.randbytes(20).hex())
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "string":  # dynamic: eth_abi's path (a risk-pool program's name)
        return rng.choice(["", "Qingdao SME 2026", "青岛中小企业 " + str(rng.randrange(10**6))])
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        return rng.choice([0, 1, 2**bits - 1, rng.randrange(2**bits)])
    if kind.startswith("bytes"):
        return rng.randbytes(int(kind[5:]))
    raise AssertionError(f"no generator for {kind}")


@pytest.mark.parametrize("cls", EVENTS, ids=lambda c: c.NAME)
def test_fast_decoding_equals_eth_abi_and_from_abi(cls: type[ContractEvent]) -> None:
    rng = random.Random(cls.NAME)
    hints = typing.get_type_hints(cls)
    for _ in range(20):
        values = [_random_value(rng, kind, hints[name]) for name, kind in zip(cls.FIELDS, cls.ABI_TYPES, strict=True)]
        event = cls(*values)  # type: ignore[call-arg]
        log = encode_log(event, "0x" + "ab" * 20, block_number=7, log_index=3)
        record = DECODER.decode(log)
        assert record is not None
        slow = DECODER.decode_slow(cls, [_to_bytes(t) for t in log["topics"]], _to_bytes(log["data"]))
        assert record.event == slow == event
        assert [type(getattr(record.event, f)) for f in cls.FIELDS] == [type(getattr(slow, f)) for f in cls.FIELDS]
        assert (record.block_number, record.log_index, record.address) == (7, 3, to_checksum_address("0x" + "ab" * 20))


def test_unknown_topics_are_not_ours() -> None:
    assert DECODER.decode({"topics": ["0x" + "11" * 32], "data": "0x", "address": "0x" + "00" * 20,
                           "blockNumber": "0x1", "blockHash": "0x" + "00" * 32,
                           "transactionHash": "0x" + "00" * 32, "logIndex": "0x0"}) is None
