"""Settlement token wrapper: bank-minted deposit token, two decimals, participants only."""

from __future__ import annotations

from eth_utils import to_checksum_address

from sdk.contracts import ContractBase
from sdk.errors import LedgerValueError

# ERC-721 receipts emit events with the same names, so codegen qualifies both by contract.
from sdk.generated.events import DepositMinted, MintAllowanceSet, WithdrawalBurned
from sdk.generated.events import SettlementTokenApproval as Approval
from sdk.generated.events import SettlementTokenTransfer as Transfer
from sdk.registry import reason_code
from sdk.types import Balance, TransferCheck, TransferRestriction


def _units(units: int) -> int:
    if isinstance(units, bool) or not isinstance(units, int):
        raise LedgerValueError(f"amounts are integers in cents, got {units!r} (use sdk.money.to_units)")
    if units < 0:
        raise LedgerValueError(f"amount must not be negative: {units}")
    return units


class SettlementToken(ContractBase):
    NAME = "SettlementToken"

    def mint(self, to: str, units: int, ref: str = "") -> DepositMinted:
        """Bank only: credit `units` to `to` against a deposit received off chain, within the bank's mint
        allowance (set by the operator; see :meth:`set_mint_allowance`)."""
        result = self._transact("mint", to_checksum_address(to), _units(units), reason_code(ref))
        event: DepositMinted = result.one(DepositMinted)
        return event

    def set_mint_allowance(self, bank: str, units: int) -> MintAllowanceSet:
        """Operator only: set how many more units `bank` may mint (absolute; burning does not restore it)."""
        result = self._transact("setMintAllowance", to_checksum_address(bank), _units(units))
        event: MintAllowanceSet = result.one(MintAllowanceSet)
        return event

    def mint_allowance(self, bank: str) -> int:
        """Units `bank` may still mint."""
        return int(self._call("mintAllowance", to_checksum_address(bank)))

    def burn(self, account: str, units: int, ref: str = "") -> WithdrawalBurned:
        """Bank only: debit `units` from `account` (itself, or with allowance) against an off-chain withdrawal."""
        result = self._transact("burn", to_checksum_address(account), _units(units), reason_code(ref))
        event: WithdrawalBurned = result.one(WithdrawalBurned)
        return event

    def transfer(self, to: str, units: int) -> Transfer:
        result = self._transact("transfer", to_checksum_address(to), _units(units))
        event: Transfer = result.one(Transfer)
        return event

    def transfer_from(self, owner: str, to: str, units: int) -> Transfer:
        """Move `units` of `owner`'s tokens to `to` under an ERC-20 approval given to this party."""
        result = self._transact(
            "transferFrom", to_checksum_address(owner), to_checksum_address(to), _units(units)
        )
        event: Transfer = result.one(Transfer)
        return event

    def approve(self, spender: str, units: int) -> Approval:
        result = self._transact("approve", to_checksum_address(spender), _units(units))
        event: Approval = result.one(Approval)
        return event

    def balance_of(self, account: str) -> Balance:
        address = to_checksum_address(account)
        return Balance(address=address, units=int(self._call("balanceOf", address)))

    def allowance(self, owner: str, spender: str) -> int:
        return int(self._call("allowance", to_checksum_address(owner), to_checksum_address(spender)))

    def total_supply(self) -> int:
        return int(self._call("totalSupply"))

    def can_transfer(self, sender: str, to: str, units: int) -> TransferCheck:
        allowed, reason = self._call(
            "canTransfer", to_checksum_address(sender), to_checksum_address(to), _units(units)
        )
        return TransferCheck(allowed=bool(allowed), reason=TransferRestriction(reason))

    def can_transfer_from(self, spender: str, owner: str, to: str, units: int) -> TransferCheck:
        """Whether `spender` may move `units` of `owner`'s tokens to `to` now (the allowance is not checked)."""
        allowed, reason = self._call(
            "canTransferFrom", to_checksum_address(spender), to_checksum_address(owner), to_checksum_address(to),
            _units(units),
        )
        return TransferCheck(allowed=bool(allowed), reason=TransferRestriction(reason))

    def name(self) -> str:
        return str(self._call("name"))

    def symbol(self) -> str:
        return str(self._call("symbol"))

    def decimals(self) -> int:
        return int(self._call("decimals"))
