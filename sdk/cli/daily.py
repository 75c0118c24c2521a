"""Daily use: `scf receivable list|fragments|offers|discounts`, `scf receipt list|loans`, `scf receipt program list`,
`scf prepayment list`, `scf inbox` and `scf statement`.

Each reads from the gateway when one is given (`--url`, or SCF_GATEWAY_URL; sign in first with `scf gateway
login`), and otherwise from the chain (`--rpc`, `--deployment`). Rows come from :mod:`sdk.cli.views`, so both
sources print the same thing; one renderer below prints them.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from sdk.cli import views
from sdk.cli.api import gateway_request
from sdk.cli.common import (
    JsonOpt,
    Output,
    SigningOptions,
    fail,
    grouped,
    info,
    money,
    parse_address,
    parse_amount,
    signed,
)
from sdk.money import format_units
from sdk.types import (
    CreditLineStatus,
    FinancingStatus,
    FragmentStatus,
    LoanStatus,
    OfferStatus,
    PrepaymentStatus,
    ProgramStatus,
    ReceiptStatus,
    ReceivableStatus,
)

STATUSES: dict[str, tuple[str, ...]] = {
    kind: tuple(views.status_name(m) for m in enum if m.name != "NONE")
    for kind, enum in (("receivable", ReceivableStatus), ("fragment", FragmentStatus), ("offer", OfferStatus),
                       ("discount", FinancingStatus), ("receipt", ReceiptStatus), ("loan", LoanStatus),
                       ("program", ProgramStatus), ("prepayment", PrepaymentStatus),
                       ("credit-line", CreditLineStatus))
}
ROLES: dict[str, tuple[str, ...]] = {
    "receivable": ("supplier", "debtor"), "fragment": ("holder", "debtor"), "offer": ("recipient", "sender"),
    "discount": ("bank", "seller"), "receipt": ("owner", "warehouse", "lien-holder"), "loan": ("borrower", "bank"),
    "program": ("bank", "offered"), "prepayment": ("buyer", "seller", "bank", "warehouse"),
    "credit-line": ("borrower", "bank"),
}

# ----------------------------------------------------------------------------------------------- options
UrlOpt = Annotated[str | None, typer.Option(
    "--url", envvar="SCF_GATEWAY_URL", show_default=False,
    help="Read from this gateway as the party signed in with `scf gateway login`; without it, read the chain.")]
PartyOpt = Annotated[str | None, typer.Option(
    "--party", parser=parse_address, show_default=False,
    help="Whose view (default: the signer, or the party signed in to the gateway).")]
StatusOpt = Annotated[list[str] | None, typer.Option(
    "--status", show_default=False, help="Only this status (repeat for several), e.g. open.")]
RoleOpt = Annotated[list[str] | None, typer.Option(
    "--role", show_default=False, help="Only rows where you are this party (repeat), e.g. debtor.")]
CounterpartyOpt = Annotated[str | None, typer.Option(
    "--counterparty", parser=parse_address, show_default=False, help="Only rows with this other party.")]
DueAfterOpt = Annotated[str | None, typer.Option(
    "--due-after", metavar="DATE", show_default=False, help="Only rows due on or after DATE (YYYY-MM-DD, UTC).")]
DueBeforeOpt = Annotated[str | None, typer.Option(
    "--due-before", metavar="DATE", show_default=False, help="Only rows due on or before DATE (YYYY-MM-DD, UTC).")]
_PRINCIPAL_HELP = ("the face of a receivable, the value of a fragment or discount, an offer's amount, a loan's "
                   "principal, a program's cap, a deal's price, a line's limit")
MinAmountOpt = Annotated[int | None, typer.Option(
    "--min-amount", parser=parse_amount, metavar="AMOUNT", show_default=False,
    help=f"Only rows of at least AMOUNT: {_PRINCIPAL_HELP}.")]
MaxAmountOpt = Annotated[int | None, typer.Option(
    "--max-amount", parser=parse_amount, metavar="AMOUNT", show_default=False,
    help=f"Only rows of at most AMOUNT: {_PRINCIPAL_HELP}.")]


def parse_date(value: str, what: str, *, end_of_day: bool = False) -> int:
    """YYYY-MM-DD (a whole UTC day; its end with `end_of_day`) or YYYY-MM-DDTHH:MM[:SS] (UTC) as unix seconds."""
    text = value.strip().removesuffix("Z")
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            moment = datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d" and end_of_day:
            moment += timedelta(days=1)
            return int(moment.timestamp()) - 1
        return int(moment.timestamp())
    raise fail(f"{what} {value!r} is not a date: write YYYY-MM-DD (UTC), e.g. 2026-03-31, or 2026-03-31T17:00")


def when(ts: int | None) -> str:
    """A time for people: 2026-03-31 17:00 UTC ('-' when there is none)."""
    return "-" if not ts else datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(ts: int | None) -> str | None:
    return None if not ts else datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_source(url: str | None, party: str | None, signing: SigningOptions) -> views.Source:
    """The gateway when a URL is given, otherwise the chain; and whose view (the signer unless --party)."""
    if url:
        gateway = views.GatewaySource(url, gateway_request, party)
        info(f"reading from the gateway at {url} as {gateway.party}")
        if gateway.party.lower() != gateway.signed_in.lower():
            info(f"note: signed in as {gateway.signed_in}, so the gateway shows only what that party may see of "
                 f"{gateway.party}")
        return gateway
    ledger = signing.ledger()
    who = party
    if who is None:
        if not signing.given:
            raise fail("whose view? sign with --keystore FILE (or --key-env NAME, --dev-account N), name a party "
                       "with --party ADDRESS, or read a gateway with --url URL after `scf gateway login`")
        who = signing.account(ledger.chain).address
    return views.ChainSource(ledger, who)


def _choices(kind: str, values: list[str] | None, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    out = []
    for v in values or []:
        name = v.strip().lower().replace("_", "-")
        if name not in allowed:
            raise fail(f"{what} {v!r} is not one of a {kind}'s: {', '.join(allowed)}")
        out.append(name)
    return tuple(out)


def make_filters(kind: str, status: list[str] | None, role: list[str] | None, counterparty: str | None,
                 due_after: str | None, due_before: str | None, min_amount: int | None = None,
                 max_amount: int | None = None) -> views.Filters:
    if kind not in views.PRINCIPAL and (min_amount is not None or max_amount is not None):
        raise fail(f"a {kind} has no amount to compare: drop --min-amount/--max-amount")
    return views.Filters(
        status=_choices(kind, status, STATUSES[kind], "--status"),
        role=_choices(kind, role, ROLES[kind], "--role"),
        counterparty=counterparty,
        due_after=parse_date(due_after, "--due-after") if due_after else None,
        due_before=parse_date(due_before, "--due-before", end_of_day=True) if due_before else None,
        min_units=min_amount, max_units=max_amount,
    )


# ----------------------------------------------------------------------------------------------- the renderer
def item_data(i: views.Item) -> dict[str, Any]:
    return {"kind": i.kind, "id": i.id, "status": i.status, "role": i.role, "counterparty": i.counterparty,
            "amount": money(i.amount) if i.amount is not None else None, "due": iso(i.due), "due_at": i.due,
            "detail": i.detail}


def render_items(rows: list[views.Item], title: str, as_json: bool, amount_label: str, due_label: str) -> None:
    out = Output(as_json)
    if as_json:
        out.json({"data": [item_data(i) for i in rows], "count": len(rows)})
        return
    table = [[i.id, i.status, i.role, i.counterparty, grouped(i.amount) if i.amount is not None else "-",
              when(i.due), i.detail or "-"] for i in rows]
    out.print(out.table(title, ["id", "status", "role", "counterparty", amount_label, due_label, "detail"], table))
    if not rows:
        info("nothing to show: widen the filters, or check whose view this is (--party)")


def _list(kind: str, title: str, amount_label: str, due_label: str, *, default_role: tuple[str, ...] = ()) -> Any:
    """A `list` command for one kind of asset, with the shared options."""

    @signed
    def command(
        status: StatusOpt = None, role: RoleOpt = None, counterparty: CounterpartyOpt = None,
        due_after: DueAfterOpt = None, due_before: DueBeforeOpt = None, min_amount: MinAmountOpt = None,
        max_amount: MaxAmountOpt = None, party: PartyOpt = None, url: UrlOpt = None,
        *, signing: SigningOptions, as_json: JsonOpt = False,
    ) -> None:
        filters = make_filters(kind, status, role, counterparty, due_after, due_before, min_amount, max_amount)
        if not filters.role and default_role:
            filters = replace(filters, role=default_role)
        source = open_source(url, party, signing)
        render_items(views.items(source, kind, filters), f"{title} of {source.party}", as_json, amount_label,
                     due_label)

    command.__doc__ = LIST_HELP[kind]
    return command


LIST_HELP = {
    "receivable": "Receivables you registered (supplier) or owe (debtor): outstanding amount, due date, status.",
    "fragment": "Fragments you hold or owe: unpaid value, due date, status (ROOT.INDEX ids).",
    "offer": "Split offers addressed to you (--role sender: those you made); accept one with `scf receivable "
             "accept ID`.",
    "discount": "Discount requests and financings where you are the bank or the seller.",
    "receipt": "Warehouse receipts you own, issued (warehouse) or hold a lien on.",
    "loan": "Pledge loans you borrowed or lent: principal, maturity (or margin-call deadline), status.",
    "program": "Lending programs you run as a bank (--role offered: other banks' programs open to you).",
    "prepayment": "Prepayment deals you are buyer, seller, bank or warehouse of: principal outstanding, maturity.",
}

list_receivables = _list("receivable", "Receivables", "outstanding", "due")
list_fragments = _list("fragment", "Fragments", "unpaid", "due")
list_offers = _list("offer", "Offers", "amount", "expires", default_role=("recipient",))
list_discounts = _list("discount", "Discounts", "value", "due")
list_receipts = _list("receipt", "Warehouse receipts", "amount", "due")
list_loans = _list("loan", "Pledge loans", "principal", "due")
list_programs = _list("program", "Loan programs", "room", "due", default_role=("bank",))
list_prepayments = _list("prepayment", "Prepayment deals", "outstanding", "maturity")


# ----------------------------------------------------------------------------------------------- inbox
@signed
def inbox(
    party: PartyOpt = None, url: UrlOpt = None, *, signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Everything waiting for you, across receivables, loans, prepayments, credit lines and risk pools, most urgent
    first, each with the command that does it: offers to accept, receivables to confirm or repay, payouts to claim,
    discount requests to fund, loans due or under a margin call, receipts presented to you for delivery, prepayment
    steps, risk-pool claims to pay, payments to collect, recoveries to return, programs short of funds."""
    source = open_source(url, party, signing)
    actions = views.inbox(source)
    out = Output(as_json)
    if as_json:
        out.json({"data": [{"kind": a.kind, "id": a.id, "what": a.what, "due": iso(a.due), "due_at": a.due,
                            "amount": money(a.amount) if a.amount is not None else None, "command": a.command}
                           for a in actions], "count": len(actions)})
        return
    rows = [[a.kind, a.id, a.what, grouped(a.amount) if a.amount is not None else "-", when(a.due), a.command]
            for a in actions]
    out.print(out.table(f"Inbox of {source.party}", ["kind", "id", "what", "amount", "due", "next"], rows))
    if not actions:
        info("nothing waits for you")


# ----------------------------------------------------------------------------------------------- statement
@signed
def statement(
    date_from: Annotated[str, typer.Option("--from", metavar="DATE", help="First day (YYYY-MM-DD, UTC).")],
    date_to: Annotated[str, typer.Option("--to", metavar="DATE", help="Last day, included (YYYY-MM-DD, UTC).")],
    csv_file: Annotated[Path | None, typer.Option("--csv", metavar="FILE", show_default=False,
                                                  help="Also write the lines to FILE as CSV.")] = None,
    party: PartyOpt = None, url: UrlOpt = None, *, signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Every movement of money (settlement token) and claims (receivables passed, sold or bought) in the period,
    with the token balance after each line."""
    start = parse_date(date_from, "--from")
    end = parse_date(date_to, "--to", end_of_day=True) + 1
    if end <= start:
        raise fail(f"--to {date_to} is before --from {date_from}")
    source = open_source(url, party, signing)
    st = views.statement(source, start, end)
    lines = [{"time": iso(m.at), "block": m.block, "tx": m.tx_hash, "what": m.what, "counterparty": m.counterparty,
              "money": format_units(m.money) if m.money >= 0 else "-" + format_units(-m.money),
              "claim": format_units(m.claim) if m.claim >= 0 else "-" + format_units(-m.claim),
              "balance": format_units(m.balance)} for m in st.lines]
    if csv_file is not None:
        with csv_file.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["time", "block", "tx", "what", "counterparty", "money",
                                                         "claim", "balance"])
            writer.writeheader()
            writer.writerows(lines)
        info(f"wrote {len(lines)} line(s) to {csv_file}")
    out = Output(as_json)
    summary = {"party": source.party, "from": iso(start), "to": iso(end - 1), "opening_balance": money(st.opening),
               "closing_balance": money(st.closing), "change": money(st.closing - st.opening)}
    if as_json:
        out.json({**summary, "lines": [{**line, "money_units": m.money, "claim_units": m.claim,
                                        "balance_units": m.balance} for line, m in zip(lines, st.lines, strict=True)]})
        return
    rows = [[when(m.at), m.what, m.counterparty, _signed(m.money), _signed(m.claim), grouped(m.balance)]
            for m in st.lines]
    out.print(out.table(f"Statement of {source.party}, {when(start)} to {when(end - 1)}",
                        ["time", "what", "counterparty", "money", "claim", "balance"], rows))
    out.print(f"opening balance {grouped(st.opening)}, closing balance {grouped(st.closing)}, "
              f"change {_signed(st.closing - st.opening)}")


def _signed(units: int) -> str:
    if units == 0:
        return "-"
    return ("+" if units > 0 else "-") + grouped(abs(units))
