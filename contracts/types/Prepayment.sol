// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Life cycle of a prepayment (confirmed-warehouse) agreement. Append only: never reorder.
/// `Proposed`: the buyer proposed the terms and deposited the margin, held by the contract.
/// `Accepted`: the seller accepted, which is its buy-back guarantee.
/// `Funded`: the bank funded the rest; the seller was paid the full price. Waiting for delivery.
/// `Delivered`: the warehouse confirmed the goods in; the receipt is pledged under the agreement. Repaying.
/// `Repaid`: the buyer repaid all principal and interest; every unit of goods was released to it.
/// `BoughtBack`: after maturity the seller paid the bank (its collateral first) and took the unreleased goods.
/// `Refunded`: the seller did not deliver by the deadline; its collateral paid the bank, then the buyer's margin,
/// and what it did not cover is recorded as the seller's debt.
/// `Cancelled`: withdrawn or declined before funding; the margin went back to the buyer, the collateral (if any)
/// became claimable by the seller.
/// `Defaulted`: after maturity plus the grace period the bank enforced the guarantee: it took the unreleased goods
/// and the seller's collateral; the unpaid rest is recorded as the seller's debt.
enum PrepaymentStatus {
    None,
    Proposed,
    Accepted,
    Funded,
    Delivered,
    Repaid,
    BoughtBack,
    Refunded,
    Cancelled,
    Defaulted
}

/// @notice The four parties of a prepayment agreement (carried by `PrepaymentUnauthorized`). Append only.
enum PrepaymentParty {
    Buyer,
    Seller,
    Bank,
    Warehouse
}
