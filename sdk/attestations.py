"""Attested operating data (electricity, water, tax...) as commitments, and consents to share a credit profile.

A data provider (a participant with the ``DATA_PROVIDER`` role) attests a subject's monthly figure by posting a
*commitment*, never the value: ``keccak256(abi.encode(uint256 value, bytes32 salt))`` with a fresh random salt.
It hands the :class:`Opening` (value, salt) to the subject and uploads it to the gateway, which checks it against
the chain and shows it only to the subject, the banks it consents to and the regulator::

    opening = Opening.new(metric="ELEC_KWH", period=202611, value=48_250)
    posted = provider.attestations.attest(subject, opening, source=b"meter reading PDF bytes")
    supplier.attestations.grant_consent(bank, expires_at=ledger.chain.now() + 90 * 86_400)

Metric codes (bytes16, ASCII, an open set; values are integers in the unit the code names):

* ``ELEC_KWH``: electricity consumed in the month, kWh;
* ``WATER_M3``: water consumed in the month, m3;
* ``TAX_PAID_CENTS``: tax paid in the month, cents (CNY fen);
* anything else up to 16 bytes, e.g. ``GAS_M3`` or ``PAYROLL_HEADCOUNT``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

from sdk.contracts import ContractBase
from sdk.errors import LedgerValueError
from sdk.generated.enums import AttestationStatus
from sdk.generated.events import AttestationPosted, AttestationSuperseded, ConsentGranted, ConsentRevoked
from sdk.warehouse import code, decode_code

__all__ = [
    "METRICS",
    "Attestation",
    "AttestationPosted",
    "AttestationStatus",
    "AttestationSuperseded",
    "Consent",
    "ConsentGranted",
    "ConsentRevoked",
    "DataAttestations",
    "Opening",
    "commitment",
    "check_period",
    "source_hash",
]

#: The documented metric codes and their units (the set is open: any 1-16 byte code is accepted).
METRICS: dict[str, str] = {
    "ELEC_KWH": "electricity consumed, kWh",
    "WATER_M3": "water consumed, m3",
    "TAX_PAID_CENTS": "tax paid, cents",
}

_UINT256_MAX = 2**256 - 1


def check_period(period: int) -> int:
    """A month as yyyymm (1970..9999, 01..12); raises LedgerValueError otherwise."""
    year, month = divmod(int(period), 100)
    if not (1970 <= year <= 9999 and 1 <= month <= 12):
        raise LedgerValueError(f"period {period} is not a month yyyymm (e.g. 202611)")
    return int(period)


def commitment(value: int, salt: bytes) -> bytes:
    """keccak256(abi.encode(uint256 value, bytes32 salt)), exactly as the contract computes it."""
    if not 0 <= value <= _UINT256_MAX:
        raise LedgerValueError(f"value {value} is not a uint256")
    if len(salt) != 32:
        raise LedgerValueError("salt must be 32 bytes")
    return keccak(abi_encode(["uint256", "bytes32"], [value, salt]))


def source_hash(document: bytes | str) -> bytes:
    """SHA-256 of the source document (its bytes, or its text as UTF-8); a 32-byte value is taken as is."""
    if isinstance(document, bytes) and len(document) == 32:
        return document
    data = document.encode("utf-8") if isinstance(document, str) else document
    return hashlib.sha256(data).digest()


@dataclass(frozen=True, slots=True)
class Opening:
    """What opens a commitment: the plain value and its salt. Kept off chain."""

    metric: str
    period: int
    value: int
    salt: bytes

    @classmethod
    def new(cls, metric: str, period: int, value: int) -> Opening:
        """An opening with a fresh random 32-byte salt (never reuse a salt: equal commitments would show)."""
        code(metric, 16)
        return cls(metric, check_period(period), int(value), os.urandom(32))

    @property
    def commitment(self) -> bytes:
        return commitment(self.value, self.salt)


@dataclass(frozen=True, slots=True)
class Attestation:
    id: int
    provider: str
    subject: str
    metric: str
    period: int
    commitment: bytes
    source_hash: bytes
    attested_at: int
    status: AttestationStatus
    supersedes: int
    superseded_by: int


@dataclass(frozen=True, slots=True)
class Consent:
    owner: str
    bank: str
    granted_at: int
    expires_at: int  # 0 when never granted or revoked
    live: bool


class DataAttestations(ContractBase):
    """Attestations by data providers and owners' consents to banks."""

    NAME = "DataAttestations"

    # providers
    def attest(self, subject: str, opening: Opening, source: bytes | str = b"") -> AttestationPosted:
        """Provider only: attest `subject`'s figure by the commitment of `opening` (the value stays off chain)."""
        result = self._transact(
            "attest", to_checksum_address(subject), code(opening.metric, 16), check_period(opening.period),
            opening.commitment, source_hash(source) if source else bytes(32),
        )
        event: AttestationPosted = result.one(AttestationPosted)
        return event

    def correct(self, attestation_id: int, opening: Opening, source: bytes | str = b"") -> AttestationPosted:
        """The original provider only: replace attestation `attestation_id` (it becomes superseded)."""
        result = self._transact(
            "correct", int(attestation_id), opening.commitment, source_hash(source) if source else bytes(32)
        )
        event: AttestationPosted = result.one(AttestationPosted)
        return event

    # owners
    def grant_consent(self, bank: str, expires_at: int) -> ConsentGranted:
        """Let `bank` see this party's credit profile and attestation openings until `expires_at`."""
        result = self._transact("grantConsent", to_checksum_address(bank), int(expires_at))
        event: ConsentGranted = result.one(ConsentGranted)
        return event

    def revoke_consent(self, bank: str) -> ConsentRevoked:
        result = self._transact("revokeConsent", to_checksum_address(bank))
        event: ConsentRevoked = result.one(ConsentRevoked)
        return event

    # reads
    def get_attestation(self, attestation_id: int) -> Attestation:
        (provider, attested_at, status, subject, period, metric, commit, source, supersedes,
         superseded_by) = self._call("getAttestation", int(attestation_id))
        return Attestation(
            id=int(attestation_id), provider=to_checksum_address(provider), subject=to_checksum_address(subject),
            metric=decode_code(metric), period=int(period), commitment=bytes(commit), source_hash=bytes(source),
            attested_at=int(attested_at), status=AttestationStatus(status), supersedes=int(supersedes),
            superseded_by=int(superseded_by),
        )

    def count(self) -> int:
        return int(self._call("attestationCount"))

    def verify_opening(self, attestation_id: int, value: int, salt: bytes) -> bool:
        return bool(self._call("verifyOpening", int(attestation_id), int(value), salt))

    def get_consent(self, owner: str, bank: str) -> Consent:
        o, b = to_checksum_address(owner), to_checksum_address(bank)
        granted_at, expires_at = self._call("getConsent", o, b)
        return Consent(o, b, int(granted_at), int(expires_at), self.has_consent(o, b))

    def has_consent(self, owner: str, bank: str) -> bool:
        return bool(self._call("hasConsent", to_checksum_address(owner), to_checksum_address(bank)))
