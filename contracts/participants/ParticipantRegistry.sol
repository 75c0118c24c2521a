// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {Role, RoleMask, ParticipantStatus, Standing} from "../types/Roles.sol";

/// @title ParticipantRegistry
/// @notice KYC-gated membership of the SCF consortium. See {IParticipantRegistry}.
contract ParticipantRegistry is IParticipantRegistry, AccessControl {
    using RoleMask for uint16;

    /// @notice May admit, readmit, suspend and resume participants.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    uint16 private constant _ALL_ROLES = uint16((1 << (uint8(type(Role).max) + 1)) - 1);

    mapping(address account => Participant) private _participants;
    mapping(address account => bool) private _ledgerContracts;

    constructor(address admin, address operator) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(OPERATOR_ROLE, operator);
    }

    /// @inheritdoc IParticipantRegistry
    function admit(address account, uint16 roles, bytes32 identityHash, uint64 kycExpiry)
        external
        onlyRole(OPERATOR_ROLE)
    {
        _checkAdmission(account, roles, kycExpiry);
        Participant storage p = _participants[account];
        if (p.status != ParticipantStatus.None) revert ParticipantAlreadyRegistered(account);
        p.roles = roles;
        p.status = ParticipantStatus.Active;
        p.kycExpiry = kycExpiry;
        p.admittedAt = uint64(block.timestamp);
        p.identityHash = identityHash;
        emit ParticipantAdmitted(
            account, roles, identityHash, kycExpiry, ParticipantStatus.None, ParticipantStatus.Active
        );
    }

    /// @inheritdoc IParticipantRegistry
    function readmit(address account, uint16 roles, bytes32 identityHash, uint64 kycExpiry)
        external
        onlyRole(OPERATOR_ROLE)
    {
        _checkAdmission(account, roles, kycExpiry);
        Participant storage p = _participants[account];
        ParticipantStatus old = p.status;
        if (old == ParticipantStatus.None) revert ParticipantNotRegistered(account);
        p.roles = roles;
        p.status = ParticipantStatus.Active;
        p.kycExpiry = kycExpiry;
        p.identityHash = identityHash;
        emit ParticipantReadmitted(account, roles, identityHash, kycExpiry, old, ParticipantStatus.Active);
    }

    /// @inheritdoc IParticipantRegistry
    function suspend(address account, bytes32 reason) external onlyRole(OPERATOR_ROLE) {
        Participant storage p = _participants[account];
        if (p.status == ParticipantStatus.None) revert ParticipantNotRegistered(account);
        if (p.status != ParticipantStatus.Active) revert ParticipantStatusInvalid(account, p.status);
        p.status = ParticipantStatus.Suspended;
        emit ParticipantSuspended(account, reason, ParticipantStatus.Active, ParticipantStatus.Suspended);
    }

    /// @inheritdoc IParticipantRegistry
    function resume(address account) external onlyRole(OPERATOR_ROLE) {
        Participant storage p = _participants[account];
        if (p.status == ParticipantStatus.None) revert ParticipantNotRegistered(account);
        if (p.status != ParticipantStatus.Suspended) revert ParticipantStatusInvalid(account, p.status);
        p.status = ParticipantStatus.Active;
        emit ParticipantResumed(account, ParticipantStatus.Suspended, ParticipantStatus.Active);
    }

    /// @inheritdoc IParticipantRegistry
    function setLedgerContract(address account, bool enabled) external onlyRole(DEFAULT_ADMIN_ROLE) {
        bool old = _ledgerContracts[account];
        if (account == address(0) || old == enabled) revert LedgerContractUnchanged(account, enabled);
        _ledgerContracts[account] = enabled;
        emit LedgerContractSet(account, old, enabled);
    }

    /// @inheritdoc IParticipantRegistry
    function getParticipant(address account) external view returns (Participant memory) {
        return _participants[account];
    }

    /// @inheritdoc IParticipantRegistry
    function standingOf(address account) public view returns (Standing) {
        if (_ledgerContracts[account]) return Standing.LedgerContract;
        Participant storage p = _participants[account];
        if (p.status == ParticipantStatus.None) return Standing.NotRegistered;
        if (p.status == ParticipantStatus.Suspended) return Standing.Suspended;
        if (block.timestamp >= p.kycExpiry) return Standing.KycExpired;
        return Standing.Active;
    }

    /// @inheritdoc IParticipantRegistry
    function isActiveWithRole(address account, Role role) external view returns (bool) {
        return standingOf(account) == Standing.Active && _participants[account].roles.has(role);
    }

    /// @inheritdoc IParticipantRegistry
    function isActive(address account) external view returns (bool) {
        return standingOf(account) == Standing.Active;
    }

    /// @inheritdoc IParticipantRegistry
    function isLedgerContract(address account) external view returns (bool) {
        return _ledgerContracts[account];
    }

    /// @inheritdoc IParticipantRegistry
    function isOperator(address account) external view returns (bool) {
        return hasRole(OPERATOR_ROLE, account);
    }

    /// @inheritdoc IParticipantRegistry
    function requireActiveWithRole(address account, Role role) external view {
        _requireActive(account);
        if (!_participants[account].roles.has(role)) revert ParticipantMissingRole(account, role);
    }

    /// @inheritdoc IParticipantRegistry
    function requireActive(address account) external view {
        _requireActive(account);
    }

    function _requireActive(address account) private view {
        Participant storage p = _participants[account];
        if (p.status == ParticipantStatus.None) revert ParticipantNotRegistered(account);
        if (p.status == ParticipantStatus.Suspended) revert ParticipantIsSuspended(account);
        if (block.timestamp >= p.kycExpiry) revert ParticipantKycExpired(account, p.kycExpiry);
    }

    function _checkAdmission(address account, uint16 roles, uint64 kycExpiry) private view {
        if (account == address(0) || roles == 0 || roles & ~_ALL_ROLES != 0 || kycExpiry <= block.timestamp) {
            revert ParticipantAdmissionInvalid(account, roles, kycExpiry);
        }
    }
}
