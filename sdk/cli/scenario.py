"""The demo scenario behind `scf demo`: a realistic supply chain around one equipment maker.

The cast follows ../shared/DOMAIN.md: a core enterprise (an equipment maker), three tiers of suppliers, a
distributor, two banks at the seeds' rates (a large state bank at 5.5 %, a city commercial bank at 7.0 %), a
warehouse, a price feeder and the regulator.

The scenario is a list of stages (:data:`STAGES`). Each runs as soon as its feature exists; a stage whose feature
has not landed yet is listed as pending, with the reason. Stages share a :class:`DemoContext` and record what
happened in its :class:`Summary`, which becomes the tables and the JSON object `scf demo` prints.

Demo keys are derived from public labels: they are for local demonstration chains only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from sdk.chain import Chain
from sdk.display import FragmentId
from sdk.errors import ContractError, LedgerError
from sdk.ledger import Ledger, Party
from sdk.money import format_units, to_units
from sdk.types import Role

if TYPE_CHECKING:
    from gateway.core.config import Settings
    from gateway.indexer import Indexer

YEAR = 365 * 86_400
DAY = 86_400
GAS_FUNDING = 10**21  # wei of the chain's native coin per cast member, for gas only


@dataclass(frozen=True)
class Actor:
    """One member of the cast."""

    key: str
    name: str
    short: str  # for narrow tables
    roles: tuple[Role, ...]
    what: str
    identity: str  # unified social credit code (fictitious); only its hash goes on chain
    rate_bps: int | None = None  # banks: discount / lending rate per year


CAST: tuple[Actor, ...] = (
    Actor("core", "Huaxia Heavy Equipment Co., Ltd.", "Huaxia Equipment", (Role.CORE_ENTERPRISE,),
          "core enterprise: builds excavators and cranes", "91310000MA1HX0001A"),
    Actor("tier1", "Jiangnan Precision Gearbox Co.", "Jiangnan Gearbox (T1)", (Role.SUPPLIER,),
          "tier-1 supplier: gearboxes", "91320500MA1JN0002B"),
    Actor("tier2", "Taihu Steel Castings Co.", "Taihu Castings (T2)", (Role.SUPPLIER,),
          "tier-2 supplier: gearbox housings", "91320500MA1TH0003C"),
    Actor("tier3", "Anhui Alloy & Ore Trading Co.", "Anhui Alloy (T3)", (Role.SUPPLIER,),
          "tier-3 supplier: alloy steel", "91340100MA1AH0004D"),
    Actor("distributor", "Northern Machinery Distribution Co.", "Northern Distribution", (Role.DISTRIBUTOR,),
          "distributor: buys equipment for resale", "91210100MA1NM0005E"),
    Actor("bank1", "Large State Bank, Shanghai Branch", "Large State Bank", (Role.BANK,),
          "large bank: SME rate 5.5 %/yr (seed 003)", "91310000MA1LS0006F", rate_bps=550),
    Actor("bank2", "City Commercial Bank of Suzhou", "City Commercial Bank", (Role.BANK,),
          "city commercial bank: SME rate 7.0 %/yr (seed 002)", "91320500MA1CC0007G", rate_bps=700),
    Actor("warehouse", "Yangshan Bonded Logistics Warehouse", "Yangshan Warehouse", (Role.WAREHOUSE_OPERATOR,),
          "licensed warehouse: issues receipts for goods it holds", "91310000MA1YS0008H"),
    Actor("feeder", "Shanghai Metals Price Feed", "Metals Price Feed", (Role.PRICE_FEEDER,),
          "price feeder: posts commodity prices", "91310000MA1PF0009J"),
    Actor("regulator", "Regional Financial Regulatory Bureau", "Regulator", (Role.REGULATOR,),
          "regulator: reads everything, changes nothing", "11310000MA1RG0010K"),
    # the risk-pool stage (issue 13): a second buyer that fails to pay, and the pool's two outside contributors
    Actor("core2", "Donghai Marine Engines Co., Ltd.", "Donghai Engines", (Role.CORE_ENTERPRISE,),
          "core enterprise: builds marine engines; fails to pay one invoice", "91330200MA1DH0011L"),
    Actor("fund", "Provincial SME Credit Guarantee Fund", "Guarantee Fund", (Role.RISK_POOL_CONTRIBUTOR,),
          "government guarantee fund: 40 % of the risk pool", "12330000MA1GF0012M"),
    Actor("insurer", "Eastern Credit Insurance Co.", "Credit Insurer", (Role.RISK_POOL_CONTRIBUTOR,),
          "credit insurer: 40 % of the risk pool", "91310000MA1EI0013N"),
)
OPERATOR_NAME = "SCF Consortium (operator)"


def demo_key(label: str) -> LocalAccount:
    """A deterministic demo key: public knowledge, for local demo chains only."""
    acct: LocalAccount = Account.from_key(keccak(text=f"scf-ledger-demo:{label}"))
    return acct


def money(units: int) -> dict[str, Any]:
    return {"amount": format_units(units), "units": units}


@dataclass
class Summary:
    """What the demo did, in the shape `scf demo --json` prints."""

    chain: str
    workdir: str
    participants: list[dict[str, Any]] = field(default_factory=list)
    deposits: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    receivables: list[dict[str, Any]] = field(default_factory=list)
    fragments: list[dict[str, Any]] = field(default_factory=list)
    financings: list[dict[str, Any]] = field(default_factory=list)
    repayments: list[dict[str, Any]] = field(default_factory=list)
    payouts: list[dict[str, Any]] = field(default_factory=list)
    warehouse_receipts: list[dict[str, Any]] = field(default_factory=list)
    loans: list[dict[str, Any]] = field(default_factory=list)
    prepayments: list[dict[str, Any]] = field(default_factory=list)
    credit_profiles: list[dict[str, Any]] = field(default_factory=list)
    credit_lines: list[dict[str, Any]] = field(default_factory=list)
    risk_pool: dict[str, Any] = field(default_factory=dict)
    events_indexed: int = 0
    database: str | None = None
    stages: list[dict[str, Any]] = field(default_factory=list)
    deployment: dict[str, Any] = field(default_factory=dict)
    transactions: int = 0

    def to_json(self) -> dict[str, Any]:
        financed = sum(int(f["price"]["units"]) for f in self.financings)  # cash the banks paid out
        # Financed money only: what came back to the banks (with interest); a debtor's payment to a supplier still
        # holding its own fragment is trade settlement, counted in `total_paid_by_debtors` alone.
        repaid = sum(int(r["to_banks"]["units"]) for r in self.repayments if "to_banks" in r)
        paid = sum(int(r["amount"]["units"]) for r in self.repayments if "amount" in r)
        return {
            "chain": self.chain,
            "workdir": self.workdir,
            "participants": self.participants,
            "deposits": self.deposits,
            "payments": self.payments,
            "refusals": self.refusals,
            "receivables": self.receivables,
            "fragments": self.fragments,
            "financings": self.financings,
            "repayments": self.repayments,
            "payouts": self.payouts,
            "total_financed": money(financed),
            "total_repaid": money(repaid),
            "total_paid_by_debtors": money(paid),
            "warehouse_receipts": self.warehouse_receipts,
            "loans": self.loans,
            "prepayments": self.prepayments,
            "credit_profiles": self.credit_profiles,
            "credit_lines": self.credit_lines,
            "risk_pool": self.risk_pool,
            "events_indexed": self.events_indexed,
            "database": self.database,
            "transactions": self.transactions,
            "stages": self.stages,
            "deployment": self.deployment,
        }


@dataclass(frozen=True)
class GatewayOptions:
    """Where the demo's gateway will be served (the login messages name it)."""

    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass
class DemoContext:
    """What stages share: the chain, the ledger once deployed, the cast's parties, and the summary."""

    chain: Chain
    workdir: Path
    summary: Summary
    log: Callable[[str], None]
    ledger: Ledger | None = None
    operator: Party | None = None
    parties: dict[str, Party] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=lambda: {a.key: a for a in CAST})
    state: dict[str, Any] = field(default_factory=dict)  # what one stage hands to a later one
    gateway: GatewayOptions = field(default_factory=lambda: GatewayOptions())
    indexer: Indexer | None = None  # the gateway's indexer, once the ledger exists
    gateway_settings: Settings | None = None
    index_seconds: float = 0.0

    @property
    def deployed(self) -> Ledger:
        if self.ledger is None:
            raise LedgerError("the ledger is not deployed yet")
        return self.ledger

    def party(self, key: str) -> Party:
        return self.parties[key]

    def name(self, address: str) -> str:
        for key, party in self.parties.items():
            if party.address == address:
                return self.actors[key].short
        if self.operator is not None and self.operator.address == address:
            return OPERATOR_NAME
        return address


@dataclass(frozen=True)
class Stage:
    """One step of the scenario. `run` is None while the feature it shows has not landed."""

    key: str
    title: str
    run: Callable[[DemoContext], None] | None
    pending_reason: str = ""


# ------------------------------------------------------------------------------------------------ stages
def stage_deploy(ctx: DemoContext) -> None:
    operator = demo_key("operator")
    ctx.chain.fund(operator.address, GAS_FUNDING)
    ctx.ledger = Ledger.deploy(ctx.chain, operator)
    ctx.operator = ctx.ledger.as_party(operator)
    path = ctx.ledger.save(ctx.workdir / "deployment.json")
    ctx.summary.deployment = {"file": str(path), **ctx.ledger.deployment.to_json()}
    ctx.log(f"deployed the ledger ({', '.join(sorted(ctx.ledger.deployment.contracts))}); addresses in {path}")


def stage_admit(ctx: DemoContext) -> None:
    ledger, operator = ctx.deployed, ctx.operator
    assert operator is not None
    # The story moves the chain's clock about a year on (maturities, a 90-day line, a foreclosure), and the gateway
    # it serves at the end signs parties in only while their KYC is current: two years' review cycle covers both.
    expiry = ctx.chain.now() + 2 * YEAR
    for actor in CAST:
        acct = demo_key(actor.key)
        ctx.chain.fund(acct.address, GAS_FUNDING)
        operator.registry.admit(acct.address, actor.roles, actor.identity, expiry, name=actor.name)
        ctx.parties[actor.key] = ledger.as_party(acct)
    ctx.log(f"the operator admitted {len(CAST)} participants after KYC (valid one year), each under its display "
            "name")
    (ctx.workdir / "cast.json").write_text(
        json.dumps({a.key: {"name": a.name, "address": ctx.parties[a.key].address} for a in CAST}, indent=2) + "\n",
        encoding="utf-8",
    )


#: Off-chain deposits the banks turn into settlement tokens: (bank, account, amount, reference).
DEPOSITS: tuple[tuple[str, str, str, str], ...] = (
    ("bank1", "bank1", "20000000.00", "LSB treasury funding"),
    ("bank2", "bank2", "10000000.00", "CCB treasury funding"),
    ("bank1", "core", "8000000.00", "HX operating account"),
    ("bank2", "distributor", "1500000.00", "NM operating account"),
    ("bank2", "tier1", "250000.00", "JN operating account"),
    ("bank2", "tier2", "90000.00", "TH operating account"),
    ("bank1", "tier3", "40000.00", "AH operating account"),
)

#: Trade paid in settlement tokens: (payer, payee, amount, what for).
PAYMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("distributor", "core", "600000.00", "cash purchase: 2 compact excavators"),
    ("core", "tier1", "120000.00", "10 % advance on a gearbox order"),
    ("tier1", "tier2", "45000.00", "gearbox housings, cash on delivery"),
    ("tier2", "tier3", "18000.00", "alloy steel, cash on delivery"),
)


#: Mint allowance the operator grants each bank: a budget of new issuance (burning does not restore it). It covers
#: the deposits above and bank1's end-customer payments in the prepayment stage.
MINT_ALLOWANCE = "50000000.00"


def stage_deposits(ctx: DemoContext) -> None:
    assert ctx.operator is not None
    banks = sorted({bank for bank, *_ in DEPOSITS})
    for bank in banks:
        ctx.operator.token.set_mint_allowance(ctx.party(bank).address, to_units(MINT_ALLOWANCE))
    ctx.log(f"the operator set a mint allowance of {MINT_ALLOWANCE} for each bank")
    for bank, account, amount, ref in DEPOSITS:
        units = to_units(amount)
        ctx.party(bank).token.mint(ctx.party(account).address, units, ref[:32])
        ctx.summary.deposits.append({
            "bank": ctx.actors[bank].short, "account": ctx.actors[account].short, "amount": money(units), "ref": ref,
        })
    total = sum(to_units(d[2]) for d in DEPOSITS)
    ctx.log(f"banks minted {format_units(total)} in settlement tokens against off-chain deposits")


def stage_payments(ctx: DemoContext) -> None:
    for payer, payee, amount, what in PAYMENTS:
        units = to_units(amount)
        ctx.party(payer).token.transfer(ctx.party(payee).address, units)
        ctx.summary.payments.append({
            "from": ctx.actors[payer].short, "to": ctx.actors[payee].short, "amount": money(units), "for": what,
        })
    # The compliance rule at work: money can't leave the circle of admitted participants.
    outsider = demo_key("unregistered trading company")
    try:
        ctx.party("tier3").token.transfer(outsider.address, to_units("5000.00"))
        raise LedgerError("a transfer to an unregistered address was accepted")  # would be a ledger bug
    except ContractError as err:
        ctx.summary.refusals.append({
            "action": "tier-3 supplier pays 5000.00 to an unregistered company",
            "error": type(err).__name__,
            "fields": {k: _readable(ctx, v, k) for k, v in err.fields.items()},
        })
    ctx.log(f"{len(PAYMENTS)} trade payments settled in tokens; a payment to an unregistered company was refused")


def _readable(ctx: DemoContext, value: Any, key: str = "") -> Any:
    if key in ("amount", "value") and isinstance(value, int):
        return format_units(value)
    if hasattr(value, "name"):  # an enum
        return value.name
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return ctx.name(value)
    return value


def stage_balances(ctx: DemoContext) -> None:
    ledger = ctx.deployed
    for actor in CAST:
        party = ctx.party(actor.key)
        participant = ledger.registry.get_participant(party.address)
        ctx.summary.participants.append({
            "key": actor.key,
            "name": actor.name,
            "short": actor.short,
            "roles": sorted(r.name.lower().replace("_", "-") for r in participant.roles),
            "what": actor.what,
            "address": party.address,
            "standing": participant.standing.name.lower(),
            "balance": money(ledger.token.balance_of(party.address).units),
            **({"rate_bps": actor.rate_bps} if actor.rate_bps is not None else {}),
        })


# ------------------------------------------------------------------------------------------------ receivables
#: The tier-1 invoice: (face, days to maturity, invoice text, purchase order text).
INVOICE = ("1200000.00", 90, "INV-JN-2026-0417: 40 planetary gearboxes for HX-360 excavators",
           "PO-HX-2026-0088")
#: Splits down the tiers: (holder, receiver, amount, what for).
SPLITS: tuple[tuple[str, str, str, str], ...] = (
    ("tier1", "tier2", "500000.00", "pays for gearbox housings"),
    ("tier2", "tier3", "200000.00", "pays for alloy steel"),
)
#: Discounts: (holder, bank, with recourse).
DISCOUNTS: tuple[tuple[str, str, bool], ...] = (("tier1", "bank1", False), ("tier3", "bank2", True))
#: Exposure limits the banks set on the core enterprise.
EXPOSURE_LIMITS: tuple[tuple[str, str], ...] = (("bank1", "5000000.00"), ("bank2", "2000000.00"))


def _fragment_label(fragment: int) -> str:
    return str(FragmentId(fragment))  # the human form, ROOT.INDEX, as everywhere (sdk.display)


def stage_receivables(ctx: DemoContext) -> None:
    core = ctx.party("core")
    for bank, limit in EXPOSURE_LIMITS:
        ctx.party(bank).receivables.set_exposure_limit(core.address, to_units(limit))
    face, days, invoice, po = INVOICE
    due = ctx.chain.now() + days * DAY
    registered = ctx.party("tier1").receivables.register(core.address, to_units(face), due, invoice, po)
    confirmed = core.receivables.confirm(registered.root_id)  # only the debtor's own key can do this
    ctx.state["root"] = registered.root_id
    holding = {"tier1": registered.fragment_id}
    for holder, receiver, amount, _ in SPLITS:
        offered = ctx.party(holder).receivables.offer(holding[holder], ctx.party(receiver).address, to_units(amount))
        accepted = ctx.party(receiver).receivables.accept(offered.offer_id)
        holding[receiver] = accepted.child_id
    for holder, bank, recourse in DISCOUNTS:
        fragment = holding[holder]
        rate = ctx.actors[bank].rate_bps
        assert rate is not None
        ctx.party(holder).receivables.request_discount(fragment, ctx.party(bank).address, rate,
                                                       with_recourse=recourse)
        funded = ctx.party(bank).receivables.discount(fragment)
        ctx.summary.financings.append({
            "mode": "receivable discount",
            "fragment": _fragment_label(fragment),
            "bank": ctx.actors[bank].short,
            "seller": ctx.actors[holder].short,
            "face": money(funded.value),
            "rate": f"{funded.rate_bps / 100:.2f} %",
            "rate_bps": funded.rate_bps,
            "days": funded.days_to_maturity,
            "price": money(funded.price),
            "cost": money(funded.value - funded.price),
            "with_recourse": funded.with_recourse,
        })
    rc = ctx.deployed.receivables
    receivable = rc.get_receivable(registered.root_id)
    ctx.summary.receivables.append({
        "id": receivable.id,
        "seller": ctx.actors["tier1"].short,
        "debtor": ctx.actors["core"].short,
        "face": money(receivable.face_value),
        "due_date": receivable.due_date,
        "invoice_hash": "0x" + registered.invoice_hash.hex(),
        "status": receivable.status.name.lower(),
        "confirmed_by": ctx.name(confirmed.debtor),
    })
    _record_fragments(ctx, registered.root_id)
    ctx.log(f"tier 1's invoice of {face} confirmed by the core enterprise, split to tiers 2 and 3, and "
            f"discounted at both banks ({len(DISCOUNTS)} financings)")


def _record_fragments(ctx: DemoContext, root: int) -> None:
    ctx.summary.fragments = [
        {
            "id": _fragment_label(f.id),
            "parent": _fragment_label(f.parent_id) if f.parent_id else None,
            "holder": ctx.name(f.holder),
            "value": money(f.value),
            "paid": money(f.paid),
            "status": f.status.name.lower(),
            "financed": f.financed,
        }
        for f in ctx.deployed.receivables.list_fragments(root)
    ]


def stage_maturity(ctx: DemoContext) -> None:
    root = int(ctx.state["root"])
    rc = ctx.deployed.receivables
    receivable = rc.get_receivable(root)
    # On the due date, a minute before it ends: late means block time after the due date, as the contract has it.
    ctx.chain.travel_to(receivable.due_date - 60)
    repaid = ctx.party("core").receivables.repay(root, receivable.face_value)
    if repaid.late:
        raise LedgerError(f"the demo's repayment of receivable {root} was mined after its due date")
    # Anyone may push the payouts; the regulator only reads, so the operator does it here.
    assert ctx.operator is not None
    paid = ctx.operator.receivables.distribute_all(root)
    banks = {ctx.party(key).address for key in ("bank1", "bank2")}
    for payout in paid:
        ctx.summary.payouts.append({
            "fragment": _fragment_label(payout.fragment_id),
            "holder": ctx.name(payout.holder),
            "amount": money(payout.amount),
            "to_bank": payout.holder in banks,
        })
    ctx.summary.repayments.append({
        "mode": "receivable",
        "receivable": root,
        "payer": ctx.actors["core"].short,
        "amount": money(repaid.amount),
        # what reached the banks that discounted fragments; the rest went to the suppliers still holding theirs
        "to_banks": money(sum(p.amount for p in paid if p.holder in banks)),
        "late": repaid.late,
        "status": repaid.new_status.name.lower(),
    })
    ctx.summary.receivables[-1]["status"] = rc.get_receivable(root).status.name.lower()
    _record_fragments(ctx, root)
    total = sum(p.amount for p in paid)
    ctx.log(f"at maturity the core enterprise repaid {format_units(repaid.amount)}; {len(paid)} holders were paid "
            f"{format_units(total)} in one distribution")


# ------------------------------------------------------------------------------------------------ warehouse
COMMODITY = ("CU-CATHODE", "kg")
LOT = ("YS-LOT-0001", "LME-A", "SH-YANGSHAN-2")
QUANTITY_KG = 10_000
#: Prices in cents per kg: at pledging, after the drop, a month later.
PRICES = {"pledge": "70.00", "drop": "58.00", "recovered": "60.00"}
PRINCIPAL, CURE_REPAYMENT, LOAN_DAYS = "480000.00", "100000.00", 90
PROGRAM = {"max_ltv_bps": 7_000, "margin_call_ltv_bps": 8_000, "cure_days": 3, "max_tenor_days": 180}
PROGRAM_CAP = "50000000.00"  # the bank lends at most this much outstanding under the program


def stage_warehouse(ctx: DemoContext) -> None:
    from sdk.warehouse import ReceiptTerms, inspection_hash

    assert ctx.operator is not None
    commodity, unit = COMMODITY
    lot, grade, location = LOT
    feeder, bank, owner, warehouse = (ctx.party(k) for k in ("feeder", "bank1", "tier3", "warehouse"))
    ctx.operator.prices.list_commodity(commodity, unit, DAY)
    ctx.operator.prices.set_feeder(commodity, feeder.address)
    _post_price(ctx, to_units(PRICES["pledge"]))
    rate = ctx.actors["bank1"].rate_bps
    assert rate is not None
    program = bank.loans.open_program(
        commodity, rate_bps=rate, max_ltv_bps=PROGRAM["max_ltv_bps"],
        margin_call_ltv_bps=PROGRAM["margin_call_ltv_bps"], cure_period=PROGRAM["cure_days"] * DAY,
        max_tenor=PROGRAM["max_tenor_days"] * DAY, cap=to_units(PROGRAM_CAP),
    )
    ctx.state["program"] = program.program_id
    bank.token.approve(ctx.deployed.loans.address, to_units("100000000.00"))  # the loan book funds from here
    terms = ReceiptTerms(commodity=commodity, unit=unit, lot_id=lot, grade=grade, location=location,
                         inspection_hash=inspection_hash(f"inspection certificate of {lot}"))
    issued = warehouse.receipts.issue(owner.address, terms, QUANTITY_KG)
    principal = to_units(PRINCIPAL)
    opened = owner.loans.pledge(program.program_id, issued.id, principal, ctx.chain.now() + LOAN_DAYS * DAY)
    # The price of copper falls; the loan's LTV breaks its margin-call level and the bank calls margin.
    _post_price(ctx, to_units(PRICES["drop"]))
    called = bank.loans.call_margin(opened.loan_id)
    # The owner cures by repaying part of the loan, then repays the rest a month later at a recovered price.
    owner.token.approve(ctx.deployed.loans.address, to_units("100000000.00"))
    cured = owner.loans.repay(opened.loan_id, to_units(CURE_REPAYMENT))
    ctx.chain.increase_time(30 * DAY)
    _post_price(ctx, to_units(PRICES["recovered"]))
    final = owner.loans.repay_in_full(opened.loan_id)
    owner.receipts.present(issued.id)
    delivered = warehouse.receipts.deliver(issued.id)
    interest = cured.interest_paid + final.interest_paid
    receipt = ctx.deployed.receipts.get_receipt(issued.id)
    ctx.summary.warehouse_receipts.append({
        "id": issued.id, "warehouse": ctx.actors["warehouse"].short, "owner": ctx.actors["tier3"].short,
        "commodity": commodity, "quantity": QUANTITY_KG, "unit": unit, "lot": lot,
        "status": receipt.status.name.lower(),
    })
    ctx.summary.loans.append({
        "id": opened.loan_id, "bank": ctx.actors["bank1"].short, "borrower": ctx.actors["tier3"].short,
        "receipt": issued.id, "principal": money(opened.principal), "rate_bps": opened.rate_bps,
        "rate": f"{opened.rate_bps / 100:.2f} %", "ltv_at_opening_bps": opened.ltv_bps,
        "margin_call_ltv_bps": called.ltv_bps, "cured_by": money(cured.amount),
        "interest": money(interest), "status": final.new_status.name.lower(),
    })
    ctx.summary.financings.append({
        "mode": "warehouse-receipt pledge", "fragment": None, "bank": ctx.actors["bank1"].short,
        "seller": ctx.actors["tier3"].short, "face": money(opened.principal), "rate": f"{opened.rate_bps / 100:.2f} %",
        "rate_bps": opened.rate_bps, "days": None, "price": money(opened.principal), "cost": money(interest),
        "with_recourse": None,
    })
    ctx.summary.repayments.append({
        "mode": "pledge loan", "loan": opened.loan_id, "payer": ctx.actors["tier3"].short,
        "amount": money(cured.amount + final.amount), "to_banks": money(cured.amount + final.amount), "late": False,
        "status": final.new_status.name.lower(),
    })
    ctx.log(f"copper receipt pledged for {format_units(principal)}; the price fell to {PRICES['drop']}, margin "
            f"was called at LTV {called.ltv_bps / 100:.2f} %, cured, and the loan repaid with "
            f"{format_units(interest)} interest; the goods left the warehouse (lot freed: {delivered.lot_freed})")


def _post_price(ctx: DemoContext, price: int) -> None:
    feed = ctx.deployed.prices.get_feed(COMMODITY[0])
    if ctx.chain.now() <= feed.observed_at:  # observations must be strictly newer
        ctx.chain.increase_time(1)
    ctx.party("feeder").prices.post_price(COMMODITY[0], price, ctx.chain.now())


# ------------------------------------------------------------------------------------------------ prepayment
#: The distributor buys excavators from the core enterprise; the city commercial bank funds the rest of the price.
GOODS = ("EXCAVATOR-HX75", "unit", 12, "180000.00")  # commodity, unit, quantity, unit price
MARGIN_BPS, DELIVERY_DAYS, INSTALMENT_DAYS = 2_500, 10, (30, 60, 90)
#: What end customers pay the distributor for each batch it picks up (the trade repays the financing).
RESALE_PRICE = "215000.00"


def stage_prepayment(ctx: DemoContext) -> None:
    from sdk.prepayment import PrepaymentTerms, equal_instalments
    from sdk.warehouse import inspection_hash

    buyer, seller, bank, warehouse = (ctx.party(k) for k in ("distributor", "core", "bank2", "warehouse"))
    commodity, unit, quantity, unit_price = GOODS
    rate = ctx.actors["bank2"].rate_bps
    assert rate is not None
    start = ctx.chain.now()
    terms = PrepaymentTerms(
        seller=seller.address, bank=bank.address, warehouse=warehouse.address, commodity=commodity, unit=unit,
        quantity=quantity, unit_price=to_units(unit_price), margin_bps=MARGIN_BPS, rate_bps=rate,
        delivery_deadline=start + DELIVERY_DAYS * DAY, maturity=start + INSTALMENT_DAYS[-1] * DAY,
    )
    schedule = equal_instalments(terms.principal, [start + d * DAY for d in INSTALMENT_DAYS])
    buyer.prepayment.authorize(terms.margin)  # 1. the buyer's margin deposit
    proposed = buyer.prepayment.propose(terms, schedule)
    seller.prepayment.accept(proposed.id)  # the seller's buy-back guarantee: locks its collateral
    bank.prepayment.authorize(terms.principal)
    funded = bank.prepayment.fund(proposed.id)  # 2. the bank pays the seller directly: the full price
    warehouse.receipts.set_issuer_approval(warehouse.prepayment.address)  # the warehouse trusts the contract to issue
    delivered = warehouse.prepayment.confirm_delivery(  # 3. goods in, receipt born pledged to the bank
        proposed.id, "YS-HX75-0001", grade="NEW", location="SH-YANGSHAN-2",
        inspection_hash=inspection_hash("delivery note HX75 x12"))
    instalments: list[dict[str, Any]] = []
    interest = 0
    for instalment in schedule:  # 4. instalments, each releasing its share of the goods (staged pick-up)
        ctx.chain.travel_to(instalment.due_date)
        batch = quantity // len(schedule)
        proceeds = batch * to_units(RESALE_PRICE)
        ctx.party("bank1").token.mint(buyer.address, proceeds, "end-customer payments")
        ctx.summary.deposits.append({"bank": ctx.actors["bank1"].short, "account": ctx.actors["distributor"].short,
                                     "amount": money(proceeds), "ref": f"end customers pay for {batch} excavators"})
        buyer.prepayment.authorize_repayment(proposed.id, instalment.principal)
        paid = buyer.prepayment.repay(proposed.id, instalment.principal)
        buyer.receipts.present(paid.released_receipt_id)
        warehouse.receipts.deliver(paid.released_receipt_id)
        interest += paid.interest
        instalments.append({"due_date": instalment.due_date, "principal": money(paid.principal),
                            "interest": money(paid.interest), "released": paid.released_quantity,
                            "picked_up_receipt": paid.released_receipt_id})
    seller.prepayment.claim()  # 5. repaid in full: the seller withdraws its guarantee collateral, released at the end
    agreement = ctx.deployed.prepayment.get_agreement(proposed.id)
    ctx.summary.prepayments.append({
        "id": proposed.id, "buyer": ctx.actors["distributor"].short, "seller": ctx.actors["core"].short,
        "bank": ctx.actors["bank2"].short, "warehouse": ctx.actors["warehouse"].short, "goods": commodity,
        "quantity": quantity, "unit": unit, "price": money(funded.price), "margin": money(funded.margin),
        "financed": money(funded.principal), "rate_bps": rate, "receipt": delivered.receipt_id,
        "instalments": instalments, "interest": money(interest), "status": agreement.status.name.lower(),
    })
    ctx.summary.financings.append({
        "mode": "prepayment", "fragment": None, "bank": ctx.actors["bank2"].short,
        "seller": ctx.actors["distributor"].short, "face": money(funded.principal), "rate": f"{rate / 100:.2f} %",
        "rate_bps": rate, "days": INSTALMENT_DAYS[-1], "price": money(funded.principal), "cost": money(interest),
        "with_recourse": None,
    })
    ctx.summary.repayments.append({
        "mode": "prepayment", "agreement": proposed.id, "payer": ctx.actors["distributor"].short,
        "amount": money(funded.principal + interest), "to_banks": money(funded.principal + interest), "late": False,
        "status": agreement.status.name.lower(),
    })
    ctx.log(f"the distributor put down a margin of {format_units(funded.margin)} and the city bank paid the core "
            f"enterprise the other {format_units(funded.principal)}, so it received the full price of "
            f"{format_units(funded.price)} at once; {quantity} excavators left the warehouse in "
            f"{len(schedule)} instalments ({format_units(interest)} interest)")


# ------------------------------------------------------------------------------------------------ credit profiles
#: Tier 2 borrows twice against a copper receipt of its own and repays both loans late (days after maturity).
LATE_LOT, LATE_QUANTITY_KG, LATE_PRINCIPAL, LATE_TENOR_DAYS = "YS-LOT-0002", 2_000, "40000.00", 10
LATE_BY_DAYS = (9, 12)
#: The two suppliers whose profiles the bank reads: tier 3 (its pledge loan above repaid on time, one margin call
#: cured) and tier 2 (two loans repaid late).
PROFILED = ("tier3", "tier2")
#: What each of them sold to the core enterprise, confirmed: the same volume, so their limits differ by conduct alone.
PROFILED_SALES = "500000.00"
CONSENT_DAYS = 90


def stage_credit_profiles(ctx: DemoContext) -> None:
    """Tier 2 repays two pledge loans late; both suppliers grant the large bank consent; the bank reads both
    profiles through the gateway's API (the city bank, without consent, is refused)."""
    from sdk.warehouse import ReceiptTerms, inspection_hash

    bank, late, warehouse = (ctx.party(k) for k in ("bank1", "tier2", "warehouse"))
    commodity, unit = COMMODITY
    _, grade, location = LOT
    terms = ReceiptTerms(commodity=commodity, unit=unit, lot_id=LATE_LOT, grade=grade, location=location,
                         inspection_hash=inspection_hash(f"inspection certificate of {LATE_LOT}"))
    receipt = warehouse.receipts.issue(late.address, terms, LATE_QUANTITY_KG)
    late.token.approve(ctx.deployed.loans.address, to_units("100000000.00"))
    for days in LATE_BY_DAYS:
        _post_price(ctx, to_units(PRICES["recovered"]))  # pledging needs a fresh price
        maturity = ctx.chain.now() + LATE_TENOR_DAYS * DAY
        opened = late.loans.pledge(int(ctx.state["program"]), receipt.id, to_units(LATE_PRINCIPAL), maturity)
        ctx.chain.travel_to(maturity + days * DAY)
        repaid = late.loans.repay_in_full(opened.loan_id)
        ctx.summary.financings.append({
            "mode": "warehouse-receipt pledge", "fragment": None, "bank": ctx.actors["bank1"].short,
            "seller": ctx.actors["tier2"].short, "face": money(opened.principal),
            "rate": f"{opened.rate_bps / 100:.2f} %", "rate_bps": opened.rate_bps, "days": LATE_TENOR_DAYS,
            "price": money(opened.principal), "cost": money(repaid.interest_paid), "with_recourse": None,
        })
        ctx.summary.repayments.append({
            "mode": "pledge loan", "loan": opened.loan_id, "payer": ctx.actors["tier2"].short,
            "amount": money(repaid.amount), "to_banks": money(repaid.amount), "late": True,
            "days_late": days, "status": repaid.new_status.name.lower(),
        })
    # Both also sold to the core enterprise this year, which confirmed the invoices: the volume a limit is drawn from.
    core = ctx.party("core")
    for key in PROFILED:
        sold = ctx.party(key).receivables.register(core.address, to_units(PROFILED_SALES), ctx.chain.now() + 60 * DAY,
                                                  f"{key} sales invoice for the credit review")
        core.receivables.confirm(sold.root_id)
    expiry = ctx.chain.now() + CONSENT_DAYS * DAY
    for key in PROFILED:
        ctx.party(key).attestations.grant_consent(bank.address, expiry)
    index(ctx)
    for profile in read_profiles(ctx, "bank1", [ctx.party(k).address for k in PROFILED], refused_to="bank2"):
        ctx.summary.credit_profiles.append(profile)
    shown = "; ".join(f"{p['participant']}: {p['score']} ({p['grade']}), limit {p['suggested_limit']['amount']}"
                      f"{', lowered by ' + ', '.join(p['lowered_by']) if p['lowered_by'] else ''}"
                      for p in ctx.summary.credit_profiles)
    ctx.log(f"tier 2 repaid two pledge loans {' and '.join(map(str, LATE_BY_DAYS))} days late; with both "
            f"suppliers' consent the large bank read their credit profiles: {shown}")


def read_profiles(ctx: DemoContext, bank: str, subjects: list[str], refused_to: str) -> list[dict[str, Any]]:
    """`bank` reads each subject's credit profile through the gateway's API (signed in with its own key); checks
    that `refused_to`, holding no consent, gets 404. Returns what the summary shows of each."""
    import warnings

    from gateway.main import create_app

    assert ctx.indexer is not None and ctx.gateway_settings is not None
    app = create_app(ctx.gateway_settings, engine=ctx.indexer.store.engine, deployment=ctx.deployed.deployment,
                     indexer=ctx.indexer, migrate_schema=False, chain=ctx.chain)
    tokens = login_tokens(ctx, app, keys=(bank, refused_to))
    out: list[dict[str, Any]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

        with TestClient(app, base_url=ctx.gateway.url) as client:
            for subject in subjects:
                path = f"/v1/participants/{subject}/credit-profile"
                refused = client.get(path, headers={"Authorization": f"Bearer {tokens[refused_to]['token']}"})
                if refused.status_code != 404:
                    raise LedgerError(f"a bank without consent read {subject}'s profile: {refused.status_code}")
                reply = client.get(path, headers={"Authorization": f"Bearer {tokens[bank]['token']}"})
                if reply.status_code != 200:
                    raise LedgerError(f"the bank could not read {subject}'s credit profile: {reply.text}")
                p = reply.json()
                s = p["score"]
                out.append({
                    "participant": ctx.name(subject), "address": subject, "read_by": ctx.actors[bank].short,
                    "scorecard_version": p["scorecard_version"], "as_of": p["as_of"], "score": s["score"],
                    "grade": s["grade"], "suggested_limit": money(int(p["limit"]["units"])),
                    "lowered_by": list(s["lowered_by"]),
                    "lowering_factors": {f["name"]: {"points": f["points"], "reason": f["reason"]}
                                         for f in s["factors"] if f["points"] < 0},
                    "factors": {f["name"]: f["points"] for f in s["factors"]},
                    "on_time": p["inputs"]["on_time"], "late": p["inputs"]["late_1_7"] + p["inputs"]["late_8_30"]
                    + p["inputs"]["late_over_30"],
                    "refused_without_consent": ctx.actors[refused_to].short,
                })
    return out


# ------------------------------------------------------------------------------------------------ credit line
#: The city commercial bank's revolving line for tier 2, drawn against receivables (seed 002, section 4).
LINE_LIMIT, LINE_DAYS, LINE_MAX_TENOR_DAYS, LINE_GRACE_DAYS = "300000.00", 90, 60, 5
#: Tier 2 is paid by tier 1 with two fragments of tier 1's receivables on the core enterprise:
#: (tier 1's invoice face, days to its due date, the fragment passed to tier 2, invoice text).
LINE_RECEIVABLES: tuple[tuple[str, int, str, str], ...] = (
    ("400000.00", 30, "150000.00", "INV-JN-2026-0502: 12 gearboxes for HX-220 cranes"),
    ("300000.00", 60, "120000.00", "INV-JN-2026-0519: 9 gearboxes for HX-360 excavators"),
)
#: Tier 2 pays its raw-material supplier (tier 3) from the line: (day of the draw, amount, tenor in days, order).
LINE_DRAWS: tuple[tuple[int, str, int, str], ...] = (
    (0, "80000.00", 30, "PO-TH-2026-0311: 40 t alloy steel billets"),
    (12, "90000.00", 50, "PO-TH-2026-0327: 45 t alloy steel billets"),
    (35, "70000.00", 27, "PO-TH-2026-0409: 35 t alloy steel billets"),
)


def stage_credit_line(ctx: DemoContext) -> None:
    """A tier-2 supplier's 90-day revolving line at the city bank's 7.0 %: three draws paid straight to its
    raw-material supplier, repaid twice from the payouts of receivables pledged to the line (self-repayment)."""
    from sdk.creditlines import BPS, YEAR_SECONDS, CreditTerms, PayeeRule

    bank, borrower, supplier, tier1, core = (ctx.party(k) for k in ("bank2", "tier2", "tier3", "tier1", "core"))
    rate = ctx.actors["bank2"].rate_bps
    assert rate is not None and ctx.operator is not None
    book = ctx.deployed.credit_lines
    start = ctx.chain.now()
    limit = to_units(LINE_LIMIT)
    terms = CreditTerms(borrower=borrower.address, limit=limit, rate_bps=rate, start=start,
                        expiry=start + LINE_DAYS * DAY, max_tenor=LINE_MAX_TENOR_DAYS * DAY,
                        grace=LINE_GRACE_DAYS * DAY, payee_rule=PayeeRule.PLEDGED_RECEIVABLES)
    line_id = bank.credit_lines.open(terms).line_id
    bank.token.approve(book.address, limit)  # the bank funds the draws: at most the limit
    borrower.credit_lines.accept(line_id)
    # Tier 1 pays tier 2 with fragments of its confirmed receivables; tier 2 pledges them to the line.
    pledges: list[tuple[int, int, int]] = []  # (root, fragment held by the book, due date)
    for face, days, part, invoice in LINE_RECEIVABLES:
        registered = tier1.receivables.register(core.address, to_units(face), ctx.chain.now() + days * DAY, invoice)
        core.receivables.confirm(registered.root_id)
        offered = tier1.receivables.offer(registered.fragment_id, borrower.address, to_units(part))
        child = borrower.receivables.accept(offered.offer_id).child_id
        pledged = borrower.credit_lines.pledge_receivable(line_id, child)
        pledges.append((registered.root_id, pledged.fragment_id, pledged.due_date))
    draws: list[dict[str, Any]] = []
    repayments: list[dict[str, Any]] = []
    # draws and payouts in date order (a payout on the receivable's due date, a minute before it ends)
    timeline: list[tuple[int, tuple[int, str, int, str] | None, tuple[int, int] | None]] = sorted(
        [(start + draw[0] * DAY, draw, None) for draw in LINE_DRAWS]
        + [(due - 60, None, (root, fragment)) for root, fragment, due in pledges], key=lambda item: item[0])
    interest_paid = 0
    for when, draw, payout in timeline:
        if when > ctx.chain.now():
            ctx.chain.travel_to(when)
        if draw is not None:
            day, amount, tenor, order = draw
            drawn = borrower.credit_lines.draw(line_id, to_units(amount), supplier.address, tenor * DAY, order)
            draws.append({"tranche": drawn.tranche_id, "day": day, "payee": ctx.actors["tier3"].short,
                          "amount": money(drawn.amount), "tenor_days": tenor, "due": drawn.due, "for": order,
                          "used_after": money(drawn.principal)})
            continue
        assert payout is not None
        root, fragment = payout
        receivable = ctx.deployed.receivables.get_receivable(root)
        core.receivables.repay(root, receivable.face_value)  # the debtor pays the receivable once, on time
        ctx.operator.receivables.distribute_all(root)  # tier 1's own fragment
        collected = bank.credit_lines.collect_receivable(fragment)  # anyone may; here the bank
        paid = collected.repayment
        interest_paid += paid.interest_paid if paid is not None else 0
        repayments.append({
            "day": (ctx.chain.now() - start) // DAY, "source": f"receivable {root} payout "
            f"(fragment {_fragment_label(fragment)})", "payout": money(collected.collected.amount),
            "to_line": money(collected.to_line), "to_borrower": money(collected.to_borrower),
            "interest_paid": money(paid.interest_paid if paid is not None else 0),
            "principal_paid": money(paid.principal_paid if paid is not None else 0),
            "used_after": money(paid.principal if paid is not None else 0),
        })
    principal, interest_left = book.get_debt(line_id)
    if principal or interest_left:
        raise LedgerError(f"the demo's credit line {line_id} still owes {format_units(principal + interest_left)}")
    used_days = (ctx.chain.now() - start + DAY - 1) // DAY
    closed = borrower.credit_lines.close(line_id)  # repaid: the borrower closes it early
    # A term loan of the whole limit for the whole term, at the same rate, actual/365, rounded down.
    term_loan = limit * rate * LINE_DAYS * DAY // (BPS * YEAR_SECONDS)
    ctx.summary.credit_lines.append({
        "line": line_id, "bank": ctx.actors["bank2"].short, "borrower": ctx.actors["tier2"].short,
        "limit": money(limit), "rate_bps": rate, "rate": f"{rate / 100:.2f} %", "term_days": LINE_DAYS,
        "payee_rule": "pledged-receivables", "draws": draws, "repayments": repayments,
        "drawn": money(sum(d["amount"]["units"] for d in draws)), "days_used": used_days,
        "interest_charged": money(interest_paid), "term_loan_interest": money(term_loan),
        "saved": money(term_loan - interest_paid), "status": closed.new_status.name.lower(),
    })
    ctx.log(f"tier 2 drew {len(draws)} times on its {LINE_DAYS}-day line at {rate / 100:.2f} % to pay tier 3, was "
            f"repaid twice from receivable payouts and paid {format_units(interest_paid)} interest for the days "
            f"used, against {format_units(term_loan)} for a term loan of the whole limit")


# ------------------------------------------------------------------------------------------------ risk pool
#: The risk-pool program (issue 13), the README's worked example: the guarantee fund, the insurer and the large bank
#: fund it 40/40/20; a covered bank's cumulative net loss in the period is compensated 80 % up to 500,000.00 and
#: 50 % from there up to 2,000,000.00, nothing beyond; at most 1,000,000.00 a claim and 1,500,000.00 a bank.
RISK_PROGRAM = "Yangtze delta SME credit 2026"
RISK_CONTRIBUTORS: tuple[tuple[str, int, str], ...] = (
    ("fund", 4_000, "400000.00"), ("insurer", 4_000, "400000.00"), ("bank1", 2_000, "200000.00"))
RISK_GRADES: tuple[tuple[str, int], ...] = (("500000.00", 8_000), ("2000000.00", 5_000))
RISK_CAPS = ("1000000.00", "1500000.00")  # per claim, per bank per period
#: Tier 1 pledges copper at the maximum LTV; copper falls 40 % and the loan is foreclosed at maturity. 73 days are a
#: fifth of a year, so the interest is exactly 84,000.00 x 5.50 % / 5 = 924.00 (actual/365, rounded down).
DEFAULT_LOT, DEFAULT_QUANTITY_KG, DEFAULT_PRINCIPAL, DEFAULT_TENOR_DAYS = "YS-LOT-0003", 2_000, "84000.00", 73
DEFAULT_PRICES = ("60.00", "36.00")  # per kg: at pledging, at foreclosure
#: Tier 1 sells engine gearboxes to the second buyer, discounts the invoice at the large bank WITHOUT recourse; the
#: buyer never pays. (face, days to maturity, invoice text)
DEFAULTED_INVOICE = ("600000.00", 30, "INV-JN-2026-0533: 12 marine gearboxes for DH-8 engines")
RISK_STAGE_DAYS = 100  # more than the stage's own time travel (73 days and a little)


def stage_risk_pool(ctx: DemoContext) -> None:
    """A fragment discounted without recourse defaults and a pledge loan is foreclosed with a shortfall; the large
    bank claims both from a program funded by the guarantee fund, the insurer and itself."""
    from sdk.generated.events import ClaimFiled, ContributionDrawn
    from sdk.riskpool import ProgramTerms
    from sdk.warehouse import ReceiptTerms, inspection_hash

    ledger, operator = ctx.deployed, ctx.operator
    assert operator is not None
    bank, borrower, buyer, warehouse = (ctx.party(k) for k in ("bank1", "tier1", "core2", "warehouse"))
    # the stage moves the chain ~75 days on; the operator renews a KYC that would lapse before then (the yearly
    # review), so the stage does not depend on how much time earlier stages took
    for key in ("bank1", "bank2", "tier1", "core2", "fund", "insurer", "warehouse", "feeder"):
        actor, address = ctx.actors[key], ctx.party(key).address
        if ledger.registry.get_participant(address).kyc_expiry < ctx.chain.now() + RISK_STAGE_DAYS * DAY:
            operator.registry.readmit(address, actor.roles, actor.identity, ctx.chain.now() + YEAR)
    # the program: funded by deposits of the fund and the insurer (settlement tokens a bank minted for them) and
    # the bank itself
    for key, _, amount in RISK_CONTRIBUTORS:
        if key != "bank1":
            ctx.party("bank2").token.mint(ctx.party(key).address, to_units(amount), "risk pool funding")
            ctx.summary.deposits.append({"bank": ctx.actors["bank2"].short, "account": ctx.actors[key].short,
                                         "amount": money(to_units(amount)), "ref": "risk pool funding"})
    now = ctx.chain.now()
    terms = ProgramTerms(
        name=RISK_PROGRAM, banks=(bank.address,),
        sources=(ledger.receivables.address, ledger.loans.address, ledger.credit_lines.address),
        start=now, end=now + YEAR, contributors=tuple(ctx.party(k).address for k, _, _ in RISK_CONTRIBUTORS),
        shares_bps=tuple(share for _, share, _ in RISK_CONTRIBUTORS),
        grades=tuple((to_units(up_to), rate) for up_to, rate in RISK_GRADES),
        cap_per_claim=to_units(RISK_CAPS[0]), cap_per_bank=to_units(RISK_CAPS[1]),
    )
    program = operator.risk_pool.create_program(terms).program_id
    for key, _, amount in RISK_CONTRIBUTORS:
        contributor = ctx.party(key)
        contributor.token.approve(ledger.risk_pool.address, to_units(amount))
        contributor.risk_pool.deposit(program, to_units(amount))
    # loss 1: a pledge loan foreclosed with a shortfall
    commodity, unit = COMMODITY
    _, grade, location = LOT
    receipt = warehouse.receipts.issue(borrower.address, ReceiptTerms(
        commodity=commodity, unit=unit, lot_id=DEFAULT_LOT, grade=grade, location=location,
        inspection_hash=inspection_hash(f"inspection certificate of {DEFAULT_LOT}")), DEFAULT_QUANTITY_KG)
    _post_price(ctx, to_units(DEFAULT_PRICES[0]))
    opened = borrower.loans.pledge(int(ctx.state["program"]), receipt.id, to_units(DEFAULT_PRINCIPAL),
                                   ctx.chain.now() + DEFAULT_TENOR_DAYS * DAY)
    started = ledger.loans.get_loan(opened.loan_id).accrued_at
    # loss 2: an invoice on the second buyer, discounted without recourse, never paid
    face, days, invoice = DEFAULTED_INVOICE
    bank.receivables.set_exposure_limit(buyer.address, to_units(face))
    registered = borrower.receivables.register(buyer.address, to_units(face), ctx.chain.now() + days * DAY, invoice)
    buyer.receivables.confirm(registered.root_id)
    fragment = registered.fragment_id
    rate = ctx.actors["bank1"].rate_bps
    assert rate is not None
    borrower.receivables.request_discount(fragment, bank.address, rate, with_recourse=False)
    bank.receivables.discount(fragment)
    due = ledger.receivables.get_receivable(registered.root_id).due_date
    ctx.chain.travel_to(due + ledger.receivables.grace_period() + 1)
    bank.receivables.declare_default(fragment)
    # the loan matures unpaid; copper has fallen: the bank takes all the goods, which cover part of the debt only
    ctx.chain.travel_to(started + DEFAULT_TENOR_DAYS * DAY + 1)
    _post_price(ctx, to_units(DEFAULT_PRICES[1]))
    foreclosed = bank.loans.foreclose(opened.loan_id)
    # anyone may record a loss; the registry reads it from the source. The bank files, the loan first.
    records = [
        ("pledge-loan shortfall", ledger.loans.address, opened.loan_id, f"loan {opened.loan_id}"),
        ("fragment defaulted without recourse", ledger.receivables.address, fragment,
         f"fragment {_fragment_label(fragment)}"),
    ]
    losses: list[dict[str, Any]] = []
    shares = dict(zip((k for k, _, _ in RISK_CONTRIBUTORS), terms.shares_bps, strict=True))
    for what, source, asset, label in records:
        loss_id = bank.losses.record(source, asset).loss_id
        quote = ledger.risk_pool.quote(program, loss_id)  # the SDK's twin of what the chain will pay
        filed = bank.risk_pool.file_claim(program, loss_id)
        claim_id = filed.one(ClaimFiled).claim_id
        loss, claim = ledger.losses.get(loss_id), ledger.risk_pool.get_claim(claim_id)
        if (quote.entitlement, quote.paid_now) != (claim.entitlement, claim.paid):
            raise LedgerError(f"claim {claim_id} paid {claim.paid}, the SDK quoted {quote.paid_now}")
        drawn = {key: sum(d.amount for d in filed.find(ContributionDrawn) if d.contributor == ctx.party(key).address)
                 for key in shares}
        borne = {key: drawn[key] for key in shares}
        borne["bank1"] += loss.net - claim.paid  # what the pool did not pay stays with the bank
        losses.append({
            "loss": loss_id, "what": what, "asset": label, "debtor": ctx.name(loss.debtor),
            "bank": ctx.name(loss.bank), "principal": money(loss.principal), "interest": money(loss.interest),
            "net": money(loss.net), "claim": claim_id, "entitlement": money(claim.entitlement),
            "paid": money(claim.paid), "uncompensated": money(loss.net - claim.paid),
            "drawn": {ctx.actors[k].short: money(v) for k, v in drawn.items()},
            "borne": {ctx.actors[k].short: money(v) for k, v in borne.items()},
        })
    state = ledger.risk_pool.state(program)
    ctx.summary.risk_pool = {
        "program": program, "name": RISK_PROGRAM,
        "contributors": [{"name": ctx.actors[k].short, "share_bps": share, "deposited": money(to_units(amount))}
                         for k, share, amount in RISK_CONTRIBUTORS],
        "grades": [{"up_to": money(to_units(up_to)), "rate_bps": rate} for up_to, rate in RISK_GRADES],
        "cap_per_claim": money(terms.cap_per_claim), "cap_per_bank": money(terms.cap_per_bank),
        "loan": {"id": opened.loan_id, "principal": money(foreclosed.principal), "interest": money(foreclosed.interest),
                 "collateral_value": money(foreclosed.collateral_value), "shortfall": money(foreclosed.shortfall)},
        "losses": losses,
        "balance": money(state.balance), "paid": money(state.paid), "open": money(state.open),
    }
    ctx.log(f"{ctx.actors['core2'].short} never paid fragment {_fragment_label(fragment)} (discounted without "
            f"recourse) and tier 1's loan {opened.loan_id} was foreclosed {format_units(foreclosed.shortfall)} short; "
            f"the large bank claimed both and the pool paid {format_units(state.paid)}")


# ------------------------------------------------------------------------------------------------ gateway
def stage_gateway(ctx: DemoContext) -> None:
    """Open the gateway's SQLite database in the working directory; from here on every stage is indexed as soon
    as it is mined."""
    import secrets

    from pydantic import SecretStr

    from gateway.core.config import Settings
    from gateway.indexer import build_indexer

    database = ctx.workdir / "gateway.sqlite"
    ctx.gateway_settings = Settings(
        environment="development",
        database_url=f"sqlite:///{database}",
        chain_url="embedded" if ctx.chain.kind == "embedded" else ctx.chain.url,
        deployment_file=ctx.workdir / "deployment.json",
        jwt_secret=SecretStr(secrets.token_hex(32)),  # a fresh secret per demo run
        jwt_ttl_seconds=86_400,
        host=ctx.gateway.host,
        port=ctx.gateway.port,
        siwe_domain=f"{ctx.gateway.host}:{ctx.gateway.port}",
        siwe_uri=ctx.gateway.url,
    )
    ctx.indexer = build_indexer(ctx.gateway_settings, chain=ctx.chain, deployment=ctx.deployed.deployment)
    ctx.summary.database = str(database)
    index(ctx)
    ctx.log(f"the gateway indexes into {database} as the chain moves")


def index(ctx: DemoContext) -> None:
    """Bring the gateway's database up to the chain's head."""
    if ctx.indexer is None:
        return
    started = time.perf_counter()
    ctx.indexer.sync()
    ctx.index_seconds += time.perf_counter() - started


def stage_index(ctx: DemoContext) -> None:
    from sdk.cli.gateway import count_events

    index(ctx)
    assert ctx.indexer is not None
    ctx.summary.events_indexed = count_events(ctx.indexer.store.engine)
    ctx.log(f"{ctx.summary.events_indexed} events indexed into {ctx.summary.database} "
            f"({ctx.index_seconds:.1f} s of indexing in all)")


def login_tokens(ctx: DemoContext, app: Any, keys: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
    """Sign in every cast member (or those of `keys`) through the API's own Sign-In with Ethereum flow; returns a
    bearer token each."""
    import warnings
    from datetime import UTC, datetime

    from eth_account.messages import encode_defunct

    tokens: dict[str, dict[str, Any]] = {}
    with warnings.catch_warnings():  # third-party noise: siwe's ABNF grammar and starlette's test client
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
        from siwe import SiweMessage

        with TestClient(app, base_url=ctx.gateway.url) as client:
            for actor in CAST:
                if keys is not None and actor.key not in keys:
                    continue
                key = demo_key(actor.key)
                nonce = client.get("/v1/auth/nonce").json()
                message = SiweMessage(
                    domain=nonce["domain"], address=key.address, statement="Sign in to the SCF ledger gateway.",
                    uri=nonce["uri"], version="1", chain_id=nonce["chain_id"], nonce=nonce["nonce"],
                    issued_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                ).prepare_message()
                signature = key.sign_message(encode_defunct(text=message)).signature.to_0x_hex()
                reply = client.post("/v1/auth/login", json={"message": message, "signature": signature})
                if reply.status_code != 200:
                    raise LedgerError(f"demo login of {actor.name} failed: {reply.text}")
                body = reply.json()
                tokens[actor.key] = {"name": actor.name, "roles": body["roles"], "address": key.address,
                                     "token": body["access_token"], "expires_at": body["expires_at"]}
    return tokens


def write_keystores(workdir: Path) -> tuple[Path, dict[str, Path]]:
    """Every cast member's key as an encrypted keystore (v3) in ``workdir/keys``, with the password in
    ``keys/PASSWORD``; both owner-only. The demo keys are public knowledge: this is for local demo chains only."""
    import os
    import secrets

    keys = workdir / "keys"
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    password_file = keys / "PASSWORD"
    if password_file.exists():
        password = password_file.read_text(encoding="utf-8").strip()
    else:
        password = secrets.token_hex(12)
        password_file.touch(mode=0o600)
        password_file.write_text(password + "\n", encoding="utf-8")
    files: dict[str, Path] = {}
    for actor in CAST:
        path = keys / f"{actor.key}.json"
        if not path.exists():
            # A light scrypt cost: these keys protect nothing of value, and the demo writes a dozen of them.
            keystore = Account.encrypt(demo_key(actor.key).key, password, kdf="scrypt", iterations=2**14)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(keystore, handle)
        files[actor.key] = path
    return password_file, files


STAGES: list[Stage] = [
    Stage("deploy", "Deploy the ledger", stage_deploy),
    Stage("gateway", "Open the gateway's database and index as the chain moves", stage_gateway),
    Stage("admit", "Admit the cast after KYC", stage_admit),
    Stage("deposits", "Banks mint settlement tokens against deposits", stage_deposits),
    Stage("payments", "Trade payments in settlement tokens", stage_payments),
    Stage("receivables", "Tier-1 invoice confirmed, split to tiers 2 and 3, discounted at both banks",
          stage_receivables),
    Stage("maturity", "Core enterprise repays at maturity; the payout reaches every holder", stage_maturity),
    Stage("warehouse", "Warehouse receipt pledged, price drop, margin call cured, loan repaid", stage_warehouse),
    Stage("prepayment", "Distributor's prepayment deal with staged pick-up", stage_prepayment),
    Stage("credit", "Tier 2 repays two loans late; a bank reads both suppliers' credit profiles with consent",
          stage_credit_profiles),
    Stage("credit-line", "Tier 2's revolving line at the city bank: three draws to its supplier, repaid from "
          "receivable payouts", stage_credit_line),
    Stage("risk-pool", "A buyer defaults and a pledge loan is foreclosed short; the bank claims both from the "
          "government-bank-insurance risk pool", stage_risk_pool),
    Stage("balances", "Final balances", stage_balances),
    Stage("index", "Index every event into the gateway's database", stage_index),
]


def run(chain: Chain, workdir: Path, log: Callable[[str], None] | None = None,
        on_stage: Callable[[Stage], None] | None = None, gateway: GatewayOptions | None = None) -> DemoContext:
    """Play every available stage on `chain`, writing files into `workdir`; the context holds the summary and
    the gateway's indexer, ready to serve."""
    if not chain.dev_keys():
        raise LedgerError(f"the demo funds its cast with gas, which needs a dev chain (embedded or anvil); "
                          f"{chain.describe()} is not one")
    workdir.mkdir(parents=True, exist_ok=True)
    label = "embedded" if chain.kind == "embedded" else chain.url
    ctx = DemoContext(chain=chain, workdir=workdir, summary=Summary(chain=label, workdir=str(workdir)),
                      log=log or (lambda _: None), gateway=gateway or GatewayOptions())
    first_block = chain.block_number + 1
    for stage in STAGES:
        if stage.run is None:
            ctx.summary.stages.append({"key": stage.key, "title": stage.title, "status": "pending",
                                       "reason": stage.pending_reason})
        else:
            started, indexed_before = time.perf_counter(), ctx.index_seconds
            stage.run(ctx)
            index(ctx)  # the gateway keeps up with the chain, stage by stage
            ctx.summary.stages.append({"key": stage.key, "title": stage.title, "status": "done",
                                       "seconds": round(time.perf_counter() - started, 2),
                                       "index_seconds": round(ctx.index_seconds - indexed_before, 2)})
        if on_stage is not None:
            on_stage(stage)
    ctx.summary.transactions = sum(
        len(chain.w3.eth.get_block(n)["transactions"]) for n in range(first_block, chain.block_number + 1))
    (workdir / "summary.json").write_text(json.dumps(ctx.summary.to_json(), indent=2) + "\n", encoding="utf-8")
    return ctx
