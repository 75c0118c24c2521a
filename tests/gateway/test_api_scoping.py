"""The scoping matrix: every party type x every resource. No foreign row ever appears; the regulator sees all;
anything outside a party's scope answers 404, not 403."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from gateway.models.common import table_of
from gateway.models.events import EventRef
from sdk import Ledger, Party
from tests.conftest import Cast
from tests.gateway.api_fixtures import Api
from tests.gateway.helpers import registry_activity, token_activity
from tests.gateway.scenarios import (
    credit_activity,
    prepayment_activity,
    receivables_activity,
    warehouse_activity,
)

PARTY_TYPES = ["core", "supplier1", "distributor", "bank1", "warehouse", "feeder", "riskpool", "regulator"]


def _mentions(value: Any, address: str) -> bool:
    if isinstance(value, dict):
        return any(_mentions(v, address) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, address) for v in value)
    return value == address


def _party_events(conn: Any, me: str) -> int:
    ref = table_of(EventRef).c
    return int(conn.execute(select(func.count()).where(ref.kind == "party", ref.ref == me)).scalar_one())


def _rows_of(table: str) -> Callable[[Any, str], int]:
    def count(conn: Any, me: str) -> int:
        t = SQLModel.metadata.tables[table]
        return int(conn.execute(select(func.count()).select_from(t).where(t.c.address == me)).scalar_one())

    return count


def _total(table: str) -> Callable[[Any], int]:
    return lambda conn: int(conn.execute(select(func.count()).select_from(SQLModel.metadata.tables[table]))
                            .scalar_one())


@dataclass(frozen=True)
class Resource:
    path: str
    concerns: Callable[[dict[str, Any], str], bool]  # does this API row concern the address?
    expected: Callable[[str], int]  # how many rows concern the address
    total: int  # all rows


def _count(conn: Any, table: str, where: Callable[[Any], Any] | None = None) -> int:
    t = SQLModel.metadata.tables[table]
    stmt = select(func.count()).select_from(t)
    if where is not None:
        stmt = stmt.where(where(t.c))
    return int(conn.execute(stmt).scalar_one())


def _involvement(ledger: Ledger, conn: Any) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Who is involved with each receivable and fragment, from the contract's own reads (plus the registering
    supplier): debtor, current holder, bank and seller of the financing. The contract keeps the seller only for a
    financing with recourse; without recourse it is read from the FragmentDiscounted event in the audit log."""
    import json

    rc = ledger.receivables
    events = SQLModel.metadata.tables["event_log"]
    sold_by: dict[int, str] = {}
    for raw in conn.execute(select(events.c.args).where(events.c.contract == "Receivables",
                                                        events.c.name == "FragmentDiscounted")).scalars():
        args = json.loads(raw)
        sold_by[int(args["fragment_id"])] = args["seller"]
    roots: dict[str, set[int]] = {}
    frags: dict[str, set[int]] = {}
    suppliers = dict(conn.execute(select(SQLModel.metadata.tables["receivable"].c.id,
                                         SQLModel.metadata.tables["receivable"].c.supplier)).all())
    for root_id in range(1, rc.receivable_count() + 1):
        debtor = rc.get_receivable(root_id).debtor
        roots.setdefault(debtor, set()).add(root_id)
        roots.setdefault(suppliers[root_id], set()).add(root_id)
        for frag in rc.list_fragments(root_id):
            fin = rc.get_financing(frag.id)
            seller = fin.seller or sold_by.get(frag.id)
            for who in {debtor, frag.holder, fin.bank, seller} - {None}:
                assert who is not None
                roots.setdefault(who, set()).add(root_id)
                frags.setdefault(who, set()).add(frag.id)
    return roots, frags


def _receipt_involvement(ledger: Ledger, conn: Any) -> dict[str, set[int]]:
    """Owners now and before (from the raw ERC-721 Transfer and ReceiptIssued events of the audit log), the issuing
    warehouse and the lending bank (from the contracts' reads)."""
    import json

    events = SQLModel.metadata.tables["event_log"]
    out: dict[str, set[int]] = {}
    for name, raw in conn.execute(select(events.c.name, events.c.args).where(events.c.contract == "WarehouseReceipts")):
        args = json.loads(raw)
        if name == "Transfer":
            for who in (args["from_"], args["to"]):
                out.setdefault(who, set()).add(args["token_id"])
    for rid in range(1, ledger.receipts.next_receipt_id()):
        out.setdefault(ledger.receipts.get_receipt(rid).warehouse, set()).add(rid)
    for lid in range(1, ledger.loans.loan_count() + 1):
        loan = ledger.loans.get_loan(lid)
        out.setdefault(loan.bank, set()).update(loan.receipt_ids)
    for pid in range(1, ledger.prepayment.next_agreement_id()):  # the bank of a prepayment deal: its collateral
        deal = ledger.prepayment.get_agreement(pid)
        if deal.receipt_id:
            out.setdefault(deal.bank, set()).add(deal.receipt_id)
    return out


def _resources(ledger: Ledger, conn: Any) -> dict[str, Resource]:
    roots, frags = _involvement(ledger, conn)
    receipts = _receipt_involvement(ledger, conn)
    return {
        "warehouse-receipts": Resource("/v1/warehouse-receipts", lambda row, me: row["id"] in receipts.get(me, set()),
                                       lambda me: len(receipts.get(me, set())), _count(conn, "warehouse_receipt")),
        "prepayments": Resource("/v1/prepayments",
                                lambda row, me: me in (row["buyer"], row["seller"], row["bank"], row["warehouse"]),
                                lambda me: _count(conn, "prepayment", lambda c: (c.buyer == me) | (c.seller == me)
                                                  | (c.bank == me) | (c.warehouse == me)),
                                _count(conn, "prepayment")),
        "credit-lines": Resource("/v1/credit-lines", lambda row, me: me in (row["bank"], row["borrower"]),
                                 lambda me: _count(conn, "credit_line", lambda c: (c.bank == me) | (c.borrower == me)),
                                 _count(conn, "credit_line")),
        "loans": Resource("/v1/loans", lambda row, me: me in (row["bank"], row["borrower"]),
                          lambda me: _count(conn, "loan", lambda c: (c.bank == me) | (c.borrower == me)),
                          _count(conn, "loan")),
        "participants": Resource("/v1/participants", lambda row, me: row["address"] == me,
                                 lambda me: _count(conn, "participant", lambda c: c.address == me),
                                 _count(conn, "participant")),
        "balances": Resource("/v1/balances", lambda row, me: row["address"] == me,
                             lambda me: _count(conn, "balance", lambda c: c.address == me), _count(conn, "balance")),
        "events": Resource("/v1/events", lambda row, me: _mentions(row["args"], me),
                           lambda me: _count(conn, "event_ref", lambda c: (c.kind == "party") & (c.ref == me)),
                           _count(conn, "event_log")),
        "receivables": Resource("/v1/receivables", lambda row, me: row["id"] in roots.get(me, set()),
                                lambda me: len(roots.get(me, set())), _count(conn, "receivable")),
        "fragments": Resource("/v1/fragments", lambda row, me: row["id"] in frags.get(me, set()),
                              lambda me: len(frags.get(me, set())), _count(conn, "fragment")),
        "offers": Resource("/v1/offers", lambda row, me: me in (row["sender"], row["recipient"], row["debtor"]),
                           lambda me: _count(conn, "offer", lambda c: (c.sender == me) | (c.recipient == me)
                                             | (c.debtor == me)), _count(conn, "offer")),
        "financings": Resource("/v1/financings", lambda row, me: me in (row["bank"], row["seller"], row["debtor"]),
                               lambda me: _count(conn, "financing", lambda c: (c.bank == me) | (c.seller == me)
                                                 | (c.debtor == me)), _count(conn, "financing")),
    }


def _all_rows(api: Api, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        response = api.client.get(path, headers=headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            assert len(rows) == body["count"]
            return rows


@pytest.fixture()
def busy_api(api: Api, ledger: Ledger, cast: Cast) -> Api:
    token_activity(cast, random.Random(11), 3)
    registry_activity(cast)
    receivables_activity(ledger, cast)
    warehouse_activity(ledger, cast)
    prepayment_activity(ledger, cast)
    credit_activity(ledger, cast)
    api.sync()
    return api


def test_every_party_type_sees_exactly_the_rows_of_every_resource_that_concern_it(
    busy_api: Api, ledger: Ledger, cast: Cast
) -> None:
    problems: list[str] = []
    seen: set[str] = set()
    with busy_api.indexer.store.engine.connect() as conn:
        resources = _resources(ledger, conn)
        for who in PARTY_TYPES:
            party: Party = getattr(cast, who)
            headers = busy_api.as_(party)
            for name, res in sorted(resources.items()):
                rows = _all_rows(busy_api, res.path, headers)
                if rows and who != "regulator":
                    seen.add(name)
                if who == "regulator":
                    if len(rows) != res.total:
                        problems.append(f"regulator sees {len(rows)} of {res.total} {name}")
                    continue
                foreign = [r for r in rows if not res.concerns(r, party.address)]
                if foreign:
                    problems.append(f"{who} sees {len(foreign)} foreign {name}: {foreign[:1]}")
                if len(rows) != res.expected(party.address):
                    problems.append(f"{who} sees {len(rows)} {name}, expected {res.expected(party.address)}")
    assert problems == []
    assert seen == set(resources)  # every resource had rows for some non-regulator party


def test_foreign_rows_answer_404(api: Api, cast: Cast) -> None:
    token_activity(cast, random.Random(12), 4)
    api.sync()
    for who in [w for w in PARTY_TYPES if w != "regulator"]:
        party: Party = getattr(cast, who)
        headers = api.as_(party)
        other = cast.supplier2 if party is not cast.supplier2 else cast.supplier3
        for path in (f"/v1/participants/{other.address}", f"/v1/balances/{other.address}"):
            response = api.client.get(path, headers=headers)
            assert response.status_code == 404, (who, path)
            assert response.json()["detail"][0]["type"] == "not_found"
        theirs = _all_rows(api, "/v1/events", api.as_(other))
        mine = {e["id"] for e in _all_rows(api, "/v1/events", headers)}
        foreign = next(e for e in theirs if e["id"] not in mine)
        assert api.client.get(f"/v1/events/{foreign['id']}", headers=headers).status_code == 404
        assert api.client.get("/v1/events/999999999999", headers=headers).status_code == 404


def test_regulator_reads_any_row(api: Api, cast: Cast) -> None:
    headers = api.as_(cast.regulator)
    for path in (f"/v1/participants/{cast.supplier2.address}", f"/v1/balances/{cast.supplier2.address}"):
        assert api.client.get(path, headers=headers).status_code == 200


def test_regulator_cannot_change_anything(api: Api, cast: Cast) -> None:
    headers = api.as_(cast.regulator)
    for method, path in (("post", "/v1/events"), ("put", f"/v1/participants/{cast.bank1.address}"),
                         ("delete", f"/v1/balances/{cast.bank1.address}"), ("patch", "/v1/participants/me"),
                         ("post", "/v1/receivables"), ("delete", "/v1/loans/1")):
        assert getattr(api.client, method)(path, headers=headers).status_code == 405


def test_credit_positions_and_alerts_concern_only_the_lines_bank_and_borrower(
    busy_api: Api, ledger: Ledger, cast: Cast
) -> None:
    """The scoping matrix over credit lines in /v1/positions and /v1/alerts (the lists are covered above)."""
    from gateway.models.creditlines import CreditLine
    from sdk.types import CreditLineStatus

    with busy_api.indexer.store.engine.connect() as conn:
        lines = {r.id: r for r in conn.execute(select(table_of(CreditLine)))}
    live = {i for i, r in lines.items() if r.status != int(CreditLineStatus.CLOSED)}
    problems: list[str] = []
    for who in PARTY_TYPES:
        party: Party = getattr(cast, who)
        me = party.address
        positions = busy_api.client.get("/v1/positions", headers=busy_api.as_(party)).json()["credit_lines"]
        expected = {i for i in live if me in (lines[i].bank, lines[i].borrower)}
        if {p["line_id"] for p in positions} != expected:
            problems.append(f"{who} positions show lines {[p['line_id'] for p in positions]}, expected {expected}")
        alerts = busy_api.client.get("/v1/alerts", headers=busy_api.as_(party), params={"days": 3_650}).json()
        seen = {a["asset_id"] for a in alerts["data"] if a["asset_type"] == "credit_line"}
        allowed = set(lines) if who == "regulator" else {i for i in lines if me in (lines[i].bank, lines[i].borrower)}
        if not seen <= allowed:
            problems.append(f"{who} sees alerts of foreign lines {seen - allowed}")
    assert problems == []
    assert any(cast.supplier1.address == lines[i].borrower for i in live)  # the matrix had a live line to show
