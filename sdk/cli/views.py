"""What is mine, what needs me, what happened: one read model for `scf ... list`, `scf inbox` and `scf statement`.

Two sources fill the same typed rows:

* :class:`GatewaySource` reads the gateway's list routes as the signed-in party (`scf gateway login`);
* :class:`ChainSource` reads the chain itself: the ledger's events (decoded by the SDK) name every asset and its
  parties, and the contracts' getters give the current state.

Everything after the fetch (who the party is in each row, filters, inbox entries, the statement's running balance)
is shared code, so both sources give the same answer for the same chain.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from sdk.display import FragmentId
from sdk.events import (
    ClaimFiled,
    DiscountRequested,
    FragmentDiscounted,
    FragmentOfferAccepted,
    FragmentOffered,
    LoanOpened,
    LogRecord,
    PrepaymentProposed,
    ReceivableIssued,
    ReceivableRegistered,
    SettlementTokenTransfer,
    decode_logs,
)
from sdk.ledger import Ledger
from sdk.money import format_grouped, format_units

KINDS = ("receivable", "fragment", "offer", "discount", "receipt", "loan", "program", "prepayment", "credit-line")
DUE_SOON = 7 * 86_400  # the inbox lists repayments due within a week, and every overdue one
ZERO = "0x" + "00" * 20
CONTRACTS = ("SettlementToken", "Receivables", "PledgeLoans", "Prepayment", "CreditLines", "RiskPool", "LossRegistry",
             "WarehouseReceipts")  # the ledger's contracts that hold or move money


def status_name(value: Any) -> str:
    """One spelling of a status everywhere: lower case, words joined by '-' (`margin-called`)."""
    text = value.name if hasattr(value, "name") else str(value)
    return text.lower().replace("_", "-")


def fragment_label(fragment: int) -> FragmentId:
    """A fragment's id: the contract's integer in JSON, ROOT.INDEX in tables and commands (`sdk.display`)."""
    return FragmentId(int(fragment))


@dataclass(frozen=True, slots=True)
class Item:
    """One asset as seen by one party. `amount` is in cents (what is still owed, held or lendable), `due` in unix
    seconds; `role` is the party's part in it (holder, debtor, bank, ...)."""

    kind: str
    id: int  # a FragmentId for fragments: ROOT.INDEX when printed, the integer in JSON
    status: str
    role: str
    counterparty: str | None
    amount: int | None
    due: int | None
    detail: str
    principal: int | None = None  # what --min-amount/--max-amount compare: the API's min_units/max_units field


@dataclass(frozen=True, slots=True)
class Action:
    """An inbox entry: what waits for the party, and the exact command that does it."""

    kind: str
    id: int  # as Item.id
    what: str
    due: int | None
    command: str
    amount: int | None = None


@dataclass(frozen=True, slots=True)
class Movement:
    """One movement in a statement. `money` changes the token balance (signed cents), `claim` changes the
    receivables the party holds (signed cents of face value); `balance` is the token balance after it."""

    at: int
    block: int
    tx_hash: str
    log_index: int
    what: str
    counterparty: str | None
    money: int
    claim: int
    balance: int = 0


@dataclass(frozen=True, slots=True)
class Filters:
    """What `scf ... list` narrows rows to. The gateway applies them itself (:meth:`GatewaySource.params`); `keep`
    applies them again to whatever a source returns, so both sources give the same rows."""

    status: tuple[str, ...] = ()
    counterparty: str | None = None
    due_after: int | None = None
    due_before: int | None = None
    role: tuple[str, ...] = ()
    min_units: int | None = None
    max_units: int | None = None

    def keep(self, item: Item) -> bool:
        if self.min_units is not None and (item.principal is None or item.principal < self.min_units):
            return False
        if self.max_units is not None and (item.principal is None or item.principal > self.max_units):
            return False
        if self.status and item.status not in self.status:
            return False
        if self.role and item.role not in self.role:
            return False
        if self.counterparty is not None and (item.counterparty or "").lower() != self.counterparty.lower():
            return False
        if self.due_after is not None and (item.due is None or item.due < self.due_after):
            return False
        return not (self.due_before is not None and (item.due is None or item.due > self.due_before))


@dataclass(frozen=True, slots=True)
class Ledgerline:
    """A raw fact a source hands to the shared code: an event with its time, named and with its arguments."""

    block: int
    at: int
    tx_hash: str
    log_index: int
    name: str
    args: dict[str, Any] = field(default_factory=dict)


class Source(Protocol):
    """Fills rows for one party. `records(kind)` returns plain dicts in the gateway's field names (units in cents);
    the shared :func:`items` turns them into :class:`Item` rows."""

    party: str
    label: str

    def now(self) -> int: ...

    def records(self, kind: str, filters: Filters | None = None) -> list[dict[str, Any]]:
        """The rows of one kind; a source may narrow them by `filters` (never more than `Filters.keep` would)."""
        ...

    def money_events(self) -> list[Ledgerline]: ...

    def contract_names(self) -> dict[str, str]:
        """The ledger's contracts by lower-case address, to name them as counterparties."""
        ...


# --------------------------------------------------------------------------------------------- rows from records
def _role(me: str, pairs: Sequence[tuple[str, str | None]]) -> str | None:
    for role, who in pairs:
        if who is not None and who.lower() == me.lower():
            return role
    return None


def _item(kind: str, me: str, r: dict[str, Any]) -> Item | None:  # noqa: C901 - one branch per kind, read flat
    if kind == "receivable":
        role = _role(me, [("supplier", r["supplier"]), ("debtor", r["debtor"])])
        if role is None:
            return None
        other = r["debtor"] if role == "supplier" else r["supplier"]
        return Item(kind, int(r["id"]), r["status"], role, other, r["face_units"] - r["repaid_units"], r["due_date"],
                    f"face {format_grouped(r['face_units'])}")
    if kind == "fragment":
        role = _role(me, [("holder", r["holder"]), ("debtor", r["debtor"])])
        if role is None or r["status"] == "transferred":
            return None
        other = r["debtor"] if role == "holder" else r["holder"]
        return Item(kind, fragment_label(r["id"]), r["status"], role, other, r["value_units"] - r["paid_units"],
                    r["due_date"], "financed" if r["financed"] else "")
    if kind == "offer":
        role = _role(me, [("recipient", r["recipient"]), ("sender", r["sender"])])
        if role is None:
            return None
        other = r["sender"] if role == "recipient" else r["recipient"]
        return Item(kind, int(r["id"]), r["status"], role, other, r["amount_units"], r["expires_at"],
                    f"fragment {fragment_label(r['fragment_id'])}")
    if kind == "discount":
        role = _role(me, [("bank", r["bank"]), ("seller", r["seller"])])
        if role is None:
            return None
        other = r["seller"] if role == "bank" else r["bank"]
        terms = f"rate {r['rate_bps'] / 100:.2f}%" + (", with recourse" if r["with_recourse"] else "")
        return Item(kind, fragment_label(r["fragment_id"]), r["status"], role, other, r["value_units"], None, terms)
    if kind == "receipt":
        role = _role(me, [("owner", r["owner"]), ("warehouse", r["warehouse"]), ("lien-holder", r["lien_holder"])])
        if role is None:
            return None
        other = r["warehouse"] if role != "warehouse" else r["owner"]
        return Item(kind, int(r["id"]), r["status"], role, other, None, None,
                    f"{r['quantity']} {r['unit']} {r['commodity']}, lot {r['lot_id']}")
    if kind == "loan":
        role = _role(me, [("borrower", r["borrower"]), ("bank", r["bank"])])
        if role is None:
            return None
        other = r["bank"] if role == "borrower" else r["borrower"]
        due = r["margin_call_deadline"] if r["status"] == "margin-called" and r["margin_call_deadline"] else \
            r["maturity"]
        return Item(kind, int(r["id"]), r["status"], role, other, r["principal_units"], due,
                    f"program {r['program_id']}, {r['commodity']}, rate {r['rate_bps'] / 100:.2f}%")
    if kind == "program":
        role = _role(me, [("bank", r["bank"])]) or "offered"
        room = max(r["cap_units"] - r["outstanding_units"], 0)
        return Item(kind, int(r["id"]), r["status"], role, None if role == "bank" else r["bank"], room, None,
                    f"{r['commodity']}, rate {r['rate_bps'] / 100:.2f}%, max LTV {r['max_ltv_bps'] / 100:.2f}%")
    if kind == "prepayment":
        role = _role(me, [("buyer", r["buyer"]), ("seller", r["seller"]), ("bank", r["bank"]),
                          ("warehouse", r["warehouse"])])
        if role is None:
            return None
        other = r["seller"] if role in ("buyer", "warehouse") else r["buyer"]
        due = r["next_due"] if r["status"] == "delivered" and r.get("next_due") else r["maturity"]
        return Item(kind, int(r["id"]), r["status"], role, other, r["outstanding_units"], due,
                    f"{r['quantity']} {r['unit']} {r['commodity']} for {format_grouped(r['price_units'])}")
    if kind == "credit-line":
        role = _role(me, [("borrower", r["borrower"]), ("bank", r["bank"])])
        if role is None:
            return None
        other = r["bank"] if role == "borrower" else r["borrower"]
        return Item(kind, int(r["id"]), r["status"], role, other, r["used_units"], r["next_due"] or None,
                    f"limit {format_grouped(r['limit_units'])}, rate {r['rate_bps'] / 100:.2f}%")
    raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")


def next_instalment(schedule: Iterable[tuple[int, int]], repaid: int) -> tuple[int, int] | None:
    """(due date, principal left) of the first instalment the principal repaid does not cover yet, as the contract's
    `nextInstalment` reads it; None once the schedule is covered."""
    covered = 0
    for due, principal in schedule:
        covered += principal
        if covered > repaid:
            return due, covered - repaid
    return None


def _with_next(r: dict[str, Any], schedule: Iterable[tuple[int, int]], repaid: int) -> dict[str, Any]:
    nxt = next_instalment(schedule, repaid)
    r["next_due"], r["next_left_units"] = nxt if nxt is not None else (None, None)
    return r


#: The field each kind's min_units/max_units compare (the gateway's, on both sources).
PRINCIPAL = {"receivable": "face_units", "fragment": "value_units", "offer": "amount_units",
             "discount": "value_units", "loan": "principal_units", "program": "cap_units",
             "prepayment": "price_units", "credit-line": "limit_units"}


def items(source: Source, kind: str, filters: Filters = Filters()) -> list[Item]:
    """The party's rows of one kind, filtered, in id order."""
    given = filters if filters != Filters() else None
    rows = []
    for r in source.records(kind, given):
        i = _item(kind, source.party, r)
        if i is not None:
            field_ = PRINCIPAL.get(kind)
            rows.append(replace(i, principal=int(r[field_])) if field_ and r.get(field_) is not None else i)
    return [i for i in sorted(rows, key=_id_key) if filters.keep(i)]


def _id_key(item: Item) -> int:
    return int(item.id)  # a fragment id (root << 16 | index) sorts as (root, index)


# --------------------------------------------------------------------------------------------- inbox
def inbox(source: Source, now: int | None = None) -> list[Action]:
    """Everything that waits for the party, most urgent (earliest due) first."""
    now = source.now() if now is None else now
    out: list[Action] = []
    soon = now + DUE_SOON
    for i in items(source, "receivable"):
        if i.role == "debtor" and i.status == "registered":
            out.append(Action("receivable", i.id, "confirm the receivable you owe (or reject it)", i.due,
                              f"scf receivable confirm {i.id}", i.amount))
        elif i.role == "debtor" and i.status in ("confirmed", "disputed") and i.amount and i.due is not None \
                and i.due <= soon:
            late = "overdue: " if now > i.due else ""
            out.append(Action("receivable", i.id, f"{late}repay the receivable you owe", i.due,
                              f"scf receivable repay {i.id} {format_units(i.amount)}", i.amount))
    for i in items(source, "offer", Filters(status=("open",), role=("recipient",))):
        if i.due is None or now < i.due:
            out.append(Action("offer", i.id, f"accept (or reject) {i.detail} offered to you", i.due,
                              f"scf receivable accept {i.id}", i.amount))
    for i in items(source, "discount", Filters(status=("requested",), role=("bank",))):
        out.append(Action("discount", i.id, f"fund (or decline) the discount request, {i.detail}", None,
                          f"scf receivable discount {i.id}", i.amount))
    for r in source.records("loan"):
        loan = _item("loan", source.party, r)
        if loan is None or loan.status not in ("active", "margin-called"):
            continue
        ltv, line = r.get("ltv_bps"), r.get("margin_call_ltv_bps")
        if loan.role == "borrower" and loan.status == "margin-called":
            out.append(Action("loan", loan.id, "margin call: repay or add collateral before the deadline", loan.due,
                              f"scf receipt repay {loan.id} all", loan.amount))
        elif loan.role == "borrower" and loan.due is not None and loan.due <= soon:
            late = "overdue: " if now > loan.due else ""
            out.append(Action("loan", loan.id, f"{late}repay the pledge loan", loan.due,
                              f"scf receipt repay {loan.id} all", loan.amount))
        elif loan.role == "bank" and loan.due is not None and now > loan.due:
            out.append(Action("loan", loan.id, "past due: foreclose on the pledged goods (or wait)", loan.due,
                              f"scf receipt foreclose {loan.id}", loan.amount))
        elif loan.role == "bank" and loan.status == "active" and ltv is not None and line and ltv > line:
            out.append(Action("loan", loan.id, f"LTV {ltv / 100:.2f}% is above the margin-call line "
                              f"{line / 100:.2f}%: call for margin", loan.due, f"scf receipt margin-call {loan.id}",
                              loan.amount))
    steps = {("proposed", "seller"): ("accept the prepayment deal", "accept"),
             ("accepted", "bank"): ("fund the prepayment deal", "fund"),
             ("funded", "warehouse"): ("confirm delivery of the goods", "deliver")}
    for r in source.records("prepayment"):
        deal = _item("prepayment", source.party, r)
        if deal is None:
            continue
        step = steps.get((deal.status, deal.role))
        if step is not None:
            extra = " --lot LOT" if step[1] == "deliver" else ""
            out.append(Action("prepayment", deal.id, step[0], deal.due, f"scf prepayment {step[1]} {deal.id}{extra}",
                              deal.amount))
        elif (deal.status, deal.role) == ("delivered", "buyer") and deal.due is not None and deal.due <= soon:
            late = "overdue: " if now > deal.due else ""
            left = r.get("next_left_units") or deal.amount or 0
            out.append(Action("prepayment", deal.id, f"{late}repay the instalment due (interest is added)", deal.due,
                              f"scf prepayment repay {deal.id} {format_units(left)}", left))
    for i in items(source, "credit-line", Filters(status=("offered", "open", "frozen"))):
        if i.role == "borrower" and i.status == "offered":
            out.append(Action("credit-line", i.id, f"accept (or close) the credit line offered, {i.detail}", None,
                              f"scf credit-line accept {i.id}", None))
        elif i.role == "borrower" and i.amount and i.due is not None and i.due <= soon:
            late = "overdue: " if now > i.due else ""
            out.append(Action("credit-line", i.id, f"{late}repay the credit line's tranche due first", i.due,
                              f"scf credit-line repay {i.id} --all", i.amount))
        elif i.role == "bank" and i.amount and i.due is not None and now > i.due:
            out.append(Action("credit-line", i.id, "past due: declare a default once the grace period ends (or wait)",
                              i.due, f"scf credit-line default {i.id}", i.amount))
    out += _payouts_and_receipts(source)
    out += _risk_pool(source)
    return sorted(out, key=lambda a: (a.due is None, a.due or 0, a.kind, int(a.id)))


def _payouts_and_receipts(source: Source) -> list[Action]:
    """Payouts the party's fragments can claim; receipts presented to the party (a warehouse) for delivery out."""
    out: list[Action] = []
    for r in source.records("fragment"):
        owed = int(r.get("claimable_units") or 0)
        if owed > 0 and str(r["holder"]).lower() == source.party.lower():
            label = fragment_label(r["id"])
            out.append(Action("fragment", label, f"claim the payout repaid to your fragment {label}", r["due_date"],
                              f"scf receivable claim {label}", owed))
    for r in source.records("receipt"):
        if r.get("presented") and r["status"] == "free" and str(r["warehouse"]).lower() == source.party.lower():
            out.append(Action("receipt", int(r["id"]), f"deliver out {r['quantity']} {r['unit']} {r['commodity']} "
                              f"(lot {r['lot_id']}), presented by its owner", None,
                              f"scf receipt deliver {r['id']}", None))
    return out


def _risk_pool(source: Source) -> list[Action]:
    """Risk-pool steps: a bank's open claim the pool can pay now, payments held for it to collect, recoveries it owes
    back; a contributor's program whose open claims exceed its balance."""
    me = source.party.lower()
    out: list[Action] = []
    for p in source.records("risk-program"):
        balance, program = int(p["balance_units"]), int(p["id"])
        for c in p["claims"]:
            if str(c["bank"]).lower() != me:
                continue
            unpaid = int(c["open_units"])
            if c["status"] == "open" and unpaid > 0 and balance > 0:
                out.append(Action("risk-claim", int(c["id"]), f"the pool can pay {format_grouped(min(unpaid, balance))}"
                                  f" of your open claim now (program {program})", None,
                                  f"scf risk-pool pay-open {program}", min(unpaid, balance)))
            owed = int(c.get("recovery_owed_units") or 0)
            if owed > 0:
                out.append(Action("risk-claim", int(c["id"]), "return the pool's share of what was recovered on the "
                                  "claimed loss", None, f"scf risk-pool return-recovery {c['id']}", owed))
        short = int(p["open_units"]) - balance
        if p["contributor"] and short > 0:
            out.append(Action("risk-program", program, f"claims on {p['name']} wait unpaid: the pool is "
                              f"{format_grouped(short)} short", None,
                              f"scf risk-pool deposit {program} {format_units(short)}", short))
    for h in source.records("risk-held"):
        if int(h["held_units"]) > 0:
            out.append(Action("risk-claim", 0, "collect the claim payments held for you", None,
                              "scf risk-pool collect", int(h["held_units"])))
    return out


# --------------------------------------------------------------------------------------------- statement
def movements(source: Source) -> list[Movement]:
    """Every movement of money (settlement token) and claims (fragments) of the party, oldest first, with the token
    balance after each one."""
    me = source.party.lower()
    contracts = source.contract_names()
    out: list[Movement] = []
    for e in sorted(source.money_events(), key=lambda x: (x.block, x.log_index)):
        a = e.args
        if e.name == "Transfer":
            sender, to, value = str(a["from_"]).lower(), str(a["to"]).lower(), int(a["value"])
            if me not in (sender, to) or sender == to:
                continue
            if sender == ZERO:
                out.append(_mv(e, "deposit minted", None, value, 0))
            elif to == ZERO:
                out.append(_mv(e, "withdrawal burned", None, -value, 0))
            elif to == me:
                name = contracts.get(sender)
                out.append(_mv(e, f"received from {name}" if name else "received", name or a["from_"], value, 0))
            else:
                name = contracts.get(to)
                out.append(_mv(e, f"paid to {name}" if name else "paid", name or a["to"], -value, 0))
        elif e.name == "ReceivableRegistered" and str(a["supplier"]).lower() == me:
            out.append(_mv(e, f"registered receivable {a['root_id']}", a["debtor"], 0, int(a["face_value"])))
        elif e.name == "ReceivableIssued" and str(a["supplier"]).lower() == me:
            out.append(_mv(e, f"issued receivable {a['root_id']}", a["debtor"], 0, int(a["face_value"])))
        elif e.name == "FragmentOfferAccepted":
            label = fragment_label(int(a["child_id"]))
            if str(a["to"]).lower() == me:
                out.append(_mv(e, f"fragment {label} accepted", a["from_"], 0, int(a["amount"])))
            elif str(a["from_"]).lower() == me:
                out.append(_mv(e, f"fragment {label} passed on", a["to"], 0, -int(a["amount"])))
        elif e.name == "FragmentDiscounted":
            label = fragment_label(int(a["fragment_id"]))
            if str(a["seller"]).lower() == me:
                out.append(_mv(e, f"fragment {label} sold to bank", a["bank"], 0, -int(a["value"])))
            elif str(a["bank"]).lower() == me:
                out.append(_mv(e, f"fragment {label} bought", a["seller"], 0, int(a["value"])))
    balance = 0
    running = []
    for m in out:
        balance += m.money
        running.append(replace(m, balance=balance))
    return running


def _mv(e: Ledgerline, what: str, who: Any, money: int, claim: int) -> Movement:
    return Movement(e.at, e.block, e.tx_hash, e.log_index, what, None if who is None else str(who), money, claim)


@dataclass(frozen=True, slots=True)
class Statement:
    start: int
    end: int
    opening: int
    closing: int
    lines: tuple[Movement, ...]


def statement(source: Source, start: int, end: int) -> Statement:
    """Movements with `start <= time < end`; the opening balance is the balance before the first of them."""
    every = movements(source)
    before = [m for m in every if m.at < start]
    lines = tuple(m for m in every if start <= m.at < end)
    opening = before[-1].balance if before else 0
    closing = lines[-1].balance if lines else opening
    return Statement(start, end, opening, closing, lines)


# --------------------------------------------------------------------------------------------- the gateway
class GatewaySource:
    """The gateway's list routes, as the party signed in with `scf gateway login --url URL`."""

    ROUTES = {"receivable": "/v1/receivables", "fragment": "/v1/fragments", "offer": "/v1/offers",
              "discount": "/v1/financings", "receipt": "/v1/warehouse-receipts", "loan": "/v1/loans",
              "program": "/v1/loan-programs", "prepayment": "/v1/prepayments", "credit-line": "/v1/credit-lines"}

    def __init__(self, url: str, request: Callable[..., Any], party: str | None = None) -> None:
        self.url = url
        self._request = request
        me = self._request(url, "GET", "/v1/participants/me", "who you are signed in as")
        self.signed_in = str(me["address"])
        self.party = party or self.signed_in
        self.label = f"gateway {url}"

    def now(self) -> int:
        """The wall clock, or the time of the newest event you can see when the chain runs ahead of it (a dev node
        after `evm_increaseTime`); the gateway does not publish the chain's time itself."""
        latest = self._request(self.url, "GET", "/v1/events", "the newest event", params={"limit": 1, "sort": "-id"})
        newest = max((int(e["block_time"]) for e in latest["data"]), default=0)
        return max(int(time.time()), newest)

    def _pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        query: dict[str, Any] = {"limit": 500, **(params or {})}
        while True:
            body = self._request(self.url, "GET", path, f"GET {path}", params=query)
            yield from body["data"]
            if not body.get("next_cursor"):
                return
            query["cursor"] = body["next_cursor"]

    #: (kind, role) -> the list route's party filter
    ROLE_PARAMS = {
        ("receivable", "supplier"): "supplier", ("receivable", "debtor"): "debtor",
        ("fragment", "holder"): "holder", ("fragment", "debtor"): "debtor",
        ("offer", "recipient"): "recipient", ("offer", "sender"): "sender",
        ("discount", "bank"): "bank", ("discount", "seller"): "seller",
        ("receipt", "owner"): "owner", ("receipt", "warehouse"): "warehouse",
        ("receipt", "lien-holder"): "lien_holder",
        ("loan", "borrower"): "borrower", ("loan", "bank"): "bank", ("program", "bank"): "bank",
        ("prepayment", "buyer"): "buyer", ("prepayment", "seller"): "seller", ("prepayment", "bank"): "bank",
        ("prepayment", "warehouse"): "warehouse",
        ("credit-line", "borrower"): "borrower", ("credit-line", "bank"): "bank",
    }
    #: Kinds whose route's due_from/due_to mean the row's `due` here (a prepayment's is its next instalment, the
    #: route's its maturity; discounts, receipts and programs have none).
    DUE_KINDS = frozenset({"receivable", "fragment", "offer", "loan", "credit-line"})

    def params(self, kind: str, filters: Filters | None) -> dict[str, Any]:
        """The list route's query for `filters`: the gateway narrows the rows, so only those are fetched."""
        if filters is None:
            return {}
        out: dict[str, Any] = {}
        if filters.status:
            out["status"] = [s.replace("-", "_") for s in filters.status]
        if len(filters.role) == 1 and (kind, filters.role[0]) in self.ROLE_PARAMS:
            out[self.ROLE_PARAMS[(kind, filters.role[0])]] = self.party
        if filters.counterparty is not None:
            out["counterparty"] = filters.counterparty
        if kind in self.DUE_KINDS:
            if filters.due_after is not None:
                out["due_from"] = filters.due_after
            if filters.due_before is not None:
                out["due_to"] = filters.due_before
        if kind in PRINCIPAL:
            if filters.min_units is not None:
                out["min_units"] = filters.min_units
            if filters.max_units is not None:
                out["max_units"] = filters.max_units
        return out

    def records(self, kind: str, filters: Filters | None = None) -> list[dict[str, Any]]:
        if kind == "risk-program":
            return self._risk_programs()
        if kind == "risk-held":
            losses = self._request(self.url, "GET", "/v1/positions", "your positions").get("risk_losses") or {}
            return [{"held_units": int(losses.get("held_units") or 0)}]
        rows = list(self._pages(self.ROUTES[kind], self.params(kind, filters)))
        for r in rows:
            r["status"] = status_name(r["status"])
            if kind == "prepayment":
                _with_next(r, [(x["due_date"], x["principal_units"]) for x in r["schedule"]],
                           r["principal_repaid_units"])
            if kind == "receipt":
                r.setdefault("lien_holder", None)
        return rows

    def _risk_programs(self) -> list[dict[str, Any]]:
        out = []
        for p in self._pages("/v1/risk-pools"):
            detail = self._request(self.url, "GET", f"/v1/risk-pools/{p['id']}", f"risk-pool program {p['id']}")
            contributor = any(m["contributor"] and str(m["account"]).lower() == self.party.lower()
                              for m in detail["members"])
            out.append({"id": p["id"], "name": p["name"], "balance_units": detail["balance_units"],
                        "open_units": detail["open_units"], "contributor": contributor,
                        "claims": [{**c, "status": status_name(c["status"])} for c in detail["claims"]]})
        return out

    def contract_names(self) -> dict[str, str]:
        """Learnt from the events you can see: a contract that moved your money has also named you in an event."""
        names = {}
        for name in CONTRACTS:
            body = self._request(self.url, "GET", "/v1/events", f"events of {name}",
                                 params={"contract": name, "limit": 1})
            for e in body["data"]:
                names[str(e["address"]).lower()] = name
        return names

    def money_events(self) -> list[Ledgerline]:
        out = []
        for name in ("Transfer", "ReceivableRegistered", "ReceivableIssued", "FragmentOfferAccepted",
                     "FragmentDiscounted"):
            for e in self._pages("/v1/events", {"name": name}):
                if name == "Transfer" and e["contract"] != "SettlementToken":
                    continue
                out.append(Ledgerline(e["block_number"], e["block_time"], e["tx_hash"], e["log_index"], e["name"],
                                      e["args"]))
        return out


# --------------------------------------------------------------------------------------------- the chain
class ChainSource:
    """The chain itself: the ledger's events, decoded by the SDK, name every asset and its parties; the contracts'
    getters give each one's current state."""

    WINDOW = 5_000

    def __init__(self, ledger: Ledger, party: str) -> None:
        self.ledger = ledger
        self.party = party
        self.label = f"chain {ledger.chain.describe()}"
        self._logs: list[LogRecord] | None = None
        self._times: dict[int, int] = {}

    def now(self) -> int:
        return self.ledger.chain.now()

    def logs(self) -> list[LogRecord]:
        if self._logs is None:
            chain = self.ledger.chain
            addresses: Any = sorted(set(self.ledger.deployment.contracts.values()))
            head, start, raw = chain.block_number, self.ledger.deployment.block, []
            while start <= head:
                end = min(start + self.WINDOW - 1, head)
                raw.extend(chain.w3.eth.get_logs({"address": addresses, "fromBlock": start, "toBlock": end}))
                start = end + 1
            self._logs = decode_logs(raw)
        return self._logs

    def _events(self, cls: type[Any] | tuple[type[Any], ...]) -> Iterable[Any]:
        return (r.event for r in self.logs() if isinstance(r.event, cls))

    def _time(self, block: int) -> int:
        if block not in self._times:
            self._times[block] = int(self.ledger.chain.w3.eth.get_block(block)["timestamp"])
        return self._times[block]

    def contract_names(self) -> dict[str, str]:
        return {address.lower(): name for name, address in self.ledger.deployment.contracts.items()}

    def money_events(self) -> list[Ledgerline]:
        token = self.ledger.deployment.contracts.get("SettlementToken", "").lower()
        wanted = (SettlementTokenTransfer, ReceivableRegistered, ReceivableIssued, FragmentOfferAccepted,
                  FragmentDiscounted)
        return [Ledgerline(r.block_number, self._time(r.block_number), r.tx_hash, r.log_index, r.name,
                           r.event.to_dict())
                for r in self.logs() if isinstance(r.event, wanted)
                and (not isinstance(r.event, SettlementTokenTransfer) or r.address.lower() == token)]

    def records(self, kind: str, filters: Filters | None = None) -> list[dict[str, Any]]:  # noqa: C901 - per kind
        """Every row of `kind` from the chain; `filters` are left to `Filters.keep` (events can't be queried by
        them)."""
        rc, wh = self.ledger.receivables, self.ledger
        registered = {e.root_id: e for e in self._events((ReceivableRegistered, ReceivableIssued))}
        if kind == "receivable":
            out = []
            for root_id, e in registered.items():
                r = rc.get_receivable(root_id)
                out.append({"id": root_id, "supplier": e.supplier, "debtor": r.debtor, "face_units": r.face_value,
                            "repaid_units": r.repaid, "due_date": r.due_date, "status": status_name(r.status)})
            return out
        if kind == "fragment":
            out = []
            for root_id in registered:
                r = rc.get_receivable(root_id)
                for f in rc.list_fragments(root_id):
                    out.append({"id": f.id, "holder": f.holder, "debtor": r.debtor, "value_units": f.value,
                                "paid_units": f.paid, "due_date": r.due_date, "status": status_name(f.status),
                                "financed": f.financed, "claimable_units": f.claimable})
            return out
        if kind == "offer":
            out = []
            for offer_id in sorted({e.offer_id for e in self._events(FragmentOffered)}):
                o = rc.get_offer(offer_id)
                out.append({"id": o.id, "sender": o.from_, "recipient": o.to, "amount_units": o.amount,
                            "expires_at": o.expires_at, "status": status_name(o.status),
                            "fragment_id": o.fragment_id})
            return out
        if kind == "discount":
            requests: dict[int, DiscountRequested] = {}
            sellers: dict[int, str] = {}
            for e in self._events(DiscountRequested):
                requests[e.fragment_id] = e
            for d in self._events(FragmentDiscounted):
                sellers[d.fragment_id] = d.seller
            out = []
            for fid, e in requests.items():
                fin = rc.get_financing(fid)
                out.append({"fragment_id": fid, "bank": fin.bank or e.bank, "seller": sellers.get(fid, e.holder),
                            "value_units": e.value, "rate_bps": fin.rate_bps or e.rate_bps,
                            "with_recourse": fin.with_recourse, "status": status_name(fin.status)})
            return out
        if kind == "receipt":
            out = []
            for receipt_id in range(1, wh.receipts.next_receipt_id()):
                rcpt = wh.receipts.get_receipt(receipt_id)
                status = status_name(rcpt.status)
                # presented: the owner approved the warehouse (asked only for the party's own free receipts)
                mine = rcpt.warehouse.lower() == self.party.lower() and status == "free"
                presented = mine and (wh.receipts.get_approved(receipt_id) or "").lower() == rcpt.warehouse.lower()
                out.append({"id": rcpt.id, "owner": rcpt.owner, "warehouse": rcpt.warehouse,
                            "lien_holder": rcpt.lien_holder, "quantity": rcpt.quantity, "unit": rcpt.unit,
                            "commodity": rcpt.commodity, "lot_id": rcpt.lot_id, "status": status,
                            "presented": presented})
            return out
        if kind == "loan":
            out = []
            for loan_id in sorted({e.loan_id for e in self._events(LoanOpened)}):
                loan = wh.loans.get_loan(loan_id)
                program = wh.loans.get_program(loan.program_id)
                risk = wh.loans.get_risk(loan_id) if loan.is_open else None
                ltv = risk.ltv_bps if risk is not None and risk.value else None  # no price: no LTV
                out.append({"id": loan.id, "borrower": loan.borrower, "bank": loan.bank,
                            "ltv_bps": ltv, "margin_call_ltv_bps": program.margin_call_ltv_bps,
                            "principal_units": loan.principal, "maturity": loan.maturity,
                            "margin_call_deadline": loan.margin_call_deadline, "program_id": loan.program_id,
                            "commodity": program.commodity, "rate_bps": program.rate_bps,
                            "status": status_name(loan.status)})
            return out
        if kind == "program":
            out = []
            for program_id in range(1, wh.loans.program_count() + 1):
                p = wh.loans.get_program(program_id)
                out.append({"id": p.id, "bank": p.bank, "cap_units": p.cap, "outstanding_units": p.outstanding,
                            "commodity": p.commodity, "rate_bps": p.rate_bps, "max_ltv_bps": p.max_ltv_bps,
                            "status": status_name(p.status)})
            return out
        if kind == "prepayment":
            out = []
            for agreement_id in sorted({e.id for e in self._events(PrepaymentProposed)}):
                a = wh.prepayment.get_agreement(agreement_id)
                plan = [(x.due_date, x.principal) for x in wh.prepayment.get_schedule(agreement_id)]
                out.append(_with_next({"id": a.id, "buyer": a.buyer, "seller": a.seller, "bank": a.bank,
                            "warehouse": a.warehouse, "outstanding_units": a.outstanding, "maturity": a.maturity,
                            "quantity": a.quantity, "unit": a.unit, "commodity": a.commodity,
                            "price_units": a.price, "status": status_name(a.status)}, plan, a.principal_repaid))
            return out
        if kind == "risk-program":
            return self._risk_programs()
        if kind == "risk-held":
            return [{"held_units": self.ledger.risk_pool.held_for(self.party)}]
        if kind == "credit-line":
            return [{"id": line.id, "bank": line.bank, "borrower": line.borrower, "used_units": line.principal,
                     "next_due": line.next_due or None, "limit_units": line.limit, "rate_bps": line.rate_bps,
                     "status": status_name(line.status)}
                    for line in self.ledger.credit_lines.list_lines(self.party)]
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")

    def _risk_programs(self) -> list[dict[str, Any]]:
        """The programs the party contributes to or claimed on, with its claims."""
        rp, me = self.ledger.risk_pool, self.party.lower()
        claims: dict[int, list[dict[str, Any]]] = {}
        for e in self._events(ClaimFiled):
            c = rp.get_claim(e.claim_id)
            claims.setdefault(c.program_id, []).append(
                {"id": c.id, "bank": c.bank, "status": status_name(c.status), "open_units": c.open,
                 "recovery_owed_units": rp.recovery_owed(c.id)})
        out = []
        for program_id in range(1, rp.program_count() + 1):
            terms = rp.terms(program_id)
            contributor = me in (a.lower() for a in terms.contributors)
            mine = [c for c in claims.get(program_id, []) if str(c["bank"]).lower() == me]
            if not contributor and not mine:
                continue
            state = rp.state(program_id)
            out.append({"id": program_id, "name": terms.name, "balance_units": state.balance,
                        "open_units": state.open, "contributor": contributor, "claims": mine})
        return out


__all__ = ["KINDS", "Action", "ChainSource", "Filters", "GatewaySource", "Item", "Movement", "Source", "Statement",
           "inbox", "items", "movements", "statement", "status_name"]
