"""Helpers shared by the projection handlers."""

from __future__ import annotations

from gateway.indexer.registry import ZERO_ADDRESS
from gateway.indexer.store import UnitOfWork
from gateway.models.links import PartyLink


def link(uow: UnitOfWork, party: str, kind: str, key: int, relation: int, *, new: bool = False) -> None:
    """Record that `party` is involved with asset (kind, key) as `relation` (bits of gateway.models.links).
    `new`: the asset was just created, so no link to it can exist yet (saves a lookup)."""
    if party == ZERO_ADDRESS:
        return
    if new:
        uow.insert(PartyLink, {"party": party, "kind": kind, "key": key, "relations": relation})
        return
    row = uow.get(PartyLink, (party, kind, key))
    if row is not None and row["relations"] & relation == relation:
        return
    uow.put(PartyLink, {"party": party, "kind": kind, "key": key,
                        "relations": (row["relations"] if row else 0) | relation})


def reason_text(raw: bytes) -> str:
    """A bytes32 reason code as text."""
    return raw.rstrip(b"\0").decode("utf-8", errors="replace")


def hex32(raw: bytes) -> str:
    return "0x" + raw.hex()
