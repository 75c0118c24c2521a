"""Credit lines: the projection equals the contract's reads; over the API the bank, the borrower and the regulator
see a line with its tranches and history, and nobody else does."""

from __future__ import annotations

from sqlalchemy import select

from gateway.models.common import table_of
from gateway.models.creditlines import CreditLine, CreditTranche
from sdk import Ledger
from tests.conftest import Cast
from tests.gateway.api_fixtures import Api
from tests.gateway.scenarios import credit_activity


def test_credit_line_projection_and_api(api: Api, ledger: Ledger, cast: Cast) -> None:
    ids = credit_activity(ledger, cast)
    api.sync()
    with api.indexer.store.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(table_of(CreditLine)))}
        tranches = conn.execute(select(table_of(CreditTranche))).all()
    assert set(rows) == set(ids.values())
    for line_id, row in rows.items():
        line = ledger.credit_lines.get_line(line_id)
        assert (row.status, row.bank, row.borrower, row.limit_units, row.principal_units, row.draw_count,
                row.rate_bps, row.expiry) == (
            int(line.status), line.bank, line.borrower, line.limit, line.principal, line.draw_count, line.rate_bps,
            line.expiry), line_id
        outstanding = {(t.tranche_id, t.principal_units) for t in tranches if t.line_id == line_id
                       and t.principal_units > 0}
        assert outstanding == {(t.id, t.principal) for t in line.tranches}, line_id
    defaulted = rows[ids["defaulted"]]
    assert defaulted.loss_principal_units == 50_000_00 and defaulted.recovered_units == 20_000_00

    line = ledger.credit_lines.get_line(ids["line"])
    for who in (cast.bank1, cast.supplier1, cast.regulator):
        body = api.client.get(f"/v1/credit-lines/{ids['line']}", headers=api.as_(who)).json()
        assert (body["status"], body["limit_units"], body["used_units"], body["available_units"]) == (
            "open", 800_000_00, line.principal, line.available)
        assert body["next_due"] == line.next_due
        assert [t["tranche_id"] for t in body["tranches"]] == [1, 2]
        assert body["tranches"][0]["repaid_at"] is not None and body["tranches"][1]["principal_units"] > 0
        names = [h["name"] for h in body["history"]]
        assert names.count("CreditLineDrawn") == 2 and "CreditLineRepaid" in names
        assert names[0] == "CreditLineOpened" and "CreditLineLimitReduced" in names
    for who in (cast.supplier2, cast.bank2, cast.distributor):
        assert api.client.get(f"/v1/credit-lines/{ids['line']}", headers=api.as_(who)).status_code == 404
    mine = api.client.get("/v1/credit-lines", headers=api.as_(cast.distributor)).json()
    assert [(r["id"], r["status"]) for r in mine["data"]] == [(ids["defaulted"], "defaulted")]
    assert api.client.get("/v1/credit-lines", headers=api.as_(cast.regulator)).json()["count"] == 3
    listed = api.client.get("/v1/credit-lines", headers=api.as_(cast.bank1),
                            params={"status": "closed"}).json()
    assert [r["id"] for r in listed["data"]] == [ids["declined"]]
