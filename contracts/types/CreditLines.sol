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
/// `PledgedReceivables`: payees as `AnySupplier`, and the line is drawn against receivables: the principal outstanding
/// after a draw may not exceed the unpaid value of the receivable fragments pledged to the line (its borrowing base).
enum PayeeRule {
    AllowList,
    AnySupplier,
    PledgedReceivables
}

/// @notice A receivable fragment pledged to a credit line (held by CreditLines). Append only.
/// `Pledged`: its payouts repay the line first (interest, then principal), the rest goes to the borrower.
/// `Released`: the line gave it up (it owed nothing); payouts go wholly to the borrower, and the fragment was offered
/// back to the borrower when the receivable still allowed a transfer.
enum CreditPledgeStatus {
    None,
    Pledged,
    Released
}
