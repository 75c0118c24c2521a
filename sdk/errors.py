"""Exceptions raised by the SDK.

:class:`LedgerError` is the root. Every contract custom error has a generated subclass of :class:`ContractError`
(``sdk.generated.errors``) that carries the decoded fields as attributes, e.g.::

    try:
        bank.token.mint(stranger, 100_00)
    except SettlementTransferRestricted as err:
        err.to, err.reason  # -> '0x…', TransferRestriction.RECIPIENT_NOT_REGISTERED
"""

from __future__ import annotations

import ast
import re
from typing import Any

from eth_abi import decode as abi_decode

from sdk._errors import (
    ArtifactMissingError,
    ChainConnectionError,
    ContractError,
    ContractRevert,
    DeploymentError,
    LedgerError,
    LedgerValueError,
    Panic,
    RevertString,
    TransactionError,
    UnknownRevert,
)
from sdk.generated.errors import *  # noqa: F403
from sdk.generated.errors import ERRORS

__all__ = [
    "ArtifactMissingError",
    "ChainConnectionError",
    "ContractError",
    "ContractRevert",
    "DeploymentError",
    "LedgerError",
    "LedgerValueError",
    "Panic",
    "RevertString",
    "TransactionError",
    "UnknownRevert",
    "decode_revert",
    "revert_data_from_exception",
    "ERRORS",
]

_BY_SELECTOR: dict[bytes, type[ContractError]] = {cls.SELECTOR: cls for cls in ERRORS}
_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")
_HEX_RE = re.compile(r"0x[0-9a-fA-F]*")


def decode_revert(data: bytes) -> ContractRevert:
    """Turn raw revert data into the matching typed exception."""
    selector, payload = data[:4], data[4:]
    try:
        if selector == _ERROR_STRING:
            (message,) = abi_decode(["string"], payload)
            return RevertString(message)
        if selector == _PANIC:
            (code,) = abi_decode(["uint256"], payload)
            return Panic(code)
        cls = _BY_SELECTOR.get(selector)
        if cls is not None:
            return cls.from_abi(tuple(abi_decode(list(cls.ABI_TYPES), payload)))
    except Exception:  # malformed payload: report it raw rather than hide it
        return UnknownRevert(data)
    return UnknownRevert(data)


def revert_data_from_exception(exc: BaseException) -> bytes | None:
    """Extract revert data from whatever a backend raised (web3 errors, eth-tester's TransactionFailed)."""
    data: Any = getattr(exc, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, bytes):
        return data
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, bytes):
            return arg
        if isinstance(arg, dict) and isinstance(arg.get("data"), str):
            return bytes.fromhex(arg["data"].removeprefix("0x"))
        if isinstance(arg, str):
            marker = "execution reverted: b"
            if marker in arg:  # eth-tester: "execution reverted: b'\\x..'"
                literal = arg[arg.index(marker) + len(marker) - 1 :]
                value = ast.literal_eval(literal)
                if isinstance(value, bytes):
                    return value
            if arg.strip() == "execution reverted":
                return b""
    if type(exc).__name__ == "TransactionFailed":
        return b""
    return None
