"""Credit profiles and attestations over the API: scoping by consent, openings checked against the chain, a profile
built from the ledger that a fresh re-index reproduces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from gateway.profile.credit import add_months, month_of
from sdk import Ledger, Party, Role
from sdk.attestations import Opening
from tests.conftest import Cast
from tests.conftest import test_key as key_of
from tests.gateway.api_fixtures import Api
from tests.gateway.helpers import indexer

DAY = 86_400


def admit_provider(ledger: Ledger, cast: Cast) -> Party:
    key = key_of("utility")
    ledger.chain.fund(key.address, 10**21)
    cast.operator.registry.admit(key.address, [Role.DATA_PROVIDER], "identity:utility", ledger.chain.now() + 400 * DAY)
    return ledger.as_party(key)


def trade(ledger: Ledger, cast: Cast) -> dict[str, int]:
    """The core issues two payables to supplier1 and pays one on time and the other late."""
    core, s1 = cast.core, cast.supplier1
    due = ledger.chain.now() + 10 * DAY
    a = core.receivables.issue(s1.address, 100_000_00, due, "invoice-a").root_id
    b = core.receivables.issue(s1.address, 50_000_00, due, "invoice-b").root_id
    core.receivables.repay(a, 100_000_00)
    ledger.chain.travel_to(due + 2 * DAY + 1)
    core.receivables.repay(b, 50_000_00)
    paid_late_at = ledger.chain.now()
    return {"a": a, "b": b, "due": due, "late_days": -(-(paid_late_at - due) // DAY)}


def profile(api: Api, who: Party, subject: Party, **params: Any) -> Any:
    return api.client.get(f"/v1/participants/{subject.address}/credit-profile", headers=api.as_(who), params=params)


def test_profile_scoping_follows_consent(api: Api, ledger: Ledger, cast: Cast) -> None:
    s1, bank = cast.supplier1, cast.bank1
    trade(ledger, cast)
    api.sync()
    assert profile(api, s1, s1).status_code == 200
    assert profile(api, cast.regulator, s1).status_code == 200
    for who in (bank, cast.bank2, cast.supplier2, cast.core):
        response = profile(api, who, s1)
        assert response.status_code == 404, (who, response.text)
        assert api.client.get(f"/v1/participants/{s1.address}/attestations",
                              headers=api.as_(who)).status_code == 404
    s1.attestations.grant_consent(bank.address, ledger.chain.now() + 30 * DAY)
    api.sync()
    assert profile(api, bank, s1).status_code == 200
    assert api.client.get(f"/v1/participants/{s1.address}/attestations", headers=api.as_(bank)).status_code == 200
    assert profile(api, cast.bank2, s1).status_code == 404
    consents = api.client.get("/v1/consents", headers=api.as_(bank)).json()
    assert [(c["owner"], c["live"]) for c in consents["data"]] == [(s1.address, True)]
    # revoke: 404 again
    s1.attestations.revoke_consent(bank.address)
    api.sync()
    assert profile(api, bank, s1).status_code == 404
    # a new grant that expires: 200 until the ledger time passes the expiry, then 404
    s1.attestations.grant_consent(bank.address, ledger.chain.now() + DAY)
    api.sync()
    assert profile(api, bank, s1).status_code == 200
    ledger.chain.increase_time(DAY + 1)
    api.sync()
    assert profile(api, bank, s1).status_code == 404
    assert api.client.get("/v1/consents", headers=api.as_(s1), params={"live": True}).json()["count"] == 0


def test_profile_from_the_ledger(api: Api, ledger: Ledger, cast: Cast) -> None:
    t = trade(ledger, cast)
    api.sync()
    core = profile(api, cast.core, cast.core).json()
    assert core["scorecard_version"] == core["score"]["version"]
    debtor = core["debtor"]
    assert (debtor["confirmed"], debtor["on_time"], debtor["volume_confirmed_units"]) == (2, 1, 150_000_00)
    assert [(x["id"], x["days_late"], x["open"]) for x in debtor["late"]] == [(t["b"], t["late_days"], False)]
    assert debtor["on_time_ratio_bps"] == 5_000 and debtor["worst_days_late"] == t["late_days"] == 3
    s1 = profile(api, cast.supplier1, cast.supplier1).json()
    supplier = s1["supplier"]
    assert [(d["debtor"], d["confirmed"], d["volume_units"]) for d in supplier["by_debtor"]] == [
        (cast.core.address, 2, 150_000_00)]
    assert supplier["concentration_bps"] == 10_000
    assert s1["tenure"]["months_active"] >= 1
    assert s1["suggested_limit"] == f"{s1['limit']['units'] // 100}.{s1['limit']['units'] % 100:02d}"
    # history: before the trade, the supplier had no confirmed receivables
    first = s1["tenure"]["first_activity"]
    before = profile(api, cast.supplier1, cast.supplier1, as_of=first - 1).json()
    assert before["supplier"]["confirmed"] == 0 and before["as_of"] == first - 1
    future = profile(api, cast.supplier1, cast.supplier1, as_of=2**40)
    assert future.status_code == 422 and future.json()["detail"][0]["loc"] == ["query", "as_of"]


def test_openings_are_checked_and_shown_only_in_scope(api: Api, ledger: Ledger, cast: Cast) -> None:
    provider = admit_provider(ledger, cast)
    s1 = cast.supplier1
    month = add_months(month_of(ledger.chain.now()), -1)  # the latest complete month
    opening = Opening.new("ELEC_KWH", month, 48_250)
    aid = provider.attestations.attest(s1.address, opening, source="meter reading").id
    api.sync()
    url = f"/v1/attestations/{aid}/opening"
    body = {"value": "48250", "salt": "0x" + opening.salt.hex()}
    wrong = api.client.put(url, headers=api.as_(provider), json={**body, "value": "48251"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "value"]
    assert api.client.put(url, headers=api.as_(provider), json={**body, "salt": "0x12"}).status_code == 422
    assert api.client.put(url, headers=api.as_(cast.bank1), json=body).status_code == 404  # not its provider
    assert api.client.put("/v1/attestations/999/opening", headers=api.as_(provider), json=body).status_code == 404
    ok = api.client.put(url, headers=api.as_(provider), json=body)
    assert ok.status_code == 200 and ok.json()["value"] == "48250"
    assert api.client.put(url, headers=api.as_(provider), json=body).status_code == 200  # idempotent
    seen = api.client.get(f"/v1/participants/{s1.address}/attestations", headers=api.as_(s1)).json()
    assert [(a["id"], a["metric"], a["period"], a["value"], a["status"]) for a in seen["data"]] == [
        (aid, "ELEC_KWH", month, "48250", "current")]
    # the provider lists what it attested itself; another provider or a bank without consent: 404
    mine = api.client.get(f"/v1/participants/{s1.address}/attestations", headers=api.as_(provider)).json()
    assert [a["id"] for a in mine["data"]] == [aid]
    assert api.client.get(f"/v1/participants/{s1.address}/attestations",
                          headers=api.as_(cast.bank1)).status_code == 404
    # a correction supersedes: the profile uses the correction once its opening is uploaded
    fixed = Opening.new("ELEC_KWH", month, 48_520)
    ledger.chain.increase_time(60)
    new_id = provider.attestations.correct(aid, fixed, source="corrected").id
    corrected_at = ledger.chain.now()
    api.sync()
    listed = api.client.get(f"/v1/participants/{s1.address}/attestations", headers=api.as_(s1)).json()["data"]
    assert [(a["id"], a["status"], a["superseded_by"], a["supersedes"]) for a in listed] == [
        (aid, "superseded", new_id, None), (new_id, "current", None, aid)]
    api.client.put(f"/v1/attestations/{new_id}/opening", headers=api.as_(provider),
                   json={"value": "48520", "salt": "0x" + fixed.salt.hex()})
    elec = profile(api, s1, s1).json()["operating"]["metrics"]
    assert [(m["metric"], m["last_12m_total"], m["yoy_change_bps"]) for m in elec] == [("ELEC_KWH", 48_520, None)]
    assert [v for p, v in elec[0]["months"] if v is not None] == [48_520] and elec[0]["months"][-1] == [month, 48_520]
    # as of before the correction, the original figure counts
    before = profile(api, s1, s1, as_of=corrected_at - 1).json()["operating"]["metrics"]
    assert before[0]["last_12m_total"] == 48_250


def test_a_fresh_index_gives_an_identical_profile(api: Api, ledger: Ledger, cast: Cast,
                                                  make_db: Callable[[], Engine]) -> None:
    provider = admit_provider(ledger, cast)
    trade(ledger, cast)
    opening = Opening.new("TAX_PAID_CENTS", 202609, 12_000_00)
    aid = provider.attestations.attest(cast.supplier1.address, opening).id
    cast.supplier1.attestations.grant_consent(cast.bank1.address, ledger.chain.now() + 30 * DAY)
    cast.core.attestations.grant_consent(cast.bank1.address, ledger.chain.now() + 30 * DAY)
    api.sync()
    body = {"value": str(opening.value), "salt": "0x" + opening.salt.hex()}
    assert api.client.put(f"/v1/attestations/{aid}/opening", headers=api.as_(provider), json=body).status_code == 200
    as_of = ledger.chain.now()
    first = {who: profile(api, cast.bank1, who, as_of=as_of).json() for who in (cast.supplier1, cast.core)}

    fresh = make_db()
    idx = indexer(ledger.chain, ledger.deployment, fresh)
    idx.sync()
    from fastapi.testclient import TestClient

    from gateway.main import create_app
    from tests.gateway.api_fixtures import DOMAIN
    from tests.gateway.api_fixtures import Api as ApiClass
    from tests.gateway.helpers import Clock, settings

    app = create_app(settings(siwe_domain=DOMAIN), engine=fresh, indexer=idx, clock=Clock())
    with TestClient(app) as client:
        other = ApiClass(client=client, indexer=idx, clock=Clock(), chain_id=ledger.deployment.chain_id)
        # openings are off-chain data: the provider uploads them again to the new gateway
        assert other.client.put(f"/v1/attestations/{aid}/opening", headers=other.as_(provider),
                                json=body).status_code == 200
        ledger.chain.increase_time(60)  # blocks may share a second: the later activity is strictly after as_of
        cast.supplier1.receivables.register(cast.core.address, 1_00, ledger.chain.now() + DAY, "later")
        other.sync()
        again = {who: profile(other, cast.bank1, who, as_of=as_of).json() for who in (cast.supplier1, cast.core)}
        assert again == first  # activity after as_of changes nothing of a profile as of before it
        assert again[cast.supplier1]["operating"]["metrics"][0]["metric"] == "TAX_PAID_CENTS"
        assert first[cast.supplier1]["supplier"]["confirmed"] == 2


def test_attestation_and_consent_projection_equals_the_contract(api: Api, ledger: Ledger, cast: Cast) -> None:
    from sqlalchemy import select

    from gateway.models.attestations import Attestation, Consent
    from gateway.models.common import table_of

    provider = admit_provider(ledger, cast)
    first = provider.attestations.attest(cast.supplier1.address, Opening.new("WATER_M3", 202609, 310), "bill").id
    provider.attestations.attest(cast.supplier2.address, Opening.new("TAX_PAID_CENTS", 202609, 9_900_00))
    provider.attestations.correct(first, Opening.new("WATER_M3", 202609, 301), "corrected bill")
    cast.supplier1.attestations.grant_consent(cast.bank1.address, ledger.chain.now() + 30 * DAY)
    cast.supplier2.attestations.grant_consent(cast.bank1.address, ledger.chain.now() + 30 * DAY)
    cast.supplier2.attestations.revoke_consent(cast.bank1.address)
    api.sync()
    with api.indexer.store.engine.connect() as conn:
        rows = conn.execute(select(table_of(Attestation)).order_by(table_of(Attestation).c.id)).all()
        consents = {(r.owner, r.bank): r for r in conn.execute(select(table_of(Consent)))}
    assert len(rows) == ledger.attestations.count() == 3
    for row in rows:
        a = ledger.attestations.get_attestation(row.id)
        assert (row.subject, row.provider, row.metric, row.period, row.commitment, row.source_hash, row.status,
                row.supersedes, row.superseded_by, row.attested_at) == (
            a.subject, a.provider, a.metric, a.period, "0x" + a.commitment.hex(), "0x" + a.source_hash.hex(),
            int(a.status), a.supersedes, a.superseded_by, a.attested_at)
    for (owner, bank), row in consents.items():
        c = ledger.attestations.get_consent(owner, bank)
        assert (row.granted_at, row.expires_at) == (c.granted_at, c.expires_at)
    assert consents[(cast.supplier2.address, cast.bank1.address)].revoked_at is not None
    # the audit trail: the grant and the revocation are events filed under the owner and the bank
    events = api.client.get("/v1/events", headers=api.as_(cast.bank1), params={"contract": "DataAttestations"}).json()
    assert [e["name"] for e in events["data"]] == ["ConsentGranted", "ConsentGranted", "ConsentRevoked"]


def test_credit_lines_feed_the_borrower_factor_and_a_fresh_index_agrees(
        api: Api, ledger: Ledger, cast: Cast, make_db: Callable[[], Engine]) -> None:
    """supplier1 borrows on a credit line: tranche 1 repaid before its due date, tranche 2 three days after it (two
    days and a second: rounded up to 3). The profile counts both, and a fresh index computes the same profile."""
    from sqlmodel import Session

    from gateway.profile.load import profile_of
    from sdk.creditlines import CreditTerms, PayeeRule

    bank, borrower = cast.bank1, cast.supplier1
    bank.token.approve(ledger.credit_lines.address, 10**12)
    borrower.token.approve(ledger.credit_lines.address, 10**12)
    now = ledger.chain.now()
    line = bank.credit_lines.open(CreditTerms(
        borrower=borrower.address, limit=100_000_00, rate_bps=700, start=now, expiry=now + 90 * DAY,
        max_tenor=30 * DAY, grace=5 * DAY, surcharge_bps=300, payee_rule=PayeeRule.ANY_SUPPLIER)).line_id
    borrower.credit_lines.accept(line)
    first = borrower.credit_lines.draw(line, 10_000_00, cast.supplier2.address, 10 * DAY, "PO-1")
    second = borrower.credit_lines.draw(line, 5_000_00, cast.supplier2.address, 20 * DAY, "PO-2")
    ledger.chain.travel_to(ledger.chain.now() + 5 * DAY)
    borrower.credit_lines.repay(line, 10_100_00)  # interest first, then tranche 1 in full (earliest due first)
    ledger.chain.travel_to(second.due + 2 * DAY + 1)
    borrower.credit_lines.repay_in_full(line)
    api.sync()
    body = profile(api, borrower, borrower).json()
    facts = body["borrower"]
    assert (facts["credit_lines"], facts["credit_tranches"], facts["repaid_on_time"]) == (1, 2, 1)
    assert [(x["kind"], x["line_id"], x["id"], x["days_late"], x["open"]) for x in facts["late"]] == [
        ("credit_tranche", line, second.tranche_id, 3, False)]
    assert first.due < second.due and body["inputs"]["late_1_7"] == 1
    assert body["scorecard_version"] == "scf-credit-2026.11-v2"

    as_of = ledger.chain.now()
    fresh = make_db()
    indexer(ledger.chain, ledger.deployment, fresh).sync()
    with Session(api.indexer.store.engine) as old_session, Session(fresh) as new_session:
        assert (profile_of(new_session, borrower.address, as_of).to_json()
                == profile_of(old_session, borrower.address, as_of).to_json())
