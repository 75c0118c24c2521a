"""Property test of warehouse-receipt pledge financing: a random sequence of issues, splits, transfers, deliveries,
pledges, repayments, releases, margin calls, cures and foreclosures, checked against a model after every step.

Invariants:
- at most one live receipt family per (warehouse, lot), and the contract's lot registry agrees with the model;
- a pledged receipt never changes owner except by foreclosure;
- quantities are conserved across splits and releases (live + delivered = issued, per family);
- settlement tokens are conserved: every balance moves exactly as the events say and the supply never changes;
- a loan's principal never exceeds its limit at opening, and never grows afterwards;
- interest carry: the interest charged over any sequence of repayments (paid + owed) equals, to the cent,
  floor(sum of principal x rate x seconds / (10,000 x 365 days)) over the loan's actual principal path;
- no surplus lost at foreclosure: the bank takes ceil(debt / price) units (all of them only when the goods fall
  short of the debt) and every other unit goes back to the borrower free;
- lock needs the owner's approval: a pledge of an unapproved receipt reverts, and a lock consumes the approval;
- program cap: the program's outstanding principal equals the sum over its open loans and stays within its cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sdk import Party
from sdk.errors import (
    LoanCollateralFull,
    LoanLtvAboveMax,
    LoanMarginCallNotDue,
    LoanPrincipalExceedsLimit,
    LoanReleaseQuantityInvalid,
    ReceiptIsPledged,
    ReceiptLockNotApproved,
    ReceiptLotAlreadyIssued,
)
from sdk.generated.events import LoanForeclosed, ReceiptSplit
from sdk.warehouse import BPS, YEAR_SECONDS, LoanStatus, ReceiptAction, ReceiptStatus, loan_limit, max_release
from tests.contracts.warehouse_support import MARGIN_CALL_LTV_BPS, MAX_LTV_BPS, PRICE, RATE_BPS, Market, terms
from tests.profiles import stateful_settings

LOTS = ["L0", "L1", "L2", "L3", "L4"]
MAX_UINT = 2**256 - 1


@dataclass
class ModelReceipt:
    id: int
    owner: str
    quantity: int
    status: ReceiptStatus
    lot: str
    root: int
    loan: int | None = None


@dataclass
class ModelLoan:
    id: int
    borrower: str
    receipts: list[int]
    status: LoanStatus
    opening_principal: int
    limit: int
    principal: int = 0  # outstanding, as the last event said
    since: int = 0  # last accrual
    exact: int = 0  # sum of principal x rate x seconds so far
    charged: int = 0  # interest paid so far

    def accrue_to(self, now: int) -> None:
        self.exact += self.principal * RATE_BPS * (now - self.since)
        self.since = now

    def expected_interest(self) -> int:
        return self.exact // (BPS * YEAR_SECONDS)


@dataclass
class Model:
    receipts: dict[int, ModelReceipt] = field(default_factory=dict)
    lots: dict[str, tuple[int, int]] = field(default_factory=dict)  # lot -> (issued receipt, live pieces)
    issued: dict[int, int] = field(default_factory=dict)  # family root -> quantity issued
    delivered: dict[int, int] = field(default_factory=dict)  # family root -> quantity delivered out
    loans: dict[int, ModelLoan] = field(default_factory=dict)
    balances: dict[str, int] = field(default_factory=dict)
    pledged_by: dict[int, str] = field(default_factory=dict)  # pledged receipt -> its owner when pledged


class WarehouseMachine(RuleBasedStateMachine):
    market: Market

    def __init__(self) -> None:
        super().__init__()
        m = self.market
        self.chain = m.ledger.chain
        self.snapshot = self.chain.snapshot()
        self.cast = m.cast
        self.owners = [m.cast.distributor, m.cast.core, m.cast.supplier1]
        self.bank = m.cast.bank1
        self.parties: dict[str, Party] = {p.address: p for p in [*self.owners, self.bank]}
        self.model = Model()
        self.model.balances = {a: m.ledger.token.balance_of(a).units for a in self.parties}
        self.supply = m.ledger.token.total_supply()
        self.price = PRICE
        self.dirty: set[int] = set()
        self.dirty_lots: set[str] = set()
        self.dirty_parties: set[str] = set()

    def teardown(self) -> None:
        try:
            self.dirty = set(self.model.receipts)
            self.dirty_lots = set(LOTS)
            self.dirty_parties = set(self.parties)
            self.receipts_match_the_model()
            self.lot_registry_matches_the_model()
            self.tokens_are_conserved()
            token = self.market.ledger.token
            assert sum(token.balance_of(a).units for a in self.parties) == sum(self.model.balances.values())
        finally:
            self.chain.revert(self.snapshot)

    # ------------------------------------------------------------------ helpers
    def _live(self, *, status: ReceiptStatus | None = None, owner: str | None = None) -> list[int]:
        return sorted(
            r.id for r in self.model.receipts.values()
            if r.status in (ReceiptStatus.FREE, ReceiptStatus.PLEDGED)
            and (status is None or r.status == status) and (owner is None or r.owner == owner)
        )

    def _open_loans(self) -> list[int]:
        return sorted(i for i, ln in self.model.loans.items()
                      if ln.status in (LoanStatus.ACTIVE, LoanStatus.MARGIN_CALLED))

    def _pledgeable(self) -> list[int]:
        return [i for i in self._live(status=ReceiptStatus.FREE) if self.model.receipts[i].owner != self.bank.address]

    def _loans_with_spare_receipts(self) -> list[int]:
        return [i for i in self._open_loans()
                if self._live(status=ReceiptStatus.FREE, owner=self.model.loans[i].borrower)]

    def _touch(self, *ids: int) -> None:
        for i in ids:
            self.dirty.add(i)
            self.dirty_lots.add(self.model.receipts[i].lot)

    def _move_money(self, payer: str, payee: str, amount: int) -> None:
        self.model.balances[payer] -= amount
        self.model.balances[payee] += amount
        self.dirty_parties.update({payer, payee})

    def _free(self, rid: int) -> None:
        r = self.model.receipts[rid]
        r.status, r.loan = ReceiptStatus.FREE, None
        self.model.pledged_by.pop(rid, None)
        self._touch(rid)

    def _add_child(self, parent: ModelReceipt, child_id: int, owner: str, quantity: int) -> None:
        parent.quantity -= quantity
        self.model.receipts[child_id] = ModelReceipt(child_id, owner, quantity, ReceiptStatus.FREE, parent.lot,
                                                     parent.root)
        root, pieces = self.model.lots[parent.lot]
        self.model.lots[parent.lot] = (root, pieces + 1)
        self._touch(parent.id, child_id)

    def _post(self, price: int) -> None:
        self.price = price
        self.market.post(price)

    # ------------------------------------------------------------------ receipts
    @initialize(first=st.integers(2, 20_000), second=st.integers(2, 20_000))
    def stock(self, first: int, second: int) -> None:
        self.issue("L0", 0, first)
        self.issue("L1", 1, second)

    @rule(lot=st.sampled_from(LOTS), owner=st.integers(0, 2), quantity=st.integers(2, 20_000))
    def issue(self, lot: str, owner: int, quantity: int) -> None:
        holder = self.owners[owner]
        occupied = self.model.lots.get(lot)
        if occupied:
            with pytest.raises(ReceiptLotAlreadyIssued) as err:
                self.cast.warehouse.receipts.issue(holder.address, terms(lot), quantity)
            assert err.value.issued_receipt_id == occupied[0]
            return
        rid = self.cast.warehouse.receipts.issue(holder.address, terms(lot), quantity).id
        self.model.receipts[rid] = ModelReceipt(rid, holder.address, quantity, ReceiptStatus.FREE, lot, rid)
        self.model.lots[lot] = (rid, 1)
        self.model.issued[rid] = quantity
        self._touch(rid)

    @precondition(lambda self: any(self.model.receipts[i].quantity > 1 for i in self._live()))
    @rule(data=st.data())
    def split(self, data: st.DataObject) -> None:
        live = [i for i in self._live() if self.model.receipts[i].quantity > 1]
        if not live:
            return
        r = self.model.receipts[data.draw(st.sampled_from(live), label="receipt")]
        quantity = data.draw(st.integers(1, r.quantity - 1), label="quantity")
        to = data.draw(st.sampled_from(self.owners), label="to")
        holder = self.parties[r.owner]
        if r.status == ReceiptStatus.PLEDGED:
            with pytest.raises(ReceiptIsPledged) as err:
                holder.receipts.split(r.id, quantity, to.address)
            assert err.value.action == ReceiptAction.SPLIT
            return
        event = holder.receipts.split(r.id, quantity, to.address)
        self._add_child(r, event.child_id, to.address, quantity)

    @precondition(lambda self: bool(self._live()))
    @rule(data=st.data())
    def transfer(self, data: st.DataObject) -> None:
        live = self._live()
        if not live:
            return
        r = self.model.receipts[data.draw(st.sampled_from(live), label="receipt")]
        to = data.draw(st.sampled_from([p for p in self.owners if p.address != r.owner]), label="to")
        holder = self.parties[r.owner]
        if r.status == ReceiptStatus.PLEDGED:
            with pytest.raises(ReceiptIsPledged) as err:
                holder.receipts.transfer(r.id, to.address)
            assert err.value.action == ReceiptAction.TRANSFER
            return
        holder.receipts.transfer(r.id, to.address)
        r.owner = to.address
        self._touch(r.id)

    @precondition(lambda self: bool(self._live()))
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        live = self._live()
        if not live:
            return
        r = self.model.receipts[data.draw(st.sampled_from(live), label="receipt")]
        if r.status == ReceiptStatus.PLEDGED:
            with pytest.raises(ReceiptIsPledged) as err:
                self.cast.warehouse.receipts.deliver(r.id)
            assert err.value.action == ReceiptAction.DELIVER
            return
        self.parties[r.owner].receipts.present(r.id)
        event = self.cast.warehouse.receipts.deliver(r.id)
        root, pieces = self.model.lots[r.lot]
        assert event.lot_freed == (pieces == 1)
        if pieces == 1:
            del self.model.lots[r.lot]
        else:
            self.model.lots[r.lot] = (root, pieces - 1)
        r.status = ReceiptStatus.DELIVERED
        self.model.delivered[r.root] = self.model.delivered.get(r.root, 0) + r.quantity
        self._touch(r.id)

    # ------------------------------------------------------------------ prices and time
    @rule(price=st.integers(40_00, 90_00))
    def post_price(self, price: int) -> None:
        self._post(price)

    @rule(hours=st.integers(1, 72))
    def wait(self, hours: int) -> None:
        self.chain.increase_time(hours * 3600)
        self._post(self.price)  # keep the price fresh; staleness has its own unit tests

    # ------------------------------------------------------------------ loans
    @precondition(lambda self: bool(self._pledgeable()))
    @rule(data=st.data(), percent=st.integers(1, 105))
    def pledge(self, data: st.DataObject, percent: int) -> None:
        free = self._pledgeable()
        if not free:
            return
        r = self.model.receipts[data.draw(st.sampled_from(free), label="receipt")]
        limit = loan_limit(r.quantity, self.price, MAX_LTV_BPS)
        principal = max(1, limit * percent // 100)
        borrower = self.parties[r.owner]
        if principal > limit:
            with pytest.raises(LoanPrincipalExceedsLimit) as err:
                self.market.pledge(r.id, principal, borrower)
            assert (err.value.principal, err.value.limit) == (principal, limit)
            return
        event = borrower.loans.pledge(self.market.program_id, r.id, principal, self.market.maturity(30))
        assert event.principal <= event.limit == limit
        self.model.loans[event.loan_id] = ModelLoan(
            event.loan_id, r.owner, [r.id], LoanStatus.ACTIVE, principal, event.limit, principal=principal,
            since=self.market.ledger.loans.get_loan(event.loan_id).accrued_at)
        r.status, r.loan = ReceiptStatus.PLEDGED, event.loan_id
        self.model.pledged_by[r.id] = r.owner
        self._move_money(self.bank.address, r.owner, principal)
        self._touch(r.id)

    @precondition(lambda self: bool(self._pledgeable()))
    @rule(data=st.data())
    def pledge_without_approval(self, data: st.DataObject) -> None:
        """No lien without the owner's authorisation: a pledge of a receipt the owner has not approved the loan book
        for reverts, and nothing changes."""
        free = [i for i in self._pledgeable()
                if self.market.ledger.receipts.get_approved(i) != self.market.ledger.loans.address]
        if not free:
            return
        r = self.model.receipts[data.draw(st.sampled_from(free), label="receipt")]
        owner = self.parties[r.owner]
        if owner.receipts.is_approved_for_all(r.owner, self.market.ledger.loans.address):
            return
        with pytest.raises(ReceiptLockNotApproved) as err:
            owner.loans._transact("pledge", self.market.program_id, r.id, 1, self.market.maturity(30))
        assert (err.value.id, err.value.owner) == (r.id, r.owner)
        self._touch(r.id)

    @precondition(lambda self: bool(self._open_loans()))
    @rule(data=st.data())
    def repay(self, data: st.DataObject) -> None:
        loans = self._open_loans()
        if not loans:
            return
        loan = self.model.loans[data.draw(st.sampled_from(loans), label="loan")]
        principal, interest = self.market.ledger.loans.get_debt(loan.id)
        amount = data.draw(st.one_of(st.integers(1, principal + interest + 1_00), st.just(MAX_UINT)), label="amount")
        borrower = self.parties[loan.borrower]
        event = borrower.loans.repay(loan.id, amount)
        assert event.amount == min(amount, event.amount + event.principal + event.interest)
        loan.accrue_to(self.market.ledger.loans.get_loan(loan.id).accrued_at)
        loan.charged += event.interest_paid
        assert loan.charged + event.interest == loan.expected_interest()  # carry: nothing erased, nothing added
        loan.principal = event.principal
        self._move_money(loan.borrower, self.bank.address, event.amount)
        loan.status = event.new_status
        if event.new_status == LoanStatus.REPAID:
            for rid in loan.receipts:
                self._free(rid)

    @precondition(lambda self: any(self.model.loans[i].status == LoanStatus.ACTIVE for i in self._open_loans()))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        active = [i for i in self._open_loans() if self.model.loans[i].status == LoanStatus.ACTIVE]
        if not active:
            return
        loan = self.model.loans[data.draw(st.sampled_from(active), label="loan")]
        r = self.model.receipts[data.draw(st.sampled_from(loan.receipts), label="receipt")]
        quantity = data.draw(st.integers(1, r.quantity), label="quantity")
        borrower = self.parties[loan.borrower]
        total = sum(self.model.receipts[i].quantity for i in loan.receipts)
        try:
            event = borrower.loans.release(loan.id, r.id, quantity)
        except LoanReleaseQuantityInvalid as err:
            assert quantity > err.max_quantity
            principal, interest = self.market.ledger.loans.get_debt(loan.id)
            assert err.max_quantity <= min(r.quantity, max_release(total, principal + interest, self.price,
                                                                          MAX_LTV_BPS))
            return
        assert event.ltv_bps <= MAX_LTV_BPS and event.pledged_quantity == total - quantity
        if event.released_receipt_id == r.id:
            loan.receipts.remove(r.id)
            self._free(r.id)
        else:
            self._add_child(r, event.released_receipt_id, loan.borrower, quantity)

    @precondition(lambda self: any(self.model.loans[i].status == LoanStatus.ACTIVE for i in self._open_loans()))
    @rule(data=st.data())
    def call_margin(self, data: st.DataObject) -> None:
        active = [i for i in self._open_loans() if self.model.loans[i].status == LoanStatus.ACTIVE]
        if not active:
            return
        loan = self.model.loans[data.draw(st.sampled_from(active), label="loan")]
        try:
            event = self.cast.outsider.loans.call_margin(loan.id)
        except LoanMarginCallNotDue as err:
            assert err.ltv_bps <= MARGIN_CALL_LTV_BPS
            return
        assert event.ltv_bps >= MARGIN_CALL_LTV_BPS
        loan.status = LoanStatus.MARGIN_CALLED

    @precondition(lambda self: any(self.model.loans[i].status == LoanStatus.MARGIN_CALLED for i in self._open_loans()))
    @rule(data=st.data())
    def cure(self, data: st.DataObject) -> None:
        called = [i for i in self._open_loans() if self.model.loans[i].status == LoanStatus.MARGIN_CALLED]
        loan = self.model.loans[data.draw(st.sampled_from(called), label="loan")]
        try:
            event = self.cast.outsider.loans.cure(loan.id)
        except LoanLtvAboveMax as err:
            assert err.ltv_bps >= MAX_LTV_BPS
            return
        assert event.ltv_bps <= MAX_LTV_BPS
        loan.status = LoanStatus.ACTIVE

    @precondition(lambda self: bool(self._loans_with_spare_receipts()))
    @rule(data=st.data())
    def add_collateral(self, data: st.DataObject) -> None:
        loans = self._loans_with_spare_receipts()
        if not loans:
            return
        loan = self.model.loans[data.draw(st.sampled_from(loans), label="loan")]
        free = self._live(status=ReceiptStatus.FREE, owner=loan.borrower)
        if not free:
            return
        r = self.model.receipts[data.draw(st.sampled_from(free), label="receipt")]
        borrower = self.parties[loan.borrower]
        if len(loan.receipts) >= 5:
            with pytest.raises(LoanCollateralFull):
                borrower.loans.add_collateral(loan.id, r.id)
            return
        event = borrower.loans.add_collateral(loan.id, r.id)
        loan.receipts.append(r.id)
        loan.status = event.new_status
        r.status, r.loan = ReceiptStatus.PLEDGED, loan.id
        self.model.pledged_by[r.id] = r.owner
        self._touch(r.id)

    @precondition(lambda self: bool(self._open_loans()))
    @rule(data=st.data())
    def foreclose(self, data: st.DataObject) -> None:
        loans = self._open_loans()
        if not loans:
            return
        loan = self.model.loans[data.draw(st.sampled_from(loans), label="loan")]
        on_chain = self.market.ledger.loans.get_loan(loan.id)
        self.chain.travel_to(on_chain.maturity + 1)
        self._post(self.price)
        result = self.bank.loans._transact("foreclose", loan.id)
        event = result.one(LoanForeclosed)
        assert event.quantity == sum(self.model.receipts[i].quantity for i in loan.receipts)
        debt = event.principal + event.interest
        loan.accrue_to(self.market.ledger.loans.get_loan(loan.id).accrued_at)
        assert loan.charged + event.interest == loan.expected_interest()
        # no surplus lost: the bank takes the least quantity that covers the debt, or everything when it falls short
        if debt >= event.collateral_value:
            assert (event.seized_quantity, event.shortfall) == (event.quantity, debt - event.collateral_value)
        else:
            assert event.shortfall == 0
            assert debt <= event.seized_quantity * event.price < debt + event.price
        loan.status = LoanStatus.FORECLOSED
        children = {s.id: s for s in result.find(ReceiptSplit)}
        left = event.seized_quantity
        for rid in on_chain.receipt_ids:  # the contract's pledge order
            r = self.model.receipts[rid]
            if left >= r.quantity:
                left -= r.quantity
                r.owner = self.bank.address  # the one way a pledged receipt changes hands
            elif left:
                split = children[rid]
                assert (split.quantity, split.child_owner) == (left, self.bank.address)
                self._add_child(r, split.child_id, self.bank.address, left)
                left = 0
            self._free(rid)
        assert left == 0

    # ------------------------------------------------------------------ invariants
    @invariant()
    def receipts_match_the_model(self) -> None:
        receipts = self.market.ledger.receipts
        for rid in sorted(self.dirty):
            expected = self.model.receipts[rid]
            actual = receipts.get_receipt(rid)
            assert (actual.status, actual.quantity) == (expected.status, expected.quantity)
            if expected.status == ReceiptStatus.DELIVERED:
                assert actual.owner is None
                continue
            assert actual.owner == expected.owner
            if actual.status == ReceiptStatus.PLEDGED:
                assert actual.owner == self.model.pledged_by[rid]
                assert actual.lien_holder == self.market.ledger.loans.address
                # the lock consumed the owner's approval of the loan book for this receipt
                assert receipts.get_approved(rid) is None
        self.dirty.clear()

    @invariant()
    def at_most_one_live_family_per_lot(self) -> None:
        for lot in LOTS:
            roots = {r.root for r in self.model.receipts.values()
                     if r.lot == lot and r.status in (ReceiptStatus.FREE, ReceiptStatus.PLEDGED)}
            assert len(roots) <= 1
            pieces = sum(1 for r in self.model.receipts.values()
                         if r.lot == lot and r.status in (ReceiptStatus.FREE, ReceiptStatus.PLEDGED))
            assert self.model.lots.get(lot, (0, 0))[1] == pieces

    @invariant()
    def lot_registry_matches_the_model(self) -> None:
        receipts, warehouse = self.market.ledger.receipts, self.cast.warehouse.address
        for lot in sorted(self.dirty_lots):
            root, pieces = self.model.lots.get(lot, (0, 0))
            assert receipts.live_receipt_of_lot(warehouse, lot) == root
            assert receipts.live_pieces_of_lot(warehouse, lot) == pieces
        self.dirty_lots.clear()

    @invariant()
    def quantities_are_conserved(self) -> None:
        for root, issued in self.model.issued.items():
            live = sum(r.quantity for r in self.model.receipts.values()
                       if r.root == root and r.status != ReceiptStatus.DELIVERED)
            assert live + self.model.delivered.get(root, 0) == issued

    @invariant()
    def tokens_are_conserved(self) -> None:
        token = self.market.ledger.token
        for address in sorted(self.dirty_parties):
            assert token.balance_of(address).units == self.model.balances[address]
        self.dirty_parties.clear()
        assert token.total_supply() == self.supply

    @invariant()
    def program_outstanding_is_the_sum_of_open_principal_within_the_cap(self) -> None:
        program = self.market.ledger.loans.get_program(self.market.program_id)
        assert program.outstanding == sum(self.model.loans[i].principal for i in self._open_loans())
        assert program.outstanding <= program.cap

    @invariant()
    def principal_never_exceeds_its_opening_limit(self) -> None:
        for loan in self.model.loans.values():
            assert loan.opening_principal <= loan.limit


@pytest.mark.slow
def test_warehouse_pledge_state_machine(market: Market) -> None:
    for owner in [market.cast.distributor, market.cast.core, market.cast.supplier1]:
        market.approve_loans(owner)
    WarehouseMachine.market = market
    run_state_machine_as_test(
        WarehouseMachine,
        settings=stateful_settings(examples=15, steps=15),
    )

