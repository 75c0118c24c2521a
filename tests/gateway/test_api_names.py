"""Participants' display names: indexed from ParticipantRenamed, served beside addresses in the API."""

from __future__ import annotations

from sdk import Role
from tests.conftest import YEAR, Cast
from tests.gateway.api_fixtures import Api
from tests.gateway.test_tx_api import prepare, wapi  # noqa: F401  (fixture)


def test_participants_list_and_detail_carry_the_display_name(api: Api, cast: Cast, chain) -> None:
    newcomer = chain.new_account()
    cast.operator.registry.admit(newcomer.address, [Role.SUPPLIER], "USCC-9",
                                 chain.now() + YEAR, name="Acme Steel")
    cast.supplier1.registry.set_display_name(cast.supplier1.address, "Bolt & Nut Co")
    api.sync()
    headers = api.as_(cast.regulator)
    rows = {p["address"]: p for p in api.client.get("/v1/participants", headers=headers,
                                                     params={"limit": 100}).json()["data"]}
    assert rows[newcomer.address]["name"] == "Acme Steel"
    assert rows[cast.supplier1.address]["name"] == "Bolt & Nut Co"
    assert rows[cast.bank1.address]["name"] is None  # never named: null, not ""
    one = api.client.get(f"/v1/participants/{cast.supplier1.address}", headers=headers).json()
    assert one["name"] == "Bolt & Nut Co"
    me = api.client.get("/v1/participants/me", headers=api.as_(cast.supplier1)).json()
    assert me["name"] == "Bolt & Nut Co"


def test_a_rename_replaces_the_name_and_the_indexer_is_idempotent(api: Api, cast: Cast) -> None:
    cast.supplier1.registry.set_display_name(cast.supplier1.address, "First Name")
    cast.operator.registry.set_display_name(cast.supplier1.address, "Second Name")
    api.sync()
    api.sync()
    one = api.client.get(f"/v1/participants/{cast.supplier1.address}", headers=api.as_(cast.regulator)).json()
    assert one["name"] == "Second Name"
    events = api.client.get("/v1/events", headers=api.as_(cast.regulator),
                            params={"name": "ParticipantRenamed", "limit": 10}).json()["data"]
    assert [(e["args"]["old_name"], e["args"]["new_name"]) for e in events] == [
        ("", "First Name"), ("First Name", "Second Name")]


def test_prepare_summary_shows_parties_by_display_name(wapi: Api, cast: Cast) -> None:  # noqa: F811
    cast.operator.registry.set_display_name(cast.supplier2.address, "Acme Steel")
    wapi.sync()
    prepared = prepare(wapi, cast.supplier1, "token.transfer", {"to": cast.supplier2.address, "value": 12_34})
    short = f"{cast.supplier2.address[:6]}…{cast.supplier2.address[-4:]}"
    assert f"Acme Steel ({short})" in prepared["summary"][0]
    parties = prepared["parties"]
    assert parties[0] == {"address": cast.supplier1.address, "name": None,
                          "label": f"{cast.supplier1.address[:6]}…{cast.supplier1.address[-4:]}"}
    assert {"address": cast.supplier2.address, "name": "Acme Steel", "label": f"Acme Steel ({short})"} in parties


def test_prepare_takes_a_fragment_id_as_root_dot_index_and_echoes_the_integer(wapi: Api, cast: Cast) -> None:  # noqa: F811
    from tests.contracts.receivables_support import new_root

    root, fragment = new_root(cast, face=10_000_00)
    wapi.sync()
    params = {"fragment_id": f"{root}.0", "bank": cast.bank1.address, "rate_bps": 550, "with_recourse": False}
    prepared = prepare(wapi, cast.supplier1, "receivable.request_discount", params)
    assert prepared["params"]["fragment_id"] == fragment and prepared["would_revert"] is None
    assert f"fragment id {root}.0, " in prepared["summary"][0]  # people read ROOT.INDEX
    by_int = prepare(wapi, cast.supplier1, "receivable.request_discount", {**params, "fragment_id": fragment})
    assert by_int["tx"]["data"] == prepared["tx"]["data"]
    bad = prepare(wapi, cast.supplier1, "receivable.request_discount", {**params, "fragment_id": f"{root}.70000"},
                  status=422)
    assert "out of range" in bad["detail"][0]["msg"]
