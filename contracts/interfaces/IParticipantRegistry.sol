// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Role, ParticipantStatus, Standing} from "../types/Roles.sol";

/// @title Participant registry
/// @notice The consortium operator admits participants after off-chain KYC. Every other ledger contract asks
/// this registry whether an address is active with a role before it lets the address send or receive anything.
interface IParticipantRegistry {
    /// @notice A participant as recorded on chain.
    struct Participant {
        uint16 roles; // bitmask of Role
        ParticipantStatus status;
        uint64 kycExpiry; // unix seconds; the participant is inactive from this instant on
        uint64 admittedAt;
        bytes32 identityHash; // hash of the legal identity documents kept off chain
    }

    /// @notice The address is not an admitted participant.
    error ParticipantNotRegistered(address account);
    /// @notice The address was already admitted; use `readmit` to renew it.
    error ParticipantAlreadyRegistered(address account);
    /// @notice The participant is suspended by the operator.
    error ParticipantIsSuspended(address account);
    /// @notice The participant's KYC expired at `kycExpiry`.
    error ParticipantKycExpired(address account, uint64 kycExpiry);
    /// @notice The participant is active but does not hold `role`.
    error ParticipantMissingRole(address account, Role role);
    /// @notice Suspend/resume was asked for a participant not in the status it requires.
    error ParticipantStatusInvalid(address account, ParticipantStatus status);
    /// @notice Admission data is unusable: zero address, empty role set, or a KYC expiry not in the future.
    error ParticipantAdmissionInvalid(address account, uint16 roles, uint64 kycExpiry);
    /// @notice A ledger-contract flag was set to the value it already has, or on the zero address.
    error LedgerContractUnchanged(address account, bool enabled);
    /// @notice A display name must be 1 to `maxLength` bytes of UTF-8; this one is `length` bytes.
    error DisplayNameInvalid(address account, uint256 length, uint256 maxLength);
    /// @notice Only an operator, or the participant itself while active, may set its display name.
    error DisplayNameUnauthorized(address caller, address account);

    /// @notice Emitted when the operator admits a new participant.
    /// @param account The participant's address.
    /// @param roles Bitmask of granted roles.
    /// @param identityHash Hash of the legal identity.
    /// @param kycExpiry When the KYC lapses.
    /// @param oldStatus Always `None`.
    /// @param newStatus Always `Active`.
    event ParticipantAdmitted(
        address indexed account,
        uint16 roles,
        bytes32 identityHash,
        uint64 kycExpiry,
        ParticipantStatus oldStatus,
        ParticipantStatus newStatus
    );
    /// @notice Emitted when the operator renews KYC, roles or identity of an existing participant and reactivates it.
    event ParticipantReadmitted(
        address indexed account,
        uint16 roles,
        bytes32 identityHash,
        uint64 kycExpiry,
        ParticipantStatus oldStatus,
        ParticipantStatus newStatus
    );
    /// @notice Emitted when the operator suspends a participant.
    /// @param reason Short machine-readable reason code (e.g. "AML", "KYC_REVIEW").
    event ParticipantSuspended(
        address indexed account, bytes32 reason, ParticipantStatus oldStatus, ParticipantStatus newStatus
    );
    /// @notice Emitted when the operator lifts a suspension.
    event ParticipantResumed(address indexed account, ParticipantStatus oldStatus, ParticipantStatus newStatus);
    /// @notice Emitted when a participant's display name is set (at admission or later), with the old and new name.
    /// @param account The participant's address.
    /// @param oldName The name before (empty if none was set).
    /// @param newName The name now shown beside the address.
    event ParticipantRenamed(address indexed account, string oldName, string newName);
    /// @notice Emitted when the operator marks or unmarks an address as a ledger contract (allowed to hold funds).
    event LedgerContractSet(address indexed account, bool oldEnabled, bool newEnabled);

    /// @notice Admits `account` with `roles` until `kycExpiry`.
    /// Requirements:
    /// - caller has OPERATOR_ROLE;
    /// - `account` was never admitted; `roles` is non-empty; `kycExpiry` is in the future.
    function admit(address account, uint16 roles, bytes32 identityHash, uint64 kycExpiry) external;

    /// @notice Admits `account` like `admit` and records its display name in the same transaction
    /// (emits ParticipantAdmitted, then ParticipantRenamed).
    /// Requirements: those of `admit`; `name` is 1 to 64 bytes.
    function admitNamed(address account, uint16 roles, bytes32 identityHash, uint64 kycExpiry, string calldata name)
        external;

    /// @notice Sets the display name shown beside `account`'s address. It is a label, not an identity: the
    /// identity stays the KYC'd `identityHash`.
    /// Requirements:
    /// - caller has OPERATOR_ROLE (any registered participant), or is `account` itself while active;
    /// - `account` is registered; `name` is 1 to 64 bytes.
    function setDisplayName(address account, string calldata name) external;

    /// @notice The display name of `account` (empty if none was set).
    function displayNameOf(address account) external view returns (string memory);

    /// @notice Renews an existing participant (after KYC refresh, expiry or suspension) and makes it active.
    /// Requirements: caller has OPERATOR_ROLE; `account` was admitted before; same checks as `admit`.
    function readmit(address account, uint16 roles, bytes32 identityHash, uint64 kycExpiry) external;

    /// @notice Suspends an active participant. Requirements: caller has OPERATOR_ROLE; status is Active.
    function suspend(address account, bytes32 reason) external;

    /// @notice Lifts a suspension. Requirements: caller has OPERATOR_ROLE; status is Suspended.
    function resume(address account) external;

    /// @notice Marks a ledger contract, which may hold settlement tokens and claims without being a participant.
    /// Requirements: caller has DEFAULT_ADMIN_ROLE.
    function setLedgerContract(address account, bool enabled) external;

    /// @notice The recorded participant (zeroed if never admitted).
    function getParticipant(address account) external view returns (Participant memory);

    /// @notice The effective standing of `account` at the current block time (ledger contracts first).
    function standingOf(address account) external view returns (Standing);

    /// @notice The standings of the three accounts of one token movement, in one call (the settlement token's
    /// compliance check). The zero address (the `from` of a mint, the `to` of a burn) reads `NotRegistered`.
    /// @param spender Who moves the value: the holder itself, or a spender under an approval.
    /// @param from The holder debited.
    /// @param to The account credited.
    function movementStandings(address spender, address from, address to)
        external
        view
        returns (Standing spenderStanding, Standing fromStanding, Standing toStanding);

    /// @notice Whether `account` is active (admitted, not suspended, KYC valid) and holds `role`.
    function isActiveWithRole(address account, Role role) external view returns (bool);

    /// @notice Whether `account` is active, with any role.
    function isActive(address account) external view returns (bool);

    /// @notice Whether `account` is a ledger contract.
    function isLedgerContract(address account) external view returns (bool);

    /// @notice Whether `account` holds OPERATOR_ROLE (other ledger contracts defer to the registry's operators).
    function isOperator(address account) external view returns (bool);

    /// @notice Reverts with the precise reason unless `account` is active and holds `role`.
    function requireActiveWithRole(address account, Role role) external view;

    /// @notice Reverts with the precise reason unless `account` is active (any role).
    function requireActive(address account) external view;

    /// @notice Like `requireActive`, but a ledger contract passes too: ledger contracts may hold and pass on assets
    /// other contracts track (CreditLines holds the receivable fragments pledged to credit lines).
    function requireActiveOrLedgerContract(address account) external view;
}
