"""The web app's per-role pages: lists sorted, filtered and paged on the server (through the read API's own route
functions), credit lines with draw and repay, alerts, credit profiles (own, and a bank's with consent), and the
regulator's oversight; bad input is a 4xx with a message."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from gateway.web import views
from sdk import Ledger
from sdk.chain import Chain
from tests.conftest import Cast
from tests.contracts.receivables_support import new_root
from tests.gateway.api_fixtures import Api
from tests.gateway.scenarios import credit_activity, prepayment_activity, warehouse_activity
from tests.gateway.test_tx_api import make_api

DAY = 86_400


@pytest.fixture()
def web(chain: Chain, ledger: Ledger, db: Engine) -> Iterator[Api]:
    yield from make_api(chain, ledger, db)


def _cells(html: str, first_column: str) -> list[str]:
    """The first cell of each body row (the id column)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(rf"<tr[^>]*>\s*<td{first_column}>([^<]+)</td>", body)


def test_receivables_sort_filter_and_page_on_the_server(web: Api, cast: Cast, monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    small, _ = new_root(cast, face=1_000_00)
    big, _ = new_root(cast, face=9_000_00)
    waiting, _ = new_root(cast, face=5_000_00, confirm=False)
    web.sync()
    who = web.as_(cast.supplier1)
    page = web.client.get("/web/view/receivables", params={"sort": "-face"}, headers=who)
    assert page.status_code == 200
    assert _cells(page.text, "") == [str(big), str(waiting), str(small)]
    assert 'aria-sort="descending"' in page.text and "9,000.00" in page.text
    assert 'id="view" data-src="/web/view/receivables?sort=-face"' in page.text  # the signer re-renders this page
    only = web.client.get("/web/view/receivables", params={"status": "registered"}, headers=who).text
    assert _cells(only, "") == [str(waiting)]
    # keyset pages: two rows, then the rest, no overlap, the sort carried in the next page's address
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first = web.client.get("/web/view/receivables", params={"sort": "face"}, headers=who).text
    assert _cells(first, "") == [str(small), str(waiting)]
    nxt = re.search(r'hx-get="([^"]+)" hx-target="#panel">Next page', first)
    assert nxt is not None and "sort=face" in nxt.group(1)
    second = web.client.get(nxt.group(1).replace("&amp;", "&"), headers=who).text
    assert _cells(second, "") == [str(big)] and "Next page" not in second and "First page" in second
    # a due-date window that excludes everything, and a counterparty filter
    far = web.client.get("/web/view/receivables", params={"due_to": "2000-01-01"}, headers=who).text
    assert "No receivables match." in far
    core2 = web.client.get("/web/view/receivables", params={"counterparty": cast.core2.address}, headers=who).text
    assert "No receivables match." in core2


def test_bad_list_input_is_a_named_4xx(web: Api, cast: Cast) -> None:
    who = web.as_(cast.supplier1)
    for path, params, field in (
        ("/web/view/receivables", {"due_from": "31/12/2026"}, "due_from"),
        ("/web/view/receivables", {"sort": "colour"}, "sort"),
        ("/web/view/fragments", {"status": "lost"}, "status"),
        ("/web/view/credit-lines", {"counterparty": "0x12"}, "counterparty"),
        ("/web/view/alerts", {"kind": "weather"}, "kind"),
    ):
        response = web.client.get(path, params=params, headers=who)
        assert response.status_code == 422, (path, response.text)
        assert field in response.text
    assert web.client.get("/web/view/oversight", headers=who).status_code == 403
    assert web.client.get("/web/view/fragments").status_code == 401


def test_fragments_page_offers_a_split_of_what_you_hold(web: Api, cast: Cast) -> None:
    _, fragment = new_root(cast, face=40_000_00)
    web.sync()
    page = web.client.get("/web/view/fragments", params={"mine": "yes", "sort": "-value"},
                          headers=web.as_(cast.supplier1)).text
    ref = f"{fragment >> 16}.{fragment & 0xFFFF}"
    assert f"Offer part of fragment {ref}" in page and 'data-action="receivable.offer"' in page
    assert 'data-kind="money"' in page and "40,000.00" in page
    debtor_view = web.client.get("/web/view/fragments", headers=web.as_(cast.core)).text
    assert ref in debtor_view and "Offer part of fragment" not in debtor_view  # the debtor sees, cannot split


def test_credit_lines_show_limit_used_available_and_the_borrowers_actions(web: Api, ledger: Ledger, cast: Cast
                                                                           ) -> None:
    ids = credit_activity(ledger, cast)
    web.sync()
    line = ledger.credit_lines.get_line(ids["line"])
    borrower = web.client.get("/web/view/credit-lines", params={"status": "open"},
                              headers=web.as_(cast.supplier1)).text
    assert f"Open credit line {ids['line']}" in borrower and f"Open credit line {ids['declined']}" not in borrower
    assert "800,000.00" in borrower
    detail = web.client.get("/web/view/credit-line", params={"id": ids["line"]}, headers=web.as_(cast.supplier1)).text
    used = f"{line.principal // 100:,}.{line.principal % 100:02d}"
    assert used in detail and f"Draw on credit line {ids['line']}" in detail
    assert f"Repay credit line {ids['line']}" in detail and "Freeze" not in detail
    assert 'hx-get="/web/view/credit-lines" hx-target="#panel" hx-swap="innerHTML" aria-current="page"' in detail
    assert detail.count("<tr><td>") == 2  # both tranches
    bank = web.client.get("/web/view/credit-line", params={"id": ids["line"]}, headers=web.as_(cast.bank1)).text
    assert f"Freeze credit line {ids['line']}" in bank and "Draw on" not in bank
    assert web.client.get("/web/view/credit-line", params={"id": ids["line"]},
                          headers=web.as_(cast.bank2)).status_code == 404
    by_expiry = web.client.get("/web/view/credit-lines", params={"sort": "-limit"}, headers=web.as_(cast.regulator))
    assert by_expiry.status_code == 200 and by_expiry.text.count("Open credit line") == 3


def test_prepayments_alerts_profiles_and_oversight(web: Api, ledger: Ledger, cast: Cast) -> None:
    ids = prepayment_activity(ledger, cast)
    new_root(cast, face=7_000_00, days=3)  # maturing within the default horizon
    cast.supplier1.attestations.grant_consent(cast.bank1.address, ledger.chain.now() + 30 * DAY)
    web.sync()
    deals = web.client.get("/web/view/prepayments", params={"status": "delivered"},
                           headers=web.as_(cast.regulator)).text
    assert _cells(deals, "") == [str(ids["deal"])]
    alerts = web.client.get("/web/view/alerts", headers=web.as_(cast.core)).text
    assert "falls due within" in alerts and "7,000.00" in alerts
    quiet = web.client.get("/web/view/alerts", params={"kind": "loan_overdue", "days": ""},
                           headers=web.as_(cast.core)).text
    assert "Nothing needs your action." in quiet
    own = web.client.get("/web/view/profile", headers=web.as_(cast.supplier1)).text
    assert "Credit profile of" in own and "Grant consent for 90 days" in own and "Revoke consent for" in own
    bank = web.client.get("/web/view/profile", headers=web.as_(cast.bank1)).text
    assert "View the profile of" in bank
    seen = web.client.get("/web/view/profile", params={"of": cast.supplier1.address}, headers=web.as_(cast.bank1))
    assert seen.status_code == 200 and "seen with the participant" in seen.text
    assert web.client.get("/web/view/profile", params={"of": cast.supplier1.address},
                          headers=web.as_(cast.bank2)).status_code == 404  # no consent, no profile
    oversight = web.client.get("/web/view/oversight", headers=web.as_(cast.regulator)).text
    for heading in ("Concentration per debtor", "Concentration per bank", "Exposure against limit", "Risk pools",
                    "Losses"):
        assert heading in oversight
    assert "100.0%" in oversight or "%" in oversight
    assert "<form data-action" not in oversight  # read-only
    nav = web.client.get("/web/panel", headers=web.as_(cast.regulator)).text
    assert 'hx-get="/web/view/oversight"' in nav and 'aria-current="page"' in nav


def test_discounts_and_receipts_lists(web: Api, ledger: Ledger, cast: Cast) -> None:
    _, asked = new_root(cast, face=30_000_00)
    _, other = new_root(cast, face=60_000_00)
    for fragment in (asked, other):
        cast.supplier1.receivables.request_discount(fragment, cast.bank1.address, 600, with_recourse=fragment == other)
    warehouse_activity(ledger, cast)
    web.sync()
    bank = web.client.get("/web/view/financings", params={"sort": "-value"}, headers=web.as_(cast.bank1)).text
    refs = [f"{f >> 16}.{f & 0xFFFF}" for f in (other, asked)]
    assert bank.index(refs[0]) < bank.index(refs[1]) and "6.00%" in bank and "60,000.00" in bank
    only = web.client.get("/web/view/financings", params={"recourse": "no"}, headers=web.as_(cast.bank1)).text
    assert refs[1] in only and refs[0] not in only
    receipts = web.client.get("/web/view/receipts", headers=web.as_(cast.warehouse))
    assert receipts.status_code == 200 and "No receipts match." not in receipts.text
    assert 'aria-sort="descending"' in receipts.text  # newest first by default
    assert web.client.get("/web/view/receipts", params={"status": "gone"},
                          headers=web.as_(cast.warehouse)).status_code == 422


def test_a_credit_lines_page_lists_its_pledged_receivables(web: Api, ledger: Ledger, cast: Cast) -> None:
    from tests.contracts.credit_support import Desk

    desk = Desk(ledger, cast)
    desk.approve(cast.bank1)
    _, fragment = new_root(cast, face=300_000_00, days=40)
    line_id = desk.open_line()
    pledged = int(cast.supplier1.credit_lines.pledge_receivable(line_id, fragment).fragment_id)  # the book's piece
    web.sync()
    page = web.client.get("/web/view/credit-line", params={"id": line_id}, headers=web.as_(cast.bank1)).text
    assert "Pledged receivables" in page and f"{pledged >> 16}.{pledged & 0xFFFF}" in page
    assert "300,000.00" in page and "pledged" in page
