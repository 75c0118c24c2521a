// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {PrepaymentStatus, PrepaymentParty} from "../types/Prepayment.sol";

/// @title Prepayment (confirmed-warehouse, 保兑仓) financing
/// @notice Four parties: a buyer (distributor), a seller (core enterprise), a bank and a warehouse.
///
/// 1. The buyer proposes the terms and deposits the margin (`price × marginBps / 10 000`, rounded down) in
///    settlement tokens, held by this contract. The seller accepts: its acceptance is its buy-back guarantee, and
///    it locks the guarantee's collateral in this contract: `ceil(principal × collateralBps / 10 000)` (rounded
///    up, against the guarantor), `collateralBps` being part of the terms (0..10 000).
/// 2. The bank funds the principal (`price − margin`, so the bank funds the rounding remainder) and this contract
///    pays the seller the full price, margin plus principal, in the same transaction: the money can't be diverted.
/// 3. The warehouse confirms the goods in. That issues one warehouse receipt for the whole quantity, owned by the
///    buyer and born pledged under this agreement (the lien is held by this contract for the bank).
/// 4. The buyer repays principal in any amounts, with the interest accrued on the outstanding principal since the
///    last repayment paid on top, straight to the bank. Each repayment releases goods in proportion to the
///    principal repaid: after it, the released total is `floor(quantity × principalRepaid / principal)`, so every
///    repayment releases the difference, rounded down, and the last one releases the remainder. Released goods
///    are split off the pledged receipt into a free child receipt held by the buyer, who can take delivery of it
///    from the warehouse (staged pick-up); the last repayment releases the pledged receipt itself.
/// 5. After maturity, if principal is still outstanding, the bank may call the seller's buy-back guarantee: the
///    seller owes the bank the outstanding principal, the accrued interest and the buyer's remaining margin, and
///    takes title to the unreleased goods. The remaining margin is the margin's share of the unreleased goods, that
///    is `floor(margin × outstanding / principal)`: the seller received the margin as part of the price, so it
///    gives back the whole price of the goods it takes back; the defaulting buyer forfeits that margin to the bank.
///    The collateral pays first; the seller pays the rest (it must be active and have approved it).
/// 6. After maturity plus the agreement's grace period, the bank can always `enforce` instead, whatever the
///    seller does: the unreleased goods' receipt is seized to the bank (this works against suspended parties),
///    the collateral pays the bank the outstanding principal and the accrued interest, and what it does not cover
///    is recorded as the seller's debt (`PrepaymentDebtRecorded`), repayable later with `repayDebt`. No status
///    leaves a receipt pledged without a call that lifts the lien: only `Delivered` holds one, and `enforce`
///    ends it.
/// 7. After the delivery deadline, if the goods were not confirmed, the bank demands a refund: the seller owes the
///    bank the principal and the interest accrued since funding, and the buyer its margin. The collateral pays the
///    bank first, then the buyer (credited, see 9); the rest is recorded as the seller's debt. Nothing is pulled
///    from the seller at that moment, so an absent or suspended seller cannot block it. The bank may instead
///    extend the delivery deadline on chain (`extendDeliveryDeadline`); the warehouse cannot confirm after the
///    deadline in force.
/// 8. The collateral is released in full, at the end, when the deal completes normally (fully repaid) or is
///    cancelled after acceptance; whatever a buy-back, refund or enforcement did not use is released too.
/// 9. Money owed by this contract to a party that may be suspended (the seller's released collateral, the buyer's
///    refunded margin) is credited to a claimable balance (`PrepaymentCredited`) and withdrawn by its owner with
///    `claim`: a suspension only delays it and can never block the other parties.
///
/// Interest is actual/365 on whole seconds, with the sub-cent remainder carried forward: at each repayment,
/// buy-back, enforcement or refund, `n = outstanding × rateBps × seconds + carry`, the interest paid is
/// `floor(n / (10 000 × 365 × 86 400))` and the new carry is the remainder. So the interest paid over any
/// sequence of repayments is the floor of the exact integral of the outstanding principal over time: the same,
/// to the cent, as one payment at the end. The same rate runs after maturity (a late repayment is accepted until
/// the bank calls the buy-back or enforces). A recorded debt bears no further interest on chain. The instalment
/// schedule is the agreed plan of principal repayments, published in `PrepaymentProposed` and readable with
/// `getSchedule`; only maturity is enforced.
///
/// Every token movement into the contract or to the bank pulls with `transferFrom` after the payer's approval of
/// this contract; every actor is checked against the participant registry.
interface IPrepayment {
    /// @notice The terms the buyer proposes. The caller is the buyer.
    struct PrepaymentTerms {
        address seller; // core enterprise: sells the goods, guarantees the buy-back
        address bank; // funds the principal, holds the pledge through this contract
        address warehouse; // takes the goods in and confirms them
        bytes16 commodity; // commodity code of the goods, e.g. "CU-CATHODE"
        bytes4 unit; // unit of `quantity`, e.g. "kg"
        uint64 quantity; // whole units of goods bought
        uint256 unitPrice; // settlement-token units (cents) per unit of goods
        uint16 marginBps; // the buyer's margin in basis points of the price: 1..9 999
        uint16 rateBps; // yearly interest rate on the outstanding principal: 0..MAX_RATE_BPS
        uint64 deliveryDeadline; // the goods must be confirmed in by then (unix seconds)
        uint64 maturity; // the buyer must have repaid everything by then (unix seconds)
        uint16 collateralBps; // the seller's collateral, locked at acceptance, in bps of the principal: 0..10 000
        uint64 gracePeriod; // seconds after maturity before the bank may enforce: 0..MAX_GRACE_PERIOD
    }

    /// @notice One planned principal repayment.
    struct Instalment {
        uint64 dueDate; // unix seconds
        uint256 principal; // settlement-token units of principal due then
    }

    /// @notice An agreement as read back (status `None` and zeros when the id was never used).
    struct Agreement {
        uint256 id;
        PrepaymentStatus status;
        address buyer;
        address seller;
        address bank;
        address warehouse;
        bytes16 commodity;
        bytes4 unit;
        uint64 quantity;
        uint256 unitPrice;
        uint256 price; // quantity × unitPrice
        uint256 margin; // deposited by the buyer
        uint256 principal; // funded by the bank: price − margin
        uint16 marginBps;
        uint16 rateBps;
        uint64 deliveryDeadline;
        uint64 maturity;
        uint64 interestFrom; // interest accrues from here on the outstanding principal (0 before funding)
        uint256 principalRepaid;
        uint64 releasedQuantity; // floor(quantity × principalRepaid / principal); all of it once repaid
        uint256 receiptId; // the pledged receipt, 0 before delivery
        uint8 instalmentCount;
        uint16 collateralBps;
        uint64 gracePeriod;
        uint256 collateral; // ceil(principal × collateralBps / 10 000), locked at acceptance
        uint256 collateralHeld; // the collateral this contract holds now (Accepted, Funded, Delivered), else 0
        uint256 interestCarry; // sub-cent interest remainder carried forward, in units of 1 / (10 000 × 365 days)
        uint256 debtToBank; // recorded debt of the seller to the bank (Refunded, Defaulted)
        uint256 debtToBuyer; // recorded debt of the seller to the buyer: unreturned margin (Refunded)
    }

    // ------------------------------------------------------------------ errors
    /// @notice No agreement with this id was ever proposed.
    error PrepaymentNotFound(uint256 id);
    /// @notice The agreement is in `status`, which does not allow this operation.
    error PrepaymentStatusInvalid(uint256 id, PrepaymentStatus status);
    /// @notice Only `expected`, the agreement's `party`, may do this; `account` tried.
    error PrepaymentUnauthorized(uint256 id, address account, PrepaymentParty party, address expected);
    /// @notice `account` is none of the buyer, the seller and the bank of the agreement.
    error PrepaymentNotAParty(uint256 id, address account);
    /// @notice The parties must be four distinct non-zero addresses.
    error PrepaymentPartiesInvalid(address buyer, address seller, address bank, address warehouse);
    /// @notice Unusable terms: empty commodity or unit, zero quantity or unit price, a price above what storage
    /// holds, a margin outside 1..9 999 bps, or a rate above `MAX_RATE_BPS`.
    error PrepaymentTermsInvalid(
        bytes16 commodity, bytes4 unit, uint64 quantity, uint256 unitPrice, uint16 marginBps, uint16 rateBps
    );
    /// @notice The delivery deadline must be in the future and not after maturity.
    error PrepaymentDatesInvalid(uint64 deliveryDeadline, uint64 maturity, uint64 nowTime);
    /// @notice Instalment `index` is unusable: zero principal, a due date not after the previous one (the first
    /// after the delivery deadline) or after maturity, or more than `MAX_INSTALMENTS` (an empty schedule reports
    /// index 0 with zeros).
    error PrepaymentScheduleInvalid(uint256 index, uint64 dueDate, uint256 principal);
    /// @notice The instalments must add up to the principal exactly.
    error PrepaymentScheduleTotalMismatch(uint256 scheduled, uint256 principal);
    /// @notice Acceptance and funding must happen before the delivery deadline.
    error PrepaymentDeliveryDeadlinePassed(uint256 id, uint64 deliveryDeadline, uint64 nowTime);
    /// @notice A refund can be demanded only after the delivery deadline.
    error PrepaymentDeliveryDeadlineNotPassed(uint256 id, uint64 deliveryDeadline, uint64 nowTime);
    /// @notice The buy-back can be called only after maturity.
    error PrepaymentNotOverdue(uint256 id, uint64 maturity, uint64 nowTime);
    /// @notice A repayment must repay more than zero and at most the outstanding principal.
    error PrepaymentRepaymentInvalid(uint256 id, uint256 principal, uint256 outstanding);
    /// @notice The collateral share must be at most 10 000 bps and the grace period at most `MAX_GRACE_PERIOD`.
    error PrepaymentGuaranteeInvalid(uint16 collateralBps, uint64 gracePeriod);
    /// @notice The bank may enforce only after maturity plus the grace period, that is from `enforceableFrom` on.
    error PrepaymentGracePeriodNotOver(uint256 id, uint64 enforceableFrom, uint64 nowTime);
    /// @notice The warehouse confirmed after the delivery deadline in force (the bank did not extend it).
    error PrepaymentDeliveryLate(uint256 id, uint64 deliveryDeadline, uint64 nowTime);
    /// @notice An extension must move the deadline later, into the future and not past maturity.
    error PrepaymentDeadlineExtensionInvalid(uint256 id, uint64 deliveryDeadline, uint64 newDeadline, uint64 maturity);
    /// @notice A debt repayment or write-down must be more than zero and at most what is owed.
    error PrepaymentDebtAmountInvalid(uint256 id, uint256 amount, uint256 owed);
    /// @notice `account` has no claimable balance.
    error PrepaymentNothingToClaim(address account);

    // ------------------------------------------------------------------ events
    /// @notice Emitted when the buyer proposes an agreement and deposits the margin.
    /// @param id The new agreement id.
    /// @param buyer The distributor buying the goods; it deposited `margin`.
    /// @param seller The core enterprise selling the goods and guaranteeing the buy-back.
    /// @param bank The bank asked to fund `principal`.
    /// @param warehouse The warehouse that will confirm the goods in.
    /// @param commodity Commodity code of the goods.
    /// @param unit Unit of `quantity`.
    /// @param quantity Whole units of goods.
    /// @param unitPrice Price per unit in settlement-token units.
    /// @param margin The buyer's deposit, now held by the contract: floor(quantity × unitPrice × marginBps / 10 000).
    /// @param marginBps Margin ratio in basis points.
    /// @param rateBps Yearly interest rate in basis points (actual/365).
    /// @param deliveryDeadline Deadline for the warehouse's confirmation of the goods.
    /// @param maturity Deadline for full repayment; after it the bank may call the buy-back.
    /// @param schedule The instalments `(dueDate, principal)`, due dates strictly increasing. The principals add up
    /// to the principal the bank is asked to fund, quantity × unitPrice − margin.
    /// @param oldStatus Always `None`.
    /// @param newStatus Always `Proposed`.
    event PrepaymentProposed(
        uint256 indexed id,
        address indexed buyer,
        address indexed seller,
        address bank,
        address warehouse,
        bytes16 commodity,
        bytes4 unit,
        uint64 quantity,
        uint256 unitPrice,
        uint256 margin,
        uint16 marginBps,
        uint16 rateBps,
        uint64 deliveryDeadline,
        uint64 maturity,
        Instalment[] schedule,
        PrepaymentStatus oldStatus,
        PrepaymentStatus newStatus
    );

    /// @notice Emitted right after `PrepaymentProposed`: the guarantee terms the seller will accept.
    /// @param id The agreement.
    /// @param seller The guarantor.
    /// @param collateralBps The seller's collateral in bps of the principal.
    /// @param gracePeriod Seconds after maturity before the bank may enforce the guarantee.
    /// @param collateral To be locked at acceptance: ceil(principal × collateralBps / 10 000).
    event PrepaymentGuaranteeProposed(
        uint256 indexed id, address indexed seller, uint16 collateralBps, uint64 gracePeriod, uint256 collateral
    );

    /// @notice Emitted when the seller accepts the agreement, giving its buy-back guarantee and locking collateral.
    /// @param id The agreement.
    /// @param seller The accepting seller.
    /// @param buyer The buyer.
    /// @param bank The bank that may now fund.
    /// @param collateral Locked in this contract: ceil(principal × collateralBps / 10 000).
    /// @param oldStatus Always `Proposed`.
    /// @param newStatus Always `Accepted`.
    event PrepaymentAccepted(
        uint256 indexed id,
        address indexed seller,
        address indexed buyer,
        address bank,
        uint256 collateral,
        PrepaymentStatus oldStatus,
        PrepaymentStatus newStatus
    );

    /// @notice Emitted when the bank funds the principal and the seller is paid the full price.
    /// @param id The agreement.
    /// @param bank The funding bank; it paid `principal`.
    /// @param seller The seller; it received `price`.
    /// @param buyer The buyer, who now owes `principal` with interest from this block.
    /// @param principal Paid by the bank.
    /// @param margin The buyer's margin, paid on from the contract.
    /// @param price Received by the seller: margin + principal.
    /// @param oldStatus Always `Accepted`.
    /// @param newStatus Always `Funded`.
    event PrepaymentFunded(
        uint256 indexed id,
        address indexed bank,
        address indexed seller,
        address buyer,
        uint256 principal,
        uint256 margin,
        uint256 price,
        PrepaymentStatus oldStatus,
        PrepaymentStatus newStatus
    );

    /// @notice Emitted when a party withdraws or declines the agreement before funding; the margin is returned.
    /// @param id The agreement.
    /// @param by Who cancelled: the buyer, the seller or the bank.
    /// @param buyer The buyer, who got `marginReturned` back.
    /// @param marginReturned The margin paid back to the buyer (cancelled by the buyer) or credited to its
    /// claimable balance (cancelled by the seller or the bank).
    /// @param oldStatus `Proposed` or `Accepted`.
    /// @param newStatus Always `Cancelled`.
    event PrepaymentCancelled(
        uint256 indexed id,
        address indexed by,
        address indexed buyer,
        uint256 marginReturned,
        PrepaymentStatus oldStatus,
        PrepaymentStatus newStatus
    );

    /// @notice Emitted when the warehouse confirms the goods in and a receipt is issued, born pledged.
    /// @param id The agreement.
    /// @param warehouse The confirming warehouse, issuer of the receipt.
    /// @param receiptId The receipt for the whole quantity, owned by the buyer, pledged under this agreement.
    /// @param buyer The receipt's owner.
    /// @param bank The bank the goods are pledged to.
    /// @param quantity The whole quantity of the agreement.
    /// @param lotId The warehouse's lot number.
    /// @param oldStatus Always `Funded`.
    /// @param newStatus Always `Delivered`.
    event PrepaymentDelivered(
        uint256 indexed id,
        address indexed warehouse,
        uint256 indexed receiptId,
        address buyer,
        address bank,
        uint64 quantity,
        bytes16 lotId,
        PrepaymentStatus oldStatus,
        PrepaymentStatus newStatus
    );

    /// @notice Emitted when the buyer repays principal with the accrued interest, and goods are released.
    /// @param id The agreement.
    /// @param buyer The repaying buyer.
    /// @param bank The bank, which received `principal + interest`.
    /// @param principal Principal repaid.
    /// @param interest Interest paid: all interest accrued since the last repayment (or funding).
    /// @param outstanding Principal still outstanding after this repayment.
    /// @param releasedQuantity Goods released by this repayment (may be 0 for a small repayment).
    /// @param releasedReceiptId The free receipt of the released goods: a new child receipt, the pledged receipt
    /// itself on the last repayment, or 0 when nothing was released.
    /// @param pledgedQuantity Goods still pledged after this repayment.
    /// @param oldStatus Always `Delivered`.
    /// @param newStatus `Delivered`, or `Repaid` when nothing is outstanding any more.
    event PrepaymentRepaid(
        uint256 indexed id,
        address indexed buyer,
        address indexed bank,
        uint256 principal,
        uint256 interest,
        uint256 outstanding,
        uint64 releasedQuantity,
        uint256 releasedReceiptId,
        uint64 pledgedQuantity,
        PrepaymentStatus oldStatus,
        PrepaymentStatus newStatus
    );

    /// @notice Emitted when the bank calls the buy-back guarantee after maturity.
    /// @param id The agreement.
    /// @param seller The guarantor; `principal + interest + forfeitedMargin` was paid, `collateralApplied` of it
    /// from its collateral and the rest by it, and it took the goods.
    /// @param bank The bank, which received that payment.
    /// @param buyer The defaulting buyer, which lost title to the unreleased goods.
    /// @param receiptId The pledged receipt, now the seller's, free.
    /// @param quantity The unreleased goods taken by the seller.
    /// @param principal The outstanding principal paid off.
    /// @param interest The interest accrued since the last repayment.
    /// @param forfeitedMargin The buyer's remaining margin: floor(margin × principal / original principal).
    /// @param collateralApplied The part paid from the seller's collateral (any excess was credited to it).
    /// @param oldStatus Always `Delivered`.
    /// @param newStatus Always `BoughtBack`.
    event PrepaymentBoughtBack(
        uint256 indexed id,
        address indexed seller,
        address indexed bank,
        address buyer,
        uint256 receiptId,
        uint64 quantity,
        uint256 principal,
        uint256 interest,
        uint256 forfeitedMargin,
        uint256 collateralApplied,
        PrepaymentStatus oldStatus,
        PrepaymentStatus newStatus
    );

    /// @notice Emitted when the bank demands a refund for goods not delivered by the deadline.
    /// @param id The agreement.
    /// @param seller The seller; it owes `principal + interest` to the bank and `margin` to the buyer.
    /// @param bank The bank.
    /// @param buyer The buyer, owed its margin back.
    /// @param principal The principal owed to the bank.
    /// @param interest Interest on the principal since funding.
    /// @param margin The margin owed to the buyer.
    /// @param collateralApplied Paid from the seller's collateral: to the bank first, then credited to the buyer.
    /// @param debt The rest, recorded as the seller's debt (see `PrepaymentDebtRecorded`).
    /// @param oldStatus Always `Funded`.
    /// @param newStatus Always `Refunded`.
    event PrepaymentRefunded(
        uint256 indexed id,
        address indexed seller,
        address indexed bank,
        address buyer,
        uint256 principal,
        uint256 interest,
        uint256 margin,
        uint256 collateralApplied,
        uint256 debt,
        PrepaymentStatus oldStatus,
        PrepaymentStatus newStatus
    );

    /// @notice Emitted when the bank enforces the guarantee after maturity plus the grace period.
    /// @param id The agreement.
    /// @param bank The bank; it received the goods' receipt and `collateralApplied`.
    /// @param seller The guarantor, now owing `debt`.
    /// @param buyer The defaulting buyer, which lost title to the unreleased goods.
    /// @param receiptId The pledged receipt, seized to the bank, free.
    /// @param quantity The unreleased goods taken by the bank.
    /// @param principal The outstanding principal.
    /// @param interest The interest accrued since the last repayment.
    /// @param collateralApplied Paid to the bank from the seller's collateral (any excess was credited to it).
    /// @param debt principal + interest − collateralApplied, recorded as the seller's debt to the bank.
    /// @param oldStatus Always `Delivered`.
    /// @param newStatus Always `Defaulted`.
    event PrepaymentEnforced(
        uint256 indexed id,
        address indexed bank,
        address indexed seller,
        address buyer,
        uint256 receiptId,
        uint64 quantity,
        uint256 principal,
        uint256 interest,
        uint256 collateralApplied,
        uint256 debt,
        PrepaymentStatus oldStatus,
        PrepaymentStatus newStatus
    );

    /// @notice Emitted when a default leaves the seller owing money it did not pay.
    /// @param id The agreement.
    /// @param seller The debtor.
    /// @param owedToBank Now owed to the bank.
    /// @param owedToBuyer Now owed to the buyer (the unreturned margin of a refund).
    event PrepaymentDebtRecorded(uint256 indexed id, address indexed seller, uint256 owedToBank, uint256 owedToBuyer);

    /// @notice Emitted when the seller (or anyone for it) repays recorded debt: the bank's share first.
    /// @param id The agreement.
    /// @param payer Who paid.
    /// @param toBank Paid to the bank.
    /// @param toBuyer Credited to the buyer's claimable balance.
    /// @param owedToBank Still owed to the bank.
    /// @param owedToBuyer Still owed to the buyer.
    event PrepaymentDebtRepaid(
        uint256 indexed id, address indexed payer, uint256 toBank, uint256 toBuyer, uint256 owedToBank, uint256 owedToBuyer
    );

    /// @notice Emitted when the bank writes down the debt owed to it (e.g. by the proceeds of the seized goods).
    /// @param id The agreement.
    /// @param bank The bank.
    /// @param amount The amount written down.
    /// @param owedToBank Still owed to the bank.
    event PrepaymentDebtWrittenDown(uint256 indexed id, address indexed bank, uint256 amount, uint256 owedToBank);

    /// @notice Emitted when money is credited to a claimable balance (released collateral, refunded margin).
    /// @param id The agreement the money comes from.
    /// @param account The owner of the balance.
    /// @param amount Credited.
    event PrepaymentCredited(uint256 indexed id, address indexed account, uint256 amount);

    /// @notice Emitted when an account withdraws its claimable balance.
    /// @param account The owner, who received `amount`.
    /// @param amount Withdrawn: the whole balance.
    event PrepaymentClaimed(address indexed account, uint256 amount);

    /// @notice Emitted when the bank extends the delivery deadline of a funded agreement.
    /// @param id The agreement.
    /// @param bank The bank.
    /// @param oldDeadline The deadline before.
    /// @param newDeadline The deadline now.
    event PrepaymentDeliveryDeadlineExtended(
        uint256 indexed id, address indexed bank, uint64 oldDeadline, uint64 newDeadline
    );

    // ------------------------------------------------------------------ writes
    /// @notice Proposes an agreement as the buyer and deposits the margin.
    /// Requirements:
    /// - caller is an active Distributor; `seller` an active CoreEnterprise, `bank` an active Bank and `warehouse`
    ///   an active WarehouseOperator; all four distinct;
    /// - commodity and unit non-empty; quantity and unit price > 0; 0 < marginBps < 10 000; rateBps ≤ MAX_RATE_BPS;
    /// - now < deliveryDeadline ≤ maturity; collateralBps ≤ 10 000; gracePeriod ≤ MAX_GRACE_PERIOD;
    /// - 1..MAX_INSTALMENTS instalments, each > 0, due dates strictly increasing, after the delivery deadline and
    ///   not after maturity, adding up to the principal;
    /// - the caller approved this contract for the margin.
    function propose(PrepaymentTerms calldata terms, Instalment[] calldata schedule) external returns (uint256 id);

    /// @notice Accepts the agreement as the seller, which gives the buy-back guarantee and locks its collateral.
    /// Requirements: status Proposed; caller is the seller, an active CoreEnterprise; before the delivery deadline;
    /// the caller approved this contract for the collateral (see `getAgreement(id).collateral`).
    function accept(uint256 id) external;

    /// @notice Funds the principal as the bank; the seller receives the full price in the same transaction.
    /// Requirements: status Accepted; caller is the bank, an active Bank; before the delivery deadline; the caller
    /// approved this contract for the principal.
    function fund(uint256 id) external;

    /// @notice Withdraws (buyer) or declines (seller, bank) the agreement before funding; returns the margin to the
    /// buyer (paid when the buyer cancels, credited to its claimable balance when the seller or the bank does) and
    /// credits any locked collateral to the seller's claimable balance.
    /// Requirements: status Proposed or Accepted; caller is the buyer, the seller or the bank, and active.
    function cancel(uint256 id) external;

    /// @notice Confirms, as the warehouse, that the seller delivered the whole quantity in: issues the receipt for
    /// lot `lotId`, owned by the buyer and pledged under this agreement.
    /// Requirements: status Funded; now ≤ the delivery deadline (as extended by the bank); caller is the warehouse,
    /// an active WarehouseOperator; the lot has no live
    /// receipt and `lotId` is non-empty (checked by the receipts contract).
    function confirmDelivery(uint256 id, bytes16 lotId, bytes16 grade, bytes16 location, bytes32 inspectionHash)
        external
        returns (uint256 receiptId);

    /// @notice Repays `principal` as the buyer, with all accrued interest on top, to the bank, and releases the
    /// proportional goods to the buyer.
    /// Requirements: status Delivered; caller is the buyer, an active Distributor; 0 < principal ≤ outstanding;
    /// the caller approved this contract for principal + interest (see `quoteRepayment`).
    function repay(uint256 id, uint256 principal) external returns (uint256 releasedReceiptId);

    /// @notice Calls the seller's buy-back guarantee as the bank after maturity; the collateral pays first.
    /// Requirements: status Delivered; caller is the bank, an active Bank; now > maturity; the seller is active and
    /// approved this contract for principal + interest + forfeited margin − collateral (see `quoteBuyBack`).
    function buyBack(uint256 id) external;

    /// @notice Enforces the guarantee as the bank after maturity plus the grace period: seizes the unreleased goods
    /// to the bank, pays it the collateral and records the unpaid rest of principal + interest as the seller's debt.
    /// Works whatever the seller's and the buyer's standing and approvals.
    /// Requirements: status Delivered; caller is the bank, an active Bank (it receives the receipt); now > maturity +
    /// gracePeriod.
    function enforce(uint256 id) external;

    /// @notice Demands, as the bank, the seller's refund for goods not delivered by the deadline: the collateral
    /// pays the bank, then the buyer's margin (credited); the rest is recorded as the seller's debt. Pulls nothing.
    /// Requirements: status Funded; caller is the bank, an active Bank; now > deliveryDeadline.
    function demandRefund(uint256 id) external;

    /// @notice Extends, as the bank, the delivery deadline of a funded agreement (also after it passed, as long as
    /// the refund was not demanded).
    /// Requirements: status Funded; caller is the bank, an active Bank; deadline < newDeadline ≤ maturity and
    /// newDeadline > now.
    function extendDeliveryDeadline(uint256 id, uint64 newDeadline) external;

    /// @notice Repays recorded debt of agreement `id`: the bank's share first, then the buyer's (credited to it).
    /// Anyone active may pay (normally the seller).
    /// Requirements: 0 < amount ≤ debt; caller active and approved this contract for `amount`.
    function repayDebt(uint256 id, uint256 amount) external;

    /// @notice Writes down, as the bank, debt owed to it (e.g. after realising the seized goods).
    /// Requirements: caller is the bank; 0 < amount ≤ debt to the bank.
    function writeDownDebt(uint256 id, uint256 amount) external;

    /// @notice Withdraws the caller's whole claimable balance.
    /// Requirements: a balance > 0; the caller can receive tokens (active).
    function claim() external returns (uint256 amount);

    // ------------------------------------------------------------------ reads
    /// @notice Most instalments a schedule may have.
    function MAX_INSTALMENTS() external view returns (uint256);

    /// @notice Highest yearly rate accepted, in basis points.
    function MAX_RATE_BPS() external view returns (uint16);

    /// @notice Longest grace period after maturity an agreement may set, in seconds.
    function MAX_GRACE_PERIOD() external view returns (uint64);

    /// @notice What `account` can withdraw with `claim`.
    function claimable(address account) external view returns (uint256);

    /// @notice The agreement (status `None` and zeros when `id` was never used).
    function getAgreement(uint256 id) external view returns (Agreement memory);

    /// @notice The instalment schedule as proposed (empty when `id` was never used).
    function getSchedule(uint256 id) external view returns (Instalment[] memory);

    /// @notice Interest accrued now on the outstanding principal since the last repayment (0 unless Funded or
    /// Delivered).
    function accruedInterest(uint256 id) external view returns (uint256);

    /// @notice What repaying `principal` now costs and releases.
    function quoteRepayment(uint256 id, uint256 principal)
        external
        view
        returns (uint256 interest, uint256 total, uint64 releasedQuantity);

    /// @notice What a buy-back now costs the seller and gives it.
    function quoteBuyBack(uint256 id)
        external
        view
        returns (uint256 principal, uint256 interest, uint256 forfeitedMargin, uint64 quantity);

    /// @notice What a refund now costs the seller: principal + interest to the bank, margin to the buyer.
    function quoteRefund(uint256 id) external view returns (uint256 principal, uint256 interest, uint256 margin);

    /// @notice The first instalment not yet covered by the principal repaid, and how much of it is still due.
    /// Returns `(instalmentCount, 0, 0)` when every instalment is covered.
    function nextInstalment(uint256 id) external view returns (uint256 index, uint64 dueDate, uint256 principalDue);

    /// @notice The id the next proposed agreement will get.
    function nextAgreementId() external view returns (uint256);
}
