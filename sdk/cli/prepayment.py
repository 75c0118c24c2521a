"""`scf prepayment`: confirmed-warehouse (保兑仓) prepayment agreements.

The buyer proposes (and deposits the margin), the seller accepts (its buy-back guarantee: it locks its collateral,
`--collateral-bps` of the principal), the bank funds (the seller is paid the full price), the warehouse confirms
delivery before the deadline (a receipt born pledged; the bank may `extend-deadline`), the buyer repays in
instalments (each releases goods). After maturity the bank calls the buy-back; after maturity plus `--grace` it can
always `enforce` (takes the goods and the collateral, the rest becomes the seller's recorded debt, paid with
`repay-debt`); after a missed delivery deadline it demands the `refund` (collateral first, the rest recorded debt).
Released collateral and refunded margins are withdrawn with `claim`.
Commands that pay approve this contract on the settlement token first, in a separate transaction.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from sdk.chain import Chain
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
from sdk.prepayment import (
    DEFAULT_COLLATERAL_BPS,
    DEFAULT_GRACE_PERIOD,
    MAX_GRACE_PERIOD,
    Instalment,
    PrepaymentAgreement,
    PrepaymentStatus,
    PrepaymentTerms,
    equal_instalments,
    schedule_of,
)
from sdk.warehouse import inspection_hash

app = typer.Typer(
    help="Prepayment (confirmed-warehouse) financing: propose, accept, fund, deliver, repay, buy back, enforce, "
    "refund, repay debt, claim.",
    no_args_is_help=True,
)

IdArg = Annotated[int, typer.Argument(help="agreement id", min=1)]
AddressOpt = Annotated[str, typer.Option(parser=parse_address, help="address (0x…)")]

_RELATIVE = re.compile(r"^\+(\d+)([dhms]?)$")
_DURATION = re.compile(r"^(\d+)([dhms]?)$")
_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1, "": 1}


def parse_when(value: str, now: int) -> int:
    """A point in time: unix seconds, `+30d` (relative to the chain's latest block) or an ISO date (UTC)."""
    text = value.strip()
    if text.isdigit():
        return int(text)
    relative = _RELATIVE.match(text)
    if relative:
        return now + int(relative.group(1)) * _SECONDS[relative.group(2)]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"{value!r} is not a time: use unix seconds, +30d, or an ISO date such as 2026-12-31") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def parse_duration(value: str) -> int:
    """A duration: `7d`, `12h`, `30m` or seconds."""
    match = _DURATION.match(value.strip())
    if not match:
        raise fail(f"{value!r} is not a duration: use e.g. 7d, 12h, 30m or seconds")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if timestamp else "-"

def _schedule(chain: Chain, principal: int, dues: list[str], instalments: int | None, deadline: int,
              maturity: int) -> tuple[Instalment, ...]:
    if dues and instalments:
        raise fail("give either --due (repeatable) or --instalments, not both")
    if dues:
        out = []
        for due in dues:
            when, sep, amount = due.partition("=")
            if not sep:
                raise fail(f"--due {due!r}: use WHEN=AMOUNT, e.g. +30d=1000.00")
            out.append(Instalment(parse_when(when, chain.now()), parse_amount(amount)))
        return tuple(out)
    count = instalments or 1
    step = (maturity - deadline) // count
    return equal_instalments(principal, [maturity - (count - 1 - i) * step for i in range(count)])


def agreement_data(a: PrepaymentAgreement, now: int) -> dict[str, Any]:
    return {
        "id": a.id,
        "status": a.status,
        "buyer": a.buyer,
        "seller": a.seller,
        "bank": a.bank,
        "warehouse": a.warehouse,
        "goods": f"{a.quantity} {a.unit} {a.commodity}",
        "unit_price": money(a.unit_price),
        "price": money(a.price),
        "margin": money(a.margin),
        "margin_bps": a.margin_bps,
        "principal": money(a.principal),
        "rate_bps": a.rate_bps,
        "delivery_deadline": _iso(a.delivery_deadline),
        "maturity": _iso(a.maturity),
        "principal_repaid": money(a.principal_repaid),
        "outstanding": money(a.outstanding),
        "accrued_interest": money(a.interest_at(now)),
        "released_quantity": a.released_quantity,
        "pledged_quantity": a.pledged_quantity,
        "receipt_id": a.receipt_id or None,
        "collateral_bps": a.collateral_bps,
        "collateral": money(a.collateral),
        "collateral_held": money(a.collateral_held),
        "grace_period_s": a.grace_period,
        "enforceable_from": _iso(a.enforceable_from),
        "debt_to_bank": money(a.debt_to_bank),
        "debt_to_buyer": money(a.debt_to_buyer),
    }


# ---------------------------------------------------------------------------------------------- buyer
@app.command()
@signed
def propose(
    seller: AddressOpt,
    bank: AddressOpt,
    warehouse: AddressOpt,
    commodity: Annotated[str, typer.Option(help="commodity code (≤ 16 bytes), e.g. CU-CATHODE")],
    quantity: Annotated[int, typer.Option(min=1, help="whole units of goods")],
    unit_price: Annotated[int, typer.Option(parser=parse_amount, metavar="AMOUNT", help="price per unit")],
    margin_bps: Annotated[int, typer.Option(help="the buyer's margin in basis points of the price")],
    rate_bps: Annotated[int, typer.Option(help="yearly interest rate in basis points (actual/365)")],
    deadline: WhenOpt,
    maturity: WhenOpt,
    unit: Annotated[str, typer.Option(help="unit of the quantity (≤ 4 bytes)")] = "kg",
    due: Annotated[list[str] | None, typer.Option(help="an instalment WHEN=AMOUNT (repeat for each)")] = None,
    instalments: Annotated[int | None, typer.Option(min=1, help="equal instalments, the last at maturity")] = None,
    collateral_bps: Annotated[int, typer.Option(
        help="the seller's collateral, locked at acceptance, in basis points of the principal (0..10000)")
    ] = DEFAULT_COLLATERAL_BPS,
    grace: Annotated[str, typer.Option(help="grace after maturity before the bank may enforce, e.g. 7d")] = (
        f"{DEFAULT_GRACE_PERIOD // 86_400}d"),
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Propose an agreement as the buyer (a distributor) and deposit the margin (approved first)."""
    if not 0 <= collateral_bps <= 10_000:
        raise fail(f"--collateral-bps must be 0..10000, got {collateral_bps}")
    grace_period = parse_duration(grace)
    if grace_period > MAX_GRACE_PERIOD:
        raise fail(f"--grace must be at most {MAX_GRACE_PERIOD // 86_400}d, got {grace!r}")
    buyer = signing.party()
    ledger = buyer.ledger
    now = ledger.chain.now()
    terms = PrepaymentTerms(
        seller=seller, bank=bank, warehouse=warehouse, commodity=commodity, unit=unit, quantity=quantity,
        unit_price=unit_price, margin_bps=margin_bps, rate_bps=rate_bps,
        delivery_deadline=parse_when(deadline, now), maturity=parse_when(maturity, now),
        collateral_bps=collateral_bps, grace_period=grace_period,
    )
    schedule = _schedule(ledger.chain, terms.principal, list(due or []), instalments, terms.delivery_deadline,
                         terms.maturity)
    info(f"approving the margin {money(terms.margin)['amount']} for the prepayment contract…")
    buyer.prepayment.authorize(terms.margin)
    event = buyer.prepayment.propose(terms, schedule)
    Output(as_json).result(
        {"id": event.id, "status": event.new_status, "margin": money(event.margin),
         "principal": money(terms.principal), "collateral": money(terms.collateral),
         "grace_period_s": terms.grace_period,
         "schedule": [f"{_iso(i.due_date)}: {money(i.principal)['amount']}" for i in schedule_of(event)]},
        title="Prepayment proposed",
    )


@app.command()
@signed
def repay(
    agreement_id: IdArg,
    amount: Annotated[int | None, typer.Argument(parser=parse_amount, metavar="[AMOUNT]",
                                                 help="principal to repay (interest is added)")] = None,
    repay_all: Annotated[bool, typer.Option("--all", help="repay all outstanding principal")] = False,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Repay principal as the buyer, with the accrued interest on top; releases the proportional goods."""
    if (amount is None) == (not repay_all):
        raise fail("give the principal AMOUNT to repay, or --all")
    buyer = signing.party()
    ledger = buyer.ledger
    principal = ledger.prepayment.get_agreement(agreement_id).outstanding if repay_all else amount
    assert principal is not None
    buyer.prepayment.authorize_repayment(agreement_id, principal)
    event = buyer.prepayment.repay(agreement_id, principal)
    Output(as_json).result(
        {"id": event.id, "principal": money(event.principal), "interest": money(event.interest),
         "outstanding": money(event.outstanding), "released_quantity": event.released_quantity,
         "released_receipt": event.released_receipt_id or None, "pledged_quantity": event.pledged_quantity,
         "status": event.new_status},
        title="Prepayment repaid",
    )


# ---------------------------------------------------------------------------------------------- seller
@app.command()
@signed
def accept(
    agreement_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Accept the agreement as the seller (a core enterprise): its buy-back guarantee; locks the collateral
    (approved first)."""
    seller = signing.party()
    event = seller.prepayment.accept(agreement_id)
    Output(as_json).result({"id": event.id, "seller": event.seller, "collateral": money(event.collateral),
                            "status": event.new_status}, title="Prepayment accepted")


@app.command("approve-settlement")
@signed
def approve_settlement(
    agreement_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the seller, approve what a buy-back will collect beyond the collateral (delivered agreements)."""
    seller = signing.party()
    ledger = seller.ledger
    status = ledger.prepayment.get_agreement(agreement_id).status
    if status == PrepaymentStatus.DELIVERED:
        event = seller.prepayment.authorize_buy_back(agreement_id)
    elif status == PrepaymentStatus.FUNDED:
        raise fail(f"agreement {agreement_id} is funded: a refund needs nothing from the seller (the collateral "
                   "pays first, the rest becomes debt: see `scf prepayment repay-debt`)")
    else:
        raise fail(f"agreement {agreement_id} is {status.name.lower()}: nothing for the seller to settle")
    Output(as_json).result({"id": agreement_id, "spender": event.spender, "approved": money(event.value)},
                           title="Settlement approved")


# ---------------------------------------------------------------------------------------------- bank
@app.command()
@signed
def fund(
    agreement_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Fund the principal as the bank (approved first); the seller is paid the full price."""
    bank = signing.party()
    ledger = bank.ledger
    bank.prepayment.authorize(ledger.prepayment.get_agreement(agreement_id).principal)
    event = bank.prepayment.fund(agreement_id)
    Output(as_json).result(
        {"id": event.id, "principal": money(event.principal), "margin": money(event.margin),
         "paid_to_seller": money(event.price), "seller": event.seller, "status": event.new_status},
        title="Prepayment funded",
    )


@app.command("buy-back")
@signed
def buy_back(
    agreement_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the bank, after maturity: call the seller's buy-back guarantee (the seller approved it)."""
    bank = signing.party()
    event = bank.prepayment.buy_back(agreement_id)
    Output(as_json).result(
        {"id": event.id, "seller": event.seller, "principal": money(event.principal),
         "interest": money(event.interest), "forfeited_margin": money(event.forfeited_margin),
         "collateral_applied": money(event.collateral_applied),
         "receipt": event.receipt_id, "quantity": event.quantity, "status": event.new_status},
        title="Prepayment bought back",
    )


@app.command()
@signed
def enforce(
    agreement_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the bank, after maturity + grace: take the unreleased goods and the collateral; the rest of principal
    and interest is recorded as the seller's debt. Needs nothing from the seller or the buyer."""
    bank = signing.party()
    event = bank.prepayment.enforce(agreement_id)
    Output(as_json).result(
        {"id": event.id, "seller": event.seller, "principal": money(event.principal),
         "interest": money(event.interest), "collateral_applied": money(event.collateral_applied),
         "debt": money(event.debt), "receipt": event.receipt_id, "quantity": event.quantity,
         "status": event.new_status},
        title="Prepayment guarantee enforced",
    )


@app.command("extend-deadline")
@signed
def extend_deadline(
    agreement_id: IdArg,
    to: Annotated[str, typer.Option("--to", help="the new delivery deadline: unix seconds, ISO date or +N[d|h|m|s]")],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the bank, extend the delivery deadline of a funded agreement (not past maturity)."""
    bank = signing.party()
    event = bank.prepayment.extend_delivery_deadline(agreement_id, parse_when(to, bank.ledger.chain.now()))
    Output(as_json).result(
        {"id": event.id, "old_deadline": _iso(event.old_deadline), "new_deadline": _iso(event.new_deadline)},
        title="Delivery deadline extended",
    )


@app.command("write-down")
@signed
def write_down(
    agreement_id: IdArg,
    amount: Annotated[int, typer.Argument(parser=parse_amount, metavar="AMOUNT", help="debt to write down")],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the bank, write down the seller's debt to it (e.g. by what the seized goods fetched)."""
    bank = signing.party()
    event = bank.prepayment.write_down_debt(agreement_id, amount)
    Output(as_json).result({"id": event.id, "written_down": money(event.amount),
                            "owed_to_bank": money(event.owed_to_bank)}, title="Debt written down")


# ---------------------------------------------------------------------------------------------- debt and claims
@app.command("repay-debt")
@signed
def repay_debt(
    agreement_id: IdArg,
    amount: Annotated[int | None, typer.Argument(parser=parse_amount, metavar="[AMOUNT]",
                                                 help="debt to repay")] = None,
    repay_all: Annotated[bool, typer.Option("--all", help="repay all recorded debt")] = False,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Repay the seller's recorded debt (approved first): the bank's share first, then the buyer's margin."""
    if (amount is None) == (not repay_all):
        raise fail("give the debt AMOUNT to repay, or --all")
    payer = signing.party()
    debt = payer.ledger.prepayment.get_agreement(agreement_id).debt
    units = debt if repay_all else amount
    assert units is not None
    if units == 0 or units > debt:
        raise fail(f"agreement {agreement_id} has {money(debt)['amount']} of recorded debt; cannot repay "
                   f"{money(units)['amount']}")
    payer.prepayment.authorize(units)
    event = payer.prepayment.repay_debt(agreement_id, units)
    Output(as_json).result(
        {"id": event.id, "to_bank": money(event.to_bank), "to_buyer": money(event.to_buyer),
         "owed_to_bank": money(event.owed_to_bank), "owed_to_buyer": money(event.owed_to_buyer)},
        title="Debt repaid",
    )


@app.command()
@signed
def claim(
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Withdraw the signer's claimable balance: released collateral (seller), refunded margin (buyer)."""
    party = signing.party()
    if party.ledger.prepayment.claimable(party.address) == 0:
        raise fail(f"{party.address} has nothing to claim")
    event = party.prepayment.claim()
    Output(as_json).result({"account": event.account, "claimed": money(event.amount)}, title="Claimed")


@app.command()
@signed
def refund(
    agreement_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """As the bank, after the delivery deadline without delivery: the seller's collateral pays the bank, then the
    buyer's margin; the rest is recorded as the seller's debt."""
    bank = signing.party()
    event = bank.prepayment.demand_refund(agreement_id)
    Output(as_json).result(
        {"id": event.id, "principal": money(event.principal), "interest": money(event.interest),
         "margin": money(event.margin), "collateral_applied": money(event.collateral_applied),
         "debt": money(event.debt), "status": event.new_status},
        title="Prepayment refunded",
    )


# ---------------------------------------------------------------------------------------------- warehouse and all
@app.command()
@signed
def deliver(
    agreement_id: IdArg,
    lot: Annotated[str, typer.Option(help="the warehouse's lot id (≤ 16 bytes)")],
    grade: Annotated[str, typer.Option(help="inspected grade")] = "",
    location: Annotated[str, typer.Option(help="warehouse site or bay")] = "",
    inspection: Annotated[Path | None, typer.Option(help="inspection certificate file (its SHA-256 is recorded)",
                                                    exists=True, dir_okay=False)] = None,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Confirm as the warehouse that the goods came in: issues the receipt, born pledged under the agreement."""
    warehouse = signing.party()
    digest = inspection_hash(inspection.read_bytes()) if inspection else None
    if not warehouse.receipts.is_issuer_approved(warehouse.address, warehouse.prepayment.address):
        warehouse.receipts.set_issuer_approval(warehouse.prepayment.address)  # lets it issue the receipt in our name
    event = warehouse.prepayment.confirm_delivery(agreement_id, lot, grade=grade, location=location,
                                                  inspection_hash=digest)
    Output(as_json).result(
        {"id": event.id, "receipt": event.receipt_id, "owner": event.buyer, "quantity": event.quantity,
         "status": event.new_status},
        title="Delivery confirmed",
    )


@app.command()
@signed
def cancel(
    agreement_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Withdraw (buyer) or decline (seller, bank) before funding; the margin goes back to the buyer."""
    party = signing.party()
    event = party.prepayment.cancel(agreement_id)
    Output(as_json).result({"id": event.id, "by": event.by, "margin_returned": money(event.margin_returned),
                            "status": event.new_status}, title="Prepayment cancelled")


# ---------------------------------------------------------------------------------------------- reads
@app.command()
def show(
    agreement_id: IdArg,
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """An agreement with its schedule, the next instalment due and the interest accrued now."""
    ledger = open_ledger(rpc, deployment)
    pp = ledger.prepayment
    a = pp.get_agreement(agreement_id)
    if a.status == PrepaymentStatus.NONE:
        raise fail(f"no prepayment agreement {agreement_id}")
    data = agreement_data(a, ledger.chain.now())
    data["schedule"] = [f"{_iso(i.due_date)}: {money(i.principal)['amount']}" for i in pp.get_schedule(agreement_id)]
    nxt = pp.next_instalment(agreement_id) if a.status == PrepaymentStatus.DELIVERED else None
    data["next_due"] = f"{_iso(nxt.due_date)}: {money(nxt.principal_due)['amount']}" if nxt else None
    Output(as_json).result(data, title=f"Prepayment {agreement_id}")


@app.command()
def quote(
    agreement_id: IdArg,
    principal: Annotated[int | None, typer.Option(parser=parse_amount, metavar="AMOUNT",
                                                  help="principal to repay (default: all outstanding)")] = None,
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """What the next step costs now: a repayment (and what it releases), and once overdue, buy-back or refund."""
    ledger = open_ledger(rpc, deployment)
    pp = ledger.prepayment
    a = pp.get_agreement(agreement_id)
    now = ledger.chain.now()
    data: dict[str, Any] = {"id": agreement_id, "status": a.status}
    if a.status == PrepaymentStatus.DELIVERED:
        q = pp.quote_repayment(agreement_id, principal if principal is not None else a.outstanding)
        data.update({"repay_principal": money(q.principal), "repay_interest": money(q.interest),
                     "repay_total": money(q.total), "releases_quantity": q.released_quantity})
        if now > a.maturity:
            b = pp.quote_buy_back(agreement_id)
            data.update({"buy_back_total": money(b.total), "forfeited_margin": money(b.forfeited_margin),
                         "buy_back_quantity": b.quantity,
                         "buy_back_from_seller": money(max(b.total - a.collateral_held, 0)),
                         "enforceable_from": _iso(a.enforceable_from),
                         "enforceable_now": now > a.enforceable_from})
    elif a.status == PrepaymentStatus.FUNDED:
        r = pp.quote_refund(agreement_id)
        data.update({"refund_total": money(r.total), "refund_interest": money(r.interest),
                     "refund_due": now > a.delivery_deadline})
    else:
        raise fail(f"agreement {agreement_id} is {a.status.name.lower()}: nothing to quote")
    Output(as_json).result(data, title=f"Prepayment {agreement_id} quote")
