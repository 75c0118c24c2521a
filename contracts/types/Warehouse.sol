// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Life cycle of an electronic warehouse receipt. Append only: never reorder.
/// `Free`: title that its owner may transfer, split, pledge or present for delivery.
/// `Pledged`: locked under a lien held by a ledger contract (a pledge loan or a prepayment agreement).
/// `Delivered`: the goods left the warehouse and the receipt was burned.
enum ReceiptStatus {
    None,
    Free,
    Pledged,
    Delivered
}

/// @notice What was attempted on a pledged receipt (carried by `ReceiptIsPledged`). Append only.
enum ReceiptAction {
    Transfer,
    Split,
    Deliver,
    Pledge
}

/// @notice Life cycle of a warehouse-receipt pledge loan. Append only: never reorder.
enum LoanStatus {
    None,
    Active,
    MarginCalled,
    Repaid,
    Foreclosed
}

/// @notice Life cycle of a bank's lending program (standing pledge-loan terms for one commodity). Append only.
enum ProgramStatus {
    None,
    Open,
    Closed
}
