"""DataAttestations: providers attest commitments (never values), corrections supersede, owners consent to banks."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from sdk import Role
from sdk.attestations import Opening, commitment, source_hash
from sdk.errors import (
    AttestationAlreadySuperseded,
    AttestationInvalid,
    AttestationNotFound,
    AttestationNotProvider,
    AttestationSelfAttested,
    AttestationSubjectUnknown,
    ConsentInvalid,
    ConsentNotGranted,
    LedgerValueError,
    ParticipantIsSuspended,
    ParticipantMissingRole,
    ParticipantNotRegistered,
)
from sdk.generated.enums import AttestationStatus
from sdk.generated.events import AttestationPosted, AttestationSuperseded, ConsentGranted, ConsentRevoked
from sdk.ledger import Ledger, Party
from sdk.warehouse import code
from tests.conftest import Cast
from tests.conftest import test_key as key_of

DAY = 86_400
ELEC = code("ELEC_KWH", 16)
SALT = keccak(text="salt-1")


def admit_provider(ledger: Ledger, cast: Cast, name: str = "utility") -> Party:
    key = key_of(name)
    ledger.chain.fund(key.address, 10**21)
    cast.operator.registry.admit(key.address, [Role.DATA_PROVIDER], f"identity:{name}", ledger.chain.now() + 365 * DAY)
    return ledger.as_party(key)


@pytest.fixture()
def provider(ledger: Ledger, cast: Cast) -> Party:
    return admit_provider(ledger, cast)


def test_commitment_matches_the_contract(ledger: Ledger) -> None:
    assert ledger.attestations.contract.functions.commitmentOf(48_250, SALT).call() == commitment(48_250, SALT)
    assert commitment(48_250, SALT) != commitment(48_251, SALT)


def test_attest_posts_a_commitment_and_never_the_value(ledger: Ledger, cast: Cast, provider: Party) -> None:
    opening = Opening("ELEC_KWH", 202611, 48_250, SALT)
    ev = provider.attestations.attest(cast.supplier1.address, opening, source="meter reading 2026-11")
    assert ev == AttestationPosted(1, cast.supplier1.address, provider.address, ELEC, 202611, commitment(48_250, SALT),
                                   source_hash("meter reading 2026-11"), 0, AttestationStatus.NONE,
                                   AttestationStatus.CURRENT)
    a = ledger.attestations.get_attestation(1)
    assert (a.provider, a.subject, a.metric, a.period, a.status) == (
        provider.address, cast.supplier1.address, "ELEC_KWH", 202611, AttestationStatus.CURRENT)
    assert (a.supersedes, a.superseded_by, a.attested_at) == (0, 0, ledger.chain.now())
    assert ledger.attestations.verify_opening(1, 48_250, SALT)
    assert not ledger.attestations.verify_opening(1, 48_251, SALT)
    assert ledger.attestations.count() == 1
    # what the chain holds: the value appears nowhere in the transaction's input nor in its logs
    w3 = ledger.chain.w3
    tx = w3.eth.get_block(ledger.chain.block_number, full_transactions=True)["transactions"][-1]
    receipt = w3.eth.get_transaction_receipt(tx["hash"])
    calldata = tx["input"] if "input" in tx else tx["data"]  # eth-tester names it `data`
    revealed = bytes(calldata) + b"".join(bytes(log["data"]) for log in receipt["logs"])
    assert (48_250).to_bytes(32, "big") not in revealed
    assert commitment(48_250, SALT) in revealed


def test_a_provider_cannot_attest_itself(ledger: Ledger, cast: Cast, provider: Party) -> None:
    with pytest.raises(AttestationSelfAttested) as err:
        provider.attestations.attest(provider.address, Opening("ELEC_KWH", 202611, 1, SALT))
    assert err.value.provider == provider.address


def test_a_subject_that_is_also_a_provider_cannot_attest_itself_but_another_provider_can(
        ledger: Ledger, cast: Cast, provider: Party) -> None:
    other = admit_provider(ledger, cast, "tax-bureau")
    ev = other.attestations.attest(provider.address, Opening("TAX_PAID_CENTS", 202610, 12_000_00, SALT))
    assert ev.subject == provider.address


def test_non_provider_cannot_attest(ledger: Ledger, cast: Cast) -> None:
    with pytest.raises(ParticipantMissingRole) as err:
        cast.bank1.attestations.attest(cast.supplier1.address, Opening("ELEC_KWH", 202611, 1, SALT))
    assert (err.value.account, err.value.role) == (cast.bank1.address, Role.DATA_PROVIDER)
    with pytest.raises(ParticipantNotRegistered):
        cast.outsider.attestations.attest(cast.supplier1.address, Opening("ELEC_KWH", 202611, 1, SALT))


def test_a_suspended_provider_cannot_attest(ledger: Ledger, cast: Cast, provider: Party) -> None:
    cast.operator.registry.suspend(provider.address, "REVIEW")
    with pytest.raises(ParticipantIsSuspended):
        provider.attestations.attest(cast.supplier1.address, Opening("ELEC_KWH", 202611, 1, SALT))


def test_subject_must_be_admitted(ledger: Ledger, cast: Cast, provider: Party) -> None:
    with pytest.raises(AttestationSubjectUnknown) as err:
        provider.attestations.attest(cast.outsider.address, Opening("ELEC_KWH", 202611, 1, SALT))
    assert err.value.subject == cast.outsider.address


@pytest.mark.parametrize(("metric", "period", "commit"), [
    (b"\0" * 16, 202611, keccak(b"c")),
    (ELEC, 202613, keccak(b"c")),
    (ELEC, 202600, keccak(b"c")),
    (ELEC, 196912, keccak(b"c")),
    (ELEC, 202611, b"\0" * 32),
])
def test_invalid_attestation_data_reverts(ledger: Ledger, cast: Cast, provider: Party, metric: bytes, period: int,
                                          commit: bytes) -> None:
    with pytest.raises(AttestationInvalid) as err:
        provider.attestations._transact("attest", cast.supplier1.address, metric, period, commit, b"\0" * 32)
    assert (err.value.metric, err.value.period, err.value.commitment) == (metric, period, commit)


def test_sdk_refuses_a_bad_period_before_sending(ledger: Ledger) -> None:
    with pytest.raises(LedgerValueError):
        Opening.new("ELEC_KWH", 202613, 1)


def test_correction_supersedes_and_keeps_the_original(ledger: Ledger, cast: Cast, provider: Party) -> None:
    provider.attestations.attest(cast.supplier1.address, Opening("ELEC_KWH", 202611, 48_250, SALT))
    salt2 = keccak(text="salt-2")
    result = provider.attestations._transact("correct", 1, commitment(48_520, salt2), source_hash("corrected"))
    assert result.events[0] == AttestationSuperseded(1, 2, cast.supplier1.address, AttestationStatus.CURRENT,
                                                     AttestationStatus.SUPERSEDED)
    assert result.one(AttestationPosted) == AttestationPosted(
        2, cast.supplier1.address, provider.address, ELEC, 202611, commitment(48_520, salt2), source_hash("corrected"),
        1, AttestationStatus.NONE, AttestationStatus.CURRENT)
    old, new = ledger.attestations.get_attestation(1), ledger.attestations.get_attestation(2)
    assert (old.status, old.superseded_by, old.commitment) == (AttestationStatus.SUPERSEDED, 2,
                                                               commitment(48_250, SALT))
    assert (new.status, new.supersedes, new.metric, new.period) == (AttestationStatus.CURRENT, 1, "ELEC_KWH", 202611)
    with pytest.raises(AttestationAlreadySuperseded) as err:
        provider.attestations.correct(1, Opening("ELEC_KWH", 202611, 1, SALT))
    assert (err.value.id, err.value.superseded_by) == (1, 2)


def test_only_the_original_provider_corrects(ledger: Ledger, cast: Cast, provider: Party) -> None:
    provider.attestations.attest(cast.supplier1.address, Opening("ELEC_KWH", 202611, 48_250, SALT))
    other = admit_provider(ledger, cast, "tax-bureau")
    with pytest.raises(AttestationNotProvider) as err:
        other.attestations.correct(1, Opening("ELEC_KWH", 202611, 1, SALT))
    assert (err.value.id, err.value.provider, err.value.account) == (1, provider.address, other.address)
    with pytest.raises(AttestationNotFound) as nf:
        provider.attestations.correct(9, Opening("ELEC_KWH", 202611, 1, SALT))
    assert nf.value.id == 9
    with pytest.raises(AttestationNotFound):
        ledger.attestations.get_attestation(9)


def test_consent_grant_renew_revoke(ledger: Ledger, cast: Cast) -> None:
    s, bank = cast.supplier1, cast.bank1.address
    now = ledger.chain.now()
    assert not ledger.attestations.has_consent(s.address, bank)
    assert s.attestations.grant_consent(bank, now + 30 * DAY) == ConsentGranted(s.address, bank, 0, now + 30 * DAY)
    assert ledger.attestations.has_consent(s.address, bank)
    assert not ledger.attestations.has_consent(s.address, cast.bank2.address)
    assert s.attestations.grant_consent(bank, now + 60 * DAY) == ConsentGranted(
        s.address, bank, now + 30 * DAY, now + 60 * DAY)
    consent = ledger.attestations.get_consent(s.address, bank)
    assert (consent.expires_at, consent.live) == (now + 60 * DAY, True)
    assert s.attestations.revoke_consent(bank) == ConsentRevoked(s.address, bank, now + 60 * DAY)
    assert not ledger.attestations.has_consent(s.address, bank)
    with pytest.raises(ConsentNotGranted) as err:
        s.attestations.revoke_consent(bank)
    assert (err.value.owner, err.value.bank) == (s.address, bank)


def test_consent_expires(ledger: Ledger, cast: Cast) -> None:
    s, bank = cast.supplier1, cast.bank1.address
    expiry = ledger.chain.now() + DAY
    s.attestations.grant_consent(bank, expiry)
    ledger.chain.increase_time(DAY)
    ledger.chain.mine()
    assert not ledger.attestations.has_consent(s.address, bank)
    with pytest.raises(ConsentNotGranted):
        s.attestations.revoke_consent(bank)
    # a new grant after expiry reports no live consent replaced
    ev = s.attestations.grant_consent(bank, ledger.chain.now() + 2 * DAY)
    assert ev.old_expires_at == 0


def test_consent_needs_a_bank_a_future_expiry_and_an_active_owner(ledger: Ledger, cast: Cast) -> None:
    s = cast.supplier1
    now = ledger.chain.now()
    with pytest.raises(ConsentInvalid) as err:
        s.attestations.grant_consent(cast.bank1.address, now)
    assert (err.value.owner, err.value.bank, err.value.expires_at) == (s.address, cast.bank1.address, now)
    with pytest.raises(ConsentInvalid):
        cast.bank1.attestations.grant_consent(cast.bank1.address, now + DAY)
    with pytest.raises(ParticipantMissingRole) as missing:
        s.attestations.grant_consent(cast.supplier2.address, now + DAY)
    assert (missing.value.account, missing.value.role) == (cast.supplier2.address, Role.BANK)
    with pytest.raises(ParticipantNotRegistered):
        cast.outsider.attestations.grant_consent(cast.bank1.address, now + DAY)
