"""Receivables projections equal what the contract reports, through splits, discounts, payouts and recourse."""

from __future__ import annotations

from sqlalchemy import Engine, select

from gateway.models.common import table_of
from gateway.models.links import LedgerSetting
from gateway.models.receivables import Exposure, Financing, Fragment, Offer, Receivable
from sdk import Ledger
from sdk.chain import Chain
from sdk.types import FinancingStatus
from tests.conftest import Cast
from tests.contracts.receivables_support import DAY
from tests.gateway.helpers import indexer
from tests.gateway.scenarios import receivables_activity


def _rows(db: Engine, model: object) -> dict[object, object]:
    t = table_of(model)  # type: ignore[arg-type]
    pk = [c.name for c in t.primary_key.columns]
    with db.connect() as conn:
        return {tuple(r._mapping[k] for k in pk) if len(pk) > 1 else r._mapping[pk[0]]: r._mapping
                for r in conn.execute(select(t))}


def assert_matches_chain(ledger: Ledger, cast: Cast, db: Engine) -> None:
    rc = ledger.receivables
    roots, fragments = _rows(db, Receivable), _rows(db, Fragment)
    offers, financings, exposures = _rows(db, Offer), _rows(db, Financing), _rows(db, Exposure)
    assert len(roots) == rc.receivable_count()
    for root_id, row in roots.items():
        onchain = rc.get_receivable(root_id)  # type: ignore[arg-type]
        assert (row["debtor"], row["face_units"], row["repaid_units"], row["due_date"], row["status"],
                row["fragment_count"]) == (onchain.debtor, onchain.face_value, onchain.repaid, onchain.due_date,
                                           int(onchain.status), onchain.fragment_count)
        for frag in rc.list_fragments(root_id):  # type: ignore[arg-type]
            f = fragments.pop(frag.id)
            assert (f["holder"], f["value_units"], f["locked_units"], f["paid_units"], f["status"], f["financed"],
                    f["parent_id"], f["root_id"]) == (
                frag.holder, frag.value, frag.locked, frag.paid, int(frag.status), frag.financed,
                frag.parent_id or None, frag.root_id)
            fin = rc.get_financing(frag.id)
            if int(fin.status) == 0:
                assert frag.id not in financings
                continue
            row_fin = financings[frag.id]
            assert (row_fin["bank"], row_fin["rate_bps"], row_fin["with_recourse"], row_fin["status"],
                    row_fin["recourse_outstanding_units"]) == (
                fin.bank, fin.rate_bps, fin.with_recourse, int(fin.status), fin.recourse_outstanding)
            if fin.seller is not None:  # the contract records the seller at funding; the gateway at the request
                assert (row_fin["seller"], row_fin["price_units"], row_fin["funded_at"]) == (
                    fin.seller, fin.price, fin.funded_at)
    assert fragments == {}
    assert len(offers) == rc.offer_count()
    for offer_id, row in offers.items():
        onchain_offer = rc.get_offer(offer_id)  # type: ignore[arg-type]
        assert (row["sender"], row["recipient"], row["amount_units"], row["status"], row["fragment_id"],
                row["expires_at"]) == (
            onchain_offer.from_, onchain_offer.to, onchain_offer.amount, int(onchain_offer.status),
            onchain_offer.fragment_id, onchain_offer.expires_at)
    for bank in (cast.bank1, cast.bank2):
        for debtor in (cast.core, cast.core2):
            e = rc.get_exposure(bank.address, debtor.address)
            row = exposures.get((bank.address, debtor.address))
            assert ((row["limit_units"], row["used_units"]) if row else (0, 0)) == (e.limit, e.used)


def test_receivables_projection_matches_the_contract(chain: Chain, ledger: Ledger, cast: Cast, db: Engine) -> None:
    ids = receivables_activity(ledger, cast)
    idx = indexer(chain, ledger.deployment, db)
    idx.sync()
    assert_matches_chain(ledger, cast, db)
    assert _rows(db, Offer)[ids["offer"]]["expires_at"] is not None
    # late repayment in full, default and recourse
    cast.operator.receivables.set_grace_period(5 * DAY)
    cast.operator.receivables.set_min_fragment_value(50_00)
    due = ledger.receivables.get_receivable(ids["root"]).due_date
    ledger.chain.travel_to(due + 6 * DAY)
    cast.bank2.receivables.declare_default(ids["f3"])
    cast.bank2.receivables.exercise_recourse(ids["f3"])
    cast.supplier3.receivables.repay_recourse(ids["f3"], 1_000_00)
    cast.supplier2.receivables.withdraw_offer(ids["offer"])
    cast.core.receivables.repay(ids["root"], 700_000_00)
    cast.regulator.receivables.distribute_all(ids["root"])
    cast.operator.receivables.resolve_dispute(ids["issued"], upheld=False)
    cast.core2.receivables.reject(ids["registered"], "NO_DELIVERY")
    idx.sync()
    assert_matches_chain(ledger, cast, db)
    # the bank1 financing of f1 was paid out in full: closed as Repaid, in the contract and the projection
    assert _rows(db, Financing)[ids["f1"]]["status"] == int(FinancingStatus.REPAID)
    assert _rows(db, LedgerSetting)["receivables.min_fragment_value"]["value"] == 50_00
