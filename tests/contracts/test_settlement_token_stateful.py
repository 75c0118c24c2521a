"""Stateful property test of the settlement token: random mints, burns, transfers, approvals, spends under
approvals, allowance settings, suspensions and resumptions, against a model that predicts every outcome.

Invariants checked after every step:
- every balance, the total supply, every bank's mint allowance and every approval equal the model's, so each mint
  was taken off the minting bank's allowance and nothing was minted past it (defect 9);
- a suspended participant's balance never changes while it is suspended (defect 7: neither as holder, recipient
  nor spender does it move value);
- an approval held by a suspended spender is never consumed.
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from sdk import Ledger, Party
from sdk.chain import Chain
from sdk.errors import (
    ERC20InsufficientAllowance,
    ERC20InsufficientBalance,
    ParticipantIsSuspended,
    SettlementMintAllowanceExceeded,
    SettlementTransferRestricted,
)
from sdk.types import TransferRestriction
from tests.conftest import Cast
from tests.profiles import stateful_settings

HOLDERS = ("core", "supplier1", "supplier2", "supplier3", "distributor", "bank1", "bank2")
BANKS = ("bank1", "bank2")
amounts = st.integers(min_value=1, max_value=30_000_00)
holders = st.sampled_from(HOLDERS)
banks = st.sampled_from(BANKS)


class TokenMachine(RuleBasedStateMachine):
    ledger: ClassVar[Ledger]
    cast: ClassVar[Cast]
    chain: ClassVar[Chain]

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.p: dict[str, Party] = self.cast.parties()
        self.token = self.ledger.token
        self.balances = {n: self.token.balance_of(self.p[n].address).units for n in HOLDERS}
        self.allowances = {b: self.token.mint_allowance(self.p[b].address) for b in BANKS}
        self.approvals: dict[tuple[str, str], int] = {}
        self.suspended: dict[str, int] = {}  # name -> balance when suspended
        self.supply = self.token.total_supply()

    def teardown(self) -> None:
        self.chain.revert(self.snapshot)

    # ------------------------------------------------------------------ rules
    @rule(bank=banks, amount=st.integers(min_value=0, max_value=60_000_00))
    def set_allowance(self, bank: str, amount: int) -> None:
        event = self.cast.operator.token.set_mint_allowance(self.p[bank].address, amount)
        assert (event.old_allowance, event.new_allowance) == (self.allowances[bank], amount)
        self.allowances[bank] = amount

    @rule(bank=banks, to=holders, amount=amounts)
    def mint(self, bank: str, to: str, amount: int) -> None:
        call = lambda: self.p[bank].token.mint(self.p[to].address, amount, "prop")  # noqa: E731
        if bank in self.suspended:
            with pytest.raises(ParticipantIsSuspended):
                call()
        elif amount > self.allowances[bank]:
            with pytest.raises(SettlementMintAllowanceExceeded) as err:
                call()
            assert (err.value.requested, err.value.available) == (amount, self.allowances[bank])
        elif to in self.suspended:
            with pytest.raises(SettlementTransferRestricted) as err2:
                call()
            assert err2.value.reason == TransferRestriction.RECIPIENT_SUSPENDED
        else:
            call()
            self.allowances[bank] -= amount
            self.balances[to] += amount
            self.supply += amount

    @rule(bank=banks, amount=amounts)
    def burn_own(self, bank: str, amount: int) -> None:
        call = lambda: self.p[bank].token.burn(self.p[bank].address, amount, "prop")  # noqa: E731
        if bank in self.suspended:
            with pytest.raises(ParticipantIsSuspended):
                call()
            return
        if amount > self.balances[bank]:
            with pytest.raises(ERC20InsufficientBalance):
                call()
            return
        call()
        self.balances[bank] -= amount
        self.supply -= amount

    @rule(sender=holders, to=holders, amount=amounts)
    def transfer(self, sender: str, to: str, amount: int) -> None:
        call = lambda: self.p[sender].token.transfer(self.p[to].address, amount)  # noqa: E731
        if sender in self.suspended or to in self.suspended:
            with pytest.raises(SettlementTransferRestricted):
                call()
            return
        call()
        self.balances[sender] -= amount
        self.balances[to] += amount

    @rule(owner=holders, spender=holders, amount=amounts)
    def approve(self, owner: str, spender: str, amount: int) -> None:
        self.p[owner].token.approve(self.p[spender].address, amount)  # approvals are not movements
        self.approvals[(owner, spender)] = amount

    @rule(spender=holders, owner=holders, to=holders, amount=amounts)
    def transfer_from(self, spender: str, owner: str, to: str, amount: int) -> None:
        call = lambda: self.p[spender].token.transfer_from(self.p[owner].address, self.p[to].address, amount)  # noqa: E731
        approved = self.approvals.get((owner, spender), 0)
        if amount > approved:
            with pytest.raises(ERC20InsufficientAllowance):
                call()
            return
        if {spender, owner, to} & set(self.suspended):
            with pytest.raises(SettlementTransferRestricted) as err:
                call()
            if spender in self.suspended and spender != owner:
                assert err.value.reason == TransferRestriction.SPENDER_SUSPENDED
            return
        call()
        self.approvals[(owner, spender)] = approved - amount
        self.balances[owner] -= amount
        self.balances[to] += amount

    @rule(name=holders)
    def suspend_or_resume(self, name: str) -> None:
        registry = self.cast.operator.registry
        if name in self.suspended:
            registry.resume(self.p[name].address)
            del self.suspended[name]
        else:
            registry.suspend(self.p[name].address, "prop")
            self.suspended[name] = self.balances[name]

    # ------------------------------------------------------------------ invariants
    @invariant()
    def chain_matches_model(self) -> None:
        assert self.token.total_supply() == self.supply
        for name in HOLDERS:
            assert self.token.balance_of(self.p[name].address).units == self.balances[name], name
        for bank in BANKS:
            assert self.token.mint_allowance(self.p[bank].address) == self.allowances[bank], bank
        for (owner, spender), amount in self.approvals.items():
            assert self.token.allowance(self.p[owner].address, self.p[spender].address) == amount

    @invariant()
    def suspended_balances_do_not_move(self) -> None:
        for name, frozen in self.suspended.items():
            assert self.balances[name] == frozen, name


@pytest.mark.slow
def test_settlement_token_state_machine(deployed: tuple[Ledger, Cast], chain: Chain) -> None:
    ledger, cast = deployed
    TokenMachine.ledger = ledger
    TokenMachine.cast = cast
    TokenMachine.chain = chain
    run_state_machine_as_test(TokenMachine, settings=stateful_settings(examples=8, steps=15))
