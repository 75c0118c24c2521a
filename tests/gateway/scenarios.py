"""Ledger activity for the gateway tests, driven through the SDK."""

from __future__ import annotations

from sdk import Ledger
from tests.conftest import Cast
from tests.contracts.receivables_support import DAY, fund, new_root, split


def receivables_activity(ledger: Ledger, cast: Cast) -> dict[str, int]:
    """Two receivables: one split down three tiers, discounted at two banks (one with recourse), partly repaid
    and distributed; one issued directly and disputed. Plus an open offer, a declined and a withdrawn request."""
    core, t1, t2, t3 = cast.core, cast.supplier1, cast.supplier2, cast.supplier3
    cast.bank1.receivables.set_exposure_limit(core.address, 5_000_000_00)
    cast.bank2.receivables.set_exposure_limit(core.address, 1_000_000_00)
    root, f1 = new_root(cast, face=1_000_000_00, days=90, supplier=t1)
    f2 = split(t1, f1, t2, 600_000_00)
    f3 = split(t2, f2, t3, 250_000_00)
    fund(t1, f1, cast.bank1, core, rate=550, recourse=False)
    fund(t3, f3, cast.bank2, core, rate=770, recourse=True)
    t2.receivables.request_discount(f2, cast.bank1.address, 600, with_recourse=False)
    cast.bank1.receivables.decline_discount(f2)
    open_offer = t2.receivables.offer(f2, cast.distributor.address, 10_000_00,
                                      expires_at=ledger.chain.now() + 7 * DAY).offer_id
    core.receivables.repay(root, 300_000_00)
    cast.regulator.receivables.distribute(root)
    due = ledger.chain.now() + 30 * DAY
    issued = core.receivables.issue(t3.address, 50_000_00, due, "certificate-1").root_id
    core.receivables.dispute(issued, "QUALITY")
    registered, _ = new_root(cast, face=20_000_00, days=60, supplier=t2, debtor=cast.core2, confirm=False)
    return {"root": root, "f1": f1, "f2": f2, "f3": f3, "offer": open_offer, "issued": issued,
            "registered": registered}


def warehouse_activity(ledger: Ledger, cast: Cast) -> dict[str, int]:
    """Copper receipts: one pledged, margin-called, cured by repayment, partly released and repaid in full, then
    delivered; one transferred and split; one pledged and foreclosed after an unanswered margin call."""
    from tests.contracts.warehouse_support import (
        CU,
        CURE_PERIOD,
        MARGIN_CALL_LTV_BPS,
        MAX_LTV_BPS,
        MAX_TENOR,
        RATE_BPS,
        list_commodity,
        terms,
    )

    chain = ledger.chain
    list_commodity(cast)
    program = cast.bank1.loans.open_program(CU, rate_bps=RATE_BPS, max_ltv_bps=MAX_LTV_BPS,
                                            margin_call_ltv_bps=MARGIN_CALL_LTV_BPS, cure_period=CURE_PERIOD,
                                            max_tenor=MAX_TENOR, cap=10**11).program_id
    cast.bank1.token.approve(ledger.loans.address, 10**12)
    for who in (cast.distributor, cast.supplier1):
        who.token.approve(ledger.loans.address, 10**12)

    def post(price: int) -> None:
        if chain.now() <= ledger.prices.get_feed(CU).observed_at:
            chain.increase_time(1)
        cast.feeder.prices.post_price(CU, price, chain.now())

    pledged = cast.warehouse.receipts.issue(cast.distributor.address, terms("GW-LOT-1"), 10_000).id
    loan = cast.distributor.loans.pledge(program, pledged, 480_000_00, chain.now() + 90 * DAY).loan_id
    traded = cast.warehouse.receipts.issue(cast.supplier1.address, terms("GW-LOT-2"), 4_000).id
    cast.supplier1.receipts.transfer(traded, cast.supplier2.address)
    piece = cast.supplier2.receipts.split(traded, 1_500, cast.supplier3.address).child_id
    doomed = cast.warehouse.receipts.issue(cast.supplier1.address, terms("GW-LOT-3"), 5_000).id
    bad_loan = cast.supplier1.loans.pledge(program, doomed, 240_000_00, chain.now() + 60 * DAY).loan_id
    post(58_00)
    cast.outsider.loans.call_margin(loan)
    cast.outsider.loans.call_margin(bad_loan)
    cast.distributor.loans.repay(loan, 100_000_00)  # cures
    chain.increase_time(CURE_PERIOD + DAY)
    post(60_00)
    cast.bank1.loans.foreclose(bad_loan)
    released = cast.distributor.loans.repay_and_release(loan, 80_000_00, pledged, 2_000).released
    cast.distributor.loans.repay_in_full(loan)
    cast.distributor.receipts.present(released.released_receipt_id)
    cast.warehouse.receipts.deliver(released.released_receipt_id)
    # v2 controls: the bank's allow-lists and cap, a warehouse's issuer approvals, a price band with a proposal
    cast.bank1.loans.set_program_allow_lists(program, warehouses=True, borrowers=True)
    cast.bank1.loans.list_warehouse(program, cast.warehouse.address)
    for who in (cast.supplier1, cast.distributor, cast.supplier2):
        cast.bank1.loans.list_borrower(program, who.address)
    cast.bank1.loans.list_borrower(program, cast.supplier2.address, False)
    cast.bank1.loans.set_program_cap(program, 5 * 10**10)
    cast.warehouse.receipts.set_issuer_approval(ledger.deployment.address("Prepayment"))
    cast.warehouse.receipts.set_issuer_approval(ledger.deployment.address("PledgeLoans"))
    cast.warehouse.receipts.set_issuer_approval(ledger.deployment.address("PledgeLoans"), False)
    cast.operator.prices.set_price_band(CU, 2_500)
    post(40_00)  # a third off 60.00, beyond the band: a pending proposal
    return {"pledged": pledged, "loan": loan, "traded": traded, "piece": piece, "doomed": doomed,
            "bad_loan": bad_loan, "released": released.released_receipt_id, "program": program}


def prepayment_activity(ledger: Ledger, cast: Cast) -> dict[str, int]:
    """A deal delivered and repaid in two of three instalments (staged pick-up), and a cancelled proposal."""
    from tests.contracts.prepayment_support import Desk

    desk = Desk(ledger, cast)
    deal = desk.delivered()
    agreement = ledger.prepayment.get_agreement(deal)
    first = agreement.principal // 3
    desk.repay(deal, first)
    desk.repay(deal, first)
    proposal = desk.propose().id
    cast.distributor.prepayment.cancel(proposal)
    return {"deal": deal, "cancelled": proposal}


def credit_activity(ledger: Ledger, cast: Cast) -> dict[str, int]:
    """Three credit lines of bank1: supplier1's, drawn for two suppliers, partly repaid (one tranche closed),
    frozen and unfrozen, its limit reduced; the distributor's, defaulted and partly recovered; and an offer the
    borrower declined."""
    from tests.contracts.credit_support import GRACE, Desk

    desk = Desk(ledger, cast)
    for party in (cast.bank1, cast.supplier1, cast.distributor):
        desk.approve(party)
    line = desk.open_line()
    desk.draw(line, 200_000_00, payee=cast.supplier2, tenor=10 * DAY, purpose="PO-1")
    desk.draw(line, 150_000_00, payee=cast.supplier3, tenor=20 * DAY, purpose="PO-2")
    ledger.chain.increase_time(3 * DAY)
    cast.supplier1.credit_lines.repay(line, 250_000_00)
    cast.bank1.credit_lines.freeze(line)
    cast.bank1.credit_lines.unfreeze(line)
    cast.bank1.credit_lines.reduce_limit(line, 800_000_00)
    bad = desk.offer(borrower=cast.distributor.address)
    cast.distributor.credit_lines.accept(bad)
    cast.distributor.credit_lines.draw(bad, 50_000_00, cast.supplier2.address, 5 * DAY, "PO-3")
    ledger.chain.increase_time(5 * DAY + GRACE + 60)
    cast.bank1.credit_lines.declare_default(bad)
    cast.distributor.credit_lines.repay(bad, 20_000_00)
    declined = desk.offer()
    cast.supplier1.credit_lines.close(declined)
    return {"line": line, "defaulted": bad, "declined": declined}
