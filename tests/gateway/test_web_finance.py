"""The money pages of the web app (gateway.web.finance) and keyset pages that go back: quotes per bank, batch
confirmation, the funding queue priced today, limits and published rates, the statement; prev_cursor in the API."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from gateway.api.routes.quotes import days_to_maturity, effective_rate_bps, percent, price_of
from gateway.web import views
from sdk import Ledger
from sdk.chain import Chain
from sdk.story import fragment_ref
from tests.conftest import Cast
from tests.contracts.receivables_support import new_root
from tests.gateway.api_fixtures import Api
from tests.gateway.test_tx_api import make_api


@pytest.fixture()
def web(chain: Chain, ledger: Ledger, db: Engine) -> Iterator[Api]:
    yield from make_api(chain, ledger, db)


def test_prev_cursor_walks_back_through_the_same_pages_in_either_order(web: Api, cast: Cast) -> None:
    faces = [3_000_00, 1_000_00, 5_000_00, 2_000_00, 4_000_00]
    roots = [new_root(cast, face=f, confirm=False)[0] for f in faces]
    web.sync()
    who = web.as_(cast.core)
    for sort in ("face", "-face", "id", "-id"):
        pages, cursor, prevs = [], None, []
        while True:
            body = web.client.get("/v1/receivables", params={"sort": sort, "limit": 2, "status": "registered",
                                                             **({"cursor": cursor} if cursor else {})},
                                  headers=who).json()
            pages.append([r["id"] for r in body["data"]])
            prevs.append(body["prev_cursor"])
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert sorted(r for p in pages for r in p) == sorted(roots) and len(pages) == 3
        assert prevs[0] is None and all(prevs[1:])
        # back from the last page: the same pages, in reverse, and the first one says there is nothing before
        back, cursor = [], prevs[-1]
        while cursor is not None:
            body = web.client.get("/v1/receivables", params={"sort": sort, "limit": 2, "status": "registered",
                                                             "cursor": cursor}, headers=who).json()
            back.append([r["id"] for r in body["data"]])
            assert body["next_cursor"] is not None  # going forward again is always possible
            cursor = body["prev_cursor"]
        assert back == pages[-2::-1], sort
    bad = web.client.get("/v1/receivables", params={"cursor": "WyJmYWNlIiwgMSwgMiwgIm5vIl0="}, headers=who)
    assert bad.status_code == 422 and "cursor is malformed" in bad.text


def test_web_pager_offers_the_previous_page(web: Api, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    for face in (1_000_00, 2_000_00, 3_000_00):
        new_root(cast, face=face)
    web.sync()
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    who = web.as_(cast.supplier1)
    first = web.client.get("/web/view/receivables", params={"sort": "face"}, headers=who).text
    assert "Previous page" not in first
    nxt = re.search(r'hx-get="([^"]+)" hx-target="#panel">Next page', first)
    assert nxt is not None
    second = web.client.get(html.unescape(nxt.group(1)), headers=who).text
    prev = re.search(r'hx-get="([^"]+)" hx-target="#panel">Previous page', second)
    assert prev is not None
    again = web.client.get(html.unescape(prev.group(1)), headers=who).text
    assert re.findall(r"<td>(\d+)</td>", again)[:1] == re.findall(r"<td>(\d+)</td>", first)[:1]
    assert "Previous page" not in again


def test_supplier_sees_each_banks_quote_and_can_request_the_chosen_one(web: Api, cast: Cast) -> None:
    _, fragment = new_root(cast, face=40_000_00, days=60)
    cast.bank1.receivables.set_exposure_limit(cast.core.address, 1_000_000_00)
    web.sync()
    web.client.put(f"/v1/discount-terms/{cast.core.address}", json={"rate_bps": 610, "max_days": 120},
                   headers=web.as_(cast.bank1))
    web.client.put(f"/v1/discount-terms/{cast.core.address}", json={"rate_bps": 480, "max_days": 120},
                   headers=web.as_(cast.bank2))  # bank2 has set no limit on the debtor
    who = web.as_(cast.supplier1)
    page = web.client.get("/web/view/quotes", params={"fragment": fragment_ref(fragment)}, headers=who)
    assert page.status_code == 200, page.text
    text = page.text
    assert "6.10%" in text and "4.80%" in text and "beyond this bank" in text
    forms = re.findall(r"data-params='([^']+)'", text)
    requested = [json.loads(html.unescape(f)) for f in forms if "rate_bps" in html.unescape(f)]
    assert requested == [{"fragment_id": fragment, "bank": cast.bank1.address, "rate_bps": 610,
                          "with_recourse": False}]
    due = cast.bank1.ledger.receivables.get_receivable(fragment >> 16).due_date
    now = max(int(web.clock()), cast.bank1.ledger.chain.now())
    price = price_of(40_000_00, 610, days_to_maturity(due, now))
    assert price is not None and f"{price // 100:,}.{price % 100:02d}" in text
    panel = web.client.get("/web/panel", headers=who).text  # My work links each holding to its quotes
    assert f'hx-get="/web/view/quotes?fragment={fragment_ref(fragment)}"' in panel
    bad = web.client.get("/web/view/quotes", params={"fragment": "x"}, headers=who)
    assert bad.status_code == 422
    assert web.client.get("/web/view/quotes", headers=web.as_(cast.bank1)).status_code == 403


def test_core_confirms_a_selection_and_bank_funds_a_portfolio_from_its_queue(web: Api, cast: Cast) -> None:
    waiting = [new_root(cast, face=f, confirm=False)[0] for f in (1_000_00, 2_000_00)]
    web.sync()
    page = web.client.get("/web/view/to-confirm", headers=web.as_(cast.core)).text
    assert 'data-batch="to-confirm"' in page
    boxes = [json.loads(html.unescape(v)) for v in re.findall(r'data-batch-of="to-confirm" value=\'([^\']+)\'', page)]
    assert boxes == [{"root_id": r} for r in waiting]
    # the signer sends the ticked rows as a list: one multicall transaction
    prepared = web.client.post("/v1/tx/prepare", json={"action": "receivable.confirm", "params": boxes},
                               headers=web.as_(cast.core)).json()
    assert prepared["would_revert"] is None and prepared["summary"][0] == "one transaction, 2 × receivable.confirm"
    assert web.client.get("/web/view/to-confirm", headers=web.as_(cast.supplier1)).status_code == 403

    fragments = [new_root(cast, face=f, days=90)[1] for f in (10_000_00, 20_000_00)]
    cast.bank1.receivables.set_exposure_limit(cast.core.address, 1_000_000_00)
    for f in fragments:
        cast.supplier1.receivables.request_discount(f, cast.bank1.address, 700, with_recourse=False)
    web.sync()
    queue = web.client.get("/web/view/funding", headers=web.as_(cast.bank1)).text
    items = [json.loads(html.unescape(v)) for v in re.findall(r'data-batch-of="funding" value="([^"]+)"', queue)]
    assert [i["fragment_id"] for i in items] == fragments
    now = max(int(web.clock()), cast.bank1.ledger.chain.now())
    for item, face in zip(items, (10_000_00, 20_000_00), strict=True):
        price = price_of(face, 700, 90)
        assert price is not None and f"{price // 100:,}.{price % 100:02d}" in queue
        assert item["rate_bps"] == 700 and item["deadline"] > now and item["max_price"] >= price
    yields = [percent(effective_rate_bps(face, price_of(face, 700, 90) or 0, 90)) for face in (10_000_00, 20_000_00)]
    assert yields[0].startswith("7.1") and all(y in queue for y in yields)  # 7% off the face is ~7.1% a year paid
    cast.bank1.token.approve(cast.bank1.ledger.receivables.address, 10**12)
    prepared = web.client.post("/v1/tx/prepare", json={"action": "receivable.discount", "params": items},
                               headers=web.as_(cast.bank1)).json()
    assert prepared["would_revert"] is None, prepared["would_revert"]
    assert web.client.get("/web/view/funding", headers=web.as_(cast.core)).status_code == 403


def test_bank_publishes_rates_and_sees_its_limits(web: Api, cast: Cast) -> None:
    cast.bank1.receivables.set_exposure_limit(cast.core.address, 500_000_00)
    web.sync()
    bank = web.as_(cast.bank1)
    page = web.client.get("/web/view/limits", headers=bank).text
    assert "500,000.00" in page and 'data-action="receivable.set_exposure_limit"' in page
    posted = web.client.post("/web/limits/terms", content=f"debtor={cast.core.address}&rate=5.25&max_days=90",
                             headers={**bank, "content-type": "application/x-www-form-urlencoded"})
    assert posted.status_code == 200 and "Published 5.25% up to 90 days." in posted.text
    assert 'data-src="/web/view/limits"' in posted.text  # a later re-render asks for the page, not the form post
    terms = web.client.get("/v1/discount-terms", params={"bank": cast.bank1.address}, headers=bank).json()["data"]
    assert [(t["debtor"], t["rate_bps"], t["max_days"]) for t in terms] == [(cast.core.address, 525, 90)]
    wrong = web.client.post("/web/limits/terms", content=f"debtor={cast.core.address}&rate=abc",
                            headers={**bank, "content-type": "application/x-www-form-urlencoded"})
    assert wrong.status_code == 200 and "The rate is a percentage" in wrong.text
    withdrawn = web.client.post("/web/limits/terms", content=f"debtor={cast.core.address}&withdraw=yes",
                                headers={**bank, "content-type": "application/x-www-form-urlencoded"})
    assert "Discount rate withdrawn." in withdrawn.text
    assert web.client.get("/v1/discount-terms", params={"bank": cast.bank1.address}, headers=bank).json()["count"] == 0
    assert web.client.post("/web/limits/terms", content="debtor=x&rate=1", headers={
        **web.as_(cast.supplier1), "content-type": "application/x-www-form-urlencoded"}).status_code == 403


def test_statement_page_shows_the_running_balance_pages_and_links_the_csv(web: Api, cast: Cast,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.web import finance

    root, _ = new_root(cast, face=7_000_00)
    web.sync()
    who = web.as_(cast.supplier1)
    page = web.client.get("/web/view/statement", headers=who)
    assert page.status_code == 200
    assert f"registered receivable {root}" in page.text and "Opening balance" in page.text
    link = re.search(r'<a href="(/v1/statement\.csv\?[^"]+)" data-download="statement-', page.text)
    assert link is not None  # fetched by the page with the bearer token (a plain link cannot carry it)
    got = web.client.get(html.unescape(link.group(1)), headers=who)
    assert got.status_code == 200
    assert got.text.startswith("time,block,tx,what,counterparty,counterparty_name,money,claim,balance")
    assert f"registered receivable {root}" in got.text
    # a long statement pages its table (the CSV keeps every line)
    count = web.client.get("/v1/statement", headers=who).json()["count"]
    assert count >= 2
    monkeypatch.setattr(finance, "STATEMENT_PAGE", 1)
    first = web.client.get("/web/view/statement", headers=who).text
    assert f"Lines 1–1 of {count:,}" in first and "Previous page" not in first
    nxt = re.search(r'hx-get="([^"]+)" hx-target="#panel">Next page', first)
    assert nxt is not None and "page=2" in nxt.group(1)
    second = web.client.get(html.unescape(nxt.group(1)), headers=who).text
    assert f"Lines 2–2 of {count:,}" in second and "Previous page" in second
    bad = web.client.get("/web/view/statement", params={"date_from": "yesterday"}, headers=who)
    assert bad.status_code == 422
