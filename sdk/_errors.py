"""Root exceptions of the SDK. Contract custom errors subclass :class:`ContractError` (see sdk/generated)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, ClassVar


class LedgerError(Exception):
    """Root of every exception the SDK raises."""


class LedgerValueError(LedgerError, ValueError):
    """An argument is invalid before anything is sent to the chain."""


class ChainConnectionError(LedgerError, ConnectionError):
    """The chain node cannot be reached."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"cannot reach the chain node at {url}: {reason}")


class ArtifactMissingError(LedgerError, FileNotFoundError):
    """A compiled contract artifact is missing."""

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path
        super().__init__(f"contract artifact {name!r} not found at {path}: run `scf build`")


class DeploymentError(LedgerError):
    """A deployment file is missing, malformed, or does not match the chain."""


class TransactionError(LedgerError):
    """A transaction could not be submitted or mined."""


class ContractRevert(LedgerError):
    """A call or transaction reverted. Subclasses carry the decoded custom error."""

    tx_hash: str | None = None
    contract: str | None = None
    function: str | None = None


class UnknownRevert(ContractRevert):
    """Revert data that matches no known custom error (or no data at all)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        super().__init__(f"reverted with unrecognised data 0x{data.hex()}" if data else "reverted without data")


class RevertString(ContractRevert):
    """A plain `require(cond, "message")` / `Error(string)` revert."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(f"reverted: {message}")


class Panic(ContractRevert):
    """A Solidity panic (`Panic(uint256)`): assertion, overflow, division by zero..."""

    CODES: ClassVar[dict[int, str]] = {
        0x01: "assertion failed",
        0x11: "arithmetic overflow or underflow",
        0x12: "division or modulo by zero",
        0x21: "invalid enum value",
        0x31: "pop on empty array",
        0x32: "array index out of bounds",
        0x41: "out of memory",
        0x51: "call to an uninitialised function",
    }

    def __init__(self, code: int) -> None:
        self.code = code
        super().__init__(f"panic 0x{code:02x}: {self.CODES.get(code, 'unknown panic')}")


class ContractError(ContractRevert):
    """A contract custom error, decoded. Each subclass is generated from the ABI and carries its fields."""

    SIGNATURE: ClassVar[str] = ""
    SELECTOR: ClassVar[bytes] = b""
    ABI_TYPES: ClassVar[tuple[str, ...]] = ()
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        self.fields: dict[str, Any] = dict(fields)
        super().__init__(self._message())

    def _message(self) -> str:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.fields.items())
        doc = (type(self).__doc__ or "").strip()
        text = f"{type(self).__name__}({shown})"
        return f"{text}: {doc}" if doc and doc != type(self).__name__ else text

    @classmethod
    def from_abi(cls, values: tuple[Any, ...]) -> ContractError:  # overridden by generated classes
        return cls(**dict(zip(cls.FIELDS, values, strict=True)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.fields))


def _rebuild(cls: type[ContractError], fields: dict[str, Any]) -> ContractError:
    return cls(**fields)


def _show(value: Any) -> str:
    if isinstance(value, IntEnum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value) if isinstance(value, str) else str(value)
