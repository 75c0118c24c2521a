// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Lifecycle of an attestation. Corrections supersede; nothing is ever deleted.
enum AttestationStatus {
    None,
    Current, // the latest word of its provider on (subject, metric, period)
    Superseded // replaced by a correction, which names it in `supersedes`
}
