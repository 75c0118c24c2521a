"""`scf credit-line`: revolving credit lines.

The bank opens (offers) a line, the borrower accepts it, then draws for a named payee (the bank pays the payee in the
same transaction) and repays any amount any day. The bank can reduce the limit, freeze draws, close the line at
expiry and, after a due date plus the grace period, declare default. Commands that pay approve the book on the
settlement token first, in a separate transaction.

Receivables mode: the borrower pledges a confirmed receivable fragment to a line (`pledge`); when the debtor pays,
anyone runs `collect-receivable`, which repays the line first and pays the rest to the borrower; once the line owes
nothing the borrower takes the fragment back (`release`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from sdk.cli.api import DEFAULT_GATEWAY_URL, GatewayUrlOpt
from sdk.cli.common import (
    DEFAULT_DEPLOYMENT,
    DeploymentOpt,
    JsonOpt,
    Output,
    RpcOpt,
    SigningOptions,
    WhenOpt,
    fail,
    info,
    money,
    open_ledger,
    parse_address,
    parse_amount,
    signed,
)
from sdk.cli.credit import gateway_call
from sdk.cli.prepayment import parse_when
from sdk.cli.receivable import parse_fragment
from sdk.creditlines import DAY, MAX_UINT256, CreditLine, CreditTerms, PayeeRule, quote_interest
from sdk.display import FragmentId
from sdk.ledger import Party

app = typer.Typer(
    help="Revolving credit lines: open, accept, draw (paid straight to a payee), repay, reduce, freeze, close, "
    "default; pledge a receivable whose payout repays the line first.",
    no_args_is_help=True,
)

IdArg = Annotated[int, typer.Argument(help="credit line id", min=1)]
#: Any allowance at least this large counts as unlimited (the token then never decreases it).
_UNLIMITED = 2**255


def _iso(timestamp: int) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if timestamp else None


def line_data(line: CreditLine, now: int, viewer: str | None = None) -> dict[str, Any]:
    """A line as the CLI shows it, with the interest accrued up to `now` (the SDK twin of the contract)."""
    data: dict[str, Any] = {"id": line.id, "status": line.status}
    if viewer is not None:
        data["role"] = "bank" if viewer == line.bank else "borrower"
    data.update({
        "bank": line.bank,
        "borrower": line.borrower,
        "limit": money(line.limit),
        "used": money(line.principal),
        "available": money(line.available),
        "next_due": _iso(line.next_due),
        "interest": money(quote_interest(line, now)),
        "rate_bps": line.rate_bps,
        "surcharge_bps": line.surcharge_bps,
        "start": _iso(line.start),
        "expiry": _iso(line.expiry),
        "max_tenor_days": line.max_tenor / DAY,
        "grace_days": line.grace / DAY,
        "payee_rule": line.payee_rule,
        "draws": line.draw_count,
        "tranches": [
            {"id": t.id, "principal": money(t.principal), "drawn": _iso(t.drawn_at), "due": _iso(t.due)}
            for t in line.tranches
        ],
    })
    return data


def _approve_book(party: Party) -> None:
    """Approve the book without limit once: it takes at most a line's available limit from its bank (on the
    borrower's draw), and from a payer only that payer's own repayment."""
    book = party.ledger.credit_lines.address
    if party.token.allowance(party.address, book) < _UNLIMITED:
        info("approving the credit-line book on the settlement token (it can take at most each line's available "
             "limit, and only on its borrower's draw)…")
        party.token.approve(book, MAX_UINT256)


def _rule(value: str) -> PayeeRule:
    try:
        return PayeeRule[value.upper().replace("-", "_")]
    except KeyError:
        raise fail(f"unknown payee rule {value!r}; choose any-supplier, allow-list or pledged-receivables") from None


def _days(value: float, what: str) -> int:
    seconds = round(value * DAY)
    if seconds <= 0:
        raise fail(f"{what} must be positive")
    return seconds


def _profile_terms(url: str, borrower: str) -> tuple[int, int | None, dict[str, Any]]:
    """The limit (smallest units) and rate (bps, or None) BORROWER's credit profile suggests, and what it was based
    on (scorecard version, score, grade, as-of). Fails in one line on no consent, a bad answer or a zero limit."""
    p = gateway_call(url, "GET", f"/v1/participants/{borrower}/credit-profile", f"credit profile of {borrower}")
    try:
        units = int(p["limit"]["units"])
        rate = p["limit"].get("rate_bps")
        basis = {"scorecard_version": p["scorecard_version"], "score": int(p["score"]["score"]),
                 "grade": str(p["score"]["grade"]), "as_of": p.get("as_of"), "limit": money(units)}
    except (KeyError, TypeError, ValueError, AttributeError):
        raise fail(f"the gateway at {url} answered a credit profile without a limit, score or grade") from None
    if units <= 0:
        raise fail(f"the credit profile of {borrower} suggests no credit line (limit 0, grade {basis['grade']}, "
                   f"score {basis['score']}): {p['limit'].get('rule', '')}".rstrip(": "))
    return units, None if rate is None else int(rate), basis


# ---------------------------------------------------------------------------------------------- bank
@app.command("open")
@signed
def open_line(
    borrower: Annotated[str, typer.Argument(parser=parse_address, help="the borrower (a supplier or distributor)")],
    limit: Annotated[int | None, typer.Option(parser=parse_amount, metavar="AMOUNT",
                                              help="the line's limit (or --from-profile)")] = None,
    rate_bps: Annotated[int | None, typer.Option(help="yearly interest rate in basis points (actual/365)")] = None,
    from_profile: Annotated[bool, typer.Option(
        "--from-profile", help="take the limit (and a rate, if the profile suggests one) from BORROWER's credit "
        "profile on the gateway (needs BORROWER's consent and `scf gateway login`)")] = False,
    expiry: WhenOpt = "+90d",
    start: Annotated[str | None, typer.Option(help="first day a draw may happen (default: now)")] = None,
    max_tenor_days: Annotated[float, typer.Option(help="longest tenor of one draw, in days (1..365)")] = 30,
    grace_days: Annotated[float, typer.Option(help="days after a due date before default may be declared")] = 5,
    surcharge_bps: Annotated[int, typer.Option(help="added to the rate on overdue principal")] = 0,
    payee_rule: Annotated[str, typer.Option(
        help="any-supplier (or an allow-listed payee), allow-list, or pledged-receivables (any supplier, and the "
        "amount drawn stays within the unpaid value of the receivables pledged to the line)")] = "any-supplier",
    payee: Annotated[list[str] | None, typer.Option(help="allow-list a payee (repeat for each)")] = None,
    approve: Annotated[bool, typer.Option(help="approve the book on the token to fund draws")] = True,
    *,
    signing: SigningOptions,
    url: GatewayUrlOpt = DEFAULT_GATEWAY_URL,
    as_json: JsonOpt = False,
) -> None:
    """Offer a line as the bank; the borrower accepts it with `scf credit-line accept`.

    With --from-profile the limit is the one BORROWER's credit profile suggests (read from the gateway at --url)."""
    basis: dict[str, Any] | None = None
    if from_profile:
        if limit is not None:
            raise fail("give either --limit or --from-profile, not both")
        limit, profile_rate, basis = _profile_terms(url, borrower)
        if rate_bps is None:
            rate_bps = profile_rate
    if limit is None:
        raise fail("missing --limit (or pass --from-profile to take it from the borrower's credit profile)")
    if rate_bps is None:
        raise fail("missing --rate-bps" + (" (the credit profile suggests no rate)" if from_profile else ""))
    bank = signing.party()
    now = bank.ledger.chain.now()
    first = parse_when(start, now) if start else now
    terms = CreditTerms(
        borrower=borrower, limit=limit, rate_bps=rate_bps, start=first, expiry=parse_when(expiry, now),
        max_tenor=_days(max_tenor_days, "--max-tenor-days"), grace=round(grace_days * DAY),
        surcharge_bps=surcharge_bps, payee_rule=_rule(payee_rule),
    )
    payees = [parse_address(p) for p in payee or []]
    event = bank.credit_lines.open(terms)
    for address in payees:
        bank.credit_lines.set_payee(event.line_id, address)
    if approve:
        _approve_book(bank)
    result: dict[str, Any] = {
        "id": event.line_id, "status": event.new_status, "borrower": event.borrower, "limit": money(event.limit),
        "rate_bps": event.rate_bps, "expiry": _iso(event.expiry), "payees": payees}
    if basis is not None:  # what the terms came from, so the decision can be traced to a scorecard and a date
        result.update({"limit_from": "credit profile", "scorecard_version": basis["scorecard_version"],
                       "score": basis["score"], "grade": basis["grade"], "profile_as_of": basis["as_of"]})
    Output(as_json).result(
        result,
        title="Credit line offered",
    )


@app.command()
@signed
def payee(
    line_id: IdArg,
    address: Annotated[str, typer.Argument(parser=parse_address, help="the payee")],
    remove: Annotated[bool, typer.Option("--remove", help="take the payee off the allow-list")] = False,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the bank, add a payee to the line's allow-list (or remove it)."""
    bank = signing.party()
    event = bank.credit_lines.set_payee(line_id, address, not remove)
    Output(as_json).result({"id": line_id, "payee": event.payee, "allowed": event.new_allowed,
                            "payees": event.payee_count}, title="Payee set")


@app.command()
@signed
def reduce(
    line_id: IdArg,
    limit: Annotated[int, typer.Argument(parser=parse_amount, metavar="AMOUNT", help="the new, lower limit")],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the bank, reduce the limit (never below what is drawn)."""
    bank = signing.party()
    event = bank.credit_lines.reduce_limit(line_id, limit)
    Output(as_json).result({"id": line_id, "old_limit": money(event.old_limit), "limit": money(event.new_limit),
                            "used": money(event.principal)}, title="Credit line reduced")


@app.command()
@signed
def freeze(
    line_id: IdArg,
    unfreeze: Annotated[bool, typer.Option("--unfreeze", help="allow draws again")] = False,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the bank, stop new draws (repayments go on), or lift the freeze with --unfreeze."""
    bank = signing.party()
    event = bank.credit_lines.unfreeze(line_id) if unfreeze else bank.credit_lines.freeze(line_id)
    Output(as_json).result({"id": line_id, "old_status": event.old_status, "status": event.new_status},
                           title="Credit line unfrozen" if unfreeze else "Credit line frozen")


@app.command("default")
@signed
def declare_default(
    line_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the bank, after a due date plus grace: declare default and record the loss."""
    bank = signing.party()
    event = bank.credit_lines.declare_default(line_id)
    Output(as_json).result(
        {"id": line_id, "borrower": event.borrower, "principal": money(event.principal),
         "interest": money(event.interest), "loss": money(event.principal + event.interest),
         "status": event.new_status},
        title="Credit line defaulted",
    )


@app.command()
@signed
def collect(
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Collect what the book held for you while you could not receive (a bank's repayments, a borrower's share of
    a receivable payout)."""
    bank = signing.party()
    event = bank.credit_lines.collect_held()
    Output(as_json).result({"bank": event.bank, "collected": money(event.amount)}, title="Repayments collected")


# ---------------------------------------------------------------------------------------------- borrower
@app.command()
@signed
def accept(
    line_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Accept the line's terms as the borrower (needed before the first draw)."""
    borrower = signing.party()
    event = borrower.credit_lines.accept(line_id)
    Output(as_json).result({"id": line_id, "borrower": event.borrower, "status": event.new_status},
                           title="Credit line accepted")


@app.command()
@signed
def draw(
    line_id: IdArg,
    amount: Annotated[int, typer.Argument(parser=parse_amount, metavar="AMOUNT", help="amount to pay the payee")],
    payee: Annotated[str, typer.Option(parser=parse_address, help="who is paid (never the borrower)")],
    purpose: Annotated[str, typer.Option(help="the purchase order or invoice paid (hashed), or its 0x hash")],
    tenor_days: Annotated[float, typer.Option(help="days until this draw falls due")] = 30,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Draw as the borrower: the bank pays AMOUNT to the payee now; the tranche falls due after the tenor."""
    borrower = signing.party()
    event = borrower.credit_lines.draw(line_id, amount, payee, _days(tenor_days, "--tenor-days"), purpose)
    Output(as_json).result(
        {"id": line_id, "tranche": event.tranche_id, "payee": event.payee, "paid": money(event.amount),
         "due": _iso(event.due), "used": money(event.principal), "available": money(event.available),
         "purpose": "0x" + event.purpose_ref.hex()},
        title="Credit line drawn",
    )


@app.command()
@signed
def close(
    line_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Close the line with nothing owed: the borrower any time, the bank at expiry (or an offer not accepted)."""
    party = signing.party()
    event = party.credit_lines.close(line_id)
    Output(as_json).result({"id": line_id, "closed_by": event.closed_by, "status": event.new_status},
                           title="Credit line closed")


# ---------------------------------------------------------------------------------------------- anyone
@app.command()
@signed
def repay(
    line_id: IdArg,
    amount: Annotated[int | None, typer.Argument(parser=parse_amount, metavar="[AMOUNT]",
                                                 help="amount to pay (interest first, then principal)")] = None,
    repay_all: Annotated[bool, typer.Option("--all", help="repay everything owed")] = False,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Repay as the borrower or anyone on its behalf: accrued interest first, then the tranche due first."""
    if (amount is None) == (not repay_all):
        raise fail("give the AMOUNT to repay, or --all")
    payer = signing.party()
    _approve_book(payer)
    result: Any = payer.credit_lines.repay_in_full(line_id) if repay_all else payer.credit_lines.repay(
        line_id, amount or 0)
    Output(as_json).result(
        {"id": line_id, "paid": money(result.amount), "interest_paid": money(result.interest_paid),
         "principal_paid": money(result.principal_paid), "used": money(result.principal),
         "interest_left": money(result.interest), "recovery": type(result).__name__ == "CreditLineRecovered"},
        title="Credit line repaid",
    )


@app.command()
def show(
    line_id: IdArg,
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """A line with its outstanding tranches and the interest accrued up to the latest block."""
    ledger = open_ledger(rpc, deployment)
    if line_id > ledger.credit_lines.line_count():
        raise fail(f"no credit line {line_id}")
    data = line_data(ledger.credit_lines.get_line(line_id), ledger.chain.now())
    data["pledged"] = money(ledger.credit_lines.pledged_of(line_id))  # unpaid value of the pledged receivables
    Output(as_json).result(data, title=f"Credit line {line_id}")


@app.command("list")
@signed
def list_lines(
    party: Annotated[str | None, typer.Option(parser=parse_address, help="lines of this bank or borrower")] = None,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Lines where the signer (or --party) is the bank or the borrower: limit, used, available, next due date and
    interest accrued today. Without either, every line."""
    ledger = signing.ledger()
    who = party
    if who is None and signing.given:
        who = signing.account(ledger.chain).address
    now = ledger.chain.now()
    rows = [line_data(line, now, who) for line in ledger.credit_lines.list_lines(who)]
    columns = ["id", "status", *(["role"] if who else []), "limit", "used", "available", "next_due", "interest"]
    Output(as_json).rows(rows, columns, title="Credit lines", key="lines")


# ---------------------------------------------------------------------------------------------- receivables mode
FragmentArg = Annotated[int, typer.Argument(parser=parse_fragment, metavar="FRAGMENT",
                                            help="receivable fragment id, or ROOT.INDEX (e.g. 3.0)")]


@app.command()
@signed
def pledge(
    line_id: IdArg,
    fragment: FragmentArg,
    amount: Annotated[int | None, typer.Option(parser=parse_amount, metavar="AMOUNT",
                                               help="part of the fragment to pledge (default: all of it)")] = None,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the borrower, pledge a confirmed receivable fragment you hold to the line: the book holds it, and its
    payout repays the line first (interest, then principal), the rest comes to you."""
    borrower = signing.party()
    event = borrower.credit_lines.pledge_receivable(line_id, fragment, amount)
    Output(as_json).result(
        {"id": line_id, "fragment": FragmentId(event.fragment_id), "pledged_from": FragmentId(fragment),
         "value": money(event.value),
         "receivable_due": _iso(event.due_date), "pledged": money(event.pledged)},
        title="Receivable pledged",
    )


@app.command("collect-receivable")
@signed
def collect_receivable(
    fragment: FragmentArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As anyone, collect a pledged fragment's payout once the debtor has paid: it repays the line first (never
    more than owed) and the rest goes to the borrower."""
    party = signing.party()
    done = party.credit_lines.collect_receivable(fragment)
    ev = done.collected
    Output(as_json).result(
        {"id": ev.line_id, "fragment": FragmentId(fragment), "collected": money(ev.amount),
         "to_line": money(ev.to_line), "to_borrower": money(ev.to_borrower),
         "interest_paid": money(done.repayment.interest_paid) if done.repayment else money(0),
         "used": money(done.repayment.principal) if done.repayment else None, "pledged": money(ev.pledged)},
        title="Receivable payout collected",
    )


@app.command()
@signed
def release(
    fragment: FragmentArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the borrower, once the line owes nothing: release a pledged fragment. While the receivable can still
    change hands it is offered back to you and accepted here; otherwise its later payouts come to you through
    `collect-receivable`."""
    borrower = signing.party()
    event = borrower.credit_lines.release_receivable(fragment)
    back = borrower.receivables.accept(event.offer_id).child_id if event.offer_id else None
    Output(as_json).result(
        {"id": event.line_id, "fragment": FragmentId(fragment), "status": event.new_status,
         "returned_as": FragmentId(back) if back else None,
         "unpaid_value": money(event.value_left)},
        title="Receivable released",
    )
