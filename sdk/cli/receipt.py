"""`scf receipt`: electronic warehouse receipts, commodity prices, lending programs and pledge loans.

    scf receipt issue OWNER --commodity CU-CATHODE --unit kg --lot QD-0001 --quantity 10000   (warehouse)
    scf receipt price post CU-CATHODE 70.00                                                   (price feeder)
    scf receipt program open CU-CATHODE --rate-bps 550 --max-ltv-bps 7000 --margin-call-ltv-bps 8000 --cap 5000000.00
    scf receipt pledge PROGRAM RECEIPT 400000.00 --days 90                                    (owner)
    scf receipt repay LOAN 50000.00 --approve ; scf receipt release LOAN RECEIPT 2000
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sdk.cli.common import (
    DEFAULT_DEPLOYMENT,
    AddressArg,
    DeploymentOpt,
    JsonOpt,
    Output,
    RpcOpt,
    SigningOptions,
    fail,
    money,
    open_ledger,
    parse_address,
    parse_amount,
    signed,
)
from sdk.generated.events import PriceProposed
from sdk.ledger import Ledger
from sdk.warehouse import (
    MAX_UINT256,
    Feed,
    Loan,
    Program,
    Receipt,
    ReceiptTerms,
    accrued_interest,
    decode_code,
    inspection_hash,
)

app = typer.Typer(
    help="Warehouse receipts and pledge loans: issue, split, transfer, deliver, prices, programs, pledge, repay.",
    no_args_is_help=True,
)
price_app = typer.Typer(help="Commodity prices: list commodities, appoint feeders, post and show prices.",
                        no_args_is_help=True)
program_app = typer.Typer(help="Lending programs: a bank's fixed terms for pledge loans on one commodity.",
                          no_args_is_help=True)
app.add_typer(price_app, name="price")
app.add_typer(program_app, name="program")

IdArg = Annotated[int, typer.Argument(min=1, help="receipt id")]
LoanArg = Annotated[int, typer.Argument(min=1, help="loan id")]
ProgramArg = Annotated[int, typer.Argument(min=1, help="program id")]
QuantityArg = Annotated[int, typer.Argument(min=1, help="quantity in the receipt's unit (an integer)")]
AmountArg = Annotated[int, typer.Argument(parser=parse_amount, metavar="AMOUNT",
                                          help="amount with up to two decimals, e.g. 50000.00")]
CommodityArg = Annotated[str, typer.Argument(help="commodity code, e.g. CU-CATHODE (at most 16 bytes)")]
HOUR = 3_600
DAY = 86_400

def receipt_data(r: Receipt) -> dict[str, Any]:
    return {
        "id": r.id, "status": r.status.name.lower(), "owner": r.owner, "warehouse": r.warehouse,
        "quantity": r.quantity, "unit": r.unit, "commodity": r.commodity, "lot_id": r.lot_id,
        "parent_id": r.parent_id or None, "lien_holder": r.lien_holder, "issued_at": r.issued_at,
    }


def feed_data(f: Feed) -> dict[str, Any]:
    return {"commodity": f.commodity, "unit": f.unit, "price_per_unit": money(f.price), "observed_at": f.observed_at,
            "max_age_s": f.max_age}


def program_data(p: Program) -> dict[str, Any]:
    return {"id": p.id, "bank": p.bank, "commodity": p.commodity, "status": p.status.name.lower(),
            "rate_bps": p.rate_bps, "max_ltv_bps": p.max_ltv_bps, "margin_call_ltv_bps": p.margin_call_ltv_bps,
            "cure_period_s": p.cure_period, "max_tenor_s": p.max_tenor, "cap": money(p.cap),
            "outstanding": money(p.outstanding), "warehouses_listed": p.warehouses_listed,
            "borrowers_listed": p.borrowers_listed}


def loan_data(ledger: Ledger, loan: Loan) -> dict[str, Any]:
    principal, interest = ledger.loans.get_debt(loan.id)
    risk = ledger.loans.get_risk(loan.id)
    return {
        "id": loan.id, "status": loan.status.name.lower().replace("_", "-"), "borrower": loan.borrower,
        "bank": loan.bank, "program_id": loan.program_id, "principal": money(principal),
        "interest_to_date": money(interest), "maturity": loan.maturity,
        "margin_call_deadline": loan.margin_call_deadline or None, "receipts": list(loan.receipt_ids),
        "ltv_bps": risk.ltv_bps if risk.value else None, "price_fresh": risk.fresh,
        "shortfall": money(loan.shortfall),
    }


# ------------------------------------------------------------------------------------------ receipts
@app.command()
@signed
def issue(
    owner: AddressArg,
    commodity: Annotated[str, typer.Option("--commodity", help="Commodity code (price-feed key).")],
    unit: Annotated[str, typer.Option("--unit", help="Unit of the quantity, e.g. kg (at most 4 bytes).")],
    lot: Annotated[str, typer.Option("--lot", help="The warehouse's lot number (at most 16 bytes).")],
    quantity: Annotated[int, typer.Option("--quantity", min=1, help="Quantity in UNIT.")],
    grade: Annotated[str, typer.Option("--grade", help="Inspected grade.")] = "",
    location: Annotated[str, typer.Option("--location", help="Site or bay.")] = "",
    inspection_file: Annotated[
        Path | None, typer.Option("--inspection-file", help="Inspection certificate; only its SHA-256 is kept.")
    ] = None,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Issue a receipt to OWNER for a lot the signing warehouse holds (one live receipt per lot)."""
    digest = inspection_hash(inspection_file.read_bytes()) if inspection_file else None
    terms = ReceiptTerms(commodity=commodity, unit=unit, lot_id=lot, grade=grade, location=location,
                         inspection_hash=digest)
    warehouse = signing.party()
    ledger = warehouse.ledger
    event = warehouse.receipts.issue(owner, terms, quantity)
    Output(as_json).result(receipt_data(ledger.receipts.get_receipt(event.id)), title="Receipt issued")


@app.command()
def show(
    receipt_id: IdArg,
    rpc: RpcOpt = None, deployment: DeploymentOpt = DEFAULT_DEPLOYMENT, as_json: JsonOpt = False,
) -> None:
    """Show a receipt."""
    ledger = open_ledger(rpc, deployment)
    receipt = ledger.receipts.get_receipt(receipt_id)
    if receipt.status.value == 0:
        raise fail(f"no receipt {receipt_id}")
    issued = ledger.receipts.get_issue(receipt_id)  # grade, location and inspection hash live in the event
    Output(as_json).result({**receipt_data(receipt), "grade": decode_code(issued.grade),
                            "location": decode_code(issued.location),
                            "inspection_hash": "0x" + bytes(issued.inspection_hash).hex()},
                           title=f"Receipt {receipt_id}")


@app.command()
@signed
def split(
    receipt_id: IdArg,
    quantity: QuantityArg,
    to: Annotated[str | None, typer.Option("--to", parser=parse_address, help="Holder of the child (default: you).")]
    = None,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Split QUANTITY off a free receipt into a new child receipt."""
    holder = signing.party()
    ledger = holder.ledger
    event = holder.receipts.split(receipt_id, quantity, to)
    Output(as_json).result({"parent_id": event.id, "parent_quantity": event.parent_quantity,
                            "child": receipt_data(ledger.receipts.get_receipt(event.child_id))},
                           title="Receipt split")


@app.command()
@signed
def transfer(
    receipt_id: IdArg,
    to: AddressArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Pass title of a free receipt to TO (an active participant)."""
    holder = signing.party()
    event = holder.receipts.transfer(receipt_id, to)
    Output(as_json).result({"id": receipt_id, "from": event.from_, "to": event.to}, title="Receipt transferred")


@app.command()
@signed
def present(
    receipt_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Present a receipt to its warehouse for delivery out (approves the warehouse to burn it)."""
    holder = signing.party()
    event = holder.receipts.present(receipt_id)
    Output(as_json).result({"id": receipt_id, "holder": event.owner, "warehouse": event.approved},
                           title="Receipt presented")


@app.command()
@signed
def deliver(
    receipt_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Deliver the goods of a presented free receipt out of the signing warehouse and burn the receipt."""
    warehouse = signing.party()
    event = warehouse.receipts.deliver(receipt_id)
    Output(as_json).result({"id": event.id, "presenter": event.presenter, "quantity": event.quantity,
                            "lot_freed": event.lot_freed}, title="Goods delivered out")


# ------------------------------------------------------------------------------------------ prices
@price_app.command("list")
@signed
def price_list(
    commodity: CommodityArg,
    unit: Annotated[str, typer.Argument(help="unit prices are quoted per, e.g. kg")],
    max_age_hours: Annotated[int, typer.Option("--max-age-hours", min=1, help="A price older than this is stale.")]
    = 24,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """List a commodity (operator), or change its staleness limit."""
    operator = signing.party()
    ledger = operator.ledger
    operator.prices.list_commodity(commodity, unit, max_age_hours * HOUR)
    Output(as_json).result(feed_data(ledger.prices.get_feed(commodity)), title="Commodity listed")


@price_app.command("feeder")
@signed
def price_feeder(
    commodity: CommodityArg,
    feeder: AddressArg,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the appointment instead.")] = False,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Appoint (or remove) a price feeder for a commodity (operator)."""
    operator = signing.party()
    event = operator.prices.set_feeder(commodity, feeder, not remove)
    Output(as_json).result({"commodity": commodity, "feeder": event.feeder, "appointed": event.new_appointed},
                           title="Price feeder set")


@price_app.command("post")
@signed
def price_post(
    commodity: CommodityArg,
    price: Annotated[int, typer.Argument(parser=parse_amount, metavar="PRICE", help="price per unit, e.g. 70.00")],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Post a price per unit, observed now (appointed feeder)."""
    feeder = signing.party()
    ledger = feeder.ledger
    event = feeder.prices.post_price(commodity, price)
    if isinstance(event, PriceProposed):  # beyond the band: a second feeder must confirm it
        Output(as_json).result({"commodity": commodity, "proposed_price": money(event.price),
                                "observed_at": event.observed_at, "last_price": money(event.last_price),
                                "band_bps": event.band_bps, "needs": "confirmation by a second feeder"},
                               title="Price proposed")
        return
    Output(as_json).result(feed_data(ledger.prices.get_feed(commodity)), title="Price posted")


@price_app.command("confirm")
@signed
def price_confirm(
    commodity: CommodityArg,
    price: Annotated[int, typer.Argument(parser=parse_amount, metavar="PRICE", help="the proposed price, e.g. 49.00")],
    observed_at: Annotated[int, typer.Argument(min=1, help="the proposal's observation time (unix seconds)")],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Confirm another feeder's out-of-band price proposal (a second appointed feeder)."""
    feeder = signing.party()
    feeder.prices.confirm_price(commodity, price, observed_at)
    Output(as_json).result(feed_data(feeder.ledger.prices.get_feed(commodity)), title="Price confirmed")


@price_app.command("band")
@signed
def price_band(
    commodity: CommodityArg,
    band_bps: Annotated[int, typer.Argument(min=0, max=65_535, help="bps of the latest price; 0 turns it off")],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Set the band beyond which a price post needs a second feeder (operator)."""
    operator = signing.party()
    event = operator.prices.set_price_band(commodity, band_bps)
    Output(as_json).result({"commodity": commodity, "band_bps": event.new_band_bps}, title="Price band set")


@price_app.command("show")
def price_show(
    commodity: CommodityArg,
    rpc: RpcOpt = None, deployment: DeploymentOpt = DEFAULT_DEPLOYMENT, as_json: JsonOpt = False,
) -> None:
    """Show a commodity's latest price and whether it is fresh."""
    ledger = open_ledger(rpc, deployment)
    feed = ledger.prices.get_feed(commodity)
    if not feed.listed:
        raise fail(f"commodity {commodity} is not listed")
    Output(as_json).result({**feed_data(feed), "fresh": feed.is_fresh(ledger.chain.now())}, title=commodity)


# ------------------------------------------------------------------------------------------ programs
@program_app.command("open")
@signed
def program_open(
    commodity: CommodityArg,
    rate_bps: Annotated[int, typer.Option("--rate-bps", min=0, max=10_000, help="Yearly rate, actual/365.")],
    max_ltv_bps: Annotated[int, typer.Option("--max-ltv-bps", min=1, max=10_000, help="Loan limit.")],
    margin_call_ltv_bps: Annotated[int, typer.Option("--margin-call-ltv-bps", min=1, max=10_000)],
    cap: Annotated[int, typer.Option("--cap", parser=parse_amount, metavar="AMOUNT",
                                     help="Most principal outstanding under the program at once, e.g. 5000000.00.")],
    cure_days: Annotated[int, typer.Option("--cure-days", min=1, help="Days to cure a margin call.")] = 3,
    max_tenor_days: Annotated[int, typer.Option("--max-tenor-days", min=1, help="Longest maturity.")] = 180,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Open a lending program (bank). Then `scf receipt program fund AMOUNT` lets the loan book pay borrowers."""
    bank = signing.party()
    ledger = bank.ledger
    event = bank.loans.open_program(commodity, rate_bps=rate_bps, max_ltv_bps=max_ltv_bps,
                                    margin_call_ltv_bps=margin_call_ltv_bps, cure_period=cure_days * DAY,
                                    max_tenor=max_tenor_days * DAY, cap=cap)
    Output(as_json).result(program_data(ledger.loans.get_program(event.program_id)), title="Program opened")


@program_app.command("fund")
@signed
def program_fund(
    amount: AmountArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Let the loan book pay out up to AMOUNT of the signing bank's tokens to borrowers (token approval)."""
    bank = signing.party()
    ledger = bank.ledger
    bank.token.approve(ledger.loans.address, amount)
    Output(as_json).result({"bank": bank.address, "loan_book": ledger.loans.address, "approved": money(amount)},
                           title="Funding approved")


@program_app.command("close")
@signed
def program_close(
    program_id: ProgramArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Close a program to new loans (its bank); open loans keep its terms."""
    bank = signing.party()
    ledger = bank.ledger
    bank.loans.close_program(program_id)
    Output(as_json).result(program_data(ledger.loans.get_program(program_id)), title="Program closed")


@program_app.command("show")
def program_show(
    program_id: ProgramArg,
    rpc: RpcOpt = None, deployment: DeploymentOpt = DEFAULT_DEPLOYMENT, as_json: JsonOpt = False,
) -> None:
    """Show a lending program."""
    ledger = open_ledger(rpc, deployment)
    program = ledger.loans.get_program(program_id)
    if program.status.value == 0:
        raise fail(f"no program {program_id}")
    Output(as_json).result(program_data(program), title=f"Program {program_id}")


# ------------------------------------------------------------------------------------------ loans
@app.command()
@signed
def pledge(
    program_id: ProgramArg,
    receipt_id: IdArg,
    amount: AmountArg,
    days: Annotated[int, typer.Option("--days", min=1, help="Maturity in days from now.")] = 90,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Pledge a free receipt under a program and receive AMOUNT from its bank in the same transaction."""
    owner = signing.party()
    ledger = owner.ledger
    event = owner.loans.pledge(program_id, receipt_id, amount, ledger.chain.now() + days * DAY)
    Output(as_json).result({**loan_data(ledger, ledger.loans.get_loan(event.loan_id)), "limit": money(event.limit),
                            "price": money(event.price)}, title="Loan opened")


@app.command()
@signed
def repay(
    loan_id: LoanArg,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT|all", help="amount, e.g. 50000.00, or `all`")],
    approve: Annotated[bool, typer.Option("--approve/--no-approve",
                                          help="Approve the loan book for the payment first (as `receivable repay` "
                                          "does); --no-approve when an allowance is already in place.")] = True,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Repay a loan (interest first, then principal), straight to the bank; `all` repays and releases every receipt."""
    payer = signing.party()
    ledger = payer.ledger
    units = MAX_UINT256 if amount.strip().lower() == "all" else parse_amount(amount)
    if approve:
        allowance = units
        if units == MAX_UINT256:  # the debt as of now plus an hour of interest: it grows until the tx is mined
            principal, interest = ledger.loans.get_debt(loan_id)
            rate = ledger.loans.get_program(ledger.loans.get_loan(loan_id).program_id).rate_bps
            allowance = principal + interest + accrued_interest(principal, rate, HOUR)
        payer.token.approve(ledger.loans.address, allowance)
    event = payer.loans.repay(loan_id, units)
    Output(as_json).result({"loan_id": loan_id, "paid": money(event.amount),
                            "interest_paid": money(event.interest_paid),
                            "principal_paid": money(event.principal_paid), "principal": money(event.principal),
                            "status": event.new_status.name.lower().replace("_", "-")}, title="Loan repaid")


@app.command()
@signed
def release(
    loan_id: LoanArg,
    receipt_id: IdArg,
    quantity: QuantityArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Release QUANTITY of a pledged receipt to the borrower, within max LTV at a fresh price."""
    borrower = signing.party()
    event = borrower.loans.release(loan_id, receipt_id, quantity)
    Output(as_json).result({"loan_id": loan_id, "released_receipt_id": event.released_receipt_id,
                            "quantity": event.quantity, "still_pledged": event.pledged_quantity,
                            "ltv_bps": event.ltv_bps}, title="Goods released")


@app.command("add-collateral")
@signed
def add_collateral(
    loan_id: LoanArg,
    receipt_id: IdArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Pledge another receipt to a loan (cures a margin call once within max LTV)."""
    borrower = signing.party()
    ledger = borrower.ledger
    borrower.loans.add_collateral(loan_id, receipt_id)
    Output(as_json).result(loan_data(ledger, ledger.loans.get_loan(loan_id)), title="Collateral added")


@app.command("margin-call")
@signed
def margin_call(
    loan_id: LoanArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Call margin on a loan whose LTV exceeds its margin-call LTV (anyone)."""
    caller = signing.party()
    event = caller.loans.call_margin(loan_id)
    Output(as_json).result({"loan_id": loan_id, "ltv_bps": event.ltv_bps, "deadline": event.deadline,
                            "price": money(event.price)}, title="Margin called")


@app.command()
@signed
def cure(
    loan_id: LoanArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Lift a margin call once LTV is back within max LTV at a fresh price (anyone)."""
    caller = signing.party()
    event = caller.loans.cure(loan_id)
    Output(as_json).result({"loan_id": loan_id, "ltv_bps": event.ltv_bps}, title="Margin call cured")


@app.command()
@signed
def foreclose(
    loan_id: LoanArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Take the goods that cover the debt (the rest goes back to the borrower free) after an uncured margin call
    still breached at a fresh price, or an unpaid maturity (the lending bank)."""
    bank = signing.party()
    event = bank.loans.foreclose(loan_id)
    Output(as_json).result({"loan_id": loan_id, "principal": money(event.principal),
                            "interest": money(event.interest), "quantity": event.quantity,
                            "seized_quantity": event.seized_quantity,
                            "collateral_value": money(event.collateral_value), "shortfall": money(event.shortfall)},
                           title="Loan foreclosed")


@app.command()
def loan(
    loan_id: LoanArg,
    rpc: RpcOpt = None, deployment: DeploymentOpt = DEFAULT_DEPLOYMENT, as_json: JsonOpt = False,
) -> None:
    """Show a loan with its debt to date and LTV."""
    ledger = open_ledger(rpc, deployment)
    record = ledger.loans.get_loan(loan_id)
    if record.status.value == 0:
        raise fail(f"no loan {loan_id}")
    Output(as_json).result(loan_data(ledger, record), title=f"Loan {loan_id}")
