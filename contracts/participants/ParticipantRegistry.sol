// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {Role, RoleMask, ParticipantStatus, Standing} from "../types/Roles.sol";

/// @title ParticipantRegistry
/// @notice KYC-gated membership of the SCF consortium. See {IParticipantRegistry}.
contract ParticipantRegistry is IParticipantRegistry, AccessControlDefaultAdminRules {
    using RoleMask for uint16;

    /// @notice May admit, readmit, suspend and resume participants.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @notice Longest display name, in bytes of UTF-8.
    uint256 public constant MAX_DISPLAY_NAME_BYTES = 64;

    uint16 private constant _ALL_ROLES = uint16((1 << (uint8(type(Role).max) + 1)) - 1);

    /// @dev One slot per address holds everything a standing check needs (roles 16 + status 8 + kycExpiry 64 +
    /// admittedAt 64 + ledger flag 8 bits), so a transfer's compliance check costs one storage read per account.
    struct Record {
        uint16 roles;
        ParticipantStatus status;
        uint64 kycExpiry;
        uint64 admittedAt;
        bool ledgerContract;
    }

    mapping(address account => Record) private _records;
    mapping(address account => bytes32) private _identityHashes;
    mapping(address account => string) private _displayNames;

    /// @param adminDelay Seconds a default-admin transfer must wait between its two steps (see OpenZeppelin
    /// {AccessControlDefaultAdminRules}).
    constructor(address admin, address operator, uint48 adminDelay) AccessControlDefaultAdminRules(adminDelay, admin) {
        _grantRole(OPERATOR_ROLE, operator);
    }

    /// @inheritdoc IParticipantRegistry
    function admit(address account, uint16 roles, bytes32 identityHash, uint64 kycExpiry)
        external
        onlyRole(OPERATOR_ROLE)
    {
        _admit(account, roles, identityHash, kycExpiry);
    }

    /// @inheritdoc IParticipantRegistry
    function admitNamed(address account, uint16 roles, bytes32 identityHash, uint64 kycExpiry, string calldata name)
        external
        onlyRole(OPERATOR_ROLE)
    {
        _checkDisplayName(account, name);
        _admit(account, roles, identityHash, kycExpiry);
        _setDisplayName(account, name);
    }

    /// @inheritdoc IParticipantRegistry
    function setDisplayName(address account, string calldata name) external {
        Record storage p = _records[account];
        if (p.status == ParticipantStatus.None) revert ParticipantNotRegistered(account);
        if (!hasRole(OPERATOR_ROLE, msg.sender)) {
            if (msg.sender != account) revert DisplayNameUnauthorized(msg.sender, account);
            _requireActive(account);
        }
        _checkDisplayName(account, name);
        _setDisplayName(account, name);
    }

    /// @inheritdoc IParticipantRegistry
    function displayNameOf(address account) external view returns (string memory) {
        return _displayNames[account];
    }

    function _setDisplayName(address account, string calldata name) private {
        string memory old = _displayNames[account];
        _displayNames[account] = name;
        emit ParticipantRenamed(account, old, name);
    }

    function _checkDisplayName(address account, string calldata name) private pure {
        uint256 length = bytes(name).length;
        if (length == 0 || length > MAX_DISPLAY_NAME_BYTES) {
            revert DisplayNameInvalid(account, length, MAX_DISPLAY_NAME_BYTES);
        }
    }

    function _admit(address account, uint16 roles, bytes32 identityHash, uint64 kycExpiry) private {
        _checkAdmission(account, roles, kycExpiry);
        Record storage p = _records[account];
        if (p.status != ParticipantStatus.None) revert ParticipantAlreadyRegistered(account);
        p.roles = roles;
        p.status = ParticipantStatus.Active;
        p.kycExpiry = kycExpiry;
        p.admittedAt = uint64(block.timestamp);
        _identityHashes[account] = identityHash;
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
        Record storage p = _records[account];
        ParticipantStatus old = p.status;
        if (old == ParticipantStatus.None) revert ParticipantNotRegistered(account);
        p.roles = roles;
        p.status = ParticipantStatus.Active;
        p.kycExpiry = kycExpiry;
        _identityHashes[account] = identityHash;
        emit ParticipantReadmitted(account, roles, identityHash, kycExpiry, old, ParticipantStatus.Active);
    }

    /// @inheritdoc IParticipantRegistry
    function suspend(address account, bytes32 reason) external onlyRole(OPERATOR_ROLE) {
        Record storage p = _records[account];
        if (p.status == ParticipantStatus.None) revert ParticipantNotRegistered(account);
        if (p.status != ParticipantStatus.Active) revert ParticipantStatusInvalid(account, p.status);
        p.status = ParticipantStatus.Suspended;
        emit ParticipantSuspended(account, reason, ParticipantStatus.Active, ParticipantStatus.Suspended);
    }

    /// @inheritdoc IParticipantRegistry
    function resume(address account) external onlyRole(OPERATOR_ROLE) {
        Record storage p = _records[account];
        if (p.status == ParticipantStatus.None) revert ParticipantNotRegistered(account);
        if (p.status != ParticipantStatus.Suspended) revert ParticipantStatusInvalid(account, p.status);
        p.status = ParticipantStatus.Active;
        emit ParticipantResumed(account, ParticipantStatus.Suspended, ParticipantStatus.Active);
    }

    /// @inheritdoc IParticipantRegistry
    function setLedgerContract(address account, bool enabled) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Record storage r = _records[account];
        bool old = r.ledgerContract;
        if (account == address(0) || old == enabled) revert LedgerContractUnchanged(account, enabled);
        r.ledgerContract = enabled;
        emit LedgerContractSet(account, old, enabled);
    }

    /// @inheritdoc IParticipantRegistry
    function getParticipant(address account) external view returns (Participant memory) {
        Record storage r = _records[account];
        return Participant(r.roles, r.status, r.kycExpiry, r.admittedAt, _identityHashes[account]);
    }

    /// @inheritdoc IParticipantRegistry
    function standingOf(address account) public view returns (Standing) {
        return _standing(account);
    }

    /// @inheritdoc IParticipantRegistry
    function movementStandings(address spender, address from, address to)
        external
        view
        returns (Standing spenderStanding, Standing fromStanding, Standing toStanding)
    {
        fromStanding = _standing(from);
        spenderStanding = spender == from ? fromStanding : _standing(spender);
        toStanding = _standing(to);
    }

    /// @inheritdoc IParticipantRegistry
    function isActiveWithRole(address account, Role role) external view returns (bool) {
        return standingOf(account) == Standing.Active && _records[account].roles.has(role);
    }

    /// @inheritdoc IParticipantRegistry
    function isActive(address account) external view returns (bool) {
        return standingOf(account) == Standing.Active;
    }

    /// @inheritdoc IParticipantRegistry
    function isLedgerContract(address account) external view returns (bool) {
        return _records[account].ledgerContract;
    }

    /// @inheritdoc IParticipantRegistry
    function isOperator(address account) external view returns (bool) {
        return hasRole(OPERATOR_ROLE, account);
    }

    /// @inheritdoc IParticipantRegistry
    function requireActiveWithRole(address account, Role role) external view {
        _requireActive(account);
        if (!_records[account].roles.has(role)) revert ParticipantMissingRole(account, role);
    }

    /// @inheritdoc IParticipantRegistry
    function requireActive(address account) external view {
        _requireActive(account);
    }

    /// @inheritdoc IParticipantRegistry
    function requireActiveOrLedgerContract(address account) external view {
        if (!_records[account].ledgerContract) _requireActive(account);
    }

    function _requireActive(address account) private view {
        Record storage p = _records[account];
        if (p.status == ParticipantStatus.None) revert ParticipantNotRegistered(account);
        if (p.status == ParticipantStatus.Suspended) revert ParticipantIsSuspended(account);
        if (block.timestamp >= p.kycExpiry) revert ParticipantKycExpired(account, p.kycExpiry);
    }

    /// @dev The zero address (mint and burn) reads NotRegistered without a storage read.
    function _standing(address account) private view returns (Standing) {
        if (account == address(0)) return Standing.NotRegistered;
        Record storage r = _records[account];
        // All three fields read before any branch: the optimizer then loads the record's slot once.
        (bool ledgerContract, ParticipantStatus status, uint64 kycExpiry) = (r.ledgerContract, r.status, r.kycExpiry);
        if (ledgerContract) return Standing.LedgerContract;
        if (status == ParticipantStatus.None) return Standing.NotRegistered;
        if (status == ParticipantStatus.Suspended) return Standing.Suspended;
        if (block.timestamp >= kycExpiry) return Standing.KycExpired;
        return Standing.Active;
    }

    function _checkAdmission(address account, uint16 roles, uint64 kycExpiry) private view {
        if (account == address(0) || roles == 0 || roles & ~_ALL_ROLES != 0 || kycExpiry <= block.timestamp) {
            revert ParticipantAdmissionInvalid(account, roles, kycExpiry);
        }
    }
}
