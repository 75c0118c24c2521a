// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDataAttestations} from "../interfaces/IDataAttestations.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {AttestationStatus} from "../types/Attestations.sol";
import {ParticipantStatus, Role} from "../types/Roles.sol";

/// @title DataAttestations
/// @notice Commitments to attested operating data, and owners' consents to share them. See {IDataAttestations}.
/// @dev No admin: the operator appoints providers by admitting them with the `DataProvider` role in the registry.
contract DataAttestations is IDataAttestations {
    IParticipantRegistry private immutable _registry;

    uint256 private _count;
    mapping(uint256 id => Attestation) private _attestations;
    mapping(address owner => mapping(address bank => Consent)) private _consents;

    constructor(IParticipantRegistry registry_) {
        _registry = registry_;
    }

    /// @inheritdoc IDataAttestations
    function attest(address subject, bytes16 metric, uint32 period, bytes32 commitment, bytes32 sourceHash)
        external
        returns (uint256 id)
    {
        _registry.requireActiveWithRole(msg.sender, Role.DataProvider);
        if (subject == msg.sender) revert AttestationSelfAttested(msg.sender);
        if (_registry.getParticipant(subject).status == ParticipantStatus.None) {
            revert AttestationSubjectUnknown(subject);
        }
        _checkData(metric, period, commitment);
        id = _post(subject, metric, period, commitment, sourceHash, 0);
    }

    /// @inheritdoc IDataAttestations
    function correct(uint256 id, bytes32 commitment, bytes32 sourceHash) external returns (uint256 newId) {
        Attestation storage old = _attestations[id];
        if (old.status == AttestationStatus.None) revert AttestationNotFound(id);
        if (old.provider != msg.sender) revert AttestationNotProvider(id, old.provider, msg.sender);
        if (old.status != AttestationStatus.Current) revert AttestationAlreadySuperseded(id, old.supersededBy);
        _registry.requireActiveWithRole(msg.sender, Role.DataProvider);
        _checkData(old.metric, old.period, commitment);
        newId = _count + 1;
        old.status = AttestationStatus.Superseded;
        old.supersededBy = newId;
        emit AttestationSuperseded(id, newId, old.subject, AttestationStatus.Current, AttestationStatus.Superseded);
        _post(old.subject, old.metric, old.period, commitment, sourceHash, id);
    }

    /// @inheritdoc IDataAttestations
    function grantConsent(address bank, uint64 expiresAt) external {
        _registry.requireActive(msg.sender);
        if (bank == msg.sender || expiresAt <= block.timestamp) revert ConsentInvalid(msg.sender, bank, expiresAt);
        _registry.requireActiveWithRole(bank, Role.Bank);
        Consent storage c = _consents[msg.sender][bank];
        uint64 old = c.expiresAt > block.timestamp ? c.expiresAt : 0;
        c.grantedAt = uint64(block.timestamp);
        c.expiresAt = expiresAt;
        emit ConsentGranted(msg.sender, bank, old, expiresAt);
    }

    /// @inheritdoc IDataAttestations
    function revokeConsent(address bank) external {
        Consent storage c = _consents[msg.sender][bank];
        uint64 old = c.expiresAt;
        if (old <= block.timestamp) revert ConsentNotGranted(msg.sender, bank);
        c.expiresAt = 0;
        emit ConsentRevoked(msg.sender, bank, old);
    }

    /// @inheritdoc IDataAttestations
    function getAttestation(uint256 id) external view returns (Attestation memory a) {
        a = _attestations[id];
        if (a.status == AttestationStatus.None) revert AttestationNotFound(id);
    }

    /// @inheritdoc IDataAttestations
    function attestationCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IDataAttestations
    function verifyOpening(uint256 id, uint256 value, bytes32 salt) external view returns (bool) {
        Attestation storage a = _attestations[id];
        if (a.status == AttestationStatus.None) revert AttestationNotFound(id);
        return a.commitment == commitmentOf(value, salt);
    }

    /// @inheritdoc IDataAttestations
    function commitmentOf(uint256 value, bytes32 salt) public pure returns (bytes32) {
        return keccak256(abi.encode(value, salt));
    }

    /// @inheritdoc IDataAttestations
    function getConsent(address owner, address bank) external view returns (Consent memory) {
        return _consents[owner][bank];
    }

    /// @inheritdoc IDataAttestations
    function hasConsent(address owner, address bank) external view returns (bool) {
        return _consents[owner][bank].expiresAt > block.timestamp;
    }

    function _post(
        address subject,
        bytes16 metric,
        uint32 period,
        bytes32 commitment,
        bytes32 sourceHash,
        uint256 supersedes
    ) private returns (uint256 id) {
        id = ++_count;
        _attestations[id] = Attestation({
            provider: msg.sender,
            attestedAt: uint64(block.timestamp),
            status: AttestationStatus.Current,
            subject: subject,
            period: period,
            metric: metric,
            commitment: commitment,
            sourceHash: sourceHash,
            supersedes: supersedes,
            supersededBy: 0
        });
        emit AttestationPosted(
            id,
            subject,
            msg.sender,
            metric,
            period,
            commitment,
            sourceHash,
            supersedes,
            AttestationStatus.None,
            AttestationStatus.Current
        );
    }

    function _checkData(bytes16 metric, uint32 period, bytes32 commitment) private pure {
        uint32 month = period % 100;
        uint32 year = period / 100;
        if (metric == 0 || commitment == 0 || month == 0 || month > 12 || year < 1970 || year > 9999) {
            revert AttestationInvalid(metric, period, commitment);
        }
    }
}
