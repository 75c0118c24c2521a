"""The OpenAPI document as client generators need it: 64-bit integers, statuses as named enums, declared sort keys.

The models and routes declare plain ``int`` and ``str`` fields; this pass refines the generated document in one
place, so every model gets the same treatment:

- every integer (amounts in the smallest unit, ids, unix times, block numbers) carries ``format: int64``: the
  database columns are 64-bit, and a generator must not pick a 32-bit type or a double;
- the ``status`` of receivables, fragments, offers, financings and participants is a named enum component
  (``ReceivableStatus``...), both in responses and in the ``status`` filters, with the values the API writes
  (the contract's enum names in lower case); a lineage step's ``action`` is the enum ``StoryAction``.

- every resource's ``status`` is a named enum component too (receipts, loans, loan programs, prepayments, credit
  lines and their pledges, risk-pool claims), and so are an alert's ``kind`` and ``severity``; a ``status`` filter
  takes repeated values, each one of the enum's names;
- money, addresses, hashes and times are described where they appear: ``*_units`` integers are amounts in the
  smallest unit (cents), their decimal-string twins carry ``format: decimal``; addresses and 32-byte hashes carry a
  ``format`` and a ``pattern``; unix times and durations say so.

Sort keys are declared where the route is (:func:`gateway.api.pagination.sorted_page`).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from gateway.api.routes.alerts import KINDS as ALERT_KINDS
from sdk.generated.enums import ClaimStatus
from sdk.types import (
    CreditLineStatus,
    CreditPledgeStatus,
    FinancingStatus,
    FragmentStatus,
    LoanStatus,
    OfferStatus,
    ParticipantStatus,
    PrepaymentStatus,
    ProgramStatus,
    ReceiptStatus,
    ReceivableStatus,
)

STORY_ACTIONS = ("registered", "issued", "confirmed", "rejected", "cancelled", "disputed", "dispute-resolved",
                 "passed", "sold", "repaid", "paid-out", "financing-closed", "defaulted", "recourse",
                 "recourse-repaid")


def _names(enum: type[IntEnum]) -> list[str]:
    return [m.name.lower() for m in enum]


#: Named enums: component name -> values.
ENUMS: dict[str, list[str]] = {
    "ReceivableStatus": _names(ReceivableStatus),
    "FragmentStatus": _names(FragmentStatus),
    "OfferStatus": _names(OfferStatus),
    "FinancingStatus": _names(FinancingStatus),
    "ParticipantStatus": _names(ParticipantStatus),
    "ReceiptStatus": _names(ReceiptStatus),
    "LoanStatus": _names(LoanStatus),
    "LoanProgramStatus": _names(ProgramStatus),
    "PrepaymentStatus": _names(PrepaymentStatus),
    "CreditLineStatus": _names(CreditLineStatus),
    "CreditPledgeStatus": _names(CreditPledgeStatus),
    "RiskClaimStatus": _names(ClaimStatus),
    "AlertKind": list(ALERT_KINDS),
    "AlertSeverity": ["critical", "warning", "info"],
    "StoryAction": list(STORY_ACTIONS),
}
#: (model schema, property) -> enum component.
PROPERTY_ENUMS: dict[tuple[str, str], str] = {
    ("ReceivablePublic", "status"): "ReceivableStatus",
    ("ReceivableDetailPublic", "status"): "ReceivableStatus",
    ("FragmentPublic", "status"): "FragmentStatus",
    ("OfferPublic", "status"): "OfferStatus",
    ("FinancingPublic", "status"): "FinancingStatus",
    ("ParticipantPublic", "status"): "ParticipantStatus",
    ("StoryStepPublic", "action"): "StoryAction",
    ("WarehouseReceiptPublic", "status"): "ReceiptStatus",
    ("LoanPublic", "status"): "LoanStatus",
    ("LoanProgramPublic", "status"): "LoanProgramStatus",
    ("PrepaymentPublic", "status"): "PrepaymentStatus",
    ("CreditLinePublic", "status"): "CreditLineStatus",
    ("CreditLinePositionPublic", "status"): "CreditLineStatus",
    ("CreditPledgePublic", "status"): "CreditPledgeStatus",
    ("RiskClaimPublic", "status"): "RiskClaimStatus",
    ("AlertPublic", "kind"): "AlertKind",
    ("AlertPublic", "severity"): "AlertSeverity",
}
#: (path, query parameter) -> enum component (a filter takes the same names as the responses, minus "none").
PARAMETER_ENUMS: dict[tuple[str, str], str] = {
    ("/v1/receivables", "status"): "ReceivableStatus",
    ("/v1/fragments", "status"): "FragmentStatus",
    ("/v1/offers", "status"): "OfferStatus",
    ("/v1/financings", "status"): "FinancingStatus",
    ("/v1/participants", "status"): "ParticipantStatus",
    ("/v1/warehouse-receipts", "status"): "ReceiptStatus",
    ("/v1/loans", "status"): "LoanStatus",
    ("/v1/loan-programs", "status"): "LoanProgramStatus",
    ("/v1/prepayments", "status"): "PrepaymentStatus",
    ("/v1/credit-lines", "status"): "CreditLineStatus",
    ("/v1/alerts", "kind"): "AlertKind",
}
ADDRESS = r"^0x[0-9a-fA-F]{40}$"
HASH32 = r"^0x[0-9a-fA-F]{64}$"
#: Properties that hold an address (EIP-55 checksummed in responses).
ADDRESS_FIELDS = frozenset({"account", "address", "bank", "borrower", "buyer", "debtor", "feeder", "holder",
                            "lien_holder", "owner", "payee", "proposer", "recipient", "seller", "sender", "supplier",
                            "warehouse"})
#: Properties that hold a 32-byte hash as 0x-hex: a transaction's or block's, or a document's (keccak-256).
HASH_FIELDS = {"tx_hash": "transaction hash", "block_hash": "block hash", "invoice_hash": "invoice hash (keccak-256)",
               "po_hash": "purchase-order hash (keccak-256)", "inspection_hash": "inspection report hash (keccak-256)",
               "identity_hash": "identity document hash (keccak-256)", "source_hash": "source data hash (keccak-256)"}
#: Integer properties that are points in time (besides every `*_at`).
TIME_FIELDS = frozenset({"as_of", "block_time", "delivery_deadline", "due", "due_date", "end", "expiry",
                         "first_activity", "kyc_expiry", "last_activity", "margin_call_deadline", "maturity",
                         "next_due", "next_pledge_due", "start"})
#: Integer properties that are durations.
DURATION_FIELDS = frozenset({"cure_period", "grace", "grace_period", "max_age", "max_tenor", "period"})
UNITS_DOC = "amount in the smallest unit of the settlement token (cents): an exact integer"
TIME_DOC = "unix seconds (UTC)"


def _int64(node: Any) -> None:
    """Add ``format: int64`` to every integer schema under `node` (properties, items, anyOf branches)."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("format", "int64")
        for value in node.values():
            _int64(value)
    elif isinstance(node, list):
        for value in node:
            _int64(value)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def refine(schema: dict[str, Any]) -> dict[str, Any]:
    """Refine a generated OpenAPI document in place and return it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, values in ENUMS.items():
        components.setdefault(name, {"title": name, "type": "string", "enum": values})
    for (model, prop), enum in PROPERTY_ENUMS.items():
        props = components.get(model, {}).get("properties", {})
        if prop in props:
            description = props[prop].get("description")
            props[prop] = {**_ref(enum), **({"description": description} if description else {})}
    for (path, param), enum in PARAMETER_ENUMS.items():
        for parameter in schema.get("paths", {}).get(path, {}).get("get", {}).get("parameters", []):
            if parameter.get("name") == param and parameter.get("in") == "query":
                values = [v for v in ENUMS[enum] if v != "none"]
                repeated = any(b.get("type") == "array" for b in parameter["schema"].get("anyOf", []))
                one = {"type": "string", "enum": values}
                parameter["schema"] = {
                    "anyOf": [{"type": "array", "items": one} if repeated else one, {"type": "null"}],
                    "title": param.title(),
                    "description": f"one of the {enum} names" + ("; repeat for several" if repeated else "")}
    for model in components.values():
        props = model.get("properties", {})
        for name, prop in props.items():
            _describe(name, prop, props)
    _int64(schema)
    return schema


def _branch(prop: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The schema of `prop` of type `kind`, itself or its branch of an anyOf (a nullable field)."""
    if prop.get("type") == kind:
        return prop
    for branch in prop.get("anyOf", []):
        if branch.get("type") == kind:
            return branch  # type: ignore[no-any-return]
    return None


def _say(prop: dict[str, Any], text: str) -> None:
    current = prop.get("description")
    prop["description"] = text if not current else f"{current} ({text})"


def _describe(name: str, prop: dict[str, Any], siblings: dict[str, Any]) -> None:
    """Formats and descriptions of money, address, hash, time and duration fields, known by their names."""
    integer, string = _branch(prop, "integer"), _branch(prop, "string")
    if integer is not None and (name.endswith("_units") or name == "units"):
        _say(prop, UNITS_DOC)
    elif string is not None and f"{name}_units" in siblings:
        string["format"] = "decimal"
        _say(prop, f"the same amount in token units as a decimal string with two places, for people; "
                   f"`{name}_units` is exact")
    elif string is not None and name in ADDRESS_FIELDS:
        string.update(format="address", pattern=ADDRESS)
        _say(prop, "0x-prefixed address, EIP-55 checksummed")
    elif string is not None and name in HASH_FIELDS:
        string.update(format="bytes32", pattern=HASH32)
        _say(prop, f"{HASH_FIELDS[name]}, 0x-prefixed hex")
    elif integer is not None and (name.endswith("_at") or name in TIME_FIELDS):
        integer["format"] = "int64"
        _say(prop, TIME_DOC)
    elif integer is not None and name in DURATION_FIELDS:
        _say(prop, "a duration in seconds")


def install(app: Any) -> None:
    """Serve the refined document as ``app.openapi()`` (generated once, then cached like FastAPI's own)."""
    original: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = refine(original())
        return app.openapi_schema  # type: ignore[no-any-return]

    app.openapi = openapi
