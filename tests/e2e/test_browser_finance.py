"""The web app's money pages in a real browser (Debian's chromium through Playwright): a bank sets its exposure
limit on the ledger and publishes a discount rate; a supplier compares each bank's quote and requests the chosen
one; a core enterprise confirms a selection of receivables in one transaction; a bank funds a portfolio of requests
in one transaction; a supplier reads its statement. Screenshots go to tests/e2e/screenshots/ (see test_browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account

import tests.e2e.test_browser as base
from sdk import Ledger, Role, connect
from sdk.chain import ANVIL_DEV_KEYS
from sdk.story import fragment_ref
from tests.cli.test_gateway_cli import serving

FACE = 60_000_00
playwright_sync = base.playwright_sync


@pytest.fixture(autouse=True, scope="module")
def _browser_installed() -> None:
    if not base.Path(base.CHROMIUM).exists():
        pytest.fail("the browser tests need Debian's chromium: `apt-get install chromium` (scripts/setup.sh does)")
    if not base.AXE.exists():
        pytest.fail("the browser tests need axe-core from npm: run `bash scripts/setup.sh`")


@pytest.fixture(scope="module")
def world(own_anvil: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[base.World]:
    tmp = tmp_path_factory.mktemp("browser-finance")
    chain = connect(own_anvil)
    operator = Account.from_key(ANVIL_DEV_KEYS[0])
    ledger = Ledger.deploy(chain, operator)
    op = ledger.as_party(operator)
    people = {"core": (Role.CORE_ENTERPRISE, "Northwind Motors"), "supplier": (Role.SUPPLIER, "Acme Steel"),
              "bank": (Role.BANK, "Harbour Bank"), "bank2": (Role.BANK, "City Commercial Bank")}
    accounts = {name: chain.new_account() for name in people}
    expiry = chain.now() + 10**7
    for name, (role, label) in people.items():
        op.registry.admit(accounts[name].address, [role], f"finance:{name}", expiry, name=label)
    core, supplier = ledger.as_party(accounts["core"]), ledger.as_party(accounts["supplier"])
    bank, bank2 = ledger.as_party(accounts["bank"]), ledger.as_party(accounts["bank2"])
    for b in (bank, bank2):
        op.token.set_mint_allowance(b.account.address, 20 * FACE)
        b.token.mint(b.account.address, 20 * FACE, "deposit")
        b.token.approve(ledger.receivables.address, 20 * FACE)
    bank2.receivables.set_exposure_limit(accounts["core"].address, 40_000_00)  # room for its queue only
    due = chain.now() + 75 * 86_400
    ids: dict[str, Any] = {}
    ids["to_confirm"] = [supplier.receivables.register(accounts["core"].address, f, due, f"finance-confirm-{n}").root_id
                         for n, f in enumerate((12_500_00, 8_750_00, 31_000_00))]
    quoted = supplier.receivables.register(accounts["core"].address, FACE, due, "finance-quote")
    core.receivables.confirm(quoted.root_id)
    ids["quoted"] = quoted.fragment_id
    ids["portfolio"] = []
    for n, f in enumerate((15_000_00, 22_400_00)):
        ev = supplier.receivables.register(accounts["core"].address, f, due - n * 86_400, f"finance-fund-{n}")
        core.receivables.confirm(ev.root_id)
        supplier.receivables.request_discount(ev.fragment_id, accounts["bank2"].address, 650, with_recourse=False)
        ids["portfolio"].append(ev.fragment_id)
    deployment = ledger.save(tmp / "deployment.json")
    with serving(own_anvil, deployment, tmp) as url:
        yield base.World(url, chain, ledger, accounts, ids, tmp / "unused-keystore.json")


@pytest.fixture(scope="module")
def browser(world: base.World) -> Iterator[Any]:
    with playwright_sync.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=base.CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield launched
        finally:
            launched.close()


# Each module-scoped world belongs to one xdist worker, and a later test may land on the other worker: a test that
# builds on an earlier one's ledger state runs that one's steps first when this worker has not (`_once`).
def _once(step: str, browser: Any, world: base.World) -> None:
    if not world.ids.get(step):
        STEPS[step](browser, world)


def test_bank_sets_its_limit_on_the_ledger_and_publishes_a_rate(browser: Any, world: base.World) -> None:
    _publish_rates(browser, world)


def _publish_rates(browser: Any, world: base.World) -> None:
    world.ids["rates published"] = True
    page = base.wallet_page(browser, world, "bank")
    base.open_page(page, "Limits and rates")
    # the rate first: publishing is gateway configuration, so no event re-renders the page while a form is filled
    row = page.locator("tr", has=page.get_by_role("cell", name="Northwind Motors", exact=False))
    row.get_by_label("Rate (% a year)").fill("5.75")
    row.get_by_label("Up to days").fill("120")
    row.get_by_role("button", name="Publish rate for Northwind Motors").click()
    page.wait_for_selector("text=Published 5.75% up to 120 days.", timeout=20_000)
    row = page.locator("tr", has=page.get_by_role("cell", name="Northwind Motors", exact=False))
    row.get_by_label("New limit").fill("1,000,000.00")
    summary = base.act(page, "Set limit on Northwind Motors")
    assert "1,000,000.00" in summary
    page.wait_for_function("document.getElementById('panel').innerText.includes('1,000,000.00')", timeout=20_000)
    core = world.accounts["core"].address
    assert world.ledger.receivables.get_exposure(world.accounts["bank"].address, core).limit == 1_000_000_00
    assert "Now 5.75% a year, up to 120 days" in page.locator("#panel").inner_text()
    assert base.serious_violations(page) == []
    base.shoot(page, "bank-limits")
    page.close()
    other = base.wallet_page(browser, world, "bank2")  # the second bank's rate: lower, with little room left
    base.open_page(other, "Limits and rates")
    row = other.locator("tr", has=other.get_by_role("cell", name="Northwind Motors", exact=False))
    row.get_by_label("Rate (% a year)").fill("4.90")
    row.get_by_role("button", name="Publish rate for Northwind Motors").click()
    other.wait_for_selector("text=Published 4.90% up to 180 days.", timeout=20_000)
    other.close()


def test_supplier_compares_quotes_and_requests_the_chosen_bank(browser: Any, world: base.World) -> None:
    _once("rates published", browser, world)
    page = base.wallet_page(browser, world, "supplier")
    base.open_page(page, "Discount quotes")
    ref = fragment_ref(world.ids["quoted"])
    page.get_by_label("Fragment", exact=True).select_option(ref)
    page.get_by_role("button", name="Show quotes").click()
    page.wait_for_function("document.getElementById('view').dataset.src.includes('fragment=')", timeout=20_000)
    text = page.locator("#panel").inner_text()
    assert "5.75%" in text and "4.90%" in text  # both banks quote; the cheaper one has no room for 60,000.00
    assert "beyond this bank's exposure limit" in text
    assert base.serious_violations(page) == []
    base.shoot(page, "supplier-quotes")
    summary = base.act(page, "Request discount from Harbour Bank")
    assert "5.75%" in summary
    page.wait_for_function("document.getElementById('status').textContent.includes('DiscountRequested')",
                           timeout=20_000)
    financing = world.ledger.receivables.get_financing(world.ids["quoted"])
    assert financing.bank == world.accounts["bank"].address and financing.rate_bps == 575
    page.close()


def test_core_confirms_a_selection_in_one_transaction(browser: Any, world: base.World) -> None:
    page = base.wallet_page(browser, world, "core")
    base.open_page(page, "Confirm receivables")
    first, second, third = world.ids["to_confirm"]
    page.get_by_label(f"Select receivable {first}", exact=True).check()
    page.get_by_label(f"Select receivable {third}", exact=True).check()
    page.keyboard.press("Tab")
    assert base.serious_violations(page) == []
    base.shoot(page, "core-confirm")
    # news from the stream while rows are ticked: the page says so and keeps the selection
    world.chain.nonces.forget(world.accounts["supplier"].address)  # the pages signed for the supplier meanwhile
    supplier = world.ledger.as_party(world.accounts["supplier"])
    late = supplier.receivables.register(world.accounts["core"].address, 4_321_00, world.chain.now() + 40 * 86_400,
                                         "finance-confirm-late").root_id
    page.wait_for_function("document.getElementById('status').textContent.startsWith('New activity')",
                           timeout=20_000)
    assert page.get_by_label(f"Select receivable {first}", exact=True).is_checked()
    summary = base.act(page, "Confirm the selected receivables")
    assert summary.startswith("one transaction, 2 × receivable.confirm")
    page.wait_for_function(f"!document.getElementById('panel').innerText.includes('Select receivable {first}')",
                           timeout=20_000)
    status = {r: world.ledger.receivables.get_receivable(r).status.name for r in world.ids["to_confirm"]}
    assert status == {first: "CONFIRMED", second: "REGISTERED", third: "CONFIRMED"}
    assert page.get_by_label(f"Select receivable {second}", exact=True).is_visible()
    assert page.get_by_label(f"Select receivable {late}", exact=True).is_visible()  # the news, after the action
    page.close()


def test_bank_funds_a_portfolio_in_one_transaction(browser: Any, world: base.World) -> None:
    _fund_portfolio(browser, world)


def _fund_portfolio(browser: Any, world: base.World) -> None:
    world.ids["portfolio funded"] = True
    page = base.wallet_page(browser, world, "bank2")
    base.open_page(page, "Funding queue")
    page.get_by_label("Select all on this page").check()
    assert base.serious_violations(page) == []
    base.shoot(page, "bank-funding")
    summary = base.act(page, "Fund the selected requests as one portfolio")
    assert summary.startswith("one transaction, 2 × receivable.discount")
    page.wait_for_function("document.getElementById('panel').innerText.includes('No requests waiting.')",
                           timeout=20_000)
    for fragment in world.ids["portfolio"]:
        assert world.ledger.receivables.get_fragment(fragment).holder == world.accounts["bank2"].address
    page.close()


def test_supplier_reads_its_statement(browser: Any, world: base.World) -> None:
    _once("portfolio funded", browser, world)
    page = base.wallet_page(browser, world, "supplier")
    base.open_page(page, "Statement")
    text = page.locator("#panel").inner_text()
    for fragment in world.ids["portfolio"]:
        assert f"fragment {fragment_ref(fragment)} sold to bank" in text
    assert "City Commercial Bank" in text  # counterparties by display name
    with page.expect_download() as download:  # fetched with the bearer token, saved from a blob
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.startswith("statement-")
    lines = download.value.path().read_text().splitlines()
    assert lines[0] == "time,block,tx,what,counterparty,counterparty_name,money,claim,balance" and len(lines) > 3
    assert any("City Commercial Bank" in line for line in lines)
    assert base.serious_violations(page) == []
    base.shoot(page, "supplier-statement")
    page.close()


STEPS = {"rates published": _publish_rates, "portfolio funded": _fund_portfolio}
