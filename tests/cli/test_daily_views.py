"""The daily-use read model on its own: every inbox entry names a command the CLI really has, filters, statement."""

from __future__ import annotations

from typing import Any

import typer.main

from sdk.cli import app, views
from sdk.receivables import fragment_id
from tests.test_readme import _check

ME, BANK, CORE, OTHER = ("0x" + c * 40 for c in "abcd")
NOW = 1_800_000_000
DAY = 86_400


class FakeSource:
    """Rows in the gateway's field names, one for each inbox branch."""

    party = ME
    label = "fake"

    def __init__(self, records: dict[str, list[dict[str, Any]]], events: list[views.Ledgerline] | None = None
                 ) -> None:
        self._records = records
        self._events = events or []

    def now(self) -> int:
        return NOW

    def records(self, kind: str, filters: views.Filters | None = None) -> list[dict[str, Any]]:
        return [dict(r) for r in self._records.get(kind, [])]

    def money_events(self) -> list[views.Ledgerline]:
        return self._events

    def contract_names(self) -> dict[str, str]:
        return {OTHER.lower(): "Receivables"}


def _receivable(id_: int, status: str, supplier: str, debtor: str, due: int) -> dict[str, Any]:
    return {"id": id_, "supplier": supplier, "debtor": debtor, "face_units": 1_000_00, "repaid_units": 0,
            "due_date": due, "status": status}


def _loan(id_: int, status: str, borrower: str, bank: str, maturity: int, ltv: int | None = None,
          deadline: int = 0) -> dict[str, Any]:
    return {"id": id_, "borrower": borrower, "bank": bank, "principal_units": 500_00, "maturity": maturity,
            "margin_call_deadline": deadline, "program_id": 1, "commodity": "CU", "rate_bps": 550,
            "ltv_bps": ltv, "margin_call_ltv_bps": 8_000, "status": status}


def _deal(id_: int, status: str, **parties: str) -> dict[str, Any]:
    who = {"buyer": OTHER, "seller": OTHER, "bank": OTHER, "warehouse": OTHER, **parties}
    return {"id": id_, **who, "outstanding_units": 100_00, "maturity": NOW + 3 * DAY, "quantity": 10, "unit": "kg",
            "commodity": "CU", "price_units": 200_00, "status": status}


def _line(id_: int, status: str, borrower: str, bank: str, due: int | None) -> dict[str, Any]:
    return {"id": id_, "borrower": borrower, "bank": bank, "used_units": 300_00 if due else 0, "next_due": due,
            "limit_units": 1_000_00, "rate_bps": 600, "status": status}


EVERY_BRANCH = {
    "receivable": [_receivable(1, "registered", CORE, ME, NOW + 60 * DAY),
                   _receivable(2, "confirmed", CORE, ME, NOW - DAY),
                   _receivable(3, "confirmed", CORE, ME, NOW + 60 * DAY)],  # not due yet: not in the inbox
    "offer": [{"id": 4, "sender": OTHER, "recipient": ME, "amount_units": 10_00, "expires_at": None, "status": "open",
               "fragment_id": fragment_id(1, 1)},
              {"id": 5, "sender": OTHER, "recipient": ME, "amount_units": 10_00, "expires_at": NOW, "status": "open",
               "fragment_id": fragment_id(1, 2)}],  # expired: not in the inbox
    "discount": [{"fragment_id": fragment_id(2, 0), "bank": ME, "seller": OTHER, "value_units": 50_00,
                  "rate_bps": 550, "with_recourse": False, "status": "requested"}],
    "loan": [_loan(6, "margin-called", ME, BANK, NOW + 30 * DAY, deadline=NOW + DAY),
             _loan(7, "active", ME, BANK, NOW + 2 * DAY),
             _loan(8, "active", OTHER, ME, NOW - DAY),
             _loan(9, "active", OTHER, ME, NOW + 30 * DAY, ltv=8_100),
             _loan(10, "active", OTHER, ME, NOW + 30 * DAY, ltv=7_900)],  # under the line: nothing to do
    "prepayment": [_deal(11, "proposed", seller=ME), _deal(12, "accepted", bank=ME), _deal(13, "funded", warehouse=ME),
                   _deal(14, "delivered", buyer=ME)],
    "credit-line": [_line(15, "offered", ME, BANK, None), _line(16, "open", ME, BANK, NOW + DAY),
                    _line(17, "open", OTHER, ME, NOW - DAY)],
}


def test_every_inbox_entry_names_a_command_the_cli_has() -> None:
    actions = views.inbox(FakeSource(EVERY_BRANCH))
    root = typer.main.get_command(app)
    for action in actions:
        assert _check(root, action.command) == [], action
    assert [a.command for a in actions] == [  # earliest due first; ties by kind
        "scf credit-line default 17", "scf receipt foreclose 8", "scf receivable repay 2 1000.00",
        "scf credit-line repay 16 --all", "scf receipt repay 6 all",
        "scf receipt repay 7 all",
        "scf prepayment accept 11", "scf prepayment fund 12", "scf prepayment deliver 13 --lot LOT",
        "scf prepayment repay 14 100.00",
        "scf receipt margin-call 9", "scf receivable confirm 1",
        "scf credit-line accept 15", "scf receivable discount 2.0", "scf receivable accept 4",
    ]


def test_filters_keep_status_role_counterparty_and_due_days() -> None:
    source = FakeSource(EVERY_BRANCH)
    assert [i.id for i in views.items(source, "loan", views.Filters(role=("bank",)))] == [8, 9, 10]
    assert [i.id for i in views.items(source, "loan", views.Filters(status=("margin-called",)))] == [6]
    assert [i.id for i in views.items(source, "receivable", views.Filters(due_before=NOW))] == [2]
    assert [i.id for i in views.items(source, "receivable", views.Filters(due_after=NOW))] == [1, 3]
    assert [i.id for i in views.items(source, "offer", views.Filters(counterparty=OTHER.upper()))] == [4, 5]
    assert views.items(source, "offer", views.Filters(counterparty=CORE)) == []


def test_the_statement_carries_a_running_balance_from_before_the_period() -> None:
    def transfer(block: int, sender: str, to: str, value: int) -> views.Ledgerline:
        return views.Ledgerline(block, NOW + block * DAY, f"0x{block:064x}", 0, "Transfer",
                                {"from_": sender, "to": to, "value": value})

    events = [transfer(1, views.ZERO, ME, 1_000_00), transfer(2, ME, CORE, 250_00), transfer(3, OTHER, ME, 40_00),
              transfer(4, CORE, BANK, 5_00)]  # not mine
    st = views.statement(FakeSource({}, events), NOW + 2 * DAY, NOW + 10 * DAY)
    assert st.opening == 1_000_00 and st.closing == 790_00
    assert [(m.what, m.counterparty, m.money, m.balance) for m in st.lines] == [
        ("paid", CORE, -250_00, 750_00), ("received from Receivables", "Receivables", 40_00, 790_00)]


def test_payouts_presented_receipts_and_risk_pool_steps_wait_with_their_command() -> None:
    fragment = {"id": fragment_id(3, 1), "holder": ME, "debtor": CORE, "value_units": 1_000_00, "paid_units": 0,
                "due_date": NOW + DAY, "status": "active", "financed": False}
    receipt = {"id": 21, "owner": OTHER, "warehouse": ME, "lien_holder": None, "quantity": 500, "unit": "kg",
               "commodity": "CU", "lot_id": "L1", "status": "free"}
    source = FakeSource({
        "fragment": [{**fragment, "claimable_units": 400_00},
                     {**fragment, "id": fragment_id(3, 2), "claimable_units": 0},  # nothing repaid to it yet
                     {**fragment, "id": fragment_id(3, 3), "holder": OTHER, "claimable_units": 5_00}],  # not mine
        "receipt": [{**receipt, "presented": True}, {**receipt, "id": 22, "presented": False},
                    {**receipt, "id": 23, "presented": True, "status": "pledged"},
                    {**receipt, "id": 24, "presented": True, "warehouse": OTHER, "owner": ME}],
        "risk-program": [
            {"id": 1, "name": "SME 2026", "balance_units": 30_00, "open_units": 70_00, "contributor": True,
             "claims": [{"id": 5, "bank": ME, "status": "open", "open_units": 50_00, "recovery_owed_units": 0},
                        {"id": 6, "bank": ME, "status": "paid", "open_units": 0, "recovery_owed_units": 12_00},
                        {"id": 7, "bank": OTHER, "status": "open", "open_units": 20_00,
                         "recovery_owed_units": 0}]},
            {"id": 2, "name": "empty", "balance_units": 0, "open_units": 9_00, "contributor": False,
             "claims": [{"id": 8, "bank": ME, "status": "open", "open_units": 9_00, "recovery_owed_units": 0}]}],
        "risk-held": [{"held_units": 8_00}],
    })
    actions = views.inbox(source)
    root = typer.main.get_command(app)
    for action in actions:
        assert _check(root, action.command) == [], action
    assert [(a.command, a.amount) for a in actions] == [
        ("scf receivable claim 3.1", 400_00),
        ("scf receipt deliver 21", None),
        ("scf risk-pool collect", 8_00),
        ("scf risk-pool pay-open 1", 30_00),  # what the balance pays of claim 5; claim 8's pool is empty
        ("scf risk-pool return-recovery 6", 12_00),
        ("scf risk-pool deposit 1 40.00", 40_00),  # as a contributor: the claims are 40.00 short
    ]


class FakeGateway:
    """The gateway's list routes as a request function: records each query, answers with `rows` in pages of two."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.queries: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, url: str, method: str, path: str, what: str, **kw: Any) -> Any:
        if path == "/v1/participants/me":
            return {"address": ME}
        query = dict(kw.get("params") or {})
        self.queries.append((path, query))
        start = int(query.get("cursor") or 0)
        more = start + 2 < len(self.rows)
        return {"data": [dict(r) for r in self.rows[start:start + 2]], "next_cursor": str(start + 2) if more else None}


def test_the_gateway_is_asked_for_the_filtered_rows_only() -> None:
    gateway = FakeGateway([_loan(6, "margin_called", ME, BANK, NOW + 30 * DAY, deadline=NOW + DAY)])
    source = views.GatewaySource("http://gw", gateway)
    filters = views.Filters(status=("active", "margin-called"), role=("borrower",), counterparty=BANK,
                            due_after=NOW, due_before=NOW + 2 * DAY, min_units=100_00, max_units=900_00)
    assert [i.id for i in views.items(source, "loan", filters)] == [6]
    [(path, query)] = gateway.queries
    assert path == "/v1/loans"
    assert query == {"limit": 500, "status": ["active", "margin_called"], "borrower": ME, "counterparty": BANK,
                     "due_from": NOW, "due_to": NOW + 2 * DAY, "min_units": 100_00, "max_units": 900_00}


def test_filters_the_route_cannot_express_stay_on_the_client() -> None:
    deal = _deal(11, "delivered", buyer=ME)
    gateway = FakeGateway([deal | {"schedule": [], "principal_repaid_units": 0}])
    source = views.GatewaySource("http://gw", gateway)
    # a prepayment's due here is its next instalment, the route's its maturity; two roles are an "or"
    filters = views.Filters(role=("buyer", "seller"), due_after=NOW)
    assert [i.id for i in views.items(source, "prepayment", filters)] == [11]
    assert gateway.queries == [("/v1/prepayments", {"limit": 500})]
    # without filters nothing is added to the query, and pages are followed
    many = FakeGateway([_receivable(n, "confirmed", CORE, ME, NOW) for n in range(1, 6)])
    assert [i.id for i in views.items(views.GatewaySource("http://gw", many), "receivable")] == [1, 2, 3, 4, 5]
    assert [q for _, q in many.queries] == [{"limit": 500}, {"limit": 500, "cursor": "2"},
                                           {"limit": 500, "cursor": "4"}]


def test_amount_filters_compare_the_routes_principal_on_every_source() -> None:
    source = FakeSource(EVERY_BRANCH)
    assert [i.id for i in views.items(source, "loan", views.Filters(min_units=500_00))] == [6, 7, 8, 9, 10]
    assert views.items(source, "loan", views.Filters(max_units=499_99)) == []
    # a receivable compares its face (1,000.00), though its row shows what is outstanding
    assert [i.id for i in views.items(source, "receivable", views.Filters(min_units=1_000_00))] == [1, 2, 3]
