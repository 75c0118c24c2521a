"""`scf risk-pool`: risk compensation programs paid only against losses the ledger recorded (issue 13).

The operator creates a program (covered banks and loss sources, period, contributors with committed shares, grades
and caps); contributors deposit; anyone records a loss from the ledger contract that shows it (`record`); the
covered bank claims it and is paid in the same transaction, pro rata from the contributors' balances, or partly
and the rest later in filing order (`pay-open`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from sdk.cli.common import (
    DEFAULT_DEPLOYMENT,
    DeploymentOpt,
    JsonOpt,
    Output,
    RpcOpt,
    SigningOptions,
    fail,
    info,
    money,
    open_ledger,
    parse_address,
    parse_amount,
    signed,
)
from sdk.cli.prepayment import parse_when
from sdk.generated.events import ClaimFiled, ClaimPaid
from sdk.ledger import Ledger, Party
from sdk.riskpool import MAX_UINT256, Loss, Program, ProgramTerms

app = typer.Typer(
    help="Risk compensation pools: create a program, deposit, record a loss, claim it, pay open claims, show, list.",
    no_args_is_help=True,
)

IdArg = Annotated[int, typer.Argument(help="program id", min=1)]
_SOURCES = {"receivables": "Receivables", "pledge-loans": "PledgeLoans", "credit-lines": "CreditLines"}


def _iso(timestamp: int) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if timestamp else None


def _source(ledger: Ledger, name: str) -> str:
    try:
        return ledger.deployment.address(_SOURCES[name])
    except KeyError:
        raise fail(f"unknown loss source {name!r}; choose one of {', '.join(_SOURCES)}") from None


def _split(value: str, what: str) -> tuple[str, str]:
    left, sep, right = value.partition(":")
    if not sep:
        raise fail(f"{what} is written A:B, got {value!r}")
    return left, right


def program_data(program: Program) -> dict[str, Any]:
    t, s = program.terms, program.state
    return {
        "id": program.id,
        "name": t.name,
        "start": _iso(t.start),
        "end": _iso(t.end),
        "banks": list(t.banks),
        "sources": list(t.sources),
        "contributors": [{"address": c, "share_bps": b} for c, b in zip(t.contributors, t.shares_bps, strict=True)],
        "grades": [{"up_to": money(u), "rate_bps": r} for u, r in t.grades],
        "cap_per_claim": money(t.cap_per_claim),
        "cap_per_bank": money(t.cap_per_bank),
        "deposited": money(s.deposited),
        "balance": money(s.balance),
        "paid": money(s.paid),
        "open": money(s.open),
        "recovered": money(s.recovered),
        "claims": s.claim_count,
    }


def loss_data(loss: Loss, ledger: Ledger) -> dict[str, Any]:
    names = {v: k for k, v in ledger.deployment.contracts.items()}
    return {
        "id": loss.id, "source": names.get(loss.source, loss.source), "asset": loss.asset_id, "bank": loss.bank,
        "debtor": loss.debtor, "principal": money(loss.principal), "interest": money(loss.interest),
        "recovered": money(loss.recovered), "net": money(loss.net), "recorded": _iso(loss.recorded_at),
        "occurred": _iso(loss.occurred_at),
        "claim": ledger.risk_pool.claim_of_loss(loss.id) or None,
    }


def _approve(party: Party, amount: int) -> None:
    pool = party.ledger.risk_pool.address
    if party.token.allowance(party.address, pool) < amount:
        info("approving the risk pool on the settlement token…")
        party.token.approve(pool, MAX_UINT256)


@app.command()
@signed
def create(
    name: Annotated[str, typer.Argument(help="the program's name")],
    bank: Annotated[list[str], typer.Option(parser=parse_address, help="a covered bank (repeat)")],
    contributor: Annotated[list[str], typer.Option(help="ADDRESS:SHARE_BPS (repeat; shares sum to 10000)")],
    grade: Annotated[list[str], typer.Option(help="UP_TO_AMOUNT:RATE_BPS, ascending (repeat)")],
    cap_per_claim: Annotated[int, typer.Option(parser=parse_amount, metavar="AMOUNT")],
    cap_per_bank: Annotated[int, typer.Option(parser=parse_amount, metavar="AMOUNT")],
    source: Annotated[list[str] | None, typer.Option(help="receivables, pledge-loans, credit-lines (default all)")]
    = None,
    start: Annotated[str | None, typer.Option(help="period start (default now)")] = None,
    end: Annotated[str, typer.Option(help="period end: unix seconds, ISO date or +N[d|h|m|s]")] = "+365d",
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the operator, create a program; its rules are checked here and again on chain."""
    operator = signing.party()
    ledger = operator.ledger
    now = ledger.chain.now()
    contributors, shares, grades = [], [], []
    for item in contributor:
        address, share = _split(item, "--contributor")
        contributors.append(parse_address(address))
        shares.append(int(share))
    for item in grade:
        up_to, rate = _split(item, "--grade")
        grades.append((parse_amount(up_to), int(rate)))
    terms = ProgramTerms(
        name=name, banks=tuple(bank), sources=tuple(_source(ledger, s) for s in (source or list(_SOURCES))),
        start=parse_when(start, now) if start else now, end=parse_when(end, now), contributors=tuple(contributors),
        shares_bps=tuple(shares), grades=tuple(grades), cap_per_claim=cap_per_claim, cap_per_bank=cap_per_bank,
    )
    event = operator.risk_pool.create_program(terms)
    Output(as_json).result(program_data(ledger.risk_pool.get_program(event.program_id)), title="Program created")


@app.command()
@signed
def deposit(
    program_id: IdArg,
    amount: Annotated[int, typer.Argument(parser=parse_amount, metavar="AMOUNT")],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As a contributor of the program, deposit settlement tokens into it."""
    party = signing.party()
    _approve(party, amount)
    event = party.risk_pool.deposit(program_id, amount)
    Output(as_json).result({"program": program_id, "contributor": event.contributor, "amount": money(event.amount),
                            "balance": money(event.balance)}, title="Deposited")


@app.command()
@signed
def record(
    source: Annotated[str, typer.Argument(help="receivables, pledge-loans or credit-lines")],
    asset_id: Annotated[int, typer.Argument(help="the fragment, loan or line id", min=1)],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Anyone: record the loss a ledger contract shows on an asset (read from that contract's state)."""
    party = signing.party()
    event = party.losses.record(_source(party.ledger, source), asset_id)
    Output(as_json).result(loss_data(party.ledger.losses.get(event.loss_id), party.ledger), title="Loss recorded")


@app.command()
@signed
def claim(
    program_id: IdArg,
    loss_id: Annotated[int, typer.Argument(help="the recorded loss", min=1)],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the covered bank that suffered the loss, claim it; paid now as far as the pool can."""
    bank = signing.party()
    result = bank.risk_pool.file_claim(program_id, loss_id)
    filed: ClaimFiled = result.one(ClaimFiled)
    c = bank.ledger.risk_pool.get_claim(filed.claim_id)
    Output(as_json).result({"claim": c.id, "program": program_id, "loss": loss_id, "status": c.status,
                            "net_loss": money(c.net_loss), "entitlement": money(c.entitlement),
                            "paid": money(c.paid), "open": money(c.open)}, title="Claim filed")


@app.command("pay-open")
@signed
def pay_open(
    program_id: IdArg,
    max_count: Annotated[int, typer.Option(min=1, max=64, help="most claims to pay in this transaction")] = 8,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Anyone: pay open claims in filing order from the program's balance."""
    party = signing.party()
    paid: list[ClaimPaid] = party.risk_pool.pay_open_claims(program_id, max_count)
    rows = [{"claim": p.claim_id, "amount": money(p.amount), "paid": money(p.paid), "status": p.new_status}
            for p in paid]
    Output(as_json).rows(rows, ["claim", "amount", "paid", "status"], title="Open claims paid", key="claims")


@app.command()
@signed
def collect(
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As a bank, take the payments on your open claims that `pay-open` set aside for you."""
    bank = signing.party()
    event = bank.risk_pool.collect()
    Output(as_json).result({"bank": event.bank, "amount": money(event.amount)}, title="Collected")


@app.command("record-recovery")
@signed
def record_recovery(
    loss_id: Annotated[int, typer.Argument(help="the recorded loss", min=1)],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Anyone: record what the loss's source now shows recovered (read from that contract's state)."""
    party = signing.party()
    event = party.losses.record_recovery(loss_id)
    data = loss_data(party.ledger.losses.get(loss_id), party.ledger)
    claim_id = data["claim"]
    owed = party.ledger.risk_pool.recovery_owed(claim_id) if claim_id else 0
    Output(as_json).result({**data, "recovered_now": money(event.amount), "owed_to_pool": money(owed)},
                           title="Recovery recorded")


@app.command("return-recovery")
@signed
def return_recovery(
    claim_id: Annotated[int, typer.Argument(help="the claim on the recovered loss", min=1)],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Anyone: move the bank's owed share of a recovery back to the pool, from the bank under its approval of the
    pool; the contributors are credited pro rata to what they paid."""
    party = signing.party()
    event = party.risk_pool.return_recovery(claim_id)
    c = party.ledger.risk_pool.get_claim(claim_id)
    Output(as_json).result({"claim": claim_id, "bank": c.bank, "amount": money(event.amount),
                            "returned": money(event.returned), "paid": money(c.paid)}, title="Recovery returned")


@app.command()
def show(
    program_id: IdArg,
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """A program: rules, totals and each contributor's deposits, balance, payouts, recoveries and exposure."""
    ledger = open_ledger(rpc, deployment)
    if program_id > ledger.risk_pool.program_count():
        raise fail(f"no risk-pool program {program_id}")
    program = ledger.risk_pool.get_program(program_id)
    data = program_data(program)
    accounts = []
    for address in program.terms.contributors:
        a = ledger.risk_pool.contributor(program_id, address)
        accounts.append({"address": address, "share_bps": a.share_bps, "deposited": money(a.deposited),
                         "balance": money(a.balance), "paid": money(a.paid), "recovered": money(a.recovered),
                         "exposure": money(a.exposure)})
    data["contributors"] = accounts
    Output(as_json).result(data, title=f"Risk-pool program {program_id}")


@app.command("list")
def list_programs(
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """Every program with its totals."""
    ledger = open_ledger(rpc, deployment)
    rows = [program_data(p) for p in ledger.risk_pool.programs()]
    Output(as_json).rows(rows, ["id", "name", "end", "balance", "paid", "open", "recovered", "claims"],
                         title="Risk-pool programs", key="programs")


@app.command()
def losses(
    bank: Annotated[str | None, typer.Option(parser=parse_address, help="only this bank's losses")] = None,
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """Recorded losses, with recoveries and the claim filed on each."""
    ledger = open_ledger(rpc, deployment)
    rows = [loss_data(x, ledger) for x in ledger.losses.all() if bank is None or x.bank == bank]
    Output(as_json).rows(rows, ["id", "source", "asset", "bank", "principal", "interest", "recovered", "net",
                                "claim"], title="Recorded losses", key="losses")
