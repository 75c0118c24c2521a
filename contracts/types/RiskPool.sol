// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Which kind of ledger contract a loss source is, so the loss registry knows how to read a loss from it.
/// Append only: never reorder.
enum LossSourceKind {
    None,
    Receivables, // a fragment discounted without recourse and defaulted
    PledgeLoans, // a pledge loan foreclosed with a shortfall
    CreditLines // a credit line declared defaulted
}

/// @notice Status of a claim on a risk pool. Append only: never reorder.
/// `Open`: part of its entitlement is unpaid (the pool was short); it is paid in filing order.
/// `Paid`: its entitlement is paid in full.
enum ClaimStatus {
    None,
    Open,
    Paid
}
