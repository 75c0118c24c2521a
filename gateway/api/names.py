"""Display names of parties, from the indexed registry, for the API's responses and summaries."""

from __future__ import annotations

from collections.abc import Iterable

from eth_utils import is_address, to_checksum_address
from sqlalchemy import select
from sqlmodel import Session

from gateway.models.common import table_of
from gateway.models.participants import Participant, PartyName
from sdk.display import party_label

P = table_of(Participant).c


def display_names(session: Session, addresses: Iterable[str]) -> dict[str, str]:
    """address -> display name, for those of `addresses` that have one (one query)."""
    wanted = {to_checksum_address(a) for a in addresses if isinstance(a, str) and is_address(a)}
    if not wanted:
        return {}
    rows = session.execute(select(P.address, P.name).where(P.address.in_(sorted(wanted)), P.name.is_not(None)))
    return {r.address: r.name for r in rows}


def party_names(session: Session, addresses: Iterable[str]) -> list[PartyName]:
    """Each distinct address once, in first-seen order, with its display name and label."""
    ordered = list(dict.fromkeys(to_checksum_address(a) for a in addresses if isinstance(a, str) and is_address(a)))
    names = display_names(session, ordered)
    return [PartyName(address=a, name=names.get(a), label=party_label(a, names.get(a))) for a in ordered]
