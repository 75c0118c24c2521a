// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {ISettlementToken, TransferRestriction} from "../interfaces/ISettlementToken.sol";
import {Role, Standing} from "../types/Roles.sol";

/// @title SettlementToken
/// @notice ERC-20 deposit token with an ERC-3643-style compliance check on every movement. See {ISettlementToken}.
contract SettlementToken is ISettlementToken, ERC20 {
    IParticipantRegistry private immutable _registry;
    /// @dev The ERC-20 spender of the movement in progress (set by `transferFrom` only; zero means the holder).
    address private transient _spender;
    mapping(address bank => uint256) private _mintAllowances;

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
        uint256 available = _mintAllowances[msg.sender];
        if (amount > available) revert SettlementMintAllowanceExceeded(msg.sender, amount, available);
        unchecked {
            _mintAllowances[msg.sender] = available - amount;
        }
        _mint(to, amount);
        emit DepositMinted(msg.sender, to, amount, ref);
    }

    /// @inheritdoc ISettlementToken
    function setMintAllowance(address bank, uint256 amount) external {
        if (!_registry.isOperator(msg.sender)) revert SettlementCallerNotOperator(msg.sender);
        uint256 old = _mintAllowances[bank];
        _mintAllowances[bank] = amount;
        emit MintAllowanceSet(bank, old, amount);
    }

    /// @inheritdoc ISettlementToken
    function mintAllowance(address bank) external view returns (uint256) {
        return _mintAllowances[bank];
    }

    /// @inheritdoc ISettlementToken
    function burn(address from, uint256 amount, bytes32 ref) external {
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        if (amount == 0) revert SettlementAmountZero();
        if (from != msg.sender) _spendAllowance(from, msg.sender, amount);
        _burn(from, amount);
        emit WithdrawalBurned(msg.sender, from, amount, ref);
    }

    /// @notice Moves `value` from `from` to `to` under an approval; the spender (caller) is checked too.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _spender = msg.sender;
        super.transferFrom(from, to, value);
        _spender = address(0);
        return true;
    }

    /// @inheritdoc ISettlementToken
    function canTransfer(address from, address to, uint256 amount)
        external
        view
        returns (bool allowed, TransferRestriction reason)
    {
        return _check(from, from, to, amount);
    }

    /// @inheritdoc ISettlementToken
    function canTransferFrom(address spender, address from, address to, uint256 amount)
        external
        view
        returns (bool allowed, TransferRestriction reason)
    {
        return _check(spender, from, to, amount);
    }

    function _check(address spender, address from, address to, uint256 amount)
        private
        view
        returns (bool allowed, TransferRestriction reason)
    {
        reason = _restriction(spender, from, to);
        if (reason == TransferRestriction.None && from != address(0) && balanceOf(from) < amount) {
            reason = TransferRestriction.InsufficientBalance;
        }
        allowed = reason == TransferRestriction.None;
    }

    /// @dev The single choke point of every mint, burn and transfer: refuse anything a non-participant touches,
    /// whether as holder, recipient or spender.
    function _update(address from, address to, uint256 value) internal override {
        address spender = _spender;
        TransferRestriction reason = _restriction(spender == address(0) ? from : spender, from, to);
        if (reason != TransferRestriction.None) revert SettlementTransferRestricted(from, to, value, reason);
        super._update(from, to, value);
    }

    /// @dev One registry call for all three accounts. The spender is checked only when it is not the holder.
    function _restriction(address spender, address from, address to) private view returns (TransferRestriction) {
        (Standing s, Standing f, Standing t) = _registry.movementStandings(spender, from, to);
        if (spender != from) {
            if (s == Standing.NotRegistered) return TransferRestriction.SpenderNotRegistered;
            if (s == Standing.Suspended) return TransferRestriction.SpenderSuspended;
            if (s == Standing.KycExpired) return TransferRestriction.SpenderKycExpired;
        }
        if (from != address(0)) {
            if (f == Standing.NotRegistered) return TransferRestriction.SenderNotRegistered;
            if (f == Standing.Suspended) return TransferRestriction.SenderSuspended;
            if (f == Standing.KycExpired) return TransferRestriction.SenderKycExpired;
        }
        if (to != address(0)) {
            if (t == Standing.NotRegistered) return TransferRestriction.RecipientNotRegistered;
            if (t == Standing.Suspended) return TransferRestriction.RecipientSuspended;
            if (t == Standing.KycExpired) return TransferRestriction.RecipientKycExpired;
        }
        return TransferRestriction.None;
    }
}
