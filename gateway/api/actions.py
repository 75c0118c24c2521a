"""The write API's verbs: ``<domain>.<function>`` -> (contract, function, parameters), derived from the ABI.

Every state-changing function of a user-facing contract is an action, named by its domain and the function in
snake case (``Receivables.requestDiscount`` is ``receivable.request_discount``), except the operator's and admin
functions listed in ``_EXCLUDED`` (they stay with the CLI). Parameters are given by their ABI names, in snake case
or as written in the ABI (``rate_bps`` or ``rateBps``); tuples as objects with their components' names. Because
the table is read from the committed artifacts, a changed signature changes the action with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, is_address, to_checksum_address

from sdk.artifacts_loader import load_artifact

#: domain -> contract name in the deployment
DOMAINS: dict[str, str] = {
    "receivable": "Receivables",
    "token": "SettlementToken",
    "prepayment": "Prepayment",
    "credit_line": "CreditLines",
    "receipt": "WarehouseReceipts",
    "loan": "PledgeLoans",
    "attestation": "DataAttestations",
}

#: operator/admin functions and plumbing that are not a party's daily work
_EXCLUDED = {
    "multicall", "grantRole", "revokeRole", "renounceRole", "beginDefaultAdminTransfer", "acceptDefaultAdminTransfer",
    "cancelDefaultAdminTransfer", "changeDefaultAdminDelay", "rollbackDefaultAdminDelay", "setFragmentCap",
    "setGracePeriod", "setMinFragmentValue", "setMintAllowance", "pause", "unpause", "upgradeTo",
    "upgradeToAndCall", "initialize", "safeTransferFrom",
}

#: parameter names that carry money (smallest units), for the summary
_MONEY = re.compile(r"(amount|value|price|principal|limit|face|cap)$", re.IGNORECASE)
_TIME = re.compile(r"(date|deadline|expiresAt|maturity|At)$")


class ParamError(ValueError):
    """A bad parameter: ``loc`` names it (``["body", "params", "rate_bps"]``)."""

    def __init__(self, loc: list[str | int], msg: str) -> None:
        super().__init__(msg)
        self.loc = loc
        self.msg = msg


@dataclass(frozen=True)
class Action:
    name: str
    contract: str
    function: str
    inputs: tuple[dict[str, Any], ...]

    @property
    def signature(self) -> str:
        return f"{self.function}({','.join(_abi_type(i) for i in self.inputs)})"

    @property
    def selector(self) -> bytes:
        return function_signature_to_4byte_selector(self.signature)

    def params_doc(self) -> dict[str, str]:
        return {snake(i["name"]): _doc_type(i) for i in self.inputs}

    def encode(self, params: Any) -> tuple[bytes, dict[str, Any]]:
        """Calldata for `params` (a JSON object), and the normalised values by snake-case name."""
        if not isinstance(params, dict):
            raise ParamError(["body", "params"], "params must be an object")
        values = _values(self.inputs, params, ["body", "params"])
        types = [_abi_type(i) for i in self.inputs]
        data = self.selector + abi_encode(types, [_abi_value(v) for v in values])
        return data, {snake(i["name"]): v for i, v in zip(self.inputs, values, strict=True)}


def snake(name: str) -> str:
    name = name.rstrip("_")
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _abi_type(param: dict[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param["components"]) + ")" + kind[len("tuple"):]
    return kind


def _doc_type(param: dict[str, Any]) -> str:
    """A parameter's type as a client writes it: tuples as objects with named fields."""
    kind: str = param["type"]
    if kind.startswith("tuple"):
        fields = ", ".join(f"{snake(c['name'])}: {_doc_type(c)}" for c in param["components"])
        return "{" + fields + "}" + kind[len("tuple"):]
    return kind


def _abi_value(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(_abi_value(v) for v in value.values())
    if isinstance(value, list):
        return [_abi_value(v) for v in value]
    return value


def _values(inputs: tuple[dict[str, Any], ...] | list[dict[str, Any]], given: dict[str, Any],
            loc: list[str | int]) -> list[Any]:
    known = {snake(i["name"]) for i in inputs} | {i["name"] for i in inputs}
    for key in given:
        if key not in known:
            raise ParamError([*loc, key], f"unknown parameter {key!r}; expected: "
                             f"{', '.join(snake(i['name']) for i in inputs) or 'none'}")
    out = []
    for spec in inputs:
        name = snake(spec["name"])
        if name in given:
            raw = given[name]
        elif spec["name"] in given:
            raw = given[spec["name"]]
        else:
            raise ParamError([*loc, name], f"missing parameter {name} ({_abi_type(spec)})")
        out.append(_value(spec, raw, [*loc, name]))
    return out


def _is_fragment_param(loc: list[str | int]) -> bool:
    """A parameter holding a fragment id (``fragment_id``, the only name the contracts use) takes ROOT.INDEX too."""
    names = [part for part in loc if isinstance(part, str)]
    return bool(names) and names[-1] == "fragment_id"


def _value(spec: dict[str, Any], raw: Any, loc: list[str | int]) -> Any:
    kind: str = spec["type"]
    if kind.endswith("[]"):
        if not isinstance(raw, list):
            raise ParamError(loc, "must be a list")
        inner = {**spec, "type": kind[:-2]}
        return [_value(inner, item, [*loc, n]) for n, item in enumerate(raw)]
    if kind == "tuple":
        if not isinstance(raw, dict):
            raise ParamError(loc, "must be an object with fields " +
                             ", ".join(snake(c["name"]) for c in spec["components"]))
        values = _values(spec["components"], raw, loc)
        return {snake(c["name"]): v for c, v in zip(spec["components"], values, strict=True)}
    if kind.startswith(("uint", "int")):
        bits = int(kind.lstrip("uint") or 256)
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise ParamError(loc, f"must be an integer ({kind}), in the smallest unit for amounts")
        if isinstance(raw, str) and _is_fragment_param(loc) and re.fullmatch(r"[1-9][0-9]{0,11}\.[0-9]{1,5}", raw):
            root, index = (int(part) for part in raw.split("."))  # a fragment id in its human form, ROOT.INDEX
            if index >= 1 << 16:
                raise ParamError(loc, f"fragment index {index} is out of range (0 to 65535)")
            raw = (root << 16) | index
        if isinstance(raw, str):
            if not re.fullmatch(r"-?[0-9]{1,78}", raw.strip()):
                raise ParamError(loc, f"must be an integer ({kind}), in the smallest unit for amounts")
            raw = int(raw.strip())
        lo, hi = (0, 2**bits - 1) if kind.startswith("u") else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        if not lo <= raw <= hi:
            raise ParamError(loc, f"out of range for {kind}")
        return raw
    if kind == "address":
        if not isinstance(raw, str) or not is_address(raw):
            raise ParamError(loc, "must be a 0x-prefixed 20-byte address")
        return to_checksum_address(raw)
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ParamError(loc, "must be true or false")
        return raw
    if kind.startswith("bytes"):
        size = int(kind[5:]) if kind != "bytes" else None
        if not isinstance(raw, str):
            raise ParamError(loc, f"must be a string ({kind}: 0x-hex, or text for a short code)")
        if re.fullmatch(r"0x([0-9a-fA-F]{2})*", raw):
            data = bytes.fromhex(raw[2:])
        else:
            data = raw.encode()
        if size is not None:
            if len(data) > size:
                raise ParamError(loc, f"longer than {size} bytes")
            data = data.ljust(size, b"\0")
        return data
    if kind == "string":
        if not isinstance(raw, str):
            raise ParamError(loc, "must be a string")
        return raw
    raise ParamError(loc, f"parameters of type {kind} are not supported")


@cache
def actions() -> dict[str, Action]:
    table: dict[str, Action] = {}
    for domain, contract in DOMAINS.items():
        try:
            abi = load_artifact(contract).abi
        except Exception:  # an artifact that is not built (yet): its actions are absent
            continue
        for item in abi:
            if item.get("type") != "function" or item.get("stateMutability") not in ("nonpayable", "payable"):
                continue
            if item["name"] in _EXCLUDED:
                continue
            name = f"{domain}.{snake(item['name'])}"
            table[name] = Action(name, contract, item["name"], tuple(item["inputs"]))
    return table


def is_money(name: str) -> bool:
    return bool(_MONEY.search(name.replace("_", "")))


def is_time(name: str) -> bool:
    return bool(_TIME.search(name)) or name.endswith(("_date", "_at", "deadline", "maturity"))


@cache
def multicalls() -> list[Action]:
    """The contracts that batch calls (OpenZeppelin Multicall: each item keeps the caller as msg.sender)."""
    out = []
    for domain, contract in DOMAINS.items():
        try:
            abi = load_artifact(contract).abi
        except Exception:
            continue
        if any(i.get("type") == "function" and i["name"] == "multicall" for i in abi):
            out.append(Action(f"{domain}.multicall", contract, "multicall", ()))
    return out
