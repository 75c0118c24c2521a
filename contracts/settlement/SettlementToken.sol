// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {ISettlementToken, TransferRestriction} from "../interfaces/ISettlementToken.sol";
import {Role, Standing} from "../types/Roles.sol";

/// @title SettlementToken
/// @notice ERC-20 deposit token with an ERC-3643-style compliance check on every movement. See {ISettlementToken}.
contract SettlementToken is ISettlementToken, ERC20 {
    IParticipantRegistry private immutable _registry;

    constructor(string memory name_, string memory symbol_, IParticipantRegistry registry_) ERC20(name_, symbol_) {
        _registry = registry_;
    }

    /// @notice Two decimals: balances are in cents of the settlement currency.
    function decimals() public pure override returns (uint8) {
        return 2;
    }

    /// @notice The registry consulted on every movement.
    function registry() external view returns (IParticipantRegistry) {
        return _registry;
    }

    /// @inheritdoc ISettlementToken
    function mint(address to, uint256 amount, bytes32 ref) external {
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        if (amount == 0) revert SettlementAmountZero();
        _mint(to, amount);
        emit DepositMinted(msg.sender, to, amount, ref);
    }

    /// @inheritdoc ISettlementToken
    function burn(address from, uint256 amount, bytes32 ref) external {
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        if (amount == 0) revert SettlementAmountZero();
        if (from != msg.sender) _spendAllowance(from, msg.sender, amount);
        _burn(from, amount);
        emit WithdrawalBurned(msg.sender, from, amount, ref);
    }

    /// @inheritdoc ISettlementToken
    function canTransfer(address from, address to, uint256 amount)
        public
        view
        returns (bool allowed, TransferRestriction reason)
    {
        reason = _restriction(from, to);
        if (reason == TransferRestriction.None && from != address(0) && balanceOf(from) < amount) {
            reason = TransferRestriction.InsufficientBalance;
        }
        allowed = reason == TransferRestriction.None;
    }

    /// @dev The single choke point of every mint, burn and transfer: refuse anything a non-participant touches.
    function _update(address from, address to, uint256 value) internal override {
        TransferRestriction reason = _restriction(from, to);
        if (reason != TransferRestriction.None) revert SettlementTransferRestricted(from, to, value, reason);
        super._update(from, to, value);
    }

    function _restriction(address from, address to) private view returns (TransferRestriction) {
        if (from != address(0)) {
            Standing s = _registry.standingOf(from);
            if (s == Standing.NotRegistered) return TransferRestriction.SenderNotRegistered;
            if (s == Standing.Suspended) return TransferRestriction.SenderSuspended;
            if (s == Standing.KycExpired) return TransferRestriction.SenderKycExpired;
        }
        if (to != address(0)) {
            Standing s = _registry.standingOf(to);
            if (s == Standing.NotRegistered) return TransferRestriction.RecipientNotRegistered;
            if (s == Standing.Suspended) return TransferRestriction.RecipientSuspended;
            if (s == Standing.KycExpired) return TransferRestriction.RecipientKycExpired;
        }
        return TransferRestriction.None;
    }
}
