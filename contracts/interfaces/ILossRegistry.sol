// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {LossSourceKind} from "../types/RiskPool.sol";

/// @title ILossRegistry
/// @notice One place where every credit loss of the ledger is recorded, with its later recoveries.
/// @dev Losses are *pulled*, never pushed: anyone may ask the registry to record the loss on an asset of a registered
/// loss source, and the registry verifies it by reading the source's own state (a defaulted fragment discounted
/// without recourse, a foreclosed pledge loan's shortfall, a defaulted credit line). No party, bank included, can
/// write a loss or a recovery figure: both are read from the contract that moved the money. The money-path contracts
/// are untouched. Each loss carries two times: when it was recorded, and when it occurred as the source shows it
/// (`occurredAt`), which a risk pool's period is checked against, so a loss that arose before a program began cannot
/// be recorded into it later.
interface ILossRegistry {
    /// @notice A recorded loss. `recovered` only grows, and never above `principal + interest`.
    struct Loss {
        uint256 id;
        address source;
        uint256 assetId;
        LossSourceKind kind;
        address bank;
        address debtor;
        uint256 principal;
        uint256 interest;
        uint256 recovered;
        uint64 recordedAt;
        /// When the loss occurred, read from the source: a fragment's due date (the debtor did not pay by then), a
        /// pledge loan's foreclosure (its `accruedAt`, frozen from then on), a defaulted credit line's earliest unpaid
        /// due date (`nextDue`).
        uint64 occurredAt;
    }

    // ------------------------------------------------------------------ errors
    /// @notice Only an operator of the participant registry may do this.
    error LossNotOperator(address account);
    /// @notice `source` is not a registered loss source that is also flagged as a ledger contract in the registry.
    error LossSourceUnknown(address source);
    /// @notice The kind given for a loss source is None.
    error LossSourceKindInvalid(address source);
    /// @notice The source shows no loss on this asset (not defaulted, with recourse, no shortfall, ...).
    error LossNotFound(address source, uint256 assetId);
    /// @notice The loss on this asset is already recorded.
    error LossAlreadyRecorded(address source, uint256 assetId, uint256 lossId);
    /// @notice No loss has this id.
    error LossIdNotFound(uint256 lossId);
    /// @notice The source shows no recovery beyond what is already recorded.
    error LossNothingRecovered(uint256 lossId, uint256 recovered);

    // ------------------------------------------------------------------ events
    /// @notice A loss source was registered or removed.
    /// @param source The ledger contract.
    /// @param oldKind Its kind before.
    /// @param newKind Its kind now (None: removed).
    event LossSourceSet(address indexed source, LossSourceKind oldKind, LossSourceKind newKind);

    /// @notice A loss was read from its source and recorded.
    /// @param lossId The new loss id (from 1).
    /// @param source The ledger contract that shows the loss.
    /// @param assetId The fragment, loan or line id in that contract.
    /// @param bank The bank that suffered the loss.
    /// @param debtor The party that failed to pay.
    /// @param principal Principal lost.
    /// @param interest Interest (or discount yield) lost.
    /// @param occurredAt When the loss occurred, as the source shows it (see {Loss}).
    event LossRecorded(
        uint256 indexed lossId,
        address indexed source,
        uint256 indexed assetId,
        address bank,
        address debtor,
        uint256 principal,
        uint256 interest,
        uint64 occurredAt
    );

    /// @notice A recovery on a recorded loss was read from its source.
    /// @param lossId The loss.
    /// @param amount Newly recovered.
    /// @param oldRecovered Recovered before.
    /// @param newRecovered Recovered now.
    event LossRecovered(uint256 indexed lossId, uint256 amount, uint256 oldRecovered, uint256 newRecovered);

    // ------------------------------------------------------------------ functions
    /// @notice Register (or with kind None remove) a loss source.
    /// Requirements: the caller is an operator of the participant registry.
    function setSource(address source, LossSourceKind kind) external;

    /// @notice Record the loss on `assetId` of `source`, read from the source's state. Anyone may call.
    /// Requirements: `source` is a registered loss source and a ledger contract; the source shows a loss on the
    /// asset; it is not recorded yet.
    function recordLoss(address source, uint256 assetId) external returns (uint256 lossId);

    /// @notice Record what the source shows recovered on a loss since it was recorded. Anyone may call.
    /// Requirements: the loss exists; the source shows more recovered than already recorded.
    function recordRecovery(uint256 lossId) external returns (uint256 amount);

    /// @notice A recorded loss.
    function getLoss(uint256 lossId) external view returns (Loss memory);

    /// @notice The loss id recorded for an asset of a source, or 0.
    function lossOf(address source, uint256 assetId) external view returns (uint256);

    /// @notice The kind of a loss source (None: not registered).
    function sourceKind(address source) external view returns (LossSourceKind);

    /// @notice Number of losses recorded.
    function lossCount() external view returns (uint256);
}
