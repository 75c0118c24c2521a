"""Who sees what. Each function returns the SQL condition that limits a resource to the signed-in party; it goes
into the query itself, never applied after fetching. The regulator sees everything (``true()``), read-only.

A participant can hold several roles; it sees the union of what each role sees.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true

from gateway.api.deps import Party
from gateway.models.balances import Balance
from gateway.models.common import table_of
from gateway.models.creditlines import CreditLine
from gateway.models.events import EventLog, EventRef
from gateway.models.links import PartyLink
from gateway.models.participants import Participant
from gateway.models.prepayments import Prepayment
from gateway.models.receivables import Exposure, Financing, Fragment, Offer, Receivable
from gateway.models.warehouse import Loan, WarehouseReceipt


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


def linked(party: Party, kind: str, id_col: ColumnElement[Any]) -> ColumnElement[bool]:
    """Assets the party is involved with (issued, owes, holds or held, finances...), per the party_link table."""
    if party.is_regulator:
        return true()
    link = table_of(PartyLink).c
    return id_col.in_(select(link.key).where(link.party == party.address, link.kind == kind))


def join_linked(stmt: Select[Any], party: Party, kind: str, id_col: ColumnElement[Any]) -> Select[Any]:
    """`stmt` restricted to assets linked to the party, as a join driven by the party's links (their primary key
    is (party, kind, key)), which stays fast when the party holds many of many assets."""
    if party.is_regulator:
        return stmt
    link = table_of(PartyLink).c
    return stmt.join(table_of(PartyLink), and_(link.party == party.address, link.kind == kind, link.key == id_col))


def receivables(party: Party) -> ColumnElement[bool]:
    """Supplier: issued, holds or held a fragment of it; core enterprise: owes it; bank: asked to finance it."""
    return linked(party, "receivable", _c(Receivable, "id"))


def fragments(party: Party) -> ColumnElement[bool]:
    return linked(party, "fragment", _c(Fragment, "id"))


def offers(party: Party) -> ColumnElement[bool]:
    if party.is_regulator:
        return true()
    me = party.address
    return or_(_c(Offer, "sender") == me, _c(Offer, "recipient") == me, _c(Offer, "debtor") == me)


def financings(party: Party) -> ColumnElement[bool]:
    if party.is_regulator:
        return true()
    me = party.address
    return or_(_c(Financing, "bank") == me, _c(Financing, "seller") == me, _c(Financing, "debtor") == me)


def exposures(party: Party) -> ColumnElement[bool]:
    """A bank's own limits and usage."""
    if party.is_regulator:
        return true()
    return _c(Exposure, "bank") == party.address


def receipts(party: Party) -> ColumnElement[bool]:
    """Owner now or before, the issuing warehouse, and the bank it is (or was) pledged to."""
    return linked(party, "receipt", _c(WarehouseReceipt, "id"))


def loans(party: Party) -> ColumnElement[bool]:
    if party.is_regulator:
        return true()
    return or_(_c(Loan, "bank") == party.address, _c(Loan, "borrower") == party.address)


def link_count(session: Any, party: Party, kind: str) -> int | None:
    """How many assets of `kind` the party is linked to, from the link table's primary key alone; None for the
    regulator (who is not limited by links)."""
    if party.is_regulator:
        return None
    link = table_of(PartyLink).c
    return int(session.execute(select(func.count()).where(link.party == party.address, link.kind == kind))
               .scalar_one())


def prepayments(party: Party) -> ColumnElement[bool]:
    """Buyer, seller (core enterprise), funding bank and the warehouse of the deal."""
    if party.is_regulator:
        return true()
    me = party.address
    return or_(*(_c(Prepayment, col) == me for col in ("buyer", "seller", "bank", "warehouse")))


def credit_lines(party: Party) -> ColumnElement[bool]:
    """The lending bank and the borrower (payees see their payments in /v1/events and their balances)."""
    if party.is_regulator:
        return true()
    return or_(_c(CreditLine, "bank") == party.address, _c(CreditLine, "borrower") == party.address)
