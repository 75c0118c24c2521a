"""`scf receivable`: accounts-receivable financing (register, confirm, split, discount, repay, default, recourse).

Fragments are given as their numeric id or as ROOT.INDEX (e.g. `3.0` is the original fragment of receivable 3).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from sdk import Party
from sdk._events import ContractEvent
from sdk.batch import BatchItemFailed
from sdk.cli.common import (
    DEFAULT_DEPLOYMENT,
    AddressArg,
    AmountArg,
    DeploymentOpt,
    JsonOpt,
    Output,
    RpcOpt,
    SigningOptions,
    fail,
    money,
    open_ledger,
    parse_amount,
    signed,
)
from sdk.display import FragmentId
from sdk.receivables import Fragment, LineageNode, Receivable, ReceivablesBatch, fragment_id, split_fragment_id
from sdk.story import StoryStep

app = typer.Typer(
    help="Receivables: register and confirm, split down the tiers, discount at banks, repay, default, recourse.",
    no_args_is_help=True,
)

# Event fields holding token units: shown as money.
_MONEY_FIELDS = {
    "amount", "price", "value", "face_value", "debt", "outstanding", "total_repaid", "total_paid", "parent_value",
    "locked", "unpaid", "exposure_released", "old_limit", "new_limit", "used", "limit", "repaid", "paid",
    "claimable", "available", "recourse_outstanding",
}
_DUE_RE = re.compile(r"^\+(\d+)([dh])$")


# ----------------------------------------------------------------------------------------------- parsing
def parse_fragment(value: str) -> int:
    """A fragment id: the number, or ROOT.INDEX."""
    try:
        if "." in value:
            root, index = value.split(".", 1)
            return fragment_id(int(root), int(index))
        number = int(value, 0)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a fragment id (a number, or ROOT.INDEX like 3.1)") from None
    if number < 2**16:
        raise typer.BadParameter(f"{value!r} is not a fragment id; did you mean {number}.0 (the original fragment)?")
    return number


def parse_due(value: str, now: int) -> int:
    """Due date: `+90d` / `+12h` from the chain's time, an ISO date or datetime (UTC), or unix seconds."""
    match = _DUE_RE.match(value.strip())
    if match:
        count, unit = int(match.group(1)), match.group(2)
        return now + count * (86_400 if unit == "d" else 3_600)
    if value.isdigit():
        return int(value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"--due {value!r}: use +90d, +12h, an ISO date such as 2026-12-31, or unix seconds") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def _document(what: str, path: Path | None, given_hash: str | None, *, required: bool) -> bytes | Path | None:
    """A document: a file that exists (hashed by its content), or its SHA-256 given explicitly, never both. A path
    that does not exist is an error, not text to hash (a mistyped path would otherwise register a wrong hash)."""
    if path is not None and given_hash is not None:
        raise fail(f"give --{what} FILE or --{what}-hash HASH, not both")
    if path is not None:
        if not path.is_file():
            raise fail(f"--{what} {path}: no such file; give the document's path, or its SHA-256 with "
                       f"--{what}-hash 0x…")
        return path
    if given_hash is not None:
        text = given_hash.strip()
        if not (text.startswith("0x") and len(text) == 66 and all(c in "0123456789abcdefABCDEF" for c in text[2:])):
            raise fail(f"--{what}-hash {given_hash!r} is not a 32-byte hash (0x and 64 hex digits)")
        return bytes.fromhex(text[2:])
    if required:
        raise fail(f"the {what} document is required: --{what} FILE (hashed here) or --{what}-hash 0x…")
    return None


# ----------------------------------------------------------------------------------------------- output
def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if ts else "-"


def _fid(fragment: int) -> str:
    root, index = split_fragment_id(fragment)
    return f"{root}.{index}"


def _record(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _MONEY_FIELDS and isinstance(value, int) and not isinstance(value, bool):
            out[key] = money(value)
        elif key in {"due_date", "funded_at", "expires_at"} and isinstance(value, int):
            out[key] = _iso(value)
        elif (key.endswith("fragment_id") or key in {"parent_id", "child_id"}) and isinstance(value, int):
            out[key] = FragmentId(value) if value else None  # JSON: the integer; tables: ROOT.INDEX
        else:
            out[key] = value
    return out


def _event(event: ContractEvent) -> dict[str, Any]:
    fields = {name: getattr(event, name) for name in event.FIELDS}
    return _record(fields)


def _show(as_json: bool, event: ContractEvent) -> None:
    Output(as_json).result(_event(event), title=event.NAME)


def _receivable(rec: Receivable) -> dict[str, Any]:
    return _record({"root_id": rec.id, "debtor": rec.debtor, "face_value": rec.face_value, "repaid": rec.repaid,
                    "outstanding": rec.outstanding, "due_date": rec.due_date, "status": rec.status,
                    "overdue": rec.overdue, "fragments": rec.fragment_count})


def _fragment(f: Fragment, depth: int = 0) -> dict[str, Any]:
    return _record({"fragment_id": f.id, "parent_id": f.parent_id or 0, "depth": depth, "holder": f.holder,
                    "value": f.value, "locked": f.locked, "paid": f.paid, "claimable": f.claimable,
                    "status": f.status, "financed": f.financed})


_FRAGMENT_COLUMNS = ["fragment_id", "parent_id", "holder", "value", "locked", "paid", "claimable", "status",
                     "financed"]


# ----------------------------------------------------------------------------------------------- helpers
FragmentArg = Annotated[int, typer.Argument(parser=parse_fragment, metavar="FRAGMENT",
                                            help="fragment id, or ROOT.INDEX (e.g. 3.0)")]
RootArg = Annotated[int, typer.Argument(min=1, help="receivable (root) id")]
DueOpt = Annotated[str, typer.Option("--due", help="Due date: +90d, +12h, 2026-12-31 (UTC) or unix seconds.")]
InvoiceOpt = Annotated[Path | None, typer.Option("--invoice", help="Invoice document: a file, hashed here.",
                                                  show_default=False)]
InvoiceHashOpt = Annotated[str | None, typer.Option("--invoice-hash", help="The invoice's SHA-256 (0x…) instead.",
                                                   show_default=False)]
PoOpt = Annotated[Path | None, typer.Option("--po", help="Purchase-order document: a file, hashed here.",
                                            show_default=False)]
PoHashOpt = Annotated[str | None, typer.Option("--po-hash", help="The purchase order's SHA-256 (0x…) instead.",
                                              show_default=False)]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Short reason code (≤ 32 bytes).")]
OfferArg = Annotated[int, typer.Argument(min=1, help="offer id")]
RateOpt = Annotated[int, typer.Option("--rate", min=0, max=10_000, help="Annual discount rate in basis points.")]
OptRootArg = Annotated[int | None, typer.Argument(min=1, show_default=False,
                                                  help="receivable (root) id (or give --from-csv)")]
OptFragmentArg = Annotated[int | None, typer.Argument(parser=parse_fragment, metavar="[FRAGMENT]", show_default=False,
                                                      help="fragment id, or ROOT.INDEX (or give --from-csv)")]
OptAmountArg = Annotated[int | None, typer.Argument(parser=parse_amount, metavar="[AMOUNT]", show_default=False,
                                                    help="amount with up to two decimals (or give --from-csv)")]
FromCsvOpt = Annotated[Path | None, typer.Option(
    "--from-csv", exists=True, dir_okay=False, readable=True, show_default=False,
    help="Do it for every row of this CSV file (header row required), atomically, in one transaction per "
         "--batch-size rows.")]
BatchSizeOpt = Annotated[int, typer.Option("--batch-size", min=1, max=200,
                                           help="Rows per transaction with --from-csv.")]


# ----------------------------------------------------------------------------------------------- csv batches
@dataclass(frozen=True)
class _CsvSpec:
    """One verb's CSV format: required and optional columns, each with its parser, and how a row is queued."""

    verb: str
    required: dict[str, Callable[[str], Any]]
    optional: dict[str, Callable[[str], Any]]
    queue: Callable[[ReceivablesBatch, dict[str, Any]], int]
    columns: list[str]


def _root_id(value: str) -> int:
    number = int(value, 0)
    if number < 1:
        raise ValueError(f"{value!r} is not a receivable id")
    return number


def _flag(value: str) -> bool:
    text = value.strip().lower()
    if text in {"1", "true", "yes", "y"}:
        return True
    if text in {"0", "false", "no", "n"}:
        return False
    raise ValueError(f"{value!r} is not true/false")


_CSV: dict[str, _CsvSpec] = {
    "confirm": _CsvSpec("confirm", {"root": _root_id}, {}, lambda b, r: b.confirm(r["root"]),
                        ["row", "root_id", "face_value", "new_status"]),
    "discount": _CsvSpec(
        "discount", {"fragment": parse_fragment},
        {"rate": int, "recourse": _flag, "max_price": parse_amount, "deadline": int},
        lambda b, r: b.discount(r["fragment"], r.get("rate"), r.get("recourse"), max_price=r.get("max_price"),
                                deadline=r.get("deadline")),
        ["row", "fragment_id", "seller", "price", "days_to_maturity"]),
    "repay": _CsvSpec("repay", {"root": _root_id, "amount": parse_amount}, {},
                      lambda b, r: b.repay(r["root"], r["amount"]),
                      ["row", "root_id", "amount", "outstanding", "new_status"]),
    "claim": _CsvSpec("claim", {"fragment": parse_fragment}, {}, lambda b, r: b.claim(r["fragment"]),
                      ["row", "fragment_id", "holder", "amount", "new_status"]),
}


def _read_csv(path: Path, spec: _CsvSpec) -> list[dict[str, Any]]:
    """Every row parsed, or one error listing every bad row (nothing is sent then). Rows are numbered from 1,
    the header not counted."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in spec.required if c not in header]
        unknown = [c for c in header if c not in spec.required and c not in spec.optional]
        if missing or unknown:
            raise fail(f"{path.name}: `{spec.verb}` needs the column(s) {', '.join(spec.required)}"
                       + (f" (optional: {', '.join(spec.optional)})" if spec.optional else "")
                       + (f"; missing {', '.join(missing)}" if missing else "")
                       + (f"; unknown {', '.join(unknown)}" if unknown else ""))
        rows: list[dict[str, Any]] = []
        errors: list[str] = []
        for number, raw in enumerate(reader, start=1):
            cells = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
            parsed: dict[str, Any] = {}
            for column, parser in {**spec.required, **spec.optional}.items():
                text = cells.get(column, "")
                if text == "":
                    if column in spec.required:
                        errors.append(f"row {number}: {column} is empty")
                    continue
                try:
                    parsed[column] = parser(text)
                except Exception as exc:  # typer.BadParameter, ValueError: reported with the row
                    errors.append(f"row {number}: {column} {text!r}: {getattr(exc, 'message', None) or exc}")
            rows.append(parsed)
    if errors:
        raise fail(f"{path.name}: nothing sent; " + "; ".join(errors))
    if not rows:
        raise fail(f"{path.name}: no rows")
    return rows


def _run_csv(party: Party, path: Path, spec: _CsvSpec, batch_size: int, as_json: bool) -> None:
    """Queue every row, dry-run every batch (a failure names its row and nothing is sent), then send them."""
    rows = _read_csv(path, spec)
    batches: list[tuple[int, ReceivablesBatch]] = []
    for start in range(0, len(rows), batch_size):
        batch = party.receivables.batch()
        for number, row in enumerate(rows[start:start + batch_size], start=start + 1):
            try:
                spec.queue(batch, row)
            except Exception as exc:
                raise fail(f"{path.name}: row {number}: {exc}; nothing sent") from exc
        batches.append((start, batch))
    for start, batch in batches:
        batch.prepare()  # the token allowance repayments and prices need, so the dry run can pay
        failure = batch.dry_run()
        if failure is not None:
            _name_row(failure, path, start, sent=0)
            raise failure
    results: list[dict[str, Any]] = []
    for sent, (start, batch) in enumerate(batches):
        try:
            result = batch.send()
        except BatchItemFailed as failure:
            _name_row(failure, path, start, sent)
            raise
        for item in result.items:
            results.append({"row": start + item.index + 1, **_event(item.event), "tx_hash": result.tx.tx_hash})
    Output(as_json).rows(results, spec.columns, title=f"{spec.verb}: {len(results)} rows from {path.name}",
                         key="results")


def _name_row(failure: BatchItemFailed, path: Path, start: int, sent: int) -> None:
    row = f"row {start + failure.index + 1}" if failure.index is not None else "a row (undetermined)"
    done = f"{sent} earlier batch(es) sent" if sent else "nothing sent"
    failure.function = f"{path.name} {row} ({done})"


def _single_or_csv(value: Any, from_csv: Path | None, what: str) -> None:
    if (value is None) == (from_csv is None):
        raise fail(f"give either {what} or --from-csv FILE, not {'both' if from_csv else 'neither'}")


# ----------------------------------------------------------------------------------------------- registration
@app.command()
@signed
def register(
    debtor: AddressArg, face: AmountArg, due: DueOpt, invoice: InvoiceOpt = None,
    invoice_hash: InvoiceHashOpt = None, po: PoOpt = None, po_hash: PoHashOpt = None,
    *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Supplier: register a receivable of FACE owed by DEBTOR (the debtor must then confirm it)."""
    document = _document("invoice", invoice, invoice_hash, required=True)
    order = _document("po", po, po_hash, required=False)
    party = signing.party()
    when = parse_due(due, party.ledger.chain.now())
    assert document is not None
    _show(as_json, party.receivables.register(debtor, face, when, document, order))


@app.command()
@signed
def issue(
    supplier: AddressArg, face: AmountArg, due: DueOpt, invoice: InvoiceOpt = None,
    invoice_hash: InvoiceHashOpt = None, po: PoOpt = None, po_hash: PoHashOpt = None,
    *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Core enterprise: issue a payable certificate of FACE to SUPPLIER, confirmed from birth."""
    document = _document("invoice", invoice, invoice_hash, required=True)
    order = _document("po", po, po_hash, required=False)
    party = signing.party()
    when = parse_due(due, party.ledger.chain.now())
    assert document is not None
    _show(as_json, party.receivables.issue(supplier, face, when, document, order))


@app.command()
@signed
def confirm(
    root: OptRootArg = None, from_csv: FromCsvOpt = None, batch_size: BatchSizeOpt = 100,
    *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Debtor: confirm receivable ROOT, making it bankable (or every `root` of --from-csv)."""
    _single_or_csv(root, from_csv, "ROOT")
    party = signing.party()
    if from_csv is not None:
        _run_csv(party, from_csv, _CSV["confirm"], batch_size, as_json)
        return
    assert root is not None
    _show(as_json, party.receivables.confirm(root))


@app.command()
@signed
def reject(
    root: RootArg, reason: ReasonOpt = "", *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Debtor: reject receivable ROOT."""
    party = signing.party()
    _show(as_json, party.receivables.reject(root, reason))


@app.command()
@signed
def cancel(
    root: RootArg, *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Supplier: cancel receivable ROOT before the debtor confirms it."""
    _show(as_json, signing.party().receivables.cancel(root))


# ----------------------------------------------------------------------------------------------- splitting
@app.command()
@signed
def offer(
    fragment: FragmentArg, to: AddressArg, amount: AmountArg,
    expires: Annotated[str | None, typer.Option(
        "--expires", show_default=False,
        help="When the offer lapses: +2d, +12h, an ISO date (UTC) or unix seconds; default: never.")] = None,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Holder: offer AMOUNT of FRAGMENT to TO (locked until TO accepts or rejects, or you withdraw)."""
    party = signing.party()
    until = parse_due(expires, party.ledger.chain.now()) if expires else None
    _show(as_json, party.receivables.offer(fragment, to, amount, expires_at=until))


@app.command()
@signed
def accept(
    offer_id: OfferArg, *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Recipient: accept offer OFFER_ID; prints the new child fragment."""
    party = signing.party()
    _show(as_json, party.receivables.accept(offer_id))


@app.command("reject-offer")
@signed
def reject_offer(
    offer_id: OfferArg, *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Recipient: reject offer OFFER_ID."""
    party = signing.party()
    _show(as_json, party.receivables.reject_offer(offer_id))


@app.command("withdraw-offer")
@signed
def withdraw_offer(
    offer_id: OfferArg, *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Sender: withdraw offer OFFER_ID."""
    party = signing.party()
    _show(as_json, party.receivables.withdraw_offer(offer_id))


# ----------------------------------------------------------------------------------------------- discounting
@app.command("request-discount")
@signed
def request_discount(
    fragment: FragmentArg, bank: AddressArg, rate: RateOpt,
    recourse: Annotated[bool, typer.Option("--recourse/--no-recourse", help="With or without recourse.")] = False,
    *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Holder: ask BANK to discount FRAGMENT at --rate bps a year."""
    party = signing.party()
    _show(as_json, party.receivables.request_discount(fragment, bank, rate, with_recourse=recourse))


@app.command("withdraw-discount")
@signed
def withdraw_discount(
    fragment: FragmentArg, *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Holder: withdraw the discount request on FRAGMENT."""
    party = signing.party()
    _show(as_json, party.receivables.withdraw_discount_request(fragment))


@app.command("decline-discount")
@signed
def decline_discount(
    fragment: FragmentArg, *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Bank: decline the discount request on FRAGMENT."""
    party = signing.party()
    _show(as_json, party.receivables.decline_discount(fragment))


@app.command()
@signed
def discount(
    fragment: OptFragmentArg = None,
    max_price: Annotated[int | None, typer.Option(
        "--max-price", parser=parse_amount, metavar="AMOUNT", show_default=False,
        help="Most you pay; default: the price at the deadline (the highest it can reach by then).")] = None,
    from_csv: FromCsvOpt = None, batch_size: BatchSizeOpt = 100,
    *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Bank: fund the discount request on FRAGMENT; pays the price to the holder and takes the fragment.

    With --from-csv: columns fragment (required), rate, recourse, max_price, deadline (optional; defaults are the
    request's terms, the price at the deadline, and 15 minutes from now)."""
    _single_or_csv(fragment, from_csv, "FRAGMENT")
    party = signing.party()
    if from_csv is not None:
        _run_csv(party, from_csv, _CSV["discount"], batch_size, as_json)
        return
    assert fragment is not None
    _show(as_json, party.receivables.discount(fragment, max_price=max_price))


@app.command()
def quote(
    fragment: FragmentArg, rate: RateOpt, rpc: RpcOpt = None, deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """The price a bank would pay for FRAGMENT at --rate now (computed by the contract)."""
    q = open_ledger(rpc, deployment).receivables.quote_discount(fragment, rate)
    Output(as_json).result(_record({"fragment_id": q.fragment_id, "rate_bps": q.rate_bps,
                                    "days_to_maturity": q.days_to_maturity, "price": q.price}), title="Quote")


@app.command("exposure-limit")
@signed
def exposure_limit(
    debtor: AddressArg, limit: AmountArg, *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Bank: set the face value it may hold financed on core enterprise DEBTOR."""
    party = signing.party()
    _show(as_json, party.receivables.set_exposure_limit(debtor, limit))


@app.command()
def exposure(
    bank: AddressArg, debtor: AddressArg, rpc: RpcOpt = None, deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """A bank's exposure limit on a core enterprise and the exposure in use."""
    e = open_ledger(rpc, deployment).receivables.get_exposure(bank, debtor)
    Output(as_json).result(_record({"bank": e.bank, "debtor": e.debtor, "limit": e.limit, "used": e.used,
                                    "available": e.available}), title="Exposure")


# ----------------------------------------------------------------------------------------------- repayment
@app.command()
@signed
def repay(
    root: OptRootArg = None, amount: OptAmountArg = None, from_csv: FromCsvOpt = None,
    batch_size: BatchSizeOpt = 100, *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Debtor: pay AMOUNT into the contract for receivable ROOT (approves the contract first).

    With --from-csv: columns root and amount."""
    _single_or_csv(root, from_csv, "ROOT AMOUNT")
    party = signing.party()
    if from_csv is not None:
        _run_csv(party, from_csv, _CSV["repay"], batch_size, as_json)
        return
    if root is None or amount is None:
        raise fail("give ROOT and AMOUNT")
    _show(as_json, party.receivables.repay(root, amount))


@app.command()
@signed
def claim(
    fragment: OptFragmentArg = None, from_csv: FromCsvOpt = None, batch_size: BatchSizeOpt = 100,
    *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Anyone: pay FRAGMENT's claimable share to its holder (or every `fragment` of --from-csv)."""
    _single_or_csv(fragment, from_csv, "FRAGMENT")
    party = signing.party()
    if from_csv is not None:
        _run_csv(party, from_csv, _CSV["claim"], batch_size, as_json)
        return
    assert fragment is not None
    _show(as_json, party.receivables.claim(fragment))


@app.command()
@signed
def distribute(
    root: RootArg,
    start: Annotated[int, typer.Option("--start", min=0, help="First fragment index of the batch.")] = 0,
    count: Annotated[int | None, typer.Option("--count", min=1, max=100, show_default=False,
                                              help="Batch size (≤ 100); default: every fragment, batch by batch.")]
    = None,
    *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Anyone: pay every fragment of ROOT its claimable share, in bounded batches."""
    party = signing.party()
    if count is None and start == 0:
        paid = party.receivables.distribute_all(root)
    else:
        paid = party.receivables.distribute(root, start, count or 100)
    rows = [_event(p) for p in paid]
    Output(as_json).rows(rows, ["fragment_id", "holder", "amount", "total_paid", "new_status"],
                         title=f"Payouts of receivable {root}", key="payouts")


# ----------------------------------------------------------------------------------------------- default, recourse
@app.command("default")
@signed
def declare_default(
    fragment: FragmentArg, *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Holder: declare FRAGMENT defaulted (after the due date and grace period)."""
    party = signing.party()
    _show(as_json, party.receivables.declare_default(fragment))


@app.command()
@signed
def recourse(
    fragment: FragmentArg, *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Bank: exercise recourse on a defaulted with-recourse FRAGMENT; the seller then owes its unpaid value."""
    party = signing.party()
    _show(as_json, party.receivables.exercise_recourse(fragment))


@app.command("repay-recourse")
@signed
def repay_recourse(
    fragment: FragmentArg, amount: AmountArg, *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Seller: repay AMOUNT of the recourse debt on FRAGMENT to the bank."""
    party = signing.party()
    _show(as_json, party.receivables.repay_recourse(fragment, amount))


# ----------------------------------------------------------------------------------------------- disputes
@app.command()
@signed
def dispute(
    root: RootArg, reason: ReasonOpt = "", *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Debtor: dispute receivable ROOT before its due date; freezes all its fragments."""
    party = signing.party()
    _show(as_json, party.receivables.dispute(root, reason))


@app.command()
@signed
def resolve(
    root: RootArg,
    uphold: Annotated[bool, typer.Option("--uphold/--void", help="Uphold the receivable, or void it.")],
    *, signing: SigningOptions, as_json: JsonOpt = False,
) -> None:
    """Operator: resolve the dispute on ROOT (--uphold: it stands; --void: it is voided)."""
    party = signing.party()
    _show(as_json, party.receivables.resolve_dispute(root, upheld=uphold))


# ----------------------------------------------------------------------------------------------- reads
@app.command()
def show(root: RootArg, rpc: RpcOpt = None, deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
         as_json: JsonOpt = False) -> None:
    """Receivable ROOT and its fragments."""
    ledger = open_ledger(rpc, deployment)
    rec = ledger.receivables.get_receivable(root)
    fragments = [_fragment(f) for f in ledger.receivables.list_fragments(root)]
    out = Output(as_json)
    if as_json:
        out.json({"receivable": _receivable(rec), "fragments": fragments})
        return
    out.result(_receivable(rec), title=f"Receivable {root}")
    out.rows(fragments, _FRAGMENT_COLUMNS, title="Fragments")


@app.command()
def lineage(root: RootArg, rpc: RpcOpt = None, deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
            as_json: JsonOpt = False) -> None:
    """The story of receivable ROOT: who passed how much to whom, sales to banks, repayments and payouts, oldest
    first (former holders included), then the fragment tree as it stands."""
    ledger = open_ledger(rpc, deployment)
    steps = ledger.receivables.story(root)
    tree = ledger.receivables.lineage(root)
    story = [_step(s) for s in steps]
    if as_json:
        Output(True).json({"root_id": root, "story": story, "lineage": _tree(tree)})
        return
    out = Output(False)
    out.rows([{**s, "date": s["at"], "step": s["action"], "fragment": s["fragment_id"], "what happened": s["text"]}
              for s in story], ["date", "step", "fragment", "amount", "what happened"], title=f"Story of {root}")
    rows = [{**_fragment(f, depth), "fragment_id": "  " * depth + _fid(f.id)} for depth, f in tree.walk()]
    out.rows(rows, ["fragment_id", "holder", "value", "paid", "status"], title=f"Fragments of {root} now")


def _step(step: StoryStep) -> dict[str, Any]:
    return _record({"at": _iso(step.at), "action": step.action, "fragment_id": step.fragment_id,
                    "party": step.party, "counterparty": step.counterparty, "amount": step.amount,
                    "new_fragment_id": step.new_fragment_id, "text": step.text})


def _tree(node: LineageNode) -> dict[str, Any]:
    return {**_fragment(node.fragment), "children": [_tree(c) for c in node.children]}


@app.command("offer-info")
def offer_info(offer_id: OfferArg, rpc: RpcOpt = None, deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
               as_json: JsonOpt = False) -> None:
    """Offer OFFER_ID."""
    o = open_ledger(rpc, deployment).receivables.get_offer(offer_id)
    Output(as_json).result(_record({"offer_id": o.id, "fragment_id": o.fragment_id, "from": o.from_, "to": o.to,
                                    "amount": o.amount, "expires_at": o.expires_at or 0,
                                    "status": o.status}), title=f"Offer {offer_id}")


@app.command()
def financing(fragment: FragmentArg, rpc: RpcOpt = None, deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
              as_json: JsonOpt = False) -> None:
    """The discount and any recourse debt of FRAGMENT."""
    fin = open_ledger(rpc, deployment).receivables.get_financing(fragment)
    Output(as_json).result(_record({"fragment_id": fin.fragment_id, "bank": fin.bank, "seller": fin.seller,
                                    "rate_bps": fin.rate_bps, "with_recourse": fin.with_recourse,
                                    "status": fin.status, "funded_at": fin.funded_at, "price": fin.price,
                                    "recourse_outstanding": fin.recourse_outstanding}),
                           title=f"Financing of {_fid(fragment)}")
