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

    #: True where the node took too long (:class:`sdk.rpc.RpcTimeout`), rather than refusing or failing.
    timed_out = False

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
        """``Name(field=value, …): what it means[; what to do]``, with amounts as money, times as UTC dates,
        durations in days and rates as percentages. The attributes keep the raw integers."""
        money_context = any(_kind(k, False) == "money" for k in self.fields)
        shown = ", ".join(f"{k}={_show(v, _kind(k, money_context))}" for k, v in self.fields.items())
        doc = (type(self).__doc__ or "").strip()
        text = f"{type(self).__name__}({shown})"
        text = f"{text}: {doc}" if doc and doc != type(self).__name__ else text
        hint = HINTS.get(type(self).__name__)
        if hint:  # hints may name fields: {account}, {role} (an enum as the CLI spells it: `risk-pool-contributor`)
            hint = hint.format(**{k: v.name.lower().replace("_", "-") if isinstance(v, IntEnum) else v
                                  for k, v in self.fields.items()})
        return f"{text.rstrip('.')}; {hint}" if hint else text

    @classmethod
    def from_abi(cls, values: tuple[Any, ...]) -> ContractError:  # overridden by generated classes
        return cls(**dict(zip(cls.FIELDS, values, strict=True)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.fields))


def _rebuild(cls: type[ContractError], fields: dict[str, Any]) -> ContractError:
    return cls(**fields)


#: What to do next, for the errors people meet in daily use (by error name).
HINTS: dict[str, str] = {
    "ReceivableExposureLimitExceeded": "the bank raises its limit with `scf receivable exposure-limit`",
    "SettlementMintAllowanceExceeded": "an operator raises it with `scf token mint-allowance {bank} AMOUNT`",
    "ERC20InsufficientAllowance": "approve the contract for at least the amount needed first",
    "ERC20InsufficientBalance": "the account needs more settlement tokens (a bank mints them against a deposit)",
    "ParticipantNotRegistered": "the operator admits it with `scf participant admit {account} --role …`",
    "ParticipantKycExpired": "the operator renews its KYC with `scf participant readmit {account}`",
    "ParticipantIsSuspended": "the operator lifts the suspension with `scf participant resume {account}`",
    "ParticipantMissingRole": "the operator grants it with `scf participant readmit {account} --role {role}`",
    "PriceStale": "a price feeder posts a fresh price with `scf receipt price post`",
    "PriceMissing": "a price feeder posts one with `scf receipt price post`",
    "LoanPrincipalExceedsLimit": "borrow at most the limit, or pledge more goods",
    "DisplayNameInvalid": "give a name of 1 to {max_length} bytes of UTF-8 (`scf participant rename {account} NAME`)",
    "DisplayNameUnauthorized": "an operator renames it with `scf participant rename {account} NAME`",
    "ReceivableMatured": "after the due date the debtor repays instead (`scf receivable repay`)",
}

_MONEY = frozenset({
    "amount", "principal", "outstanding", "available", "allowance", "balance", "needed", "requested", "repaid",
    "face_value", "unit_price", "price", "locked", "scheduled", "interest", "margin", "debt", "owed", "paid",
    "min_price", "max_price", "collateral", "surplus", "shortfall", "exposure", "minimum", "min_value",
})
#: Money only beside another money field: alone they are counts ("cap" of fragments, SafeCast's "value").
_MONEY_BESIDE_MONEY = frozenset({"limit", "cap", "value", "max", "total"})
_DURATION = frozenset({"max_age", "grace_period", "cure_period", "max_tenor", "period", "tenor", "delay"})
_TIME = frozenset({"maturity", "kyc_expiry", "as_of", "now", "expiry", "until"})
_TIME_SUFFIXES = ("_at", "_date", "_deadline", "deadline", "_time", "_maturity", "_expiry")


def _kind(name: str, money_context: bool) -> str:
    if name in _MONEY or name.endswith(("_amount", "_price", "_units")):
        return "money"
    if name in _MONEY_BESIDE_MONEY:
        return "money" if money_context else "plain"
    if name.endswith("_bps"):
        return "rate"
    if name in _DURATION:
        return "duration"
    if name in _TIME or name.endswith(_TIME_SUFFIXES):
        return "time"
    return "plain"


def _show(value: Any, kind: str = "plain") -> str:
    if isinstance(value, IntEnum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, bytes):
        text = value.rstrip(b"\0")
        if 0 < len(value) <= 16 and text.isascii() and text.decode().isprintable():
            return repr(text.decode())  # a short code (commodity, unit, lot): as the text it encodes
        return "0x" + value.hex()
    if isinstance(value, bool) or not isinstance(value, int):
        return repr(value) if isinstance(value, str) else str(value)
    if kind == "money":
        from sdk.money import format_grouped  # sdk.money imports this module's errors

        return format_grouped(value)
    if kind == "rate":
        return f"{value / 100:.2f}%"
    if kind == "duration":
        days, rest = divmod(value, 86_400)
        return f"{days} d" + (f" {rest // 3600} h" if rest >= 3600 else "") if days else f"{value} s"
    if kind == "time" and value > 0:
        from datetime import UTC, datetime

        if value < 2**40:
            return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)
