"""The web app's maturity calendar (core enterprise), maturity ladder and exposure against limit (bank), pledge
loans with LTV, margin-call status and each side's actions, the warehouse desk (receipts presented for delivery,
deliveries awaiting inspection), and the charts drawn on the server from the indexed tables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from gateway.web import charts, maturity
from sdk import Ledger
from sdk.chain import Chain
from tests.conftest import Cast
from tests.contracts.receivables_support import fund, new_root
from tests.gateway.api_fixtures import Api
from tests.gateway.scenarios import credit_activity
from tests.gateway.test_tx_api import make_api

DAY = 86_400


@pytest.fixture()
def web(chain: Chain, ledger: Ledger, db: Engine) -> Iterator[Api]:
    yield from make_api(chain, ledger, db)


def _table_after(html: str, marker: str) -> str:
    return html.split(marker, 1)[1].split("</table>", 1)[0]


def test_buckets_put_overdue_first_then_weeks_or_months_then_later() -> None:
    now = 1_795_000_000  # a Thursday
    weeks = maturity.periods(now, "week")
    assert len(weeks) == 13 and weeks[0][1] <= now < weeks[0][2]
    assert all(b[2] - b[1] == 7 * DAY for b in weeks)
    got = maturity.bucket([(now - DAY, "a", 5), (now + DAY, "a", 7), (now + 8 * DAY, "b", 3),
                           (now + 400 * DAY, "a", 11)], now, "week")
    assert got[0] == ("Overdue", {"a": 5}) and got[1][1] == {"a": 7} and got[-1] == ("Later", {"a": 11})
    assert sum(sum(v.values()) for _, v in got) == 26  # nothing lost or counted twice
    months = maturity.bucket([(now + 40 * DAY, "a", 1)], now, "month")
    assert [label for label, _ in months][:2] == ["Nov 26", "Dec 26"] and "Overdue" not in dict(months)


def test_charts_carry_their_numbers_and_an_accessible_name() -> None:
    bars = str(charts.ladder("Ladder", [("w/c 30 Nov", {"x": 1_234_56}), ("w/c 7 Dec", {})],
                             [charts.Series("x", "Discounts")]))
    assert 'role="img"' in bars and "<title" in bars and "<desc" in bars
    assert "1,234.56" in bars and "<details>" in bars  # the exact amount in the table behind the chart
    limits = str(charts.against_limit("Exposure", [("Acme", 90_00, 100_00), ("Beta", 120_00, 100_00)]))
    assert "#b45309" in limits and "#a10d0d" in limits  # amber at 80%, red above the limit
    assert "90.00%" in limits and "120.00%" in limits
    line = str(charts.over_time("LTV", [charts.Line("LTV", [(1_795_000_000, 6_000), (1_795_086_400, 7_500)])],
                                charts.percent, axis=lambda v: f"{v / 100:.0f}%"))
    assert line.count("<circle") == 2 and "75.00%" in line


def test_core_enterprise_maturity_calendar_lists_what_it_owes_with_repay(web: Api, ledger: Ledger, cast: Cast
                                                                          ) -> None:
    soon, _ = new_root(cast, face=3_000_00, days=3)
    later, _ = new_root(cast, face=7_000_00, days=45)
    new_root(cast, face=9_999_00, confirm=False)  # not confirmed: not owed yet
    new_root(cast, face=5_555_00, debtor=cast.core2)  # owed by someone else
    cast.core.receivables.repay(soon, 1_000_00)
    web.sync()
    page = web.client.get("/web/view/calendar", headers=web.as_(cast.core))
    assert page.status_code == 200, page.text
    html = page.text
    assert "9,000.00 owed" in html  # 2,000.00 left of the first, 7,000.00 of the second
    assert "9,999.00" not in html and "5,555.00" not in html
    assert 'aria-current="page">Maturity calendar' in html and 'role="img"' in html
    now = ledger.chain.now()

    def repays(days: int) -> tuple[list[int], str]:
        month = datetime.fromtimestamp(now + days * DAY, UTC).strftime("%Y-%m")
        html = web.client.get("/web/view/calendar", params={"month": month, "by": "month"},
                              headers=web.as_(cast.core)).text
        return [int(x) for x in re.findall(r"Repay receivable (\d+)", html)], html

    first, html = repays(3)
    assert soon in first and 'data-action="receivable.repay"' in html and 'value="2,000.00"' in html
    assert later in repays(45)[0] and "Previous month" in html and "Next month" in html
    assert web.client.get("/web/view/calendar", headers=web.as_(cast.supplier1)).status_code == 403
    bad = web.client.get("/web/view/calendar", params={"month": "2026-13"}, headers=web.as_(cast.core))
    assert bad.status_code == 422 and "month" in bad.text
    assert web.client.get("/web/view/calendar", params={"by": "year"}, headers=web.as_(cast.core)).status_code == 422


def test_bank_maturity_ladder_and_exposure_against_limit(web: Api, ledger: Ledger, cast: Cast) -> None:
    _, f1 = new_root(cast, face=40_000_00, days=20)
    fund(cast.supplier1, f1, cast.bank1, cast.core, limit=50_000_00)
    _, f2 = new_root(cast, face=10_000_00, days=100, debtor=cast.core2)
    fund(cast.supplier1, f2, cast.bank1, cast.core2, limit=9_000_00 + 10_000_00)
    credit_activity(ledger, cast)
    web.sync()
    html = web.client.get("/web/view/ladder", headers=web.as_(cast.bank1)).text
    assert "Maturity ladder" in html and 'aria-current="page">Maturity ladder' in html
    assert "Discounted receivables" in html and "Credit-line tranches" in html
    ladder = _table_after(html, "The numbers behind “Maturity ladder, by week”")
    assert "40,000.00" in ladder and "10,000.00" in ladder  # each discount's face in its period
    exposure = _table_after(html, "The numbers behind “Exposure against limit, per core enterprise”")
    assert "40,000.00" in exposure and "50,000.00" in exposure and "80.00%" in exposure
    assert "52.63%" in exposure  # 10,000.00 of 19,000.00
    by_month = web.client.get("/web/view/ladder", params={"by": "month"}, headers=web.as_(cast.bank1)).text
    assert "Maturity ladder, by month" in by_month
    assert web.client.get("/web/view/ladder", headers=web.as_(cast.core)).status_code == 403
    other = web.client.get("/web/view/ladder", headers=web.as_(cast.bank2)).text
    assert "40,000.00" not in other and "No exposure limits set" in other  # each bank sees its own


def test_credit_line_page_charts_utilisation_over_time(web: Api, ledger: Ledger, cast: Cast) -> None:
    ids = credit_activity(ledger, cast)
    web.sync()
    html = web.client.get("/web/view/credit-line", params={"id": ids["line"]}, headers=web.as_(cast.supplier1)).text
    table = _table_after(html, f"The numbers behind “Credit line {ids['line']}: utilisation over time”")
    for used in ("200,000.00", "350,000.00"):  # after each draw
        assert used in table
    assert "800,000.00" in table  # the limit as reduced


def _loan_market(ledger: Ledger, cast: Cast) -> dict[str, int]:
    """Copper at 70.00/kg; the distributor borrows 480,000.00 against 10,000 kg (LTV 68.57%) and holds a spare
    free receipt; then the price falls to 58.00 (LTV 82.76%, above the 80% margin-call level)."""
    from tests.contracts.warehouse_support import (
        CU,
        CURE_PERIOD,
        MARGIN_CALL_LTV_BPS,
        MAX_LTV_BPS,
        MAX_TENOR,
        RATE_BPS,
        list_commodity,
        terms,
    )

    list_commodity(cast)
    program = cast.bank1.loans.open_program(CU, rate_bps=RATE_BPS, max_ltv_bps=MAX_LTV_BPS,
                                            margin_call_ltv_bps=MARGIN_CALL_LTV_BPS, cure_period=CURE_PERIOD,
                                            max_tenor=MAX_TENOR, cap=10**11).program_id
    cast.bank1.token.approve(ledger.loans.address, 10**12)
    pledged = cast.warehouse.receipts.issue(cast.distributor.address, terms("WEB-LOT-1"), 10_000).id
    loan = cast.distributor.loans.pledge(program, pledged, 480_000_00, ledger.chain.now() + 90 * DAY).loan_id
    spare = cast.warehouse.receipts.issue(cast.distributor.address, terms("WEB-LOT-2"), 2_000).id
    ledger.chain.increase_time(DAY)
    cast.feeder.prices.post_price(CU, 58_00, ledger.chain.now())
    return {"loan": loan, "spare": spare, "cure": CURE_PERIOD}


def test_pledge_loans_show_ltv_margin_call_status_and_each_sides_actions(web: Api, ledger: Ledger, cast: Cast
                                                                         ) -> None:
    from tests.gateway.test_tx_api import prepare

    ids = _loan_market(ledger, cast)
    loan, spare = ids["loan"], ids["spare"]
    web.sync()
    listing = web.client.get("/web/view/loans", headers=web.as_(cast.bank1)).text
    assert "a margin call is due" in listing and "82.7" in listing and f"Open loan {loan}" in listing
    bank = web.client.get("/web/view/loan", params={"id": loan}, headers=web.as_(cast.bank1)).text
    assert f"Call margin on loan {loan}" in bank and f"Foreclose loan {loan}" not in bank
    assert f"Repay loan {loan}" not in bank and 'aria-current="page">Pledge loans' in bank
    ltv = _table_after(bank, f"The numbers behind “Loan {loan}: LTV against the price”")
    assert "68.57%" in ltv and "82.7" in ltv  # at opening (70.00) and after the fall (58.00)
    prices = _table_after(bank, "The numbers behind “Price of CU-CATHODE per unit”")
    assert "70.00" in prices and "58.00" in prices
    assert prepare(web, cast.bank1, "loan.call_margin", {"loan_id": loan})["would_revert"] is None
    borrower = web.client.get("/web/view/loan", params={"id": loan}, headers=web.as_(cast.distributor)).text
    assert f"Repay loan {loan}" in borrower and f"Call margin on loan {loan}" not in borrower
    assert f"Allow the loan book to take receipt {spare}" in borrower
    assert web.client.get("/web/view/loan", params={"id": loan}, headers=web.as_(cast.bank2)).status_code == 404

    cast.bank1.loans.call_margin(loan)
    cast.distributor.receipts.approve(spare, ledger.loans.address)
    web.sync()
    borrower = web.client.get("/web/view/loan", params={"id": loan}, headers=web.as_(cast.distributor)).text
    assert "Margin called: cure by" in borrower and f"Add receipt {spare} to loan {loan}" in borrower
    assert prepare(web, cast.distributor, "loan.add_collateral",
                   {"loan_id": loan, "receipt_id": spare})["would_revert"] is None
    ledger.chain.increase_time(ids["cure"] + DAY)
    cast.feeder.prices.post_price("CU-CATHODE", 57_00, ledger.chain.now())
    web.sync()
    bank = web.client.get("/web/view/loan", params={"id": loan}, headers=web.as_(cast.bank1)).text
    assert "the bank may foreclose" in bank and f"Foreclose loan {loan}" in bank
    assert prepare(web, cast.bank1, "loan.foreclose", {"loan_id": loan})["would_revert"] is None
    bad = web.client.get("/web/view/loans", params={"status": "lost"}, headers=web.as_(cast.bank1))
    assert bad.status_code == 422 and "status" in bad.text


def test_warehouse_desk_lists_receipts_presented_and_deliveries_awaiting_inspection(
        web: Api, ledger: Ledger, cast: Cast) -> None:
    from tests.contracts.prepayment_support import Desk
    from tests.contracts.warehouse_support import list_commodity, terms
    from tests.gateway.test_tx_api import prepare

    list_commodity(cast)
    shown = cast.warehouse.receipts.issue(cast.supplier1.address, terms("DESK-1"), 1_000).id
    kept = cast.warehouse.receipts.issue(cast.supplier1.address, terms("DESK-2"), 2_000).id
    moved = cast.warehouse.receipts.issue(cast.supplier1.address, terms("DESK-3"), 3_000).id
    cast.supplier1.receipts.present(shown)
    cast.supplier1.receipts.present(moved)
    cast.supplier1.receipts.transfer(moved, cast.supplier2.address)  # a transfer clears the approval
    deal = Desk(ledger, cast).funded()
    web.sync()
    html = web.client.get("/web/view/warehouse", headers=web.as_(cast.warehouse)).text
    assert f"Deliver the goods of receipt {shown}" in html
    assert f"receipt {kept}<" not in html and f"receipt {moved}<" not in html
    assert f"Confirm delivery in for deal {deal}" in html and 'data-action="prepayment.confirm_delivery"' in html
    assert "Allow the prepayment contract to issue receipts in your name" in html
    api = web.client.get("/v1/warehouse-receipts", params={"presented": "true"}, headers=web.as_(cast.warehouse))
    assert [(r["id"], r["presented"]) for r in api.json()["data"]] == [(shown, True)]
    rest = web.client.get("/v1/warehouse-receipts", params={"presented": "false"},
                          headers=web.as_(cast.warehouse)).json()["data"]
    assert {kept, moved} <= {r["id"] for r in rest} and shown not in {r["id"] for r in rest}
    assert prepare(web, cast.warehouse, "receipt.deliver", {"id": shown})["would_revert"] is None
    assert prepare(web, cast.warehouse, "receipt.deliver", {"id": kept})["would_revert"] is not None  # not presented
    params = {"id": deal, "lot_id": "DESK-IN-1", "grade": "LME-A", "location": "BAY-4",
              "inspection_hash": "certificate 2026-118"}
    blocked = prepare(web, cast.warehouse, "prepayment.confirm_delivery", params)["would_revert"]
    assert blocked is not None and blocked["error"] == "ReceiptIssuerNotApproved"
    cast.warehouse.receipts.set_issuer_approval(ledger.prepayment.address)
    web.sync()
    html = web.client.get("/web/view/warehouse", headers=web.as_(cast.warehouse)).text
    assert "Allow the prepayment contract" not in html
    assert prepare(web, cast.warehouse, "prepayment.confirm_delivery", params)["would_revert"] is None
    assert web.client.get("/web/view/warehouse", headers=web.as_(cast.bank1)).status_code == 403


def test_calendar_lists_a_months_earliest_payables_and_counts_them_all(web: Api, ledger: Ledger, cast: Cast,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = new_root(cast, face=1_000_00, days=3)
    second, _ = new_root(cast, face=2_000_00, days=3)
    web.sync()
    monkeypatch.setattr(maturity, "MONTH_ROWS", 1)
    month = datetime.fromtimestamp(ledger.chain.now() + 3 * DAY, UTC).strftime("%Y-%m")
    html = web.client.get("/web/view/calendar", params={"month": month}, headers=web.as_(cast.core)).text
    assert "2 payables, the 1 earliest shown." in html and "3,000.00 falls due" in html
    assert f"Repay receivable {first}" in html and f"Repay receivable {second}" not in html
