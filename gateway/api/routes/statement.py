"""A party's statement: every movement of money (settlement token) and claims (receivables registered, passed on,
sold or bought) in a period, with the token balance after each line, as JSON or CSV.

It reads the indexed event log only, with the rules of ``scf statement`` (sdk/cli/views.py, ``movements``): a
transfer is money in or out, named by the ledger contract on the other side where there is one; a registered or
issued receivable, an accepted offer and a discount are claims in or out.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

from eth_utils import to_checksum_address
from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import exists, select

from gateway.api.deps import AppContext, ContextDep, CurrentParty, Party, SessionDep, ledger_now
from gateway.api.errors import FieldError
from gateway.api.names import display_names
from gateway.api.pagination import Address
from gateway.models.common import money, table_of
from gateway.models.events import EventLog, EventRef
from gateway.models.quotes import StatementLinePublic, StatementPublic
from sdk.story import fragment_ref

router = APIRouter(tags=["statement"])
E = table_of(EventLog).c
REF = table_of(EventRef).c
DAY = 86_400
ZERO = "0x" + "00" * 20
NAMES = ("Transfer", "ReceivableRegistered", "ReceivableIssued", "FragmentOfferAccepted", "FragmentDiscounted")
DateQ = Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="a day, YYYY-MM-DD (UTC)")]
CSV_FIELDS = ["time", "block", "tx", "what", "counterparty", "counterparty_name", "money", "claim", "balance"]


def signed(units: int) -> str:
    return money(units) if units >= 0 else "-" + money(-units)


def _line(e: Any, what: str, who: Any, cash: int, claim: int) -> dict[str, Any]:
    return {"at": e.block_time, "block_number": e.block_number, "tx_hash": e.tx_hash, "log_index": e.log_index,
            "what": what, "counterparty": None if who is None else str(who), "money_units": cash,
            "claim_units": claim}


def movements(session: Any, ctx: AppContext, party: str) -> list[dict[str, Any]]:
    """The party's movements, oldest first, each with ``balance_units`` after it."""
    me = party.lower()
    contracts = {a.lower(): n for n, a in ctx.deployment.contracts.items()}
    rows = session.execute(
        select(E.block_time, E.block_number, E.tx_hash, E.log_index, E.name, E.contract, E.args)
        .where(E.name.in_(NAMES),
               exists(select(REF.event_id).where(REF.kind == "party", REF.ref == party, REF.event_id == E.id)))
        .order_by(E.id)).all()
    out = []
    for e in rows:
        a = json.loads(e.args)
        if e.name == "Transfer":
            if e.contract != "SettlementToken":
                continue
            sender, to, value = str(a["from_"]).lower(), str(a["to"]).lower(), int(a["value"])
            if me not in (sender, to) or sender == to:
                continue
            if sender == ZERO:
                out.append(_line(e, "deposit minted", None, value, 0))
            elif to == ZERO:
                out.append(_line(e, "withdrawal burned", None, -value, 0))
            elif to == me:
                name = contracts.get(sender)
                out.append(_line(e, f"received from {name}" if name else "received", name or a["from_"], value, 0))
            else:
                name = contracts.get(to)
                out.append(_line(e, f"paid to {name}" if name else "paid", name or a["to"], -value, 0))
        elif e.name in ("ReceivableRegistered", "ReceivableIssued") and str(a["supplier"]).lower() == me:
            verb = "registered" if e.name == "ReceivableRegistered" else "issued"
            out.append(_line(e, f"{verb} receivable {a['root_id']}", a["debtor"], 0, int(a["face_value"])))
        elif e.name == "FragmentOfferAccepted":
            label = fragment_ref(int(a["child_id"]))
            if str(a["to"]).lower() == me:
                out.append(_line(e, f"fragment {label} accepted", a["from_"], 0, int(a["amount"])))
            elif str(a["from_"]).lower() == me:
                out.append(_line(e, f"fragment {label} passed on", a["to"], 0, -int(a["amount"])))
        elif e.name == "FragmentDiscounted":
            label = fragment_ref(int(a["fragment_id"]))
            if str(a["seller"]).lower() == me:
                out.append(_line(e, f"fragment {label} sold to bank", a["bank"], 0, -int(a["value"])))
            elif str(a["bank"]).lower() == me:
                out.append(_line(e, f"fragment {label} bought", a["seller"], 0, int(a["value"])))
    balance = 0
    for line in out:
        balance += line["money_units"]
        line["balance_units"] = balance
    return out


def day_start(name: str, value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC).timestamp())
    except ValueError:
        raise FieldError(["query", name], f"{value!r} is not a date (YYYY-MM-DD)") from None


def build_statement(session: Any, ctx: AppContext, party: Party, of: str | None, date_from: str | None,
                    date_to: str | None) -> StatementPublic:
    """The statement of `of` (yourself unless you are the regulator) from `date_from` to `date_to` (both days
    included; by default the last 30 days up to today)."""
    subject = party.address
    if of is not None and to_checksum_address(of) != party.address:
        if not party.is_regulator:
            raise FieldError(["query", "party"], "you may read only your own statement", 403, "forbidden")
        subject = to_checksum_address(of)
    now = ledger_now(session, ctx)
    end = day_start("date_to", date_to)
    end = (end + DAY) if end is not None else (now // DAY + 1) * DAY
    start = day_start("date_from", date_from)
    start = start if start is not None else end - 30 * DAY
    if end <= start:
        raise FieldError(["query", "date_to"], f"date_to {date_to} is before date_from {date_from}")
    every = movements(session, ctx, subject)
    before = [m for m in every if m["at"] < start]
    lines = [m for m in every if start <= m["at"] < end]
    opening = before[-1]["balance_units"] if before else 0
    closing = lines[-1]["balance_units"] if lines else opening
    data = [StatementLinePublic(**m, money=signed(m["money_units"]), claim=signed(m["claim_units"]),
                                balance=signed(m["balance_units"])) for m in lines]
    return StatementPublic(
        party=subject, date_from=start, date_to=end, opening_balance=signed(opening), opening_balance_units=opening,
        closing_balance=signed(closing), closing_balance_units=closing,
        money_in_units=sum(m["money_units"] for m in lines if m["money_units"] > 0),
        money_out_units=-sum(m["money_units"] for m in lines if m["money_units"] < 0), data=data, count=len(data))


def statement_csv(st: StatementPublic, names: dict[str, str]) -> str:
    """The lines as CSV: money as signed decimal strings, time in UTC, the counterparty's address (or the ledger
    contract's name) and its display name where it has one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for m in st.data:
        writer.writerow([datetime.fromtimestamp(m.at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), m.block_number,
                         m.tx_hash, m.what, m.counterparty or "", names.get(m.counterparty or "", ""), m.money,
                         m.claim, m.balance])
    return buffer.getvalue()


@router.get("/statement", response_model=StatementPublic,
            summary="Your movements of money and claims in a period, with the running token balance")
def read_statement(party: CurrentParty, session: SessionDep, ctx: ContextDep, date_from: DateQ = None,
                   date_to: DateQ = None,
                   of: Annotated[Address | None, Query(alias="party",
                                                       description="regulator only: another participant")] = None,
                   ) -> StatementPublic:
    return build_statement(session, ctx, party, of, date_from, date_to)


@router.get("/statement.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "the statement's lines as CSV"}},
            summary="The same statement as CSV")
def read_statement_csv(party: CurrentParty, session: SessionDep, ctx: ContextDep, date_from: DateQ = None,
                       date_to: DateQ = None,
                       of: Annotated[Address | None, Query(alias="party",
                                                           description="regulator only: another participant")] = None,
                       ) -> Response:
    st = build_statement(session, ctx, party, of, date_from, date_to)
    name = f"statement-{st.party[:10]}-{datetime.fromtimestamp(st.date_from, UTC):%Y%m%d}.csv"
    names = display_names(session, [m.counterparty for m in st.data if m.counterparty])
    return Response(statement_csv(st, names), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
