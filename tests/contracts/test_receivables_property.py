"""Stateful property test: random actors and actions against the Receivables contract, with the invariants of
issue 3 checked after every step:

- the live fragment values of a root sum to its face value;
- payouts equal repayments exactly (per root: sum paid <= repaid, the difference is held by the contract, and it
  is zero once a settled root is distributed);
- ledger actions never create or destroy settlement tokens;
- no fragment is ever held by a non-participant;
- a bank's recorded exposure equals the face value of what it holds financed and unpaid;
- a financing is closed (Repaid) exactly when its fragment is paid in full (issue 16, defect 10);
- split budgets are conserved (sum of splits left + fragments == the cap), and the original holder can always
  split while it has value and splits left (issue 16, defect 8).
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from sdk import Ledger, Party
from sdk.chain import Chain
from sdk.errors import (
    ParticipantNotRegistered,
    ReceivableExposureLimitExceeded,
    SettlementTransferRestricted,
)
from sdk.generated.events import FragmentPaid
from sdk.receivables import Fragment, Receivable
from sdk.types import FinancingStatus, FragmentStatus, ReceivableStatus
from tests.conftest import Cast
from tests.profiles import stateful_settings

DAY = 86_400
HOLDERS = ("supplier1", "supplier2", "supplier3", "distributor", "bank1", "bank2", "core2")
SUPPLIERS = ("supplier1", "supplier2", "supplier3")
BANKS = ("bank1", "bank2")
LIMITS = {"bank1": 50_000_00, "bank2": 8_000_00}
MIN_FRAGMENT = 1_00  # set by the operator at the start: small enough that random splits happen, not zero
CAP = 100  # the default fragment cap, in force for every root of the machine


class ReceivablesMachine(RuleBasedStateMachine):
    ledger: ClassVar[Ledger]
    cast: ClassVar[Cast]
    chain: ClassVar[Chain]

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.p: dict[str, Party] = self.cast.parties()
        self.rc = self.ledger.receivables
        self.roots: list[int] = []
        self.offers: list[int] = []
        self.repaid: dict[int, int] = {}
        self.payouts: dict[int, int] = {}
        self.suspended: set[str] = set()
        self.admitted = {party.address for name, party in self.p.items() if name not in ("outsider", "operator")}
        self.accounts = [party.address for name, party in self.p.items()] + [self.rc.address]
        for bank, limit in LIMITS.items():
            self.p[bank].receivables.set_exposure_limit(self.p["core"].address, limit)
        self.p["operator"].receivables.set_min_fragment_value(MIN_FRAGMENT)
        self.supply = self.ledger.token.total_supply()
        self.invoices = 0
        self._cache: tuple[int, list[tuple[Receivable, Fragment]]] | None = None
        self._checked_block = -1

    def teardown(self) -> None:
        try:
            self.settle_everything()
        finally:
            self.chain.revert(self.snapshot)

    # ------------------------------------------------------------------ helpers
    def _name(self, address: str) -> str:
        return next(n for n, party in self.p.items() if party.address == address)

    def _record(self, events: list[FragmentPaid]) -> None:
        for ev in events:
            self.payouts[ev.fragment_id >> 16] = self.payouts.get(ev.fragment_id >> 16, 0) + ev.amount

    def _fragments(self) -> list[tuple[Receivable, Fragment]]:
        """Every fragment with its root, read once per block (the embedded chain is slow to call)."""
        block = self.chain.block_number
        if self._cache is None or self._cache[0] != block:
            out = []
            for root in self.roots:
                rec = self.rc.get_receivable(root)
                out.extend((rec, f) for f in self.rc.list_fragments(root))
            self._cache = (block, out)
        return self._cache[1]

    @staticmethod
    def _amount(data: st.DataObject, frag: Fragment) -> int | None:
        """An offer amount the minimum-fragment rule allows: the whole fragment, or a part that leaves no piece
        (offered or left unpromised) below the minimum."""
        choices = []
        if frag.locked == 0:
            choices.append(st.just(frag.value))
        if frag.available >= MIN_FRAGMENT:
            choices.append(st.just(frag.available))
        if frag.available >= 2 * MIN_FRAGMENT:
            choices.append(st.integers(MIN_FRAGMENT, frag.available - MIN_FRAGMENT))
        return data.draw(st.one_of(*choices)) if choices else None

    def _transferable(self, rec: Receivable) -> bool:
        return rec.status == ReceivableStatus.CONFIRMED and rec.repaid == 0 and self.chain.now() + 30 < rec.due_date

    # ------------------------------------------------------------------ rules
    @initialize(faces=st.lists(st.integers(1, 10_000_00), min_size=1, max_size=2), days=st.integers(20, 90))
    def confirmed_receivables(self, faces: list[int], days: int) -> None:
        for face in faces:
            self.register("supplier1", face, days, True)

    @rule(supplier=st.sampled_from(SUPPLIERS), face=st.integers(1, 10_000_00), days=st.integers(2, 90),
          confirm=st.sampled_from([True, True, False]))
    def register(self, supplier: str, face: int, days: int, confirm: bool) -> None:
        if len(self.roots) >= 3 or supplier in self.suspended:
            return
        self.invoices += 1
        due = self.chain.now() + days * DAY
        ev = self.p[supplier].receivables.register(self.p["core"].address, face, due, f"prop-{self.invoices}")
        if confirm:
            self.p["core"].receivables.confirm(ev.root_id)
        self.roots.append(ev.root_id)

    @rule(data=st.data())
    def offer(self, data: st.DataObject) -> None:
        candidates = [
            (rec, f) for rec, f in self._fragments()
            if f.status == FragmentStatus.ACTIVE and f.available > 0 and self._transferable(rec)
            and rec.fragment_count < 20 and self._name(f.holder) not in self.suspended and f.splits_left > 0
        ]
        if not candidates:
            return
        _, frag = data.draw(st.sampled_from(candidates))
        to = data.draw(st.sampled_from([h for h in HOLDERS if self.p[h].address != frag.holder
                                        and h not in self.suspended]))
        amount = self._amount(data, frag)
        if amount is None:
            return
        holder = self.p[self._name(frag.holder)]
        ev = holder.receivables.offer(frag.id, self.p[to].address, amount)
        self.offers.append(ev.offer_id)

    @rule(data=st.data())
    def offer_to_outsider_is_refused(self, data: st.DataObject) -> None:
        candidates = [f for rec, f in self._fragments() if f.status == FragmentStatus.ACTIVE and f.available > 0
                      and self._transferable(rec) and self._name(f.holder) not in self.suspended
                      and f.splits_left > 0]
        if not candidates:
            return
        frag = data.draw(st.sampled_from(candidates))
        with pytest.raises(ParticipantNotRegistered) as info:
            self.p[self._name(frag.holder)].receivables.offer(frag.id, self.p["outsider"].address, frag.available)
        assert info.value.account == self.p["outsider"].address

    @rule(data=st.data(), choice=st.sampled_from(["accept", "accept", "reject", "withdraw"]))
    def respond(self, data: st.DataObject, choice: str) -> None:
        if not self.offers:
            return
        offer_id = data.draw(st.sampled_from(self.offers))
        offer = self.rc.get_offer(offer_id)
        rec = self.rc.get_receivable(offer.fragment_id >> 16)
        sender, recipient = self._name(offer.from_), self._name(offer.to)
        if choice == "accept" and (not self._transferable(rec) or {sender, recipient} & self.suspended
                                   or rec.fragment_count >= 20
                                   or self.rc.get_fragment(offer.fragment_id).splits_left == 0):
            choice = "reject"
        if choice == "reject" and recipient in self.suspended:
            choice = "withdraw"
        if choice == "withdraw" and sender in self.suspended:
            return
        if choice == "accept":
            self.p[self._name(offer.to)].receivables.accept(offer_id)
        elif choice == "reject":
            self.p[self._name(offer.to)].receivables.reject_offer(offer_id)
        else:
            self.p[self._name(offer.from_)].receivables.withdraw_offer(offer_id)
        self.offers.remove(offer_id)

    @rule(data=st.data())
    def original_holder_can_split(self, data: st.DataObject) -> None:
        """Whatever the other holders did, the original holder splits as long as it has value and splits left
        (defect 8: the cap is reachable by the original holder)."""
        candidates = [f for rec, f in self._fragments() if f.index == 0 and f.status == FragmentStatus.ACTIVE
                      and f.splits_left > 0 and f.available >= MIN_FRAGMENT and self._transferable(rec)
                      and self._name(f.holder) not in self.suspended]
        if not candidates:
            return
        frag = data.draw(st.sampled_from(candidates))
        to = data.draw(st.sampled_from([h for h in HOLDERS if self.p[h].address != frag.holder
                                        and h not in self.suspended]))
        holder = self.p[self._name(frag.holder)]
        offered = holder.receivables.offer(frag.id, self.p[to].address, frag.available)
        accepted = self.p[to].receivables.accept(offered.offer_id)
        assert accepted.amount == frag.available

    @rule(data=st.data(), rate=st.integers(0, 2_000), recourse=st.booleans())
    def discount(self, data: st.DataObject, rate: int, recourse: bool) -> None:
        candidates = [f for rec, f in self._fragments() if f.status == FragmentStatus.ACTIVE and f.locked == 0
                      and f.value > 0 and self._transferable(rec) and self._name(f.holder) not in self.suspended]
        if not candidates:
            return
        frag = data.draw(st.sampled_from(candidates))
        banks = [b for b in BANKS if self.p[b].address != frag.holder and b not in self.suspended]
        if not banks:
            return
        bank = data.draw(st.sampled_from(banks))
        holder = self.p[self._name(frag.holder)]
        holder.receivables.request_discount(frag.id, self.p[bank].address, rate, with_recourse=recourse)
        exposure = self.rc.get_exposure(self.p[bank].address, self.p["core"].address)
        if frag.value > exposure.available:
            with pytest.raises(ReceivableExposureLimitExceeded) as info:
                self.p[bank].receivables.discount(frag.id)
            assert (info.value.bank, info.value.debtor) == (self.p[bank].address, self.p["core"].address)
            assert (info.value.requested, info.value.available) == (frag.value, exposure.available)
            self.p[bank].receivables.decline_discount(frag.id)
        else:
            before = self.ledger.token.balance_of(frag.holder).units
            ev = self.p[bank].receivables.discount(frag.id)
            assert self.ledger.token.balance_of(frag.holder).units == before + ev.price
            assert ev.price <= frag.value

    @rule(data=st.data(), full=st.booleans())
    def repay(self, data: st.DataObject, full: bool) -> None:
        confirmed = {rec.id: rec for rec, _ in self._fragments() if rec.status == ReceivableStatus.CONFIRMED}
        if not confirmed:
            return
        root = data.draw(st.sampled_from(sorted(confirmed)))
        outstanding = confirmed[root].outstanding
        amount = outstanding if full else data.draw(st.integers(1, outstanding))
        self.p["core"].receivables.repay(root, amount)
        self.repaid[root] = self.repaid.get(root, 0) + amount

    @rule(data=st.data())
    def claim(self, data: st.DataObject) -> None:
        candidates = [f for _, f in self._fragments() if f.claimable > 0]
        if not candidates:
            return
        frag = data.draw(st.sampled_from(candidates))
        caller = self.p[data.draw(st.sampled_from(HOLDERS))]
        if self._name(frag.holder) in self.suspended:
            with pytest.raises(SettlementTransferRestricted):
                caller.receivables.claim(frag.id)
            return
        ev = caller.receivables.claim(frag.id)
        assert (ev.holder, ev.amount) == (frag.holder, frag.claimable)
        self._record([ev])

    @rule(data=st.data(), batch=st.integers(1, 5))
    def distribute(self, data: st.DataObject, batch: int) -> None:
        if not self.roots:
            return
        root = data.draw(st.sampled_from(self.roots))
        start = data.draw(st.integers(0, 4))
        self._record(self.p["regulator"].receivables.distribute(root, start, batch))

    @rule(days=st.integers(1, 30))
    def advance_time(self, days: int) -> None:
        self.chain.increase_time(days * DAY)

    @rule(data=st.data())
    def declare_default(self, data: st.DataObject) -> None:
        grace = self.rc.grace_period()
        now = self.chain.now()
        candidates = [f for rec, f in self._fragments()
                      if rec.status == ReceivableStatus.CONFIRMED and now >= rec.due_date + grace
                      and f.status in (FragmentStatus.ACTIVE, FragmentStatus.FINANCED)]
        candidates = [f for f in candidates if self._name(f.holder) not in self.suspended]
        if not candidates:
            return
        frag = data.draw(st.sampled_from(candidates))
        ev = self.p[self._name(frag.holder)].receivables.declare_default(frag.id)
        assert ev.new_status == FragmentStatus.DEFAULTED

    @rule(data=st.data())
    def exercise_recourse(self, data: st.DataObject) -> None:
        candidates = []
        for rec, f in self._fragments():
            eligible = f.status == FragmentStatus.DEFAULTED or (
                f.status == FragmentStatus.FINANCED and rec.status == ReceivableStatus.VOIDED)
            if f.financed and eligible and self.rc.get_financing(f.id).with_recourse:
                candidates.append(f)
        if not candidates:
            return
        frag = data.draw(st.sampled_from(candidates))
        bank = self.p[self._name(frag.holder)]
        if frag.value - frag.paid - frag.claimable == 0 or self._name(frag.holder) in self.suspended:
            return  # refused by the contract; covered by the unit tests
        ev = bank.receivables.exercise_recourse(frag.id)
        result = bank.receivables.last_result
        assert result is not None
        self._record(result.find(FragmentPaid))
        assert ev.debt == frag.value - frag.paid - frag.claimable

    @rule(data=st.data())
    def repay_recourse(self, data: st.DataObject) -> None:
        candidates = []
        for _, f in self._fragments():
            if f.status != FragmentStatus.RECOURSED:
                continue
            fin = self.rc.get_financing(f.id)
            if fin.status == FinancingStatus.RECOURSED and fin.seller and self._name(fin.seller) not in self.suspended:
                candidates.append(fin)
        if not candidates:
            return
        fin = data.draw(st.sampled_from(candidates))
        amount = data.draw(st.integers(1, fin.recourse_outstanding))
        assert fin.seller is not None
        ev = self.p[self._name(fin.seller)].receivables.repay_recourse(fin.fragment_id, amount)
        assert ev.outstanding == fin.recourse_outstanding - amount

    @rule(data=st.data(), upheld=st.booleans())
    def dispute_and_resolve(self, data: st.DataObject, upheld: bool) -> None:
        now = self.chain.now()
        candidates = sorted({rec.id for rec, _ in self._fragments()
                             if rec.status == ReceivableStatus.CONFIRMED and now + 30 < rec.due_date})
        if not candidates:
            return
        root = data.draw(st.sampled_from(candidates))
        self.p["core"].receivables.dispute(root, "PROP")
        if data.draw(st.booleans()):  # sometimes leave it frozen for a while
            self.p["operator"].receivables.resolve_dispute(root, upheld=upheld)

    @rule(data=st.data())
    def resolve_open_dispute(self, data: st.DataObject) -> None:
        disputed = sorted({rec.id for rec, _ in self._fragments() if rec.status == ReceivableStatus.DISPUTED})
        if disputed:
            root = data.draw(st.sampled_from(disputed))
            self.p["operator"].receivables.resolve_dispute(root, upheld=data.draw(st.booleans()))

    @rule(who=st.sampled_from(("supplier3", "bank2")))
    def toggle_suspension(self, who: str) -> None:
        address = self.p[who].address
        if who in self.suspended:
            self.p["operator"].registry.resume(address)
            self.suspended.discard(who)
        else:
            self.p["operator"].registry.suspend(address, "PROP")
            self.suspended.add(who)

    def settle_everything(self) -> None:
        """Run once at the end of every example: lift suspensions and disputes, repay every root in full and
        distribute all. Payouts must then equal repayments exactly and every unit must be with someone."""
        for name in list(self.suspended):
            self.toggle_suspension(name)
        for root in self.roots:
            rec = self.rc.get_receivable(root)
            if rec.status == ReceivableStatus.DISPUTED:
                self.p["operator"].receivables.resolve_dispute(root, upheld=True)
                rec = self.rc.get_receivable(root)
            if rec.status == ReceivableStatus.CONFIRMED:
                self.p["core"].receivables.repay(root, rec.outstanding)
                self.repaid[root] = self.repaid.get(root, 0) + rec.outstanding
            self._record(self.p["regulator"].receivables.distribute_all(root))
        self._checked_block = -1
        self.ledger_invariants_hold()
        for root in self.roots:
            rec = self.rc.get_receivable(root)
            if rec.status == ReceivableStatus.SETTLED:
                assert self.payouts.get(root, 0) == self.repaid[root] == rec.face_value
            else:  # rejected, cancelled (nothing repaid) or voided (partial repayments, paid out to the unit)
                assert rec.status in (ReceivableStatus.REGISTERED, ReceivableStatus.VOIDED)
                assert self.payouts.get(root, 0) <= self.repaid.get(root, 0)
        assert sum(self.ledger.token.balance_of(a).units for a in self.accounts) == self.supply

    # ------------------------------------------------------------------ invariants
    @invariant()
    def ledger_invariants_hold(self) -> None:
        block = self.chain.block_number
        if block == self._checked_block:
            return  # nothing was mined since the last check: the state cannot have changed
        self._checked_block = block
        by_root: dict[int, tuple[Receivable, list[Fragment]]] = {}
        for rec, f in self._fragments():
            by_root.setdefault(rec.id, (rec, []))[1].append(f)
        held = 0
        exposure = {self.p[b].address: 0 for b in BANKS}
        for rec, fragments in by_root.values():
            # live fragment values of a root sum to its face value
            assert sum(f.value for f in fragments) == rec.face_value
            # every fragment created spent one split of its parent's share: the cap is never exceeded (defect 8)
            assert sum(f.splits_left for f in fragments) + rec.fragment_count == CAP
            # payouts never exceed repayments; the rest is claimable or a rounding remainder below one unit per
            # fragment, held by the contract for the next repayment (zero once repaid in full)
            paid = sum(f.paid for f in fragments)
            assert rec.repaid == self.repaid.get(rec.id, 0)
            assert paid == self.payouts.get(rec.id, 0) <= rec.repaid
            remainder = rec.repaid - paid - sum(f.claimable for f in fragments)
            assert 0 <= remainder < len(fragments)
            if rec.repaid == rec.face_value:
                assert remainder == 0
            held += rec.repaid - paid
            for f in fragments:
                # no fragment is held by a non-participant
                assert f.holder in self.admitted
                if f.financed:
                    assert f.holder in exposure
                    assert f.status in (FragmentStatus.FINANCED, FragmentStatus.DEFAULTED, FragmentStatus.PAID)
                    exposure[f.holder] += f.value - f.paid
                    # a financing is closed (Repaid) exactly when its fragment is paid in full (defect 10)
                    closed = self.rc.get_financing(f.id).status == FinancingStatus.REPAID
                    assert closed == (f.paid == f.value)
        assert self.ledger.token.balance_of(self.rc.address).units == held
        # a bank's exposure equals the face value of the financed fragments it holds, not yet paid out
        for bank, expected in exposure.items():
            assert self.rc.get_exposure(bank, self.p["core"].address).used == expected
        # ledger actions never create or destroy settlement tokens
        assert self.ledger.token.total_supply() == self.supply


@pytest.mark.slow
def test_receivables_state_machine(deployed: tuple[Ledger, Cast], chain: Chain) -> None:
    ledger, cast = deployed
    ReceivablesMachine.ledger = ledger
    ReceivablesMachine.cast = cast
    ReceivablesMachine.chain = chain
    run_state_machine_as_test(
        ReceivablesMachine,
        settings=stateful_settings(examples=12, steps=15),
    )
