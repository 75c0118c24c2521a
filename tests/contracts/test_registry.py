"""ParticipantRegistry: admission, suspension, KYC expiry, and every unauthorized call."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from sdk import Ledger, Role, Standing
from sdk.errors import (
    AccessControlEnforcedDefaultAdminDelay,
    AccessControlEnforcedDefaultAdminRules,
    AccessControlInvalidDefaultAdmin,
    AccessControlUnauthorizedAccount,
    DisplayNameInvalid,
    DisplayNameUnauthorized,
    LedgerContractUnchanged,
    LedgerValueError,
    ParticipantAdmissionInvalid,
    ParticipantAlreadyRegistered,
    ParticipantIsSuspended,
    ParticipantNotRegistered,
    ParticipantStatusInvalid,
)
from sdk.generated.events import (
    DefaultAdminTransferScheduled,
    LedgerContractSet,
    ParticipantAdmitted,
    ParticipantReadmitted,
    ParticipantRenamed,
    ParticipantResumed,
    ParticipantSuspended,
)
from sdk.ledger import ADMIN_RULED_CONTRACTS, DEFAULT_ADMIN_DELAY
from sdk.registry import identity_hash
from sdk.types import ParticipantStatus
from tests.conftest import YEAR, Cast

OPERATOR_ROLE = keccak(text="OPERATOR_ROLE")
ADMIN_ROLE = b"\0" * 32
NON_OPERATORS = [
    "core", "supplier1", "distributor", "bank1", "warehouse", "feeder", "regulator", "riskpool", "outsider",
]


def test_admit_records_roles_identity_and_expiry(ledger, cast: Cast, chain) -> None:
    newcomer = chain.new_account()
    expiry = chain.now() + YEAR
    event = cast.operator.registry.admit(newcomer.address, [Role.SUPPLIER, Role.DISTRIBUTOR], "USCC-91310000", expiry)
    assert event == ParticipantAdmitted(
        account=newcomer.address,
        roles=(1 << Role.SUPPLIER) | (1 << Role.DISTRIBUTOR),
        identity_hash=identity_hash("USCC-91310000"),
        kyc_expiry=expiry,
        old_status=ParticipantStatus.NONE,
        new_status=ParticipantStatus.ACTIVE,
    )
    p = ledger.registry.get_participant(newcomer.address)
    assert p.roles == frozenset({Role.SUPPLIER, Role.DISTRIBUTOR})
    assert p.is_active and p.kyc_expiry == expiry
    assert ledger.registry.is_active_with_role(newcomer.address, Role.SUPPLIER)
    assert not ledger.registry.is_active_with_role(newcomer.address, Role.BANK)


def test_admit_twice_reverts_with_already_registered(ledger, cast: Cast, chain) -> None:
    with pytest.raises(ParticipantAlreadyRegistered) as err:
        cast.operator.registry.admit(cast.bank1.address, [Role.BANK], "again", chain.now() + YEAR)
    assert err.value.account == cast.bank1.address


@pytest.mark.parametrize(
    ("roles", "expiry_offset", "zero_account"),
    [([], YEAR, False), ([Role.BANK], -1, False), ([Role.BANK], YEAR, True)],
    ids=["no-roles", "expiry-in-past", "zero-address"],
)
def test_admit_rejects_invalid_admission(ledger, cast: Cast, chain, roles, expiry_offset, zero_account) -> None:
    account = "0x" + "00" * 20 if zero_account else chain.new_account().address
    expiry = chain.now() + expiry_offset
    with pytest.raises(ParticipantAdmissionInvalid) as err:
        cast.operator.registry.admit(account, roles, "x", expiry)
    assert err.value.account.lower() == account.lower()
    assert err.value.kyc_expiry == expiry


def test_suspend_and_resume_emit_old_and_new_status(ledger, cast: Cast) -> None:
    event = cast.operator.registry.suspend(cast.supplier1.address, "AML_REVIEW")
    assert isinstance(event, ParticipantSuspended)
    assert (event.old_status, event.new_status) == (ParticipantStatus.ACTIVE, ParticipantStatus.SUSPENDED)
    assert event.reason.rstrip(b"\0") == b"AML_REVIEW"
    assert ledger.registry.get_standing(cast.supplier1.address) == Standing.SUSPENDED
    assert not ledger.registry.is_active_with_role(cast.supplier1.address, Role.SUPPLIER)
    resumed = cast.operator.registry.resume(cast.supplier1.address)
    assert resumed == ParticipantResumed(cast.supplier1.address, ParticipantStatus.SUSPENDED, ParticipantStatus.ACTIVE)
    assert ledger.registry.get_standing(cast.supplier1.address) == Standing.ACTIVE


def test_suspend_twice_and_resume_active_revert_with_status(ledger, cast: Cast) -> None:
    with pytest.raises(ParticipantStatusInvalid) as err:
        cast.operator.registry.resume(cast.supplier1.address)
    assert (err.value.account, err.value.status) == (cast.supplier1.address, ParticipantStatus.ACTIVE)
    cast.operator.registry.suspend(cast.supplier1.address, "x")
    with pytest.raises(ParticipantStatusInvalid) as err2:
        cast.operator.registry.suspend(cast.supplier1.address, "x")
    assert err2.value.status == ParticipantStatus.SUSPENDED


def test_suspend_unknown_account_reverts_not_registered(ledger, cast: Cast) -> None:
    with pytest.raises(ParticipantNotRegistered) as err:
        cast.operator.registry.suspend(cast.outsider.address, "x")
    assert err.value.account == cast.outsider.address
    with pytest.raises(ParticipantNotRegistered):
        cast.operator.registry.resume(cast.outsider.address)
    with pytest.raises(ParticipantNotRegistered):
        cast.operator.registry.readmit(cast.outsider.address, [Role.BANK], "x", 2**40)


def test_kyc_expires_with_time_and_readmit_renews_it(ledger, cast: Cast, chain) -> None:
    account = chain.new_account()
    expiry = chain.now() + 10 * 86_400
    cast.operator.registry.admit(account.address, [Role.SUPPLIER], "short-kyc", expiry)
    assert ledger.registry.get_standing(account.address) == Standing.ACTIVE
    chain.travel_to(expiry + 1)
    assert ledger.registry.get_standing(account.address) == Standing.KYC_EXPIRED
    new_expiry = chain.now() + YEAR
    roles = [Role.SUPPLIER, Role.CORE_ENTERPRISE]
    event = cast.operator.registry.readmit(account.address, roles, "renewed", new_expiry)
    assert isinstance(event, ParticipantReadmitted)
    assert (event.old_status, event.new_status) == (ParticipantStatus.ACTIVE, ParticipantStatus.ACTIVE)
    assert ledger.registry.get_participant(account.address).roles == frozenset({Role.SUPPLIER, Role.CORE_ENTERPRISE})
    assert ledger.registry.get_standing(account.address) == Standing.ACTIVE


def test_readmit_lifts_a_suspension(ledger, cast: Cast, chain) -> None:
    cast.operator.registry.suspend(cast.bank2.address, "x")
    event = cast.operator.registry.readmit(cast.bank2.address, [Role.BANK], "bank2-v2", chain.now() + YEAR)
    assert (event.old_status, event.new_status) == (ParticipantStatus.SUSPENDED, ParticipantStatus.ACTIVE)


def test_ledger_contract_flag_changes_standing_and_rejects_no_op(ledger, cast: Cast, chain) -> None:
    target = chain.new_account().address
    event = cast.operator.registry.set_ledger_contract(target, True)
    assert event == LedgerContractSet(target, False, True)
    assert ledger.registry.get_standing(target) == Standing.LEDGER_CONTRACT
    with pytest.raises(LedgerContractUnchanged) as err:
        cast.operator.registry.set_ledger_contract(target, True)
    assert (err.value.account, err.value.enabled) == (target, True)


@pytest.mark.parametrize("who", NON_OPERATORS)
def test_operator_functions_reject_every_non_operator(ledger, cast: Cast, chain, who: str) -> None:
    caller = getattr(cast, who).registry
    target = cast.supplier2.address
    calls = [
        lambda: caller.admit(chain.new_account().address, [Role.SUPPLIER], "x", chain.now() + YEAR),
        lambda: caller.readmit(target, [Role.SUPPLIER], "x", chain.now() + YEAR),
        lambda: caller.suspend(target, "x"),
        lambda: caller.resume(target),
    ]
    for call in calls:
        with pytest.raises(AccessControlUnauthorizedAccount) as err:
            call()
        assert err.value.account == getattr(cast, who).address
        assert err.value.needed_role == OPERATOR_ROLE


@pytest.mark.parametrize("who", NON_OPERATORS)
def test_admin_functions_reject_every_non_admin(ledger, cast: Cast, who: str) -> None:
    caller = getattr(cast, who).registry
    for call in (lambda: caller.set_ledger_contract(cast.supplier2.address, True),
                 lambda: caller.grant_operator(getattr(cast, who).address),
                 lambda: caller.revoke_operator(cast.operator.address)):
        with pytest.raises(AccessControlUnauthorizedAccount) as err:
            call()
        assert err.value.needed_role == ADMIN_ROLE


def test_granted_operator_can_admit(ledger, cast: Cast, chain) -> None:
    deputy = chain.new_account()
    cast.operator.registry.grant_operator(deputy.address)
    assert ledger.registry.is_operator(deputy.address)
    newcomer = chain.new_account().address
    ledger.as_party(deputy).registry.admit(newcomer, [Role.BANK], "x", chain.now() + YEAR)
    assert ledger.registry.is_active_with_role(newcomer, Role.BANK)
    cast.operator.registry.revoke_operator(deputy.address)
    with pytest.raises(AccessControlUnauthorizedAccount):
        ledger.as_party(deputy).registry.suspend(newcomer, "x")


# ------------------------------------------------------------------- default admin: two steps, delay (defect 9)
@pytest.mark.parametrize("contract", ADMIN_RULED_CONTRACTS)
def test_admin_role_cannot_be_handed_over_in_one_step(ledger, cast: Cast, contract: str) -> None:
    # Defect 9: with plain AccessControl one grantRole by a stolen or mistaken admin key moved everything at once.
    admin = cast.operator.admin(contract)
    assert admin.get_admin() == cast.operator.address
    assert admin.get_delay() == DEFAULT_ADMIN_DELAY == 2 * 86_400
    with pytest.raises(AccessControlEnforcedDefaultAdminRules):
        admin._transact("grantRole", ADMIN_ROLE, cast.regulator.address)
    with pytest.raises(AccessControlEnforcedDefaultAdminRules):
        admin._transact("revokeRole", ADMIN_ROLE, cast.operator.address)
    assert admin.get_admin() == cast.operator.address


@pytest.mark.parametrize("contract", ADMIN_RULED_CONTRACTS)
def test_admin_transfer_takes_two_steps_and_the_delay(ledger, cast: Cast, chain, contract: str) -> None:
    successor = chain.new_account()
    old, new = cast.operator.admin(contract), ledger.as_party(successor).admin(contract)
    # only the admin may begin
    with pytest.raises(AccessControlUnauthorizedAccount):
        new.begin_transfer(successor.address)
    event = old.begin_transfer(successor.address)
    assert event == DefaultAdminTransferScheduled(successor.address, chain.now() + DEFAULT_ADMIN_DELAY)
    pending = ledger.admin(contract).get_pending()
    assert pending.pending and (pending.new_admin, pending.accept_after) == (successor.address, event.accept_schedule)
    # nobody else may accept, and the successor not before the delay has run
    with pytest.raises(AccessControlInvalidDefaultAdmin):
        cast.regulator.admin(contract).accept_transfer()
    with pytest.raises(AccessControlEnforcedDefaultAdminDelay) as err:
        new.accept_transfer()
    assert err.value.schedule == event.accept_schedule
    chain.travel_to(event.accept_schedule + 1)
    new.accept_transfer()
    assert ledger.admin(contract).get_admin() == successor.address
    assert not ledger.admin(contract).get_pending().pending


def test_new_registry_admin_holds_the_admin_powers_and_the_old_one_none(ledger, cast: Cast, chain) -> None:
    successor = chain.new_account()
    event = cast.operator.admin("ParticipantRegistry").begin_transfer(successor.address)
    chain.travel_to(event.accept_schedule + 1)
    ledger.as_party(successor).admin("ParticipantRegistry").accept_transfer()
    with pytest.raises(AccessControlUnauthorizedAccount) as err:
        cast.operator.registry.set_ledger_contract(cast.outsider.address, True)
    assert err.value.needed_role == ADMIN_ROLE
    ledger.as_party(successor).registry.set_ledger_contract(cast.outsider.address, True)
    assert ledger.registry.is_ledger_contract(cast.outsider.address)
    # the operator role is separate: the old admin still operates until the new admin revokes it
    assert ledger.registry.is_operator(cast.operator.address)
    ledger.as_party(successor).registry.revoke_operator(cast.operator.address)
    assert not ledger.registry.is_operator(cast.operator.address)


def test_admin_may_cancel_a_pending_transfer(ledger, cast: Cast, chain) -> None:
    successor = chain.new_account()
    event = cast.operator.admin("PriceFeed").begin_transfer(successor.address)
    cast.operator.admin("PriceFeed").cancel_transfer()
    chain.travel_to(event.accept_schedule + 1)
    with pytest.raises(AccessControlInvalidDefaultAdmin):
        ledger.as_party(successor).admin("PriceFeed").accept_transfer()
    assert ledger.admin("PriceFeed").get_admin() == cast.operator.address


def test_deploy_takes_a_configurable_admin_delay(ledger, cast: Cast, chain) -> None:
    other = Ledger.deploy(chain, cast.operator.account, admin_delay=3_600)
    assert {name: other.admin(name).get_delay() for name in ADMIN_RULED_CONTRACTS} == dict.fromkeys(
        ADMIN_RULED_CONTRACTS, 3_600)
    assert other.deployment.extra["admin_delay"] == 3_600
    with pytest.raises(LedgerValueError):
        Ledger.deploy(chain, cast.operator.account, admin_delay=-1)


# ------------------------------------------------------------------ display names
def test_admit_named_records_the_name_on_chain(ledger, cast: Cast, chain) -> None:
    newcomer = chain.new_account()
    event = cast.operator.registry.admit(newcomer.address, [Role.SUPPLIER], "USCC-1", chain.now() + YEAR,
                                         name=" Acme Steel ")
    assert isinstance(event, ParticipantAdmitted)
    p = ledger.registry.get_participant(newcomer.address)
    assert p.name == "Acme Steel"  # trimmed by the SDK
    assert ledger.registry.display_name_of(newcomer.address) == "Acme Steel"


def test_admit_named_emits_admitted_then_renamed_in_one_transaction(ledger, cast: Cast, chain) -> None:
    newcomer = chain.new_account()
    args = (newcomer.address, 1 << Role.BANK, identity_hash("B"), chain.now() + YEAR, "Bank of Ningbo")
    result = cast.operator.registry._transact("admitNamed", *args)
    assert [type(e) for e in result.events] == [ParticipantAdmitted, ParticipantRenamed]
    assert result.one(ParticipantRenamed) == ParticipantRenamed(newcomer.address, "", "Bank of Ningbo")


def test_participant_renames_itself_and_operator_renames_anyone(ledger, cast: Cast) -> None:
    event = cast.supplier1.registry.set_display_name(cast.supplier1.address, "Acme Steel")
    assert event == ParticipantRenamed(cast.supplier1.address, "", "Acme Steel")
    again = cast.operator.registry.set_display_name(cast.supplier1.address, "Acme Steel Ltd")
    assert (again.old_name, again.new_name) == ("Acme Steel", "Acme Steel Ltd")
    assert ledger.registry.get_participant(cast.supplier1.address).name == "Acme Steel Ltd"


def test_nobody_else_may_rename_a_participant(ledger, cast: Cast) -> None:
    for caller in ("bank1", "core", "regulator", "outsider"):
        with pytest.raises(DisplayNameUnauthorized) as err:
            getattr(cast, caller).registry.set_display_name(cast.supplier1.address, "Not Acme")
        assert (err.value.caller, err.value.account) == (getattr(cast, caller).address, cast.supplier1.address)
    assert ledger.registry.display_name_of(cast.supplier1.address) == ""


def test_suspended_participant_cannot_rename_itself_but_operator_can(ledger, cast: Cast) -> None:
    cast.operator.registry.suspend(cast.supplier1.address, "AML")
    with pytest.raises(ParticipantIsSuspended):
        cast.supplier1.registry.set_display_name(cast.supplier1.address, "Fresh Start Ltd")
    cast.operator.registry.set_display_name(cast.supplier1.address, "Acme (suspended)")
    assert ledger.registry.display_name_of(cast.supplier1.address) == "Acme (suspended)"


def test_unregistered_account_has_no_name_and_cannot_be_named(ledger, cast: Cast) -> None:
    with pytest.raises(ParticipantNotRegistered):
        cast.outsider.registry.set_display_name(cast.outsider.address, "Me")
    with pytest.raises(ParticipantNotRegistered):
        cast.operator.registry.set_display_name(cast.outsider.address, "Someone")


@pytest.mark.parametrize("name", ["", "x" * 65, "é" * 33], ids=["empty", "65-bytes", "66-bytes-utf8"])
def test_contract_bounds_the_name_length_in_bytes(ledger, cast: Cast, name: str) -> None:
    with pytest.raises(DisplayNameInvalid) as err:
        cast.operator.registry._transact("setDisplayName", cast.supplier1.address, name)
    assert (err.value.length, err.value.max_length) == (len(name.encode()), 64)
    assert "1 to 64 bytes" in str(err.value)


def test_contract_accepts_exactly_64_bytes(ledger, cast: Cast) -> None:
    cast.operator.registry.set_display_name(cast.supplier1.address, "é" * 32)
    assert ledger.registry.display_name_of(cast.supplier1.address) == "é" * 32


def test_failed_admit_named_leaves_nothing_behind(ledger, cast: Cast, chain) -> None:
    newcomer = chain.new_account()
    args = (newcomer.address, 1 << Role.BANK, identity_hash("B"), chain.now() + YEAR, "y" * 65)
    with pytest.raises(DisplayNameInvalid):
        cast.operator.registry._transact("admitNamed", *args)
    assert ledger.registry.get_participant(newcomer.address).status == ParticipantStatus.NONE
    with pytest.raises(AccessControlUnauthorizedAccount):
        cast.bank1.registry.admit(newcomer.address, [Role.BANK], "B", chain.now() + YEAR, name="Bank")


@pytest.mark.parametrize("name", ["  ", "Acme\nSteel", "Acme\x1b[31m", "z" * 65])
def test_sdk_refuses_names_that_would_spoof_a_table(ledger, cast: Cast, name: str) -> None:
    with pytest.raises(LedgerValueError):
        cast.operator.registry.set_display_name(cast.supplier1.address, name)
