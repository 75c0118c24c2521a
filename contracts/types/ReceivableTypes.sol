// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Lifecycle of a receivable (the root of a fragment tree). Append only: never reorder.
/// @dev Overdue is not a status: it is read from the due date and block time (see `IReceivables.isOverdue`).
enum ReceivableStatus {
    None,
    Registered, // registered by the supplier, awaiting the debtor's confirmation
    Confirmed, // confirmed by the debtor (or issued by it): bankable and transferable
    Rejected, // rejected by the debtor
    Cancelled, // cancelled by the supplier before confirmation
    Disputed, // the debtor raised a dispute: every fragment is frozen until the operator resolves it
    Voided, // the operator voided it after a dispute
    Settled // repaid in full by the debtor
}

/// @notice Lifecycle of one fragment of a receivable. Append only: never reorder.
enum FragmentStatus {
    None,
    Active, // held, transferable and financeable while its root is
    Discounting, // its holder asked a bank to discount it; frozen until the bank funds or declines
    Financed, // discounted: held by the bank that paid for it
    Defaulted, // declared defaulted by its holder after the due date and grace period
    Recoursed, // a with-recourse bank exercised recourse: the fragment went back to the seller, who owes the bank
    Transferred, // all of its value was passed on to child fragments
    Paid // paid out in full
}

/// @notice Status of an offer of fragment value to another participant. Append only: never reorder.
enum OfferStatus {
    None,
    Open,
    Accepted,
    Rejected,
    Withdrawn
}

/// @notice Status of a fragment's financing (discount) record. Append only: never reorder.
enum FinancingStatus {
    None,
    Requested, // the holder asked the bank
    Withdrawn, // the holder withdrew the request
    Declined, // the bank declined
    Funded, // the bank paid the price and holds the fragment
    Recoursed, // the bank exercised recourse: the seller owes it `recourseOutstanding`
    RecourseSettled, // the seller repaid the recourse debt in full
    Repaid // closed: the funded fragment was paid out in full to the bank
}
