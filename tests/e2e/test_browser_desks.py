"""The web app's calendars, charts, pledge loans and warehouse desk in a real browser (Debian's chromium through
Playwright), each action prepared, shown, signed in the page, submitted and followed until indexed:

- the core enterprise repays from its maturity calendar;
- the bank reads its maturity ladder and exposure against limit, and calls margin on a loan whose LTV broke the
  margin-call level at the latest price;
- the borrower answers the margin call by adding a receipt as collateral;
- the warehouse delivers the goods of a presented receipt (by keyboard alone) and confirms a delivery in.

Screenshots go to tests/e2e/screenshots/; axe-core finds no serious or critical violation on any of the pages.
Shares the browser helpers of test_browser.py, with a ledger and gateway of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_sync
import pytest
from eth_account import Account

from sdk import Ledger, Role, connect
from sdk.chain import ANVIL_DEV_KEYS
from sdk.generated.enums import LoanStatus, PrepaymentStatus, ReceiptStatus
from sdk.prepayment import PrepaymentTerms, equal_instalments
from sdk.warehouse import ReceiptTerms, inspection_hash
from tests.cli.test_gateway_cli import serving
from tests.e2e.test_browser import (  # noqa: F401  (an autouse fixture: the check that the browser is installed)
    CHROMIUM,
    World,
    _browser_installed,
    open_page,
    serious_violations,
    shoot,
    wallet_page,
)

DAY = 86_400
CU = "CU-CATHODE"
FACE = 80_000_00


def _terms(lot: str) -> ReceiptTerms:
    return ReceiptTerms(commodity=CU, unit="kg", lot_id=lot, grade="LME-A", location="QINGDAO-3",
                        inspection_hash=inspection_hash(f"inspection of {lot}"))


@pytest.fixture(scope="module")
def world(own_anvil: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("desks")
    chain = connect(own_anvil)
    operator = Account.from_key(ANVIL_DEV_KEYS[0])
    ledger = Ledger.deploy(chain, operator)
    op = ledger.as_party(operator)
    roles = {"core": Role.CORE_ENTERPRISE, "supplier": Role.SUPPLIER, "bank": Role.BANK,
             "warehouse": Role.WAREHOUSE_OPERATOR, "feeder": Role.PRICE_FEEDER, "distributor": Role.DISTRIBUTOR}
    accounts = {name: chain.new_account() for name in roles}
    for name, role in roles.items():
        op.registry.admit(accounts[name].address, [role], f"desks:{name}", chain.now() + 10**7)
    bank, supplier, core, warehouse, feeder, buyer = (ledger.as_party(accounts[n]) for n in (
        "bank", "supplier", "core", "warehouse", "feeder", "distributor"))
    op.token.set_mint_allowance(accounts["bank"].address, 100 * FACE)
    bank.token.mint(accounts["bank"].address, 100 * FACE, "deposit")
    for who in ("core", "distributor"):
        bank.token.transfer(accounts[who].address, 10 * FACE)
    bank.token.approve(ledger.receivables.address, 10 * FACE)
    bank.token.approve(ledger.loans.address, 20 * FACE)
    bank.receivables.set_exposure_limit(accounts["core"].address, 2 * FACE)
    # receivables: two owed by the core enterprise, one of them discounted at the bank (its ladder)
    now = chain.now()
    soon = supplier.receivables.register(accounts["core"].address, FACE // 4, now + 2 * DAY, "invoice-desk-1")
    core.receivables.confirm(soon.root_id)
    held = supplier.receivables.register(accounts["core"].address, FACE, now + 40 * DAY, "invoice-desk-2")
    core.receivables.confirm(held.root_id)
    supplier.receivables.request_discount(held.fragment_id, accounts["bank"].address, 600, with_recourse=False)
    bank.receivables.discount(held.fragment_id)
    # a pledge loan at 70.00/kg (LTV 68.57%), a spare receipt, then copper falls to 58.00 (LTV 82.76%)
    op.prices.list_commodity(CU, "kg", DAY)
    op.prices.set_feeder(CU, accounts["feeder"].address)
    feeder.prices.post_price(CU, 70_00)
    program = bank.loans.open_program(CU, rate_bps=550, max_ltv_bps=7_000, margin_call_ltv_bps=8_000,
                                      cure_period=3 * DAY, max_tenor=180 * DAY, cap=10**11).program_id
    loans = []
    for lot in ("DESK-LOT-1", "DESK-LOT-2"):  # the bank's to call, and the borrower's to answer (already called)
        pledged = warehouse.receipts.issue(accounts["distributor"].address, _terms(lot), 10_000).id
        loans.append(buyer.loans.pledge(program, pledged, 480_000_00, chain.now() + 90 * DAY).loan_id)
    spare = warehouse.receipts.issue(accounts["distributor"].address, _terms("DESK-LOT-S"), 2_000).id
    chain.increase_time(60)
    feeder.prices.post_price(CU, 58_00, chain.now())
    bank.loans.call_margin(loans[1])
    # a receipt presented for delivery, and a funded prepayment deal awaiting delivery into the warehouse
    presented = warehouse.receipts.issue(accounts["supplier"].address, _terms("DESK-LOT-3"), 1_500).id
    supplier.receipts.present(presented)
    now = chain.now()
    terms = PrepaymentTerms(seller=accounts["core"].address, bank=accounts["bank"].address,
                            warehouse=accounts["warehouse"].address, commodity=CU, unit="kg", quantity=5_000,
                            unit_price=65_00, margin_bps=2_500, rate_bps=550, delivery_deadline=now + 10 * DAY,
                            maturity=now + 90 * DAY)
    buyer.prepayment.authorize(terms.margin)
    deal = buyer.prepayment.propose(terms, equal_instalments(terms.principal, [now + d * DAY for d in (30, 60, 90)])).id
    core.prepayment.accept(deal)
    bank.prepayment.authorize(ledger.prepayment.get_agreement(deal).principal)
    bank.prepayment.fund(deal)
    deployment = ledger.save(tmp / "deployment.json")
    with serving(own_anvil, deployment, tmp) as url:
        yield World(url, chain, ledger, accounts,
                    {"soon": soon.root_id, "loan": loans[0], "called": loans[1], "spare": spare, "presented": presented,
                     "deal": deal},
                    Path("/nonexistent"))


@pytest.fixture(scope="module")
def browser(world: World) -> Iterator[Any]:
    with playwright_sync.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield launched
        finally:
            launched.close()


def act(page: Any, button: str, *, keyboard: bool = False, fill: dict[str, str] | None = None,
        expect: str = "") -> str:
    """Fill the action's inputs (`fill`: CSS selector -> text), click it (or focus it and press Enter), check the
    summary (it says `expect`), sign and submit, wait until indexed and the page re-rendered with the result. A
    re-render prompted by the event stream may land between filling and clicking and reset the inputs: then the
    summary is cancelled, and the inputs filled and the action clicked again."""
    dialog, status = page.locator("#confirm"), page.locator("#status")
    for attempt in range(4):
        page.evaluate("document.getElementById('status').textContent = ''")  # the previous action's "Done:" goes
        page.evaluate("document.getElementById('view').dataset.stale = 'yes'")  # until the page is re-rendered
        for selector, text in (fill or {}).items():
            page.locator(selector).fill(text)
        target = page.get_by_role("button", name=button, exact=True)
        if keyboard:
            target.focus()
            page.keyboard.press("Enter")
        else:
            target.click()
        try:
            dialog.wait_for(state="visible", timeout=5_000 if fill else 20_000)
        except playwright_sync.Error:
            if not status.inner_text():  # nothing started: the inputs were emptied under the click
                if not fill or attempt == 3:
                    pytest.fail(f"{button}: no summary to sign; the page says {status.inner_text()!r}")
                continue
            dialog.wait_for(state="visible", timeout=20_000)  # preparing, slowly
        if expect in str(page.locator("#confirm-summary").inner_text()) or attempt == 3:
            break
        page.get_by_role("button", name="Cancel").click()  # prepared from reset inputs
    summary = str(page.locator("#confirm-summary").inner_text())
    assert expect in summary
    assert page.locator("#confirm-error").inner_text() == ""
    if keyboard:  # the dialog focuses "Sign and submit"
        assert page.evaluate("document.activeElement.id") == "confirm-sign"
        page.keyboard.press("Enter")
    else:
        page.get_by_role("button", name="Sign and submit").click()
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Done:')", timeout=30_000)
    page.wait_for_function("!document.getElementById('view').dataset.stale", timeout=20_000)  # shows the result
    return summary


def test_core_enterprise_repays_from_its_maturity_calendar(browser: Any, world: World) -> None:
    page = wallet_page(browser, world, "core")
    open_page(page, "Maturity calendar")
    assert page.get_by_role("img", name="What you owe, by week").is_visible()
    root = world.ids["soon"]
    repay = page.get_by_role("button", name=f"Repay receivable {root}", exact=True)
    for _ in range(2):  # the receivable falls due within days: this month's calendar or the next one's
        if repay.count():
            break
        page.get_by_role("button", name="Next month").click()
        page.wait_for_function("document.getElementById('view').dataset.src.includes('month=')", timeout=20_000)
    act(page, "Allow the receivables contract to take repayments from your balance")
    summary = act(page, f"Repay receivable {root}", fill={f"#repay-{root}": "5,000.00"}, expect="5,000.00")
    assert "5,000.00" in summary
    page.wait_for_function("document.getElementById('panel').innerText.includes('15,000.00')", timeout=20_000)
    assert world.ledger.receivables.get_receivable(root).repaid == 5_000_00
    assert serious_violations(page) == []
    shoot(page, "core-calendar")
    page.close()


def test_bank_reads_its_ladder_and_calls_margin(browser: Any, world: World) -> None:
    page = wallet_page(browser, world, "bank")
    open_page(page, "Maturity ladder")
    assert page.get_by_role("img", name="Maturity ladder, by week").is_visible()
    assert page.get_by_role("img", name="Exposure against limit, per core enterprise").is_visible()
    page.get_by_text("The numbers behind “Maturity ladder, by week”").click()  # the chart's data, on demand
    assert "80,000.00" in page.locator("#panel").inner_text()
    page.get_by_role("button", name="By month").click()
    page.get_by_role("img", name="Maturity ladder, by month").wait_for(timeout=20_000)
    assert serious_violations(page) == []
    shoot(page, "bank-ladder")
    open_page(page, "Pledge loans")
    loan = world.ids["loan"]
    assert "a margin call is due" in page.locator("#panel").inner_text()
    page.get_by_role("button", name=f"Open loan {loan}").click()
    page.get_by_role("heading", name=f"Pledge loan {loan}").wait_for(timeout=20_000)
    act(page, f"Call margin on loan {loan}")
    page.wait_for_function("document.getElementById('loan-standing')?.innerText.startsWith('Margin called')",
                           timeout=20_000)
    assert world.ledger.loans.get_loan(loan).status == LoanStatus.MARGIN_CALLED
    assert page.get_by_role("img", name=f"Loan {loan}: LTV against the price").is_visible()
    assert serious_violations(page) == []
    shoot(page, "bank-loan")
    page.close()


def test_borrower_answers_the_margin_call_with_more_collateral(browser: Any, world: World) -> None:
    page = wallet_page(browser, world, "distributor")
    open_page(page, "Pledge loans")
    loan, spare = world.ids["called"], world.ids["spare"]
    page.get_by_role("button", name=f"Open loan {loan}").click()
    page.get_by_role("heading", name=f"Pledge loan {loan}").wait_for(timeout=20_000)
    assert page.locator("#loan-standing").inner_text().startswith("Margin called: cure by")
    act(page, f"Allow the loan book to take receipt {spare}")
    page.get_by_role("button", name=f"Add receipt {spare} to loan {loan}").wait_for(timeout=20_000)
    act(page, f"Add receipt {spare} to loan {loan}")
    page.wait_for_function("document.getElementById('loan-standing')?.innerText === 'Within limits'", timeout=20_000)
    assert world.ledger.loans.get_loan(loan).status == LoanStatus.ACTIVE  # cured: LTV back under 70%
    assert serious_violations(page) == []
    shoot(page, "borrower-loan")
    page.close()


def test_warehouse_delivers_a_presented_receipt_and_confirms_a_delivery_in(browser: Any, world: World) -> None:
    page = wallet_page(browser, world, "warehouse")
    open_page(page, "Warehouse desk")
    receipt, deal = world.ids["presented"], world.ids["deal"]
    assert serious_violations(page) == []
    shoot(page, "warehouse-desk")  # with its work waiting
    act(page, f"Deliver the goods of receipt {receipt}", keyboard=True)  # reachable by keyboard alone
    page.wait_for_function(f"!document.body.innerText.includes('Deliver the goods of receipt {receipt}')",
                           timeout=20_000)
    assert world.ledger.receipts.get_receipt(receipt).status == ReceiptStatus.DELIVERED
    act(page, "Allow the prepayment contract to issue receipts in your name")
    page.wait_for_function("!document.body.innerText.includes('Allow the prepayment contract')", timeout=20_000)
    inspection = {f"#lot-{deal}": "DESK-IN-1", f"#grade-{deal}": "LME-A", f"#location-{deal}": "BAY-4",
                  f"#inspection-{deal}": "certificate 2026-118"}  # labelled Lot id, Grade, Location, Inspection…
    assert page.get_by_label("Inspection certificate hash or reference").is_visible()
    act(page, f"Confirm delivery in for deal {deal}", fill=inspection, expect="DESK-IN-1")
    page.wait_for_function("document.body.innerText.includes('No funded deal awaits delivery')", timeout=20_000)
    assert world.ledger.prepayment.get_agreement(deal).status == PrepaymentStatus.DELIVERED
    assert serious_violations(page) == []
    page.close()
