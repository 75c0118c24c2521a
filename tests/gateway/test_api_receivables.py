"""Receivables over the API: detail, lineage as each party sees it, filters, 404 outside scope."""

from __future__ import annotations

from typing import Any

import pytest

from sdk import Ledger
from tests.conftest import Cast
from tests.contracts.receivables_support import DAY
from tests.gateway.api_fixtures import Api
from tests.gateway.scenarios import receivables_activity


@pytest.fixture()
def ids(api: Api, ledger: Ledger, cast: Cast) -> dict[str, int]:
    out = receivables_activity(ledger, cast)
    api.sync()
    return out


def _get(api: Api, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = api.client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_lineage_is_the_whole_tree_for_the_debtor_and_a_partial_one_for_a_tier(api: Api, cast: Cast,
                                                                               ids: dict[str, int]) -> None:
    root = ids["root"]
    full = _get(api, f"/v1/receivables/{root}/lineage", api.as_(cast.core))
    assert full["complete"] is True
    (top,) = full["roots"]
    assert top["fragment"]["id"] == ids["f1"]
    (child,) = top["children"]
    assert child["fragment"]["id"] == ids["f2"] and child["fragment"]["parent_id"] == ids["f1"]
    assert [g["fragment"]["id"] for g in child["children"]] == [ids["f3"]]
    assert child["children"][0]["fragment"]["holder"] == cast.bank2.address  # discounted by tier 3
    assert _get(api, f"/v1/receivables/{root}/lineage", api.as_(cast.regulator)) == full
    tier3 = _get(api, f"/v1/receivables/{root}/lineage", api.as_(cast.supplier3))
    assert tier3["complete"] is False
    assert [n["fragment"]["id"] for n in tier3["roots"]] == [ids["f3"]]


def test_receivable_detail_shows_amounts_and_only_your_fragments(api: Api, cast: Cast, ids: dict[str, int]) -> None:
    body = _get(api, f"/v1/receivables/{ids['root']}", api.as_(cast.supplier2))
    assert (body["face"], body["face_units"]) == ("1000000.00", 1_000_000_00)
    assert (body["repaid_units"], body["outstanding"]) == (300_000_00, "700000.00")
    assert body["status"] == "confirmed" and body["overdue"] is False
    assert {f["id"] for f in body["fragments"]} == {ids["f2"]}
    assert body["fragments"][0]["value_units"] == 350_000_00 and body["fragments"][0]["locked"] == "10000.00"


def test_receivables_outside_scope_answer_404(api: Api, cast: Cast, ids: dict[str, int]) -> None:
    for who in (cast.warehouse, cast.core2, cast.bank2):
        headers = api.as_(who)
        if who is cast.bank2:  # bank2 financed a fragment of the root, but not the issued certificate
            assert api.client.get(f"/v1/receivables/{ids['root']}", headers=headers).status_code == 200
            assert api.client.get(f"/v1/receivables/{ids['issued']}", headers=headers).status_code == 404
            continue
        for path in (f"/v1/receivables/{ids['root']}", f"/v1/receivables/{ids['root']}/lineage",
                     f"/v1/offers/{ids['offer']}"):
            response = api.client.get(path, headers=headers)
            assert response.status_code == 404, (who, path)


def test_offer_recipient_sees_the_offer(api: Api, cast: Cast, ids: dict[str, int]) -> None:
    body = _get(api, f"/v1/offers/{ids['offer']}", api.as_(cast.distributor))
    assert (body["status"], body["amount_units"], body["recipient"]) == ("open", 10_000_00, cast.distributor.address)
    assert isinstance(body["expires_at"], int) and body["expires_at"] > body["created_at"]  # offers may expire
    assert _get(api, "/v1/receivables", api.as_(cast.distributor))["count"] == 0  # not a holder yet


def test_receivable_filters_and_sorting(api: Api, ledger: Ledger, cast: Cast, ids: dict[str, int]) -> None:
    headers = api.as_(cast.regulator)
    by_due = _get(api, "/v1/receivables", headers, sort="due_date")["data"]
    assert [r["due_date"] for r in by_due] == sorted(r["due_date"] for r in by_due)
    disputed = _get(api, "/v1/receivables", headers, status="disputed")["data"]
    assert [r["id"] for r in disputed] == [ids["issued"]]
    small = _get(api, "/v1/receivables", headers, max_units=50_000_00)["data"]
    assert {r["id"] for r in small} == {ids["issued"], ids["registered"]}
    of_core2 = _get(api, "/v1/receivables", headers, counterparty=cast.core2.address)["data"]
    assert [r["id"] for r in of_core2] == [ids["registered"]]
    due = ledger.receivables.get_receivable(ids["root"]).due_date
    window = _get(api, "/v1/receivables", headers, due_from=due, due_to=due)["data"]
    assert [r["id"] for r in window] == [ids["root"]]
    ledger.chain.travel_to(due + DAY)
    api.sync()
    overdue = _get(api, "/v1/receivables", headers, overdue=True)["data"]
    assert ids["root"] in {r["id"] for r in overdue} and all(r["overdue"] for r in overdue)
    financed = _get(api, "/v1/financings", headers, status="funded")["data"]
    assert {f["fragment_id"] for f in financed} == {ids["f1"], ids["f3"]}
    assert all(isinstance(f["price_units"], int) and "." in f["price"] for f in financed)


def test_overdue_starts_one_second_after_the_due_date_as_in_the_contract(api: Api, ledger: Ledger, cast: Cast,
                                                                         ids: dict[str, int]) -> None:
    due = ledger.receivables.get_receivable(ids["root"]).due_date

    def at(timestamp: int) -> tuple[bool, set[int], set[int]]:
        try:
            api.clock.frozen = timestamp - 60
            headers = api.as_(cast.regulator)  # signed in a minute earlier
            api.clock.frozen = timestamp  # the gateway's clock reads exactly `timestamp`
            body = _get(api, f"/v1/receivables/{ids['root']}", headers)
            listed = {r["id"] for r in _get(api, "/v1/receivables", headers, overdue=True)["data"]}
            alerts = {a["asset_id"] for a in _get(api, "/v1/alerts", headers, kind="receivable_overdue")["data"]}
        finally:
            api.clock.frozen = None
        return body["overdue"], listed, alerts

    overdue, listed, alerts = at(due)  # block.timestamp == dueDate: repay is still on time
    assert overdue is False and ids["root"] not in listed and ids["root"] not in alerts
    overdue, listed, alerts = at(due + 1)
    assert overdue is True and ids["root"] in listed and ids["root"] in alerts


def test_one_fragment_is_served_to_those_it_concerns_only(api: Api, cast: Cast, ids: dict[str, int]) -> None:
    mine = _get(api, f"/v1/fragments/{ids['f2']}", api.as_(cast.supplier2))
    listed = {f["id"]: f for f in _get(api, "/v1/fragments", api.as_(cast.supplier2))["data"]}
    assert mine == listed[ids["f2"]] and mine["value_units"] == 350_000_00
    assert api.client.get(f"/v1/fragments/{ids['f2']}", headers=api.as_(cast.warehouse)).status_code == 404
    assert api.client.get("/v1/fragments/999999999", headers=api.as_(cast.regulator)).status_code == 404


def test_lineage_tells_the_story_oldest_first_with_names_and_former_holders(api: Api, ledger: Ledger, cast: Cast,
                                                                           ids: dict[str, int]) -> None:
    cast.operator.registry.set_display_name(cast.supplier1.address, "Jiangnan Gearbox")
    cast.operator.registry.set_display_name(cast.bank2.address, "City Commercial Bank")
    api.sync()
    root, f1, f2, f3 = ids["root"], ids["f1"], ids["f2"], ids["f3"]
    story = _get(api, f"/v1/receivables/{root}/lineage", api.as_(cast.core))["story"]
    assert [(s["action"], s["fragment_id"]) for s in story] == [
        ("registered", f1), ("confirmed", f1), ("passed", f1), ("passed", f2), ("sold", f1), ("sold", f3),
        ("repaid", f1), ("paid-out", f1), ("paid-out", f2), ("paid-out", f3),
    ]
    assert [s["at"] for s in story] == sorted(s["at"] for s in story)
    assert [s["event_id"] for s in story] == sorted(s["event_id"] for s in story)
    first_pass = story[2]
    assert (first_pass["party"], first_pass["counterparty"], first_pass["amount_units"], first_pass["amount"],
            first_pass["new_fragment_id"]) == (cast.supplier1.address, cast.supplier2.address, 600_000_00,
                                               "600000.00", f2)
    short = f"{cast.supplier1.address[:6]}…{cast.supplier1.address[-4:]}"
    assert first_pass["text"].startswith(f"Jiangnan Gearbox ({short}) passed 600,000.00 of {root}.0 to ")
    assert first_pass["text"].endswith(f" as {root}.1 (400,000.00 left in {root}.0)")
    sold = story[5]
    assert sold["party"] == cast.supplier3.address and sold["counterparty"] == cast.bank2.address
    assert "sold" in sold["text"] and "City Commercial Bank (" in sold["text"] and "with recourse" in sold["text"]
    assert story[6]["amount_units"] == 300_000_00 and story[6]["party"] == cast.core.address
    assert sum(s["amount_units"] for s in story if s["action"] == "paid-out") == 300_000_00  # payouts = repayment
    assert _get(api, f"/v1/receivables/{root}/lineage", api.as_(cast.regulator))["story"] == story


def test_a_tier_sees_how_its_fragment_came_to_it_but_not_the_others_deals(api: Api, cast: Cast,
                                                                         ids: dict[str, int]) -> None:
    root, f1, f2, f3 = ids["root"], ids["f1"], ids["f2"], ids["f3"]
    story = _get(api, f"/v1/receivables/{root}/lineage", api.as_(cast.supplier3))["story"]
    assert [(s["action"], s["fragment_id"]) for s in story] == [
        ("registered", f1), ("confirmed", f1), ("passed", f1), ("passed", f2), ("sold", f3), ("repaid", f1),
        ("paid-out", f3),
    ]  # former holders (tier 1, tier 2) included; tier 1's sale to bank1 and others' payouts are not tier 3's


def test_fragment_ids_are_accepted_as_integer_or_root_dot_index_and_returned_as_integers(
        api: Api, cast: Cast, ids: dict[str, int]) -> None:
    root, f2 = ids["root"], ids["f2"]
    headers = api.as_(cast.supplier2)
    by_int = _get(api, f"/v1/fragments/{f2}", headers)
    by_ref = _get(api, f"/v1/fragments/{root}.1", headers)
    assert by_int == by_ref and by_ref["id"] == f2 and by_ref["parent_id"] == ids["f1"]
    offers = _get(api, "/v1/offers", headers, fragment_id=f"{root}.1")["data"]
    assert ids["offer"] in [o["id"] for o in offers] and {o["fragment_id"] for o in offers} == {f2}
    assert _get(api, "/v1/offers", headers, fragment_id=str(f2))["data"] == offers
    for bad in ("0.1", f"{root}.65536", "1.2.3", "x"):
        response = api.client.get(f"/v1/fragments/{bad}", headers=headers)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["detail"][0]["loc"] == ["path", "fragment_id"]
    assert api.client.get(f"/v1/fragments/{root}.9", headers=headers).status_code == 404
