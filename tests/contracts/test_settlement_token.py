"""SettlementToken: bank-only mint/burn and the participant-only compliance check."""

from __future__ import annotations

import pytest

from sdk import Role, Standing, TransferRestriction
from sdk.errors import (
    ERC20InsufficientAllowance,
    ERC20InsufficientBalance,
    LedgerValueError,
    ParticipantIsSuspended,
    ParticipantKycExpired,
    ParticipantMissingRole,
    ParticipantNotRegistered,
    SettlementAmountZero,
    SettlementCallerNotOperator,
    SettlementMintAllowanceExceeded,
    SettlementTransferRestricted,
)
from sdk.generated.events import DepositMinted, MintAllowanceSet, WithdrawalBurned
from tests.conftest import INITIAL_BALANCE, MINT_ALLOWANCE, YEAR, Cast

NON_BANKS = ["core", "supplier1", "distributor", "warehouse", "feeder", "regulator", "riskpool"]


def test_token_is_money_in_cents(ledger) -> None:
    assert ledger.token.decimals() == 2
    assert ledger.token.symbol() == "dCNY"


def test_bank_mints_to_participant_and_supply_grows(ledger, cast: Cast) -> None:
    before = ledger.token.total_supply()
    event = cast.bank2.token.mint(cast.supplier3.address, 123_45, "DEP-0001")
    assert event == DepositMinted(cast.bank2.address, cast.supplier3.address, 123_45, b"DEP-0001".ljust(32, b"\0"))
    assert ledger.token.balance_of(cast.supplier3.address).units == INITIAL_BALANCE + 123_45
    assert ledger.token.total_supply() == before + 123_45


@pytest.mark.parametrize("who", NON_BANKS)
def test_mint_and_burn_by_non_bank_revert_with_missing_role(ledger, cast: Cast, who: str) -> None:
    party = getattr(cast, who)
    with pytest.raises(ParticipantMissingRole) as err:
        party.token.mint(party.address, 1, "x")
    assert (err.value.account, err.value.role) == (party.address, Role.BANK)
    with pytest.raises(ParticipantMissingRole) as err2:
        party.token.burn(party.address, 1, "x")
    assert (err2.value.account, err2.value.role) == (party.address, Role.BANK)


def test_mint_by_outsider_reverts_not_registered(ledger, cast: Cast) -> None:
    with pytest.raises(ParticipantNotRegistered) as err:
        cast.outsider.token.mint(cast.supplier1.address, 1)
    assert err.value.account == cast.outsider.address


def test_suspended_bank_cannot_mint(ledger, cast: Cast) -> None:
    cast.operator.registry.suspend(cast.bank1.address, "x")
    with pytest.raises(ParticipantIsSuspended) as err:
        cast.bank1.token.mint(cast.supplier1.address, 1)
    assert err.value.account == cast.bank1.address


def test_expired_bank_cannot_mint(ledger, cast: Cast, chain) -> None:
    bank = chain.new_account()
    expiry = chain.now() + 86_400
    cast.operator.registry.admit(bank.address, [Role.BANK], "short", expiry)
    chain.travel_to(expiry)
    with pytest.raises(ParticipantKycExpired) as err:
        ledger.as_party(bank).token.mint(cast.supplier1.address, 1)
    assert (err.value.account, err.value.kyc_expiry) == (bank.address, expiry)


def test_mint_zero_reverts(ledger, cast: Cast) -> None:
    with pytest.raises(SettlementAmountZero):
        cast.bank1.token.mint(cast.supplier1.address, 0)


def test_transfer_to_non_participant_reverts_and_names_reason(ledger, cast: Cast) -> None:
    with pytest.raises(SettlementTransferRestricted) as err:
        cast.supplier1.token.transfer(cast.outsider.address, 5_00)
    e = err.value
    assert (e.from_, e.to, e.amount) == (cast.supplier1.address, cast.outsider.address, 5_00)
    assert e.reason == TransferRestriction.RECIPIENT_NOT_REGISTERED
    assert "RECIPIENT_NOT_REGISTERED" in str(e)
    assert ledger.token.balance_of(cast.supplier1.address).units == INITIAL_BALANCE


def test_mint_to_non_participant_reverts(ledger, cast: Cast) -> None:
    with pytest.raises(SettlementTransferRestricted) as err:
        cast.bank1.token.mint(cast.outsider.address, 1)
    assert err.value.reason == TransferRestriction.RECIPIENT_NOT_REGISTERED


def test_suspended_participant_can_neither_send_nor_receive(ledger, cast: Cast) -> None:
    cast.operator.registry.suspend(cast.supplier2.address, "x")
    with pytest.raises(SettlementTransferRestricted) as err:
        cast.supplier2.token.transfer(cast.supplier1.address, 1)
    assert err.value.reason == TransferRestriction.SENDER_SUSPENDED
    with pytest.raises(SettlementTransferRestricted) as err2:
        cast.supplier1.token.transfer(cast.supplier2.address, 1)
    assert err2.value.reason == TransferRestriction.RECIPIENT_SUSPENDED


def test_expired_participant_can_neither_send_nor_receive(ledger, cast: Cast, chain) -> None:
    account = chain.new_account()
    expiry = chain.now() + 86_400
    cast.operator.registry.admit(account.address, [Role.SUPPLIER], "x", expiry)
    cast.supplier1.token.transfer(account.address, 10_00)
    chain.travel_to(expiry + 5)
    with pytest.raises(SettlementTransferRestricted) as err:
        ledger.as_party(account).token.transfer(cast.supplier1.address, 1)
    assert err.value.reason == TransferRestriction.SENDER_KYC_EXPIRED
    with pytest.raises(SettlementTransferRestricted) as err2:
        cast.supplier1.token.transfer(account.address, 1)
    assert err2.value.reason == TransferRestriction.RECIPIENT_KYC_EXPIRED


def test_can_transfer_reports_every_reason(ledger, cast: Cast, chain) -> None:
    token = ledger.token
    s1, s2 = cast.supplier1.address, cast.supplier2.address
    assert token.can_transfer(s1, s2, 1).allowed
    assert token.can_transfer(cast.outsider.address, s2, 0).reason == TransferRestriction.SENDER_NOT_REGISTERED
    assert token.can_transfer(s1, cast.outsider.address, 1).reason == TransferRestriction.RECIPIENT_NOT_REGISTERED
    assert token.can_transfer(s1, s2, INITIAL_BALANCE + 1).reason == TransferRestriction.INSUFFICIENT_BALANCE
    cast.operator.registry.suspend(s2, "x")
    assert token.can_transfer(s2, s1, 1).reason == TransferRestriction.SENDER_SUSPENDED
    assert token.can_transfer(s1, s2, 1).reason == TransferRestriction.RECIPIENT_SUSPENDED


def test_transfer_more_than_balance_reverts_with_erc20_error(ledger, cast: Cast) -> None:
    with pytest.raises(ERC20InsufficientBalance) as err:
        cast.supplier1.token.transfer(cast.supplier2.address, INITIAL_BALANCE + 1)
    assert (err.value.sender, err.value.balance, err.value.needed) == (
        cast.supplier1.address, INITIAL_BALANCE, INITIAL_BALANCE + 1,
    )


def test_bank_burns_own_balance_and_approved_balance_only(ledger, cast: Cast) -> None:
    bank = cast.bank1
    bank.token.mint(bank.address, 50_00)
    event = bank.token.burn(bank.address, 20_00, "WD-1")
    assert event == WithdrawalBurned(bank.address, bank.address, 20_00, b"WD-1".ljust(32, b"\0"))
    with pytest.raises(ERC20InsufficientAllowance) as err:
        bank.token.burn(cast.supplier1.address, 10_00)
    assert (err.value.spender, err.value.allowance, err.value.needed) == (bank.address, 0, 10_00)
    cast.supplier1.token.approve(bank.address, 10_00)
    bank.token.burn(cast.supplier1.address, 10_00, "WD-2")
    assert ledger.token.balance_of(cast.supplier1.address).units == INITIAL_BALANCE - 10_00


def test_sdk_refuses_float_and_negative_amounts_before_sending(ledger, cast: Cast) -> None:
    with pytest.raises(LedgerValueError):
        cast.supplier1.token.transfer(cast.supplier2.address, 1.5)  # type: ignore[arg-type]
    with pytest.raises(LedgerValueError):
        cast.supplier1.token.transfer(cast.supplier2.address, -1)


def test_kyc_expiry_is_checked_on_every_transfer_not_only_at_admission(ledger, cast: Cast, chain) -> None:
    # The cast's admissions last 5 years; past that, even a plain transfer between them is refused.
    chain.increase_time(5 * YEAR + 1)
    with pytest.raises(SettlementTransferRestricted) as err:
        cast.supplier1.token.transfer(cast.supplier2.address, 1)
    assert err.value.reason == TransferRestriction.SENDER_KYC_EXPIRED


def test_suspended_spender_cannot_move_an_owners_tokens_with_an_old_approval(ledger, cast: Cast) -> None:
    # Defect 7 (ERC-20): supplier2 holds an approval from supplier1, then is suspended. It must not be able to
    # move supplier1's money to an accomplice (supplier3), although both of those are active.
    cast.supplier1.token.approve(cast.supplier2.address, 100_00)
    cast.operator.registry.suspend(cast.supplier2.address, "AML")
    with pytest.raises(SettlementTransferRestricted) as err:
        cast.supplier2.token.transfer_from(cast.supplier1.address, cast.supplier3.address, 100_00)
    assert err.value.reason == TransferRestriction.SPENDER_SUSPENDED
    assert ledger.token.balance_of(cast.supplier1.address).units == INITIAL_BALANCE
    assert ledger.token.balance_of(cast.supplier3.address).units == INITIAL_BALANCE
    assert ledger.token.allowance(cast.supplier1.address, cast.supplier2.address) == 100_00


def test_unregistered_or_expired_spender_cannot_move_tokens(ledger, cast: Cast, chain) -> None:
    cast.supplier1.token.approve(cast.outsider.address, 1_00)
    with pytest.raises(SettlementTransferRestricted) as err:
        cast.outsider.token.transfer_from(cast.supplier1.address, cast.supplier2.address, 1_00)
    assert err.value.reason == TransferRestriction.SPENDER_NOT_REGISTERED
    spender = chain.new_account()
    expiry = chain.now() + 86_400
    cast.operator.registry.admit(spender.address, [Role.SUPPLIER], "short", expiry)
    cast.supplier1.token.approve(spender.address, 1_00)
    chain.travel_to(expiry + 1)
    cast.operator.registry.readmit(cast.supplier1.address, [Role.SUPPLIER], "identity:supplier1", expiry + 5 * YEAR)
    cast.operator.registry.readmit(cast.supplier2.address, [Role.SUPPLIER], "identity:supplier2", expiry + 5 * YEAR)
    with pytest.raises(SettlementTransferRestricted) as err2:
        ledger.as_party(spender).token.transfer_from(cast.supplier1.address, cast.supplier2.address, 1_00)
    assert err2.value.reason == TransferRestriction.SPENDER_KYC_EXPIRED


def test_active_spender_and_ledger_contract_spender_may_move_approved_tokens(ledger, cast: Cast) -> None:
    cast.supplier1.token.approve(cast.supplier2.address, 3_00)
    event = cast.supplier2.token.transfer_from(cast.supplier1.address, cast.supplier3.address, 3_00)
    assert (event.from_, event.to, event.value) == (cast.supplier1.address, cast.supplier3.address, 3_00)
    assert ledger.token.balance_of(cast.supplier3.address).units == INITIAL_BALANCE + 3_00
    # a ledger contract (flagged by the admin) spends as escrow without being a participant
    escrow = cast.outsider
    cast.operator.registry.set_ledger_contract(escrow.address)
    cast.supplier1.token.approve(escrow.address, 2_00)
    escrow.token.transfer_from(cast.supplier1.address, cast.supplier2.address, 2_00)
    assert ledger.token.balance_of(cast.supplier2.address).units == INITIAL_BALANCE + 2_00


def test_can_transfer_from_names_the_spender(ledger, cast: Cast) -> None:
    token = ledger.token
    s1, s2, s3 = cast.supplier1.address, cast.supplier2.address, cast.supplier3.address
    assert token.can_transfer_from(s2, s1, s3, 1).allowed
    cast.operator.registry.suspend(s2, "x")
    assert token.can_transfer_from(s2, s1, s3, 1).reason == TransferRestriction.SPENDER_SUSPENDED


# ------------------------------------------------------------------------------------ mint allowance (defect 9)
def test_a_bank_cannot_mint_without_limit(ledger, cast: Cast, chain) -> None:
    # Defect 9: any admitted bank could mint any amount. A newly admitted bank has no allowance at all.
    bank = chain.new_account()
    cast.operator.registry.admit(bank.address, [Role.BANK], "new bank", chain.now() + YEAR)
    supply = ledger.token.total_supply()
    with pytest.raises(SettlementMintAllowanceExceeded) as err:
        ledger.as_party(bank).token.mint(bank.address, 10**30, "unbacked")
    assert (err.value.bank, err.value.requested, err.value.available) == (bank.address, 10**30, 0)
    assert ledger.token.total_supply() == supply


def test_operator_sets_allowance_and_minting_consumes_it(ledger, cast: Cast) -> None:
    bank = cast.bank2
    old = ledger.token.mint_allowance(bank.address)
    assert old == MINT_ALLOWANCE  # the fixture's setting; bank2 minted nothing yet
    event = cast.operator.token.set_mint_allowance(bank.address, 500_00)
    assert event == MintAllowanceSet(bank.address, old, 500_00)
    bank.token.mint(cast.supplier1.address, 300_00, "DEP-1")
    assert ledger.token.mint_allowance(bank.address) == 200_00
    with pytest.raises(SettlementMintAllowanceExceeded) as err:
        bank.token.mint(cast.supplier1.address, 200_01, "DEP-2")
    assert (err.value.bank, err.value.requested, err.value.available) == (bank.address, 200_01, 200_00)
    bank.token.mint(cast.supplier1.address, 200_00, "DEP-3")  # exactly the rest
    assert ledger.token.mint_allowance(bank.address) == 0
    assert ledger.token.balance_of(cast.supplier1.address).units == INITIAL_BALANCE + 500_00


def test_burning_does_not_restore_the_mint_allowance(ledger, cast: Cast) -> None:
    bank = cast.bank2
    cast.operator.token.set_mint_allowance(bank.address, 100_00)
    bank.token.mint(bank.address, 100_00)
    bank.token.burn(bank.address, 100_00, "WD")
    assert ledger.token.mint_allowance(bank.address) == 0
    with pytest.raises(SettlementMintAllowanceExceeded):
        bank.token.mint(bank.address, 1)


@pytest.mark.parametrize("who", ["bank1", "core", "supplier1", "regulator", "outsider"])
def test_only_an_operator_sets_mint_allowances(ledger, cast: Cast, who: str) -> None:
    party = getattr(cast, who)
    with pytest.raises(SettlementCallerNotOperator) as err:
        party.token.set_mint_allowance(party.address, 10**15)
    assert err.value.caller == party.address
    assert ledger.token.mint_allowance(cast.bank1.address) <= MINT_ALLOWANCE


def test_a_deputy_operator_of_the_registry_may_set_allowances(ledger, cast: Cast, chain) -> None:
    deputy = chain.new_account()
    cast.operator.registry.grant_operator(deputy.address)
    ledger.as_party(deputy).token.set_mint_allowance(cast.bank2.address, 7_00)
    assert ledger.token.mint_allowance(cast.bank2.address) == 7_00
    cast.operator.registry.revoke_operator(deputy.address)
    with pytest.raises(SettlementCallerNotOperator):
        ledger.as_party(deputy).token.set_mint_allowance(cast.bank2.address, 8_00)


# ------------------------------------------------------------------------------------------------------- gas
def test_a_plain_transfer_costs_one_registry_call_of_one_slot_per_account(ledger, cast: Cast) -> None:
    # Gas from receipts is deterministic. Two participants with non-zero balances: 48.8k with two registry calls
    # and two slots per account; 44.9k with one call (`movementStandings`) and the ledger flag packed into the
    # participant's slot.
    result = cast.supplier1.token._transact("transfer", cast.supplier2.address, 1_00)
    assert result.gas_used <= 45_500


def test_movement_standings_reads_spender_holder_and_recipient_at_once(ledger, cast: Cast) -> None:
    registry = ledger.registry
    s1, s2 = cast.supplier1.address, cast.supplier2.address
    cast.operator.registry.suspend(s2, "x")
    assert tuple(registry._call("movementStandings", s2, s1, cast.outsider.address)) == (
        Standing.SUSPENDED, Standing.ACTIVE, Standing.NOT_REGISTERED,
    )
    zero = "0x" + "00" * 20
    assert tuple(registry._call("movementStandings", zero, zero, ledger.receivables.address)) == (
        Standing.NOT_REGISTERED, Standing.NOT_REGISTERED, Standing.LEDGER_CONTRACT,
    )
