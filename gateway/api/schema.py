"""The OpenAPI document as client generators need it: 64-bit integers, statuses as named enums, declared sort keys.

The models and routes declare plain ``int`` and ``str`` fields; this pass refines the generated document in one
place, so every model gets the same treatment:

- every integer (amounts in the smallest unit, ids, unix times, block numbers) carries ``format: int64``: the
  database columns are 64-bit, and a generator must not pick a 32-bit type or a double;
- the ``status`` of receivables, fragments, offers, financings and participants is a named enum component
  (``ReceivableStatus``...), both in responses and in the ``status`` filters, with the values the API writes
  (the contract's enum names in lower case); a lineage step's ``action`` is the enum ``StoryAction``.

Sort keys are declared where the route is (:func:`gateway.api.pagination.sorted_page`).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from sdk.types import FinancingStatus, FragmentStatus, OfferStatus, ParticipantStatus, ReceivableStatus

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
}
#: (path, query parameter) -> enum component (a filter takes the same names as the responses, minus "none").
PARAMETER_ENUMS: dict[tuple[str, str], str] = {
    ("/v1/receivables", "status"): "ReceivableStatus",
    ("/v1/fragments", "status"): "FragmentStatus",
    ("/v1/offers", "status"): "OfferStatus",
    ("/v1/financings", "status"): "FinancingStatus",
    ("/v1/participants", "status"): "ParticipantStatus",
}


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
                parameter["schema"] = {"anyOf": [{"type": "string", "enum": values}, {"type": "null"}],
                                       "title": param.title(), "description": f"one of the {enum} names"}
    _int64(schema)
    return schema


def install(app: Any) -> None:
    """Serve the refined document as ``app.openapi()`` (generated once, then cached like FastAPI's own)."""
    original: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = refine(original())
        return app.openapi_schema  # type: ignore[no-any-return]

    app.openapi = openapi
