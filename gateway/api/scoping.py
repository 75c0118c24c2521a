"""Who sees what. Each function returns the SQL condition that limits a resource to the signed-in party; it goes
into the query itself, never applied after fetching. The regulator sees everything (``true()``), read-only.

A participant can hold several roles; it sees the union of what each role sees.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, select, true

from gateway.api.deps import Party
from gateway.models.balances import Balance
from gateway.models.common import table_of
from gateway.models.events import EventLog, EventRef
from gateway.models.participants import Participant


def _c(model: Any, name: str) -> ColumnElement[Any]:
    column: ColumnElement[Any] = table_of(model).c[name]
    return column


def participants(party: Party) -> ColumnElement[bool]:
    if party.is_regulator:
        return true()
    return _c(Participant, "address") == party.address


def balances(party: Party) -> ColumnElement[bool]:
    if party.is_regulator:
        return true()
    return _c(Balance, "address") == party.address


def events(party: Party) -> ColumnElement[bool]:
    """An event concerns a party when it names the party (any address field) or a handler filed it under it."""
    if party.is_regulator:
        return true()
    ref = table_of(EventRef).c
    return exists(
        select(ref.event_id).where(ref.kind == "party", ref.ref == party.address,
                                   ref.event_id == _c(EventLog, "id"))
    )
