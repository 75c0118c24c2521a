"""Warehouse receipts, prices and pledge loans: projections equal what the contracts report."""

from __future__ import annotations

from sqlalchemy import Engine, select

from gateway.models.common import table_of
from gateway.models.warehouse import (
    CommodityPrice,
    IssuerApproval,
    Loan,
    LoanCollateral,
    LoanProgram,
    LoanProgramListing,
    WarehouseReceipt,
)
from sdk import Ledger
from sdk.chain import Chain
from tests.conftest import Cast
from tests.gateway.helpers import indexer
from tests.gateway.scenarios import warehouse_activity


def test_warehouse_projection_matches_the_contracts(chain: Chain, ledger: Ledger, cast: Cast, db: Engine) -> None:
    ids = warehouse_activity(ledger, cast)
    indexer(chain, ledger.deployment, db).sync()
    with db.connect() as conn:
        receipts = {r.id: r for r in conn.execute(select(table_of(WarehouseReceipt)))}
        loans = {r.id: r for r in conn.execute(select(table_of(Loan)))}
        collateral = {(r.loan_id, r.receipt_id) for r in conn.execute(select(table_of(LoanCollateral)))}
        prices = {r.commodity: r for r in conn.execute(select(table_of(CommodityPrice)))}
    assert len(receipts) == ledger.receipts.next_receipt_id() - 1
    for rid, row in receipts.items():
        onchain = ledger.receipts.get_receipt(rid)
        assert (row.owner, row.status, row.quantity, row.parent_id or 0, row.lien_holder, row.warehouse,
                row.lot_id, row.commodity) == (
            onchain.owner, int(onchain.status), onchain.quantity, onchain.parent_id or 0, onchain.lien_holder,
            onchain.warehouse, onchain.lot_id, onchain.commodity), rid
    # foreclosure split off the goods that cover the debt to the bank and released the rest to the borrower
    seized = [r for r in receipts.values() if r.parent_id == ids["doomed"]]
    assert [r.owner for r in seized] == [cast.bank1.address]
    assert receipts[ids["doomed"]].owner == cast.supplier1.address
    assert receipts[ids["doomed"]].lien_holder is None
    assert receipts[ids["piece"]].owner == cast.supplier3.address
    assert receipts[ids["released"]].delivered_at is not None
    for lid, row in loans.items():
        onchain_loan = ledger.loans.get_loan(lid)
        assert (row.borrower, row.bank, row.status, row.principal_units, row.interest_units, row.accrued_at,
                row.maturity, row.margin_call_deadline or 0, row.shortfall_units or 0) == (
            onchain_loan.borrower, onchain_loan.bank, int(onchain_loan.status), onchain_loan.principal,
            onchain_loan.interest, onchain_loan.accrued_at, onchain_loan.maturity, onchain_loan.margin_call_deadline,
            onchain_loan.shortfall), lid
        assert {r for (loan_id, r) in collateral if loan_id == lid} == set(onchain_loan.receipt_ids)
    assert loans[ids["bad_loan"]].shortfall_units is not None
    bad = ledger.loans.get_loan(ids["bad_loan"])
    assert loans[ids["bad_loan"]].seized_quantity == sum(r.quantity for r in seized)
    with db.connect() as conn:
        programs = {r.id: r for r in conn.execute(select(table_of(LoanProgram)))}
        listings = set(conn.execute(select(table_of(LoanProgramListing))).all())
        issuers = set(conn.execute(select(table_of(IssuerApproval))).all())
        feed_row = conn.execute(select(table_of(CommodityPrice))).first()
    program = ledger.loans.get_program(bad.program_id)
    row = programs[bad.program_id]
    assert (row.cap_units, row.outstanding_units, row.warehouses_listed, row.borrowers_listed) == (
        program.cap, program.outstanding, program.warehouses_listed, program.borrowers_listed)
    assert listings == {(bad.program_id, "warehouse", cast.warehouse.address),
                        (bad.program_id, "borrower", cast.supplier1.address),
                        (bad.program_id, "borrower", cast.distributor.address)}
    assert issuers == {(cast.warehouse.address, ledger.deployment.address("Prepayment"))}
    band = ledger.prices.get_price_band("CU-CATHODE")
    assert feed_row is not None
    assert (feed_row.band_bps, feed_row.proposed_price_units, feed_row.proposer) == (
        band.band_bps, band.proposed_price or None, band.proposer)
    feed = ledger.prices.get_feed("CU-CATHODE")
    assert (prices["CU-CATHODE"].price_units, prices["CU-CATHODE"].observed_at) == (feed.price, feed.observed_at)
