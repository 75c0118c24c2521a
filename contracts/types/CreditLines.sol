// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Life cycle of a revolving credit line. Append only: never reorder.
/// `Offered`: the bank opened it; the borrower has not accepted the terms yet (no draw possible).
/// `Open`: accepted; the borrower may draw within the availability window.
/// `Frozen`: the bank stopped new draws; repayments and interest go on.
/// `Defaulted`: the bank declared default after a tranche's due date plus grace; the loss was recorded, interest
/// stopped, and every later repayment is a recovery.
/// `Closed`: nothing owed and no further draws (closed by a party, or a defaulted line recovered in full).
enum CreditLineStatus {
    None,
    Offered,
    Open,
    Frozen,
    Defaulted,
    Closed
}

/// @notice Who a draw may pay (fixed purpose, closed loop: never the borrower). Append only.
/// `AllowList`: only payees the bank allow-listed for the line.
/// `AnySupplier`: an allow-listed payee, or any active participant holding the Supplier role.
enum PayeeRule {
    AllowList,
    AnySupplier
}
