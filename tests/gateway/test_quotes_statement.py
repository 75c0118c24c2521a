"""Discount quotes per bank (published terms + the indexed exposure limit, priced with the contract's arithmetic)
and a party's statement of money and claims with its running balance, as JSON and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from gateway.api.routes.quotes import days_to_maturity, effective_rate_bps, price_of
from sdk import Ledger
from sdk.chain import Chain
from sdk.receivables import discount_price
from sdk.story import fragment_ref
from tests.conftest import Cast
from tests.contracts.receivables_support import new_root
from tests.gateway.api_fixtures import Api
from tests.gateway.test_tx_api import make_api

DAY = 86_400


@pytest.fixture()
def qapi(chain: Chain, ledger: Ledger, db: Engine) -> Iterator[Api]:
    yield from make_api(chain, ledger, db)


def test_pricing_is_the_contracts_own(cast: Cast) -> None:
    _, fragment = new_root(cast, face=12_345_67, days=47)
    now = cast.bank1.ledger.chain.now()
    due = cast.bank1.receivables.get_fragment(fragment)
    for rate in (1, 575, 999, 5_000):
        on_chain = cast.bank1.receivables.quote_discount(fragment, rate)
        days = days_to_maturity(cast.bank1.ledger.receivables.get_receivable(fragment >> 16).due_date, now)
        assert days == on_chain.days_to_maturity
        assert price_of(due.value, rate, days) == on_chain.price
    # 10,000.00 at 7.30% for 73 days: discount 146.00, price 9,854.00; 146 / 9,854 x 365 / 73 = 7.408...%
    assert price_of(10_000_00, 730, 73) == 9_854_00
    assert effective_rate_bps(10_000_00, 9_854_00, 73) == 740
    assert price_of(100, 10_000, 365) is None  # the contract reverts: the whole value would go
    assert discount_price(12_345_67, 575, 10 * DAY, 0) == price_of(12_345_67, 575, 10)


def test_each_bank_quotes_from_its_published_terms_and_the_supplier_requests_the_best(qapi: Api, cast: Cast
                                                                                       ) -> None:
    _, fragment = new_root(cast, face=50_000_00, days=90)
    cast.bank1.receivables.set_exposure_limit(cast.core.address, 1_000_000_00)
    cast.bank2.receivables.set_exposure_limit(cast.core.address, 10_000_00)  # too small for this fragment
    qapi.sync()
    bank1, bank2, supplier = qapi.as_(cast.bank1), qapi.as_(cast.bank2), qapi.as_(cast.supplier1)
    put = qapi.client.put(f"/v1/discount-terms/{cast.core.address}", json={"rate_bps": 575, "max_days": 180},
                          headers=bank1)
    assert put.status_code == 200, put.text
    assert put.json()["rate"] == "5.75%" and put.json()["bank"] == cast.bank1.address
    assert qapi.client.put(f"/v1/discount-terms/{cast.core.address}", json={"rate_bps": 500}, headers=bank2
                           ).status_code == 200
    # only banks publish, only for an active core enterprise, at a sane rate
    refused = qapi.client.put(f"/v1/discount-terms/{cast.core.address}", json={"rate_bps": 500}, headers=supplier)
    assert refused.status_code == 403 and "only a bank" in refused.text
    wrong = qapi.client.put(f"/v1/discount-terms/{cast.supplier2.address}", json={"rate_bps": 500}, headers=bank1)
    assert wrong.status_code == 422 and "not an active core enterprise" in wrong.text
    assert qapi.client.put(f"/v1/discount-terms/{cast.core.address}", json={"rate_bps": 0},
                           headers=bank1).status_code == 422
    listed = qapi.client.get("/v1/discount-terms", params={"debtor": cast.core.address}, headers=supplier).json()
    assert {t["bank"] for t in listed["data"]} == {cast.bank1.address, cast.bank2.address}

    at = cast.bank1.ledger.chain.now()
    body = qapi.client.get(f"/v1/fragments/{fragment_ref(fragment)}/quotes", params={"at": at},
                           headers=supplier).json()
    assert body["fragment_id"] == fragment and body["value_units"] == 50_000_00 and body["count"] == 2
    best, other = body["data"]
    assert best["bank"] == cast.bank1.address and best["available"] is True and best["reason"] is None
    assert best["days_to_maturity"] == 90
    assert best["price_units"] == discount_price(50_000_00, 575, at + 90 * DAY, at) == 49_291_09
    assert best["discount_units"] == 50_000_00 - best["price_units"]
    assert best["effective_rate_bps"] == effective_rate_bps(50_000_00, best["price_units"], 90) == 583
    assert other["bank"] == cast.bank2.address and other["available"] is False
    assert "exposure limit" in other["reason"]  # a better rate, but no room: listed after, and says why
    # a tenor beyond the bank's terms is no quote either
    qapi.client.put(f"/v1/discount-terms/{cast.core.address}", json={"rate_bps": 575, "max_days": 30},
                    headers=bank1)
    short = qapi.client.get(f"/v1/fragments/{fragment}/quotes", params={"at": at}, headers=supplier).json()
    assert [q["available"] for q in short["data"]] == [False, False]
    assert "at most 30" in short["data"][0]["reason"] or "at most 30" in short["data"][1]["reason"]
    qapi.client.put(f"/v1/discount-terms/{cast.core.address}", json={"rate_bps": 575, "max_days": 180},
                    headers=bank1)

    # the supplier asks the chosen bank at its published rate; the bank pays exactly the quoted price
    cast.supplier1.receivables.request_discount(fragment, cast.bank1.address, best["rate_bps"], with_recourse=False)
    cast.bank1.token.approve(cast.bank1.ledger.receivables.address, best["price_units"])
    funded = cast.bank1.receivables.discount(fragment)
    assert funded.price == best["price_units"]
    qapi.sync()
    gone = qapi.client.get(f"/v1/fragments/{fragment}/quotes", headers=supplier)
    assert gone.status_code == 409 and "only an active fragment" in gone.text
    hidden = qapi.client.get(f"/v1/fragments/{fragment}/quotes", headers=qapi.as_(cast.supplier3))
    assert hidden.status_code == 404
    withdrawn = qapi.client.delete(f"/v1/discount-terms/{cast.core.address}", headers=bank2)
    assert withdrawn.status_code == 200 and withdrawn.json()["rate_bps"] == 500
    assert qapi.client.delete(f"/v1/discount-terms/{cast.core.address}", headers=bank2).status_code == 404


def test_statement_lists_money_and_claims_with_a_running_balance_and_as_csv(qapi: Api, cast: Cast) -> None:
    root, fragment = new_root(cast, face=20_000_00, days=60)
    cast.bank1.receivables.set_exposure_limit(cast.core.address, 1_000_000_00)
    cast.supplier1.receivables.request_discount(fragment, cast.bank1.address, 600, with_recourse=False)
    cast.bank1.token.approve(cast.bank1.ledger.receivables.address, 20_000_00)
    price = cast.bank1.receivables.discount(fragment).price
    qapi.sync()
    supplier = qapi.as_(cast.supplier1)
    st = qapi.client.get("/v1/statement", headers=supplier)
    assert st.status_code == 200, st.text
    body = st.json()
    lines = body["data"]
    whats = [line["what"] for line in lines]
    assert f"registered receivable {root}" in whats and f"fragment {fragment_ref(fragment)} sold to bank" in whats
    sold = lines[whats.index(f"fragment {fragment_ref(fragment)} sold to bank")]
    assert sold["claim_units"] == -20_000_00 and sold["counterparty"] == cast.bank1.address
    paid = [line for line in lines if line["what"] == "received" and line["counterparty"] == cast.bank1.address]
    assert [line["money_units"] for line in paid] == [price]  # delivery versus payment: the bank paid the seller
    running = body["opening_balance_units"]
    for line in lines:  # each line's balance is the one before plus its money
        running += line["money_units"]
        assert line["balance_units"] == running
    assert body["closing_balance_units"] == running
    balance = qapi.client.get(f"/v1/balances/{cast.supplier1.address}", headers=supplier).json()["balance_units"]
    assert body["closing_balance_units"] == balance  # the opening balance carries what came before
    # CSV: the same lines, money as decimals
    got = qapi.client.get("/v1/statement.csv", headers=supplier)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [r["what"] for r in rows] == whats
    assert rows[-1]["balance"] == body["closing_balance"]
    # a period before anything happened: no lines, opening = closing = 0
    empty = qapi.client.get("/v1/statement", params={"date_from": "2001-01-01", "date_to": "2001-01-31"},
                            headers=supplier).json()
    assert empty["count"] == 0 and empty["closing_balance_units"] == 0
    # bad input is a named 4xx; another party's statement is the regulator's only
    bad = qapi.client.get("/v1/statement", params={"date_from": "2026-13-01"}, headers=supplier)
    assert bad.status_code == 422 and "not a date" in bad.text
    backwards = qapi.client.get("/v1/statement", params={"date_from": "2026-02-01", "date_to": "2026-01-01"},
                                headers=supplier)
    assert backwards.status_code == 422 and "before date_from" in backwards.text
    other = qapi.client.get("/v1/statement", params={"party": cast.supplier1.address}, headers=qapi.as_(cast.bank2))
    assert other.status_code == 403
    seen = qapi.client.get("/v1/statement", params={"party": cast.supplier1.address},
                           headers=qapi.as_(cast.regulator))
    assert seen.status_code == 200 and seen.json()["count"] == body["count"]
