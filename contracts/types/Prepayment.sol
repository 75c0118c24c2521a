// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Life cycle of a prepayment (confirmed-warehouse) agreement. Append only: never reorder.
/// `Proposed`: the buyer proposed the terms and deposited the margin, held by the contract.
/// `Accepted`: the seller accepted, which is its buy-back guarantee.
/// `Funded`: the bank funded the rest; the seller was paid the full price. Waiting for delivery.
/// `Delivered`: the warehouse confirmed the goods in; the receipt is pledged under the agreement. Repaying.
/// `Repaid`: the buyer repaid all principal and interest; every unit of goods was released to it.
/// `BoughtBack`: after maturity the seller paid the bank and took the unreleased goods.
/// `Refunded`: the seller did not deliver by the deadline and refunded the bank and the buyer.
/// `Cancelled`: withdrawn or declined before funding; the margin went back to the buyer.
enum PrepaymentStatus {
    None,
    Proposed,
    Accepted,
    Funded,
    Delivered,
    Repaid,
    BoughtBack,
    Refunded,
    Cancelled
}

/// @notice The four parties of a prepayment agreement (carried by `PrepaymentUnauthorized`). Append only.
enum PrepaymentParty {
    Buyer,
    Seller,
    Bank,
    Warehouse
}
