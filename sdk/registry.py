"""Participant registry wrapper: admission after KYC, suspension, roles."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from eth_utils import to_checksum_address

from sdk.contracts import ContractBase
from sdk.errors import LedgerValueError
from sdk.generated.events import (
    LedgerContractSet,
    ParticipantAdmitted,
    ParticipantReadmitted,
    ParticipantRenamed,
    ParticipantResumed,
    ParticipantSuspended,
)
from sdk.types import Participant, ParticipantStatus, Role, Standing, TxResult, roles_from_mask, roles_to_mask


def identity_hash(identity: str | bytes) -> bytes:
    """SHA-256 of a legal identity (e.g. the unified social credit code); a 32-byte value is taken as is."""
    if isinstance(identity, bytes):
        if len(identity) != 32:
            raise LedgerValueError("identity hash must be 32 bytes")
        return identity
    return hashlib.sha256(identity.encode("utf-8")).digest()


def reason_code(reason: str) -> bytes:
    """A short reason as bytes32 (UTF-8, right-padded); longer text is refused rather than cut."""
    raw = reason.encode("utf-8")
    if len(raw) > 32:
        raise LedgerValueError(f"reason code is {len(raw)} bytes; at most 32")
    return raw.ljust(32, b"\0")


#: Longest display name, in bytes of UTF-8 (the registry's MAX_DISPLAY_NAME_BYTES).
MAX_DISPLAY_NAME_BYTES = 64


def display_name(name: str) -> str:
    """A display name as the registry takes it: trimmed, 1 to 64 bytes of UTF-8, no control characters.

    The contract checks only the length; the rest is checked here so that tables and logs that print the name
    can't be spoofed with line breaks or terminal escapes."""
    text = name.strip()
    size = len(text.encode("utf-8"))
    if not 0 < size <= MAX_DISPLAY_NAME_BYTES:
        raise LedgerValueError(f"display name is {size} bytes of UTF-8; it must be 1 to {MAX_DISPLAY_NAME_BYTES}")
    if any(not ch.isprintable() for ch in text):
        raise LedgerValueError(f"display name {text!r} contains a control character")
    return text


def _timestamp(value: int | datetime) -> int:
    return int(value.timestamp()) if isinstance(value, datetime) else int(value)


class ParticipantRegistry(ContractBase):
    NAME = "ParticipantRegistry"

    # ------------------------------------------------------------------ writes (operator)
    def admit(
        self, account: str, roles: Iterable[Role], identity: str | bytes, kyc_expiry: int | datetime,
        name: str | None = None,
    ) -> ParticipantAdmitted:
        """Admit `account` with `roles` after off-chain KYC, valid until `kyc_expiry`; with `name`, its display
        name is recorded in the same transaction (a ParticipantRenamed event follows the admission)."""
        args = (to_checksum_address(account), roles_to_mask(roles), identity_hash(identity), _timestamp(kyc_expiry))
        if name is None:
            result = self._transact("admit", *args)
        else:
            result = self._transact("admitNamed", *args, display_name(name))
        event: ParticipantAdmitted = result.one(ParticipantAdmitted)
        return event

    def readmit(
        self, account: str, roles: Iterable[Role], identity: str | bytes, kyc_expiry: int | datetime
    ) -> ParticipantReadmitted:
        """Renew an existing participant's KYC, roles or identity and make it active again."""
        result = self._transact(
            "readmit", to_checksum_address(account), roles_to_mask(roles), identity_hash(identity),
            _timestamp(kyc_expiry),
        )
        event: ParticipantReadmitted = result.one(ParticipantReadmitted)
        return event

    def set_display_name(self, account: str, name: str) -> ParticipantRenamed:
        """Set the name shown beside `account`: an operator for anyone registered, or the participant itself
        while active."""
        result = self._transact("setDisplayName", to_checksum_address(account), display_name(name))
        event: ParticipantRenamed = result.one(ParticipantRenamed)
        return event

    def suspend(self, account: str, reason: str = "") -> ParticipantSuspended:
        result = self._transact("suspend", to_checksum_address(account), reason_code(reason))
        event: ParticipantSuspended = result.one(ParticipantSuspended)
        return event

    def resume(self, account: str) -> ParticipantResumed:
        result = self._transact("resume", to_checksum_address(account))
        event: ParticipantResumed = result.one(ParticipantResumed)
        return event

    def set_ledger_contract(self, account: str, enabled: bool = True) -> LedgerContractSet:
        result = self._transact("setLedgerContract", to_checksum_address(account), enabled)
        event: LedgerContractSet = result.one(LedgerContractSet)
        return event

    def grant_operator(self, account: str) -> TxResult:
        """Admin only: let `account` admit and suspend participants."""
        return self._transact("grantRole", self._call("OPERATOR_ROLE"), to_checksum_address(account))

    def revoke_operator(self, account: str) -> TxResult:
        """Admin only: withdraw the operator role from `account`."""
        return self._transact("revokeRole", self._call("OPERATOR_ROLE"), to_checksum_address(account))

    # ------------------------------------------------------------------ reads
    def get_participant(self, account: str) -> Participant:
        address = to_checksum_address(account)
        roles, status, kyc_expiry, admitted_at, id_hash = self._call("getParticipant", address)
        return Participant(
            address=address,
            roles=roles_from_mask(roles),
            status=ParticipantStatus(status),
            standing=self.get_standing(address),
            kyc_expiry=int(kyc_expiry),
            admitted_at=int(admitted_at),
            identity_hash=bytes(id_hash),
            name=self.display_name_of(address),
        )

    def display_name_of(self, account: str) -> str:
        """The display name of `account` ("" if none was set)."""
        return str(self._call("displayNameOf", to_checksum_address(account)))

    def get_standing(self, account: str) -> Standing:
        return Standing(self._call("standingOf", to_checksum_address(account)))

    def is_active_with_role(self, account: str, role: Role) -> bool:
        return bool(self._call("isActiveWithRole", to_checksum_address(account), int(role)))

    def is_ledger_contract(self, account: str) -> bool:
        return bool(self._call("isLedgerContract", to_checksum_address(account)))

    def is_operator(self, account: str) -> bool:
        return bool(self._call("hasRole", self._call("OPERATOR_ROLE"), to_checksum_address(account)))
