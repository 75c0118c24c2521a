"""How a party is shown to people: its display name beside a shortened address.

The machine form of a party is always its EIP-55 address; names are labels, never keys. The human form is
``Acme Steel (0x1234…abcd)`` when the registry has a display name for the address, else ``0x1234…abcd`` in
tables that need it short, or the full address where nothing else identifies the party.
"""

from __future__ import annotations

from collections.abc import Mapping


def short_address(address: str) -> str:
    """``0x1234…abcd``: the first 4 and last 4 hex digits."""
    return f"{address[:6]}…{address[-4:]}" if len(address) == 42 else address


def party_label(address: str, name: str | None, *, short: bool = True) -> str:
    """``Acme Steel (0x1234…abcd)`` with a name; the address alone (shortened if `short`) without."""
    shown = short_address(address) if short else address
    return f"{name} ({shown})" if name else shown


def label_with(names: Mapping[str, str], address: str, *, short: bool = True) -> str:
    """`party_label` with the name looked up in `names` (address -> display name)."""
    return party_label(address, names.get(address), short=short)


class FragmentId(int):
    """A fragment id that prints in its human form, ``ROOT.INDEX`` (``str(FragmentId(65537)) == "1.1"``), and is
    the contract's integer everywhere else: in JSON (``json.dumps`` writes 65537), in arithmetic and comparisons.

    One machine form (the integer: API, JSON, events, transaction parameters) and one human form (ROOT.INDEX:
    tables, the web app, sentences); inputs take either."""

    def __str__(self) -> str:
        return f"{int(self) >> 16}.{int(self) & 0xFFFF}"

    def __format__(self, spec: str) -> str:  # f"{fragment}" reads ROOT.INDEX too
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"FragmentId({int(self)})"
