"""The web app in a real browser (Debian's chromium through Playwright): each role signs in, does its main action
end to end (prepare -> summary -> sign in the page -> submit -> indexed) and sees the result; screenshots of each
role's page go to tests/e2e/screenshots/; axe-core finds no serious or critical accessibility violation.

One ledger and one gateway (a child process on a separate anvil) serve the whole module. Sign-in is by an injected
EIP-1193 wallet (window.ethereum backed by a dev key held by the test) or by uploading a keystore file.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from sdk import Ledger, Role, connect
from sdk.chain import ANVIL_DEV_KEYS, Chain
from sdk.creditlines import CreditTerms, PayeeRule
from sdk.story import fragment_ref
from tests.cli.test_gateway_cli import serving

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "tests" / "e2e" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FACE = 80_000_00
PASSWORD = "correct horse battery staple"

import playwright.sync_api as playwright_sync  # noqa: E402  (a dev dependency: a missing one fails loudly)


@pytest.fixture(autouse=True, scope="module")
def _browser_installed() -> None:
    """The browser tests need Debian's chromium and axe-core; without them they fail, saying how to get them."""
    if not Path(CHROMIUM).exists():
        pytest.fail("the browser tests need Debian's chromium: `apt-get install chromium` (scripts/setup.sh does)")
    if not AXE.exists():
        pytest.fail("the browser tests need axe-core from npm: run `bash scripts/setup.sh`")


@dataclass
class World:
    url: str
    chain: Chain
    ledger: Ledger
    accounts: dict[str, LocalAccount]
    ids: dict[str, int]
    keystore: Path


@pytest.fixture(scope="module")
def world(own_anvil: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("browser")
    chain = connect(own_anvil)
    operator = Account.from_key(ANVIL_DEV_KEYS[0])
    ledger = Ledger.deploy(chain, operator)
    op = ledger.as_party(operator)
    roles = {"core": Role.CORE_ENTERPRISE, "supplier": Role.SUPPLIER, "bank": Role.BANK,
             "warehouse": Role.WAREHOUSE_OPERATOR, "regulator": Role.REGULATOR, "supplier2": Role.SUPPLIER}
    accounts = {name: chain.new_account() for name in roles}
    expiry = chain.now() + 10**7
    for name, role in roles.items():
        op.registry.admit(accounts[name].address, [role], f"browser:{name}", expiry)
    bank = ledger.as_party(accounts["bank"])
    supplier = ledger.as_party(accounts["supplier"])
    core = ledger.as_party(accounts["core"])
    op.token.set_mint_allowance(accounts["bank"].address, 10 * FACE)
    bank.token.mint(accounts["bank"].address, 10 * FACE, "deposit")
    bank.token.approve(ledger.receivables.address, 10 * FACE)
    bank.receivables.set_exposure_limit(accounts["core"].address, 10 * FACE)
    due = chain.now() + 120 * 86_400
    waiting = supplier.receivables.register(accounts["core"].address, FACE, due, "invoice-browser-1")
    held = supplier.receivables.register(accounts["core"].address, FACE // 2, due, "invoice-browser-2")
    core.receivables.confirm(held.root_id)
    queued = supplier.receivables.register(accounts["core"].address, FACE // 4, due, "invoice-browser-3")
    core.receivables.confirm(queued.root_id)
    supplier.receivables.request_discount(queued.fragment_id, accounts["bank"].address, 575, with_recourse=False)
    splittable = supplier.receivables.register(accounts["core"].address, FACE // 8, due, "invoice-browser-4")
    core.receivables.confirm(splittable.root_id)
    soon = supplier.receivables.register(accounts["core"].address, 3_210_00, chain.now() + 5 * 86_400,
                                         "invoice-browser-5")
    core.receivables.confirm(soon.root_id)  # falls due within the alert horizon
    bank.token.approve(ledger.credit_lines.address, 10 * FACE)  # draws are paid from the bank's balance
    now = chain.now()
    line = bank.credit_lines.open(CreditTerms(
        borrower=accounts["supplier"].address, limit=FACE, rate_bps=700, start=now, expiry=now + 90 * 86_400,
        max_tenor=60 * 86_400, grace=5 * 86_400, surcharge_bps=300, payee_rule=PayeeRule.ANY_SUPPLIER)).line_id
    supplier.credit_lines.accept(line)
    keystore = tmp / "supplier-keystore.json"
    # a light scrypt, so that decrypting in the page takes a moment (the CLI's keystores use the default)
    keystore.write_text(json.dumps(Account.encrypt(accounts["supplier"].key, PASSWORD, iterations=2**12)))
    deployment = ledger.save(tmp / "deployment.json")
    with serving(own_anvil, deployment, tmp) as url:
        yield World(url, chain, ledger, accounts,
                    {"waiting": waiting.root_id, "held": held.fragment_id, "queued": queued.fragment_id,
                     "splittable": splittable.fragment_id, "line": line}, keystore)


@pytest.fixture(scope="module")
def browser(world: World) -> Iterator[Any]:
    with playwright_sync.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield launched
        finally:
            launched.close()


WALLET_JS = """
window.ethereum = {
  isTestWallet: true,
  request: async ({ method, params }) => {
    const answer = JSON.parse(await window.scfTestWallet(JSON.stringify({ method, params: params || [] })));
    if (answer.error) { const err = new Error(answer.error); err.code = 4200; throw err; }
    return answer.result;
  },
  on: () => {}, removeListener: () => {},
};
"""


def wallet_page(browser: Any, world: World, name: str, *, signs_transactions: bool = True) -> Any:
    """A page whose window.ethereum is a test wallet: the key stays in this test (as in a wallet extension).
    Without `signs_transactions` it refuses eth_signTransaction and sends transactions itself, as MetaMask does."""
    account = world.accounts[name]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sent: list[bytes] = []
    page.sent_by_wallet = sent  # what the wallet sent itself (not relayed by the gateway)

    def answer(request: str) -> str:
        call = json.loads(request)
        method, params = call["method"], call["params"]
        if method in ("eth_requestAccounts", "eth_accounts"):
            return json.dumps({"result": [account.address]})
        if method == "eth_chainId":
            return json.dumps({"result": hex(world.chain.chain_id)})
        if method == "personal_sign":
            data = params[0]
            signed = account.sign_message(encode_defunct(hexstr=data) if data.startswith("0x") else
                                          encode_defunct(text=data))
            return json.dumps({"result": signed.signature.to_0x_hex()})
        if method in ("eth_signTransaction", "eth_sendTransaction"):
            if method == "eth_signTransaction" and not signs_transactions:
                return json.dumps({"error": "eth_signTransaction is not supported"})
            tx = dict(params[0])
            tx.pop("from", None)
            fields = {k: int(v, 16) if isinstance(v, str) and k not in ("to", "data") else v for k, v in tx.items()}
            if method == "eth_sendTransaction":  # the wallet fills in its nonce and chain, signs and sends
                fields.update(nonce=world.chain.w3.eth.get_transaction_count(account.address, "pending"),
                              chainId=world.chain.chain_id)
                fields.setdefault("value", 0)
                raw = account.sign_transaction(fields).raw_transaction
                sent.append(raw)
                return json.dumps({"result": world.chain.w3.eth.send_raw_transaction(raw).to_0x_hex()})
            return json.dumps({"result": account.sign_transaction(fields).raw_transaction.to_0x_hex()})
        response = world.chain.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            return json.dumps({"error": str(response["error"])})
        return json.dumps({"result": response.get("result")})

    page.expose_function("scfTestWallet", answer)
    page.add_init_script(WALLET_JS)
    page.goto(world.url + "/")
    page.get_by_role("button", name="Sign in with a wallet").click()
    try:
        page.wait_for_selector("#workspace:not([hidden])", timeout=20_000)
    except playwright_sync.TimeoutError as exc:  # say what the page said, not only that it did not sign in
        raise AssertionError(f"{name} did not sign in within 20 s; the page says: "
                             f"{page.locator('#status').inner_text()!r}") from exc
    page.wait_for_selector("#panel table", timeout=20_000)
    return page


def act(page: Any, button: str) -> str:
    """Click an action, check the prepared summary, sign and submit, wait until the page says it is indexed."""
    page.get_by_role("button", name=button).click()
    dialog = page.locator("#confirm")
    dialog.wait_for(state="visible", timeout=20_000)
    summary = str(page.locator("#confirm-summary").inner_text())
    assert page.locator("#confirm-error").inner_text() == ""
    page.get_by_role("button", name="Sign and submit").click()
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Done:')", timeout=30_000)
    return summary


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def serious_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']}: {v['help']}" for v in result if v.get("impact") in ("serious", "critical")]


def test_landing_page_is_accessible(browser: Any, world: World) -> None:
    page = browser.new_page()
    page.goto(world.url + "/")
    assert page.get_by_role("button", name="Sign in with a wallet").is_visible()
    page.keyboard.press("Tab")  # keyboard reachable: the first stop is a link or a control
    assert page.evaluate("document.activeElement.tagName") in ("A", "BUTTON", "INPUT")
    assert serious_violations(page) == []
    shoot(page, "landing")
    docs = browser.new_page()
    docs.goto(world.url + "/docs")
    docs.wait_for_selector(".swagger-ui .opblock", timeout=20_000)  # rendered from local assets alone
    page.close()
    docs.close()


def test_core_confirms_with_a_wallet(browser: Any, world: World) -> None:
    page = wallet_page(browser, world, "core")
    root = world.ids["waiting"]
    assert page.get_by_role("button", name=f"Confirm receivable {root}").is_visible()
    summary = act(page, f"Confirm receivable {root}")
    assert f"root id {root}" in summary
    page.wait_for_function(f"!document.body.innerText.includes('Confirm receivable {root}')", timeout=20_000)
    assert world.ledger.receivables.get_receivable(root).status.name == "CONFIRMED"
    assert serious_violations(page) == []
    shoot(page, "core")
    page.close()


def test_supplier_requests_a_discount_signed_in_with_a_keystore(browser: Any, world: World) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(world.url + "/")
    page.set_input_files("#keystore-file", str(world.keystore))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in with the keystore").click()
    page.wait_for_selector("#panel table", timeout=30_000)
    fragment = world.ids["held"]
    row = page.locator("tr", has=page.get_by_role("cell", name=fragment_ref(fragment), exact=True))  # ROOT.INDEX
    row.get_by_label("Rate (% a year)").fill("5.5")
    summary = act(page, f"Request discount on fragment {fragment_ref(fragment)}")
    assert "5.50%" in summary
    page.wait_for_function("document.body.innerText.includes('discounting')", timeout=20_000)
    financing = world.ledger.receivables.get_financing(fragment)
    assert financing.rate_bps == 550 and financing.bank == world.accounts["bank"].address
    assert serious_violations(page) == []
    shoot(page, "supplier")
    page.close()


def test_bank_funds_a_discount_request_with_a_wallet_that_sends_itself(browser: Any, world: World) -> None:
    page = wallet_page(browser, world, "bank", signs_transactions=False)
    fragment = world.ids["queued"]
    summary = act(page, f"Fund fragment {fragment_ref(fragment)}")
    assert "you pay at most" in summary
    page.wait_for_function(f"!document.body.innerText.includes('Fund fragment {fragment_ref(fragment)}')",
                           timeout=20_000)
    assert world.ledger.receivables.get_fragment(fragment).holder == world.accounts["bank"].address
    assert len(page.sent_by_wallet) == 1  # MetaMask's way: the wallet sent it, the page followed it to indexed
    assert serious_violations(page) == []
    shoot(page, "bank")
    page.close()


def test_warehouse_and_regulator_pages(browser: Any, world: World) -> None:
    warehouse = wallet_page(browser, world, "warehouse")
    assert warehouse.get_by_role("heading", name="Receipts you issued").is_visible()
    assert serious_violations(warehouse) == []
    shoot(warehouse, "warehouse")
    warehouse.close()
    regulator = wallet_page(browser, world, "regulator")
    assert regulator.get_by_role("heading", name="System totals (read-only)").is_visible()
    assert regulator.locator("#panel form").count() == 0  # read-only
    # the page follows /v1/stream: a receivable registered elsewhere shows up without a reload
    world.chain.nonces.forget(world.accounts["supplier"].address)  # the page signed for it meanwhile
    supplier = world.ledger.as_party(world.accounts["supplier"])
    supplier.receivables.register(world.accounts["core"].address, 1_234_56, world.chain.now() + 30 * 86_400,
                                  "invoice-browser-live")
    regulator.wait_for_function("document.getElementById('panel').innerText.includes('1,234.56')", timeout=20_000)
    assert serious_violations(regulator) == []
    shoot(regulator, "regulator")
    regulator.close()


def open_page(page: Any, link: str) -> None:
    """Follow a link of the page navigation (htmx swaps the page into #panel)."""
    page.get_by_role("navigation", name="Pages").get_by_role("link", name=link, exact=True).click()
    page.wait_for_selector(f'nav.pages a[aria-current="page"]:text-is("{link}")', timeout=20_000)


def first_cells(page: Any) -> list[str]:
    return [str(t).strip() for t in page.locator("#panel tbody tr td:first-child").all_inner_texts()]


def test_core_sorts_and_filters_its_receivables(browser: Any, world: World) -> None:
    page = wallet_page(browser, world, "core")
    open_page(page, "Receivables")
    page.get_by_role("button", name="Face value (sort)").click()  # ascending
    page.get_by_role("button", name="Face value ▲ (sort)").wait_for(timeout=20_000)
    faces = [str(t) for t in page.locator("#panel tbody tr td:nth-child(4)").all_inner_texts()]
    units = [int(f.replace(",", "").replace(".", "")) for f in faces]
    assert units == sorted(units) and len(units) >= 4
    page.get_by_role("button", name="Face value ▲ (sort)").click()  # and back, descending
    page.get_by_role("button", name="Face value ▼ (sort)").wait_for(timeout=20_000)
    again = [str(t) for t in page.locator("#panel tbody tr td:nth-child(4)").all_inner_texts()]
    assert again == faces[::-1]
    page.get_by_label("Status").select_option("confirmed")
    page.get_by_label("Due to").fill("2100-01-01")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_function("document.getElementById('view').dataset.src.includes('status=confirmed')",
                           timeout=20_000)
    statuses = {str(t) for t in page.locator("#panel tbody tr td:nth-child(7)").all_inner_texts()}
    assert statuses == {"confirmed"}
    assert serious_violations(page) == []
    shoot(page, "core-receivables")
    open_page(page, "Alerts")
    assert "3,210.00" in page.locator("#panel").inner_text()  # the receivable falling due within days
    assert serious_violations(page) == []
    shoot(page, "core-alerts")
    open_page(page, "Prepayment deals")
    assert page.get_by_role("heading", name="Prepayment deals").is_visible()
    assert serious_violations(page) == []
    page.close()


def test_supplier_draws_on_its_credit_line(browser: Any, world: World) -> None:
    page = wallet_page(browser, world, "supplier")
    open_page(page, "Credit lines")
    line = world.ids["line"]
    page.get_by_role("button", name=f"Open credit line {line}").click()
    page.get_by_label("Amount to draw").fill("1,500.25")
    page.get_by_label("Purpose (PO or invoice number)").fill("PO-7781")
    page.get_by_label("Pay to").select_option(world.accounts["supplier2"].address)  # the borrower's own supplier
    summary = act(page, f"Draw on credit line {line}")
    assert "1,500.25" in summary
    page.wait_for_function("document.querySelector('#panel tbody').innerText.includes('1,500.25')", timeout=20_000)
    assert world.ledger.credit_lines.get_line(line).principal == 1_500_25
    assert page.get_by_role("heading", name=f"Credit line {line}").is_visible()  # still on the line's page
    assert serious_violations(page) == []
    shoot(page, "supplier-credit-line")
    page.close()


def test_supplier_splits_a_fragment_and_shares_its_profile(browser: Any, world: World) -> None:
    page = wallet_page(browser, world, "supplier")
    open_page(page, "Fragments")
    ref = fragment_ref(world.ids["splittable"])
    row = page.locator("tr", has=page.get_by_role("cell", name=ref, exact=True))
    row.get_by_label("Amount").fill("2,000.00")
    summary = act(page, f"Offer part of fragment {ref}")
    assert "2,000.00" in summary
    page.wait_for_function("document.getElementById('status').textContent.includes('FragmentOffered')", timeout=20_000)
    assert serious_violations(page) == []
    shoot(page, "supplier-fragments")
    open_page(page, "Credit profile")
    act(page, "Grant consent for 90 days")
    page.wait_for_function("document.getElementById('panel').innerText.includes('Revoke consent for')",
                           timeout=20_000)
    assert serious_violations(page) == []
    shoot(page, "supplier-profile")
    page.close()
    bank = wallet_page(browser, world, "bank")
    open_page(bank, "Credit profile")
    bank.get_by_role("button", name="View the profile of").first.click()
    bank.wait_for_selector("text=seen with the participant", timeout=20_000)
    assert serious_violations(bank) == []
    shoot(bank, "bank-profile")
    bank.close()


def test_regulator_oversight(browser: Any, world: World) -> None:
    page = wallet_page(browser, world, "regulator")
    open_page(page, "Oversight")
    for heading in ("Concentration per debtor", "Concentration per bank (funded discounts, face value)",
                    "Exposure against limit", "Risk pools"):
        assert page.get_by_role("heading", name=heading).is_visible()
    text = page.locator("#panel").inner_text()
    assert "100.0%" in text  # one debtor holds all open receivables
    assert page.locator("#panel form[data-action]").count() == 0  # read-only
    assert serious_violations(page) == []
    shoot(page, "regulator-oversight")
    page.close()


def test_bank_discounts_and_warehouse_receipts_pages(browser: Any, world: World) -> None:
    queued, address = world.ids["queued"], world.accounts["bank"].address
    if world.ledger.receivables.get_fragment(queued).holder != address:  # run apart from the funding test (xdist)
        world.chain.nonces.forget(address)
        world.ledger.as_party(world.accounts["bank"]).receivables.discount(queued)
    bank = wallet_page(browser, world, "bank")
    open_page(bank, "Discounts")
    bank.get_by_label("Status").select_option("funded")
    bank.get_by_role("button", name="Apply filters").click()
    bank.wait_for_function("document.getElementById('view').dataset.src.includes('status=funded')", timeout=20_000)
    assert first_cells(bank) == [fragment_ref(world.ids["queued"])]  # funded earlier in this module
    assert serious_violations(bank) == []
    shoot(bank, "bank-discounts")
    bank.close()
    warehouse = wallet_page(browser, world, "warehouse")
    open_page(warehouse, "Warehouse receipts")
    assert warehouse.get_by_role("heading", name="Warehouse receipts").is_visible()
    assert serious_violations(warehouse) == []
    warehouse.close()
