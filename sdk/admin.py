"""The default admin role of the ledger's contracts: transferable only in two steps, with a delay.

Every contract with a default admin (the registry, the price feed, the warehouse receipts, the receivables book)
uses OpenZeppelin's ``AccessControlDefaultAdminRules``: there is exactly one admin; ``grantRole`` and
``revokeRole`` can't touch the admin role; the admin starts a transfer (:meth:`DefaultAdmin.begin_transfer`),
and the new admin accepts it (:meth:`DefaultAdmin.accept_transfer`) once the delay has passed. Until then the
current admin may cancel. Changing the delay is itself delayed."""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import to_checksum_address

from sdk.contracts import ContractBase
from sdk.generated.events import (
    DefaultAdminDelayChangeScheduled,
    DefaultAdminTransferCanceled,
    DefaultAdminTransferScheduled,
)
from sdk.types import TxResult

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True, slots=True)
class PendingAdmin:
    """A scheduled transfer of the admin role: `new_admin` may accept from `accept_after` (unix seconds) on.
    No transfer is pending when `new_admin` is the zero address."""

    new_admin: str
    accept_after: int

    @property
    def pending(self) -> bool:
        return self.new_admin != ZERO_ADDRESS


class DefaultAdmin(ContractBase):
    """Admin-role handle of one contract. Obtain it with ``party.admin("ParticipantRegistry")`` (or read-only
    with ``ledger.admin(name)``)."""

    # ------------------------------------------------------------------ writes
    def begin_transfer(self, new_admin: str) -> DefaultAdminTransferScheduled:
        """Admin only: schedule the transfer of the admin role to `new_admin` (replaces a pending one)."""
        result = self._transact("beginDefaultAdminTransfer", to_checksum_address(new_admin))
        event: DefaultAdminTransferScheduled = result.one(DefaultAdminTransferScheduled)
        return event

    def cancel_transfer(self) -> DefaultAdminTransferCanceled:
        """Admin only: cancel the pending transfer."""
        result = self._transact("cancelDefaultAdminTransfer")
        event: DefaultAdminTransferCanceled = result.one(DefaultAdminTransferCanceled)
        return event

    def accept_transfer(self) -> TxResult:
        """Pending admin only, after the delay: take the admin role (the old admin loses it in the same call)."""
        return self._transact("acceptDefaultAdminTransfer")

    def change_delay(self, seconds: int) -> DefaultAdminDelayChangeScheduled:
        """Admin only: schedule a new transfer delay (it takes effect after a wait OpenZeppelin derives from the
        old and new delays)."""
        result = self._transact("changeDefaultAdminDelay", int(seconds))
        event: DefaultAdminDelayChangeScheduled = result.one(DefaultAdminDelayChangeScheduled)
        return event

    # ------------------------------------------------------------------ reads
    def get_admin(self) -> str:
        return to_checksum_address(self._call("defaultAdmin"))

    def get_pending(self) -> PendingAdmin:
        new_admin, schedule = self._call("pendingDefaultAdmin")
        return PendingAdmin(to_checksum_address(new_admin), int(schedule))

    def get_delay(self) -> int:
        """The transfer delay in seconds now in effect."""
        return int(self._call("defaultAdminDelay"))


class _RegistryAdmin(DefaultAdmin):
    NAME = "ParticipantRegistry"


class _PriceFeedAdmin(DefaultAdmin):
    NAME = "PriceFeed"


class _ReceiptsAdmin(DefaultAdmin):
    NAME = "WarehouseReceipts"


#: Contract name -> admin handle class, for every contract with a default admin.
ADMIN_HANDLES: dict[str, type[DefaultAdmin]] = {
    cls.NAME: cls for cls in (_RegistryAdmin, _PriceFeedAdmin, _ReceiptsAdmin)
}
