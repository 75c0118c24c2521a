// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AttestationStatus} from "../types/Attestations.sol";

/// @title Attested operating data and consent to share it
/// @notice Data providers (utility companies, the tax bureau, meter operators: participants the operator admitted
/// with the `DataProvider` role) attest a participant's monthly operating figures: electricity in kWh, water in m3,
/// tax paid in cents, or any other metric code. Corrections supersede an attestation; nothing is deleted.
///
/// What the chain reveals: who attested whom (provider and subject), which metric, which month, when, the hash of
/// the source document, and which attestation corrects which. It never holds a value: only the commitment
/// `keccak256(abi.encode(uint256 value, bytes32 salt))` with a fresh random 32-byte salt per attestation, so a reader
/// can't test guesses of the value. The provider hands the opening (value, salt) to the subject, and through the
/// gateway to the banks the subject consents to; anyone holding an opening can check it with {verifyOpening}.
///
/// Consent: a participant grants a named bank access to its credit profile and attestation openings until an
/// expiry, and may revoke it. Both are events, so every grant is auditable. The gateway serves the profile to a bank
/// only while {hasConsent} holds (at the gateway's ledger time).
interface IDataAttestations {
    /// @notice An attestation as stored. The value itself is never stored.
    struct Attestation {
        address provider; // who attested
        uint64 attestedAt; // block time of the post
        AttestationStatus status;
        address subject; // whose figure it is
        uint32 period; // the month, as yyyymm (e.g. 202611)
        bytes16 metric; // e.g. "ELEC_KWH", "WATER_M3", "TAX_PAID_CENTS"; an open set
        bytes32 commitment; // keccak256(abi.encode(uint256 value, bytes32 salt))
        bytes32 sourceHash; // hash of the source document (the meter reading, the tax receipt)
        uint256 supersedes; // the attestation this one corrects; 0 for an original
        uint256 supersededBy; // the correction that replaced this one; 0 while current
    }

    /// @notice A consent as stored: `expiresAt` is 0 when never granted or revoked.
    struct Consent {
        uint64 grantedAt;
        uint64 expiresAt;
    }

    /// @notice A provider tried to attest itself.
    error AttestationSelfAttested(address provider);
    /// @notice The subject is not an admitted participant.
    error AttestationSubjectUnknown(address subject);
    /// @notice Attestation data is unusable: empty metric, empty commitment, or a period that is not a month yyyymm.
    error AttestationInvalid(bytes16 metric, uint32 period, bytes32 commitment);
    /// @notice No attestation has id `id`.
    error AttestationNotFound(uint256 id);
    /// @notice Only the provider of attestation `id` may correct it.
    error AttestationNotProvider(uint256 id, address provider, address account);
    /// @notice Attestation `id` was already corrected by `supersededBy`; correct the current one.
    error AttestationAlreadySuperseded(uint256 id, uint256 supersededBy);
    /// @notice A consent must name a bank other than its owner and expire in the future.
    error ConsentInvalid(address owner, address bank, uint64 expiresAt);
    /// @notice There is no live consent from `owner` to `bank` to revoke.
    error ConsentNotGranted(address owner, address bank);

    /// @notice Emitted when a provider posts an attestation (an original or a correction).
    /// @param id The new attestation's id (from 1).
    /// @param subject Whose figure it is.
    /// @param provider Who attested.
    /// @param metric The metric code.
    /// @param period The month, yyyymm.
    /// @param commitment keccak256(abi.encode(value, salt)).
    /// @param sourceHash Hash of the source document.
    /// @param supersedes The attestation it corrects, 0 for an original.
    /// @param oldStatus Always `None`.
    /// @param newStatus Always `Current`.
    event AttestationPosted(
        uint256 indexed id,
        address indexed subject,
        address indexed provider,
        bytes16 metric,
        uint32 period,
        bytes32 commitment,
        bytes32 sourceHash,
        uint256 supersedes,
        AttestationStatus oldStatus,
        AttestationStatus newStatus
    );
    /// @notice Emitted when a correction replaces an attestation.
    /// @param id The replaced attestation.
    /// @param supersededBy The correction.
    /// @param subject Whose figure it is.
    /// @param oldStatus Always `Current`.
    /// @param newStatus Always `Superseded`.
    event AttestationSuperseded(
        uint256 indexed id,
        uint256 indexed supersededBy,
        address indexed subject,
        AttestationStatus oldStatus,
        AttestationStatus newStatus
    );
    /// @notice Emitted when `owner` grants (or renews, or changes the expiry of) `bank`'s access.
    /// @param owner The participant whose data it is.
    /// @param bank The bank given access.
    /// @param oldExpiresAt The expiry it replaces (0 when none was live).
    /// @param newExpiresAt Access ends at this instant.
    event ConsentGranted(address indexed owner, address indexed bank, uint64 oldExpiresAt, uint64 newExpiresAt);
    /// @notice Emitted when `owner` revokes `bank`'s access before its expiry.
    /// @param oldExpiresAt The expiry the revoked consent had.
    event ConsentRevoked(address indexed owner, address indexed bank, uint64 oldExpiresAt);

    /// @notice Attests `subject`'s `metric` for month `period` by its commitment; returns the new id.
    /// Requirements:
    /// - caller is an active participant with the `DataProvider` role;
    /// - `subject` is an admitted participant other than the caller;
    /// - `metric` and `commitment` are non-zero; `period` is yyyymm with 1970 <= yyyy <= 9999 and 1 <= mm <= 12.
    function attest(address subject, bytes16 metric, uint32 period, bytes32 commitment, bytes32 sourceHash)
        external
        returns (uint256 id);

    /// @notice Corrects attestation `id` with a new commitment (same subject, metric and period); returns the
    /// correction's id and marks `id` superseded.
    /// Requirements: caller is the provider of `id` and still an active DataProvider; `id` is current;
    /// `commitment` is non-zero.
    function correct(uint256 id, bytes32 commitment, bytes32 sourceHash) external returns (uint256 newId);

    /// @notice Grants `bank` access to the caller's profile and attestation openings until `expiresAt` (replacing
    /// any earlier expiry).
    /// Requirements: caller is an active participant; `bank` is an active Bank other than the caller;
    /// `expiresAt` is in the future.
    function grantConsent(address bank, uint64 expiresAt) external;

    /// @notice Revokes the caller's live consent to `bank`. Requirements: the consent is live.
    function revokeConsent(address bank) external;

    /// @notice The stored attestation. Reverts with {AttestationNotFound} for an unknown id.
    function getAttestation(uint256 id) external view returns (Attestation memory);

    /// @notice How many attestations were ever posted (the latest id).
    function attestationCount() external view returns (uint256);

    /// @notice Whether (value, salt) opens attestation `id`'s commitment.
    function verifyOpening(uint256 id, uint256 value, bytes32 salt) external view returns (bool);

    /// @notice The commitment to `value` with `salt`: keccak256(abi.encode(value, salt)).
    function commitmentOf(uint256 value, bytes32 salt) external pure returns (bytes32);

    /// @notice The stored consent from `owner` to `bank`.
    function getConsent(address owner, address bank) external view returns (Consent memory);

    /// @notice Whether `bank` holds a live consent from `owner` now (block time before its expiry).
    function hasConsent(address owner, address bank) external view returns (bool);
}
