"""Typed values returned by the SDK. Enums are generated from the contracts (sdk/generated/enums.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sdk._events import ContractEvent
from sdk.generated.enums import *  # noqa: F403
from sdk.generated.enums import ENUMS, ParticipantStatus, Role, Standing, TransferRestriction
from sdk.money import format_units, to_decimal

__all__ = [
    "ENUMS",
    "Balance",
    "Participant",
    "ParticipantStatus",
    "Role",
    "Standing",
    "TransferCheck",
    "TransferRestriction",
    "TxResult",
    "roles_from_mask",
    "roles_to_mask",
]


def roles_to_mask(roles: Iterable[Role]) -> int:
    mask = 0
    for role in roles:
        mask |= 1 << int(Role(role))
    return mask


def roles_from_mask(mask: int) -> frozenset[Role]:
    return frozenset(r for r in Role if mask & (1 << int(r)))


@dataclass(frozen=True, slots=True)
class Participant:
    """A participant as the registry records it, with its effective standing at the latest block."""

    address: str
    roles: frozenset[Role]
    status: ParticipantStatus
    standing: Standing
    kyc_expiry: int
    admitted_at: int
    identity_hash: bytes
    name: str = ""  # display name ("" if none was set): a label beside the address, not an identity

    @property
    def is_active(self) -> bool:
        return self.standing == Standing.ACTIVE

    def has_role(self, role: Role) -> bool:
        return role in self.roles


@dataclass(frozen=True, slots=True)
class Balance:
    """A settlement-token balance in the smallest unit (cents)."""

    address: str
    units: int

    @property
    def amount(self) -> Decimal:
        return to_decimal(self.units)

    def __str__(self) -> str:
        return format_units(self.units)


@dataclass(frozen=True, slots=True)
class TransferCheck:
    """Answer of the token's compliance check."""

    allowed: bool
    reason: TransferRestriction


@dataclass(frozen=True, slots=True)
class TxResult:
    """A mined transaction and the ledger events it emitted."""

    tx_hash: str
    block_number: int
    gas_used: int
    events: tuple[ContractEvent, ...] = field(default_factory=tuple)
    contract_address: str | None = None

    @property
    def event(self) -> ContractEvent:
        """The last ledger-domain event of the transaction: the state change it was sent for."""
        if not self.events:
            raise LookupError(f"transaction {self.tx_hash} emitted no ledger event")
        return self.events[-1]

    def find(self, cls: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, cls)]

    def one(self, cls: type[Any]) -> Any:
        found = self.find(cls)
        if len(found) != 1:
            raise LookupError(f"expected one {cls.__name__} in {self.tx_hash}, found {len(found)}")
        return found[0]
