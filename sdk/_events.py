"""Base class of decoded events. One frozen dataclass per event is generated in sdk/generated/events.py."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, ClassVar


class ContractEvent:
    """A decoded contract event. Subclasses are frozen dataclasses whose fields mirror the event's parameters."""

    __slots__ = ()

    NAME: ClassVar[str] = ""
    SIGNATURE: ClassVar[str] = ""
    TOPIC: ClassVar[bytes] = b""
    ABI_TYPES: ClassVar[tuple[str, ...]] = ()
    INDEXED: ClassVar[tuple[bool, ...]] = ()
    FIELDS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_abi(cls, values: tuple[Any, ...]) -> ContractEvent:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Field values as plain Python data (enums as ints, bytes as 0x-hex)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():  # type: ignore[call-overload]
            out[key] = _plain(value)
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return value
