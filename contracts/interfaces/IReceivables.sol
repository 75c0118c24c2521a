// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ReceivableStatus, FragmentStatus, OfferStatus, FinancingStatus} from "../types/ReceivableTypes.sol";

/// @title Accounts-receivable financing (multi-tier e-credit)
/// @notice A supplier registers a receivable against a core enterprise (the debtor), or the core enterprise issues
/// one directly. Once the debtor confirms it, its holder can split it down the supply chain (offer / accept) and
/// discount fragments at banks. At maturity the debtor repays the root once and the money reaches whoever holds each
/// fragment, pro rata by value.
///
/// Ids. A receivable (root) has id `rootId` = 1, 2, 3... Its fragments have ids `fragmentId = rootId << 16 | index`:
/// index 0 is the original fragment created at registration, and each accepted offer appends the next index. So the
/// fragments of a root are enumerable without extra storage, and at most `fragmentCap()` (<= 65,535) exist per root.
///
/// Split budget (so that no holder can exhaust the cap for the others). A new root's original fragment gets
/// `splitsLeft = fragmentCap() - 1`. Each accepted offer spends one split of the fragment offered from, and the rest
/// is shared by value: the child gets floor((splitsLeft - 1) * amount / value) and the parent keeps the remainder,
/// so a parent that keeps any value keeps at least one split. A holder's share of the cap is thus its share of the
/// value, and the sum of `splitsLeft` over a root's fragments plus its fragment count never exceeds the cap it was
/// created under. Colluding holders can exhaust only their own budget, never the original holder's. A split must
/// also leave no fragment below `minFragmentValue()` (default 100.00), except when a whole fragment is passed on.
///
/// Money. Amounts are settlement-token units (cents). Discount price, in whole units:
///   days  = ceil((dueDate - block.timestamp) / 86,400)   (a started day counts as a whole day)
///   price = floor(value * (3,650,000 - rateBps * days) / 3,650,000)
/// i.e. face x (1 - rate x days / 365), rounded down: the fraction of a cent stays with the bank.
///
/// Repayment is pull-based and cumulative: a fragment of value v in a root of face F with R repaid so far is owed
///   floor(v * R / F) - paidSoFar
/// so each fragment gets at most its exact pro-rata share and the shares telescope to exactly F when R = F. The
/// rounding remainder of a partial repayment (fewer units than there are fragments) stays in this contract, owed to
/// the same root's fragments, and is paid with the next repayment; once the root is repaid in full every fragment has
/// received exactly its value, so the sum of payouts equals the sum repaid. Payouts go through `claim` (one fragment)
/// or `distribute` (a bounded batch of a root's fragments), which anyone may call; money always goes to the current
/// holder. Once the first repayment of a root arrives, its fragments are frozen (no more offers or discounts), so
/// the holder at repayment is the holder paid.
interface IReceivables {
    // ------------------------------------------------------------------ views
    /// @notice A receivable (root) as recorded, with `overdue` evaluated at the current block. Its invoice and
    /// purchase-order hashes are in its ReceivableRegistered / ReceivableIssued event (see `rootOfInvoice`).
    struct Receivable {
        uint256 id;
        address debtor;
        uint256 faceValue;
        uint256 repaid;
        uint64 dueDate;
        ReceivableStatus status;
        uint16 fragmentCount;
        bool overdue;
    }

    /// @notice One fragment. `parentId` is 0 for the original fragment of a root. `value` includes `locked` (the
    /// part promised in open offers). `claimable` is what `claim` would pay now.
    struct Fragment {
        uint256 id;
        uint256 rootId;
        uint256 parentId;
        address holder;
        uint256 value;
        uint256 locked;
        uint256 paid;
        uint256 claimable;
        FragmentStatus status;
        bool financed;
        uint16 splitsLeft;
    }

    /// @notice An offer of `amount` of fragment `fragmentId` from `from` to `to`; it cannot be accepted from
    /// `expiresAt` on (0: never expires).
    struct Offer {
        uint256 id;
        uint256 fragmentId;
        address from;
        address to;
        uint256 amount;
        uint64 expiresAt;
        OfferStatus status;
    }

    /// @notice A fragment's discount: requested terms, then the funded price, then any recourse debt. `seller` and
    /// `price` are stored only for a financing with recourse (the seller owes the recourse debt); without recourse
    /// they read as zero here and are in the FragmentDiscounted event.
    struct Financing {
        uint256 fragmentId;
        address bank;
        address seller;
        uint16 rateBps;
        bool withRecourse;
        FinancingStatus status;
        uint64 fundedAt;
        uint256 price;
        uint256 recourseOutstanding;
    }

    // ------------------------------------------------------------------ errors
    /// @notice No receivable has this id.
    error ReceivableNotFound(uint256 rootId);
    /// @notice Only an operator of the participant registry may do this.
    error ReceivableNotOperator(address account);
    /// @notice No fragment has this id.
    error ReceivableFragmentNotFound(uint256 fragmentId);
    /// @notice The debtor already has a receivable (not rejected or cancelled) for this invoice.
    error ReceivableAlreadyRegistered(address debtor, bytes32 invoiceHash, uint256 rootId);
    /// @notice Face value is zero or too large (> 2^96 - 1), the due date is not in the future, or the invoice hash
    /// is zero.
    error ReceivableTermsInvalid(uint256 faceValue, uint64 dueDate, bytes32 invoiceHash);
    /// @notice The supplier and the debtor are the same account.
    error ReceivableSelfDealing(address account);
    /// @notice Only the debtor may do this.
    error ReceivableNotDebtor(uint256 rootId, address caller, address debtor);
    /// @notice Only the fragment's holder may do this.
    error ReceivableNotHolder(uint256 fragmentId, address caller, address holder);
    /// @notice The receivable is not in a status that allows this.
    error ReceivableStatusInvalid(uint256 rootId, ReceivableStatus status);
    /// @notice The fragment is not in a status that allows this.
    error ReceivableFragmentStatusInvalid(uint256 fragmentId, FragmentStatus status);
    /// @notice The debtor has started repaying: fragments can no longer be offered or discounted.
    error ReceivableRepaymentStarted(uint256 rootId, uint256 repaid);
    /// @notice The receivable reached its due date: it can no longer be offered, discounted or disputed.
    error ReceivableMatured(uint256 rootId, uint64 dueDate);
    /// @notice The offered amount is zero or more than the fragment's unlocked value.
    error ReceivableOfferAmountInvalid(uint256 fragmentId, uint256 amount, uint256 available);
    /// @notice The fragment has used its share of the root's fragment cap: it may no longer be split.
    error ReceivableSplitsExhausted(uint256 fragmentId);
    /// @notice A split would create a fragment of `value` below the operator's minimum `minimum`.
    error ReceivableFragmentBelowMinimum(uint256 fragmentId, uint256 value, uint256 minimum);
    /// @notice The minimum fragment value does not fit in 96 bits.
    error ReceivableMinFragmentValueInvalid(uint256 minimum);
    /// @notice An offer must go to another account than the holder.
    error ReceivableRecipientInvalid(address recipient);
    /// @notice No offer has this id.
    error ReceivableOfferNotFound(uint256 offerId);
    /// @notice The offer is not open.
    error ReceivableOfferNotOpen(uint256 offerId, OfferStatus status);
    /// @notice Only the offer's recipient may accept or reject it.
    error ReceivableNotOfferRecipient(uint256 offerId, address caller, address recipient);
    /// @notice Only the offer's sender may withdraw it.
    error ReceivableNotOfferSender(uint256 offerId, address caller, address sender);
    /// @notice The offer expired at `expiresAt`: it can no longer be accepted (the sender may withdraw it).
    error ReceivableOfferExpired(uint256 offerId, uint64 expiresAt);
    /// @notice An offer's expiry must be 0 (never) or a future time before 2106 (it is stored in 32 bits).
    error ReceivableOfferExpiryInvalid(uint64 expiresAt);
    /// @notice The bank's funding transaction arrived after its own deadline.
    error ReceivableDiscountDeadlinePassed(uint256 fragmentId, uint64 deadline);
    /// @notice The price computed at this block is above the most the bank said it would pay.
    error ReceivableDiscountPriceAboveMax(uint256 fragmentId, uint256 price, uint256 maxPrice);
    /// @notice The fragment has value locked in open offers.
    error ReceivableFragmentLocked(uint256 fragmentId, uint256 locked);
    /// @notice The rate is above 10,000 bps, or it would discount the whole value over `daysToMaturity` days.
    error ReceivableDiscountRateInvalid(uint16 rateBps, uint256 daysToMaturity);
    /// @notice The fragment's discount was requested from another bank.
    error ReceivableNotDiscountBank(uint256 fragmentId, address caller, address bank);
    /// @notice The bank's expected terms differ from the holder's request.
    error ReceivableDiscountTermsMismatch(uint256 fragmentId, uint16 requestedRateBps, bool requestedWithRecourse);
    /// @notice Funding `requested` would take the bank's exposure to `debtor` beyond its limit.
    error ReceivableExposureLimitExceeded(address bank, address debtor, uint256 requested, uint256 available);
    /// @notice The repayment is zero or more than the outstanding amount.
    error ReceivableRepaymentInvalid(uint256 rootId, uint256 amount, uint256 outstanding);
    /// @notice The fragment has nothing to claim now.
    error ReceivableNothingToClaim(uint256 fragmentId);
    /// @notice A default may be declared only from `defaultableAt` (due date plus grace period).
    error ReceivableNotDefaultable(uint256 fragmentId, uint64 defaultableAt);
    /// @notice Recourse needs a with-recourse financed fragment that is defaulted (or whose root was voided).
    error ReceivableRecourseUnavailable(uint256 fragmentId, FragmentStatus status, bool withRecourse);
    /// @notice Only the seller of the fragment owes its recourse debt.
    error ReceivableNotRecourseDebtor(uint256 fragmentId, address caller, address seller);
    /// @notice The recourse repayment is zero or more than the outstanding debt.
    error ReceivableRecourseRepaymentInvalid(uint256 fragmentId, uint256 amount, uint256 outstanding);
    /// @notice A distribution batch is empty or larger than `max`.
    error ReceivableBatchInvalid(uint256 count, uint256 max);
    /// @notice The fragment cap must be between 1 and 65,535.
    error ReceivableFragmentCapInvalid(uint256 cap);
    /// @notice The grace period is above the maximum of 365 days.
    error ReceivableGracePeriodInvalid(uint64 gracePeriod);
    /// @notice The exposure limit does not fit in 128 bits.
    error ReceivableExposureLimitInvalid(uint256 limit);

    // ------------------------------------------------------------------ events
    /// @notice A supplier registered a receivable; it awaits the debtor's confirmation.
    /// @param rootId The new receivable's id.
    /// @param supplier The registering supplier, holder of fragment `fragmentId`.
    /// @param debtor The core enterprise that owes the money.
    /// @param fragmentId Id of the original fragment (`rootId << 16`).
    /// @param faceValue Amount owed, in token units.
    /// @param dueDate Unix time the debtor must pay by.
    /// @param invoiceHash SHA-256 of the invoice document.
    /// @param poHash SHA-256 of the purchase order, or zero.
    /// @param oldStatus Always `None`.
    /// @param newStatus Always `Registered`.
    event ReceivableRegistered(
        uint256 indexed rootId,
        address indexed supplier,
        address indexed debtor,
        uint256 fragmentId,
        uint256 faceValue,
        uint64 dueDate,
        bytes32 invoiceHash,
        bytes32 poHash,
        ReceivableStatus oldStatus,
        ReceivableStatus newStatus
    );
    /// @notice A core enterprise issued a payable certificate to a supplier, confirmed from birth.
    /// @param rootId The new receivable's id.
    /// @param debtor The issuing core enterprise.
    /// @param supplier The supplier that holds fragment `fragmentId`.
    /// @param fragmentId Id of the original fragment.
    /// @param faceValue Amount owed.
    /// @param dueDate Due date.
    /// @param invoiceHash SHA-256 of the invoice or certificate document.
    /// @param poHash SHA-256 of the purchase order, or zero.
    /// @param oldStatus Always `None`.
    /// @param newStatus Always `Confirmed`.
    event ReceivableIssued(
        uint256 indexed rootId,
        address indexed debtor,
        address indexed supplier,
        uint256 fragmentId,
        uint256 faceValue,
        uint64 dueDate,
        bytes32 invoiceHash,
        bytes32 poHash,
        ReceivableStatus oldStatus,
        ReceivableStatus newStatus
    );
    /// @notice The debtor confirmed a receivable, making it bankable.
    /// @param rootId The receivable.
    /// @param debtor The confirming debtor.
    /// @param holder Holder of the original fragment (the supplier).
    /// @param faceValue Amount owed.
    /// @param oldStatus `Registered`.
    /// @param newStatus `Confirmed`.
    event ReceivableConfirmed(
        uint256 indexed rootId,
        address indexed debtor,
        address indexed holder,
        uint256 faceValue,
        ReceivableStatus oldStatus,
        ReceivableStatus newStatus
    );
    /// @notice The debtor rejected a receivable. Its invoice hash may be registered again.
    /// @param rootId The receivable.
    /// @param debtor The rejecting debtor.
    /// @param reason Short reason code.
    /// @param oldStatus `Registered`.
    /// @param newStatus `Rejected`.
    event ReceivableRejected(
        uint256 indexed rootId, address indexed debtor, bytes32 reason, ReceivableStatus oldStatus, ReceivableStatus newStatus
    );
    /// @notice The supplier cancelled a receivable before confirmation. Its invoice hash may be registered again.
    /// @param rootId The receivable.
    /// @param supplier The cancelling supplier.
    /// @param oldStatus `Registered`.
    /// @param newStatus `Cancelled`.
    event ReceivableCancelled(
        uint256 indexed rootId, address indexed supplier, ReceivableStatus oldStatus, ReceivableStatus newStatus
    );
    /// @notice A holder offered part or all of a fragment's value; that value is locked until the offer closes.
    /// @param offerId The new offer.
    /// @param fragmentId The fragment offered from.
    /// @param from The holder.
    /// @param to The recipient, who may accept or reject.
    /// @param amount Value offered.
    /// @param locked The fragment's total locked value after this offer.
    /// @param expiresAt Unix time from which the offer can no longer be accepted; 0 if it never expires.
    /// @param oldStatus Always `None`.
    /// @param newStatus Always `Open`.
    event FragmentOffered(
        uint256 indexed offerId,
        uint256 indexed fragmentId,
        address indexed from,
        address to,
        uint256 amount,
        uint256 locked,
        uint64 expiresAt,
        OfferStatus oldStatus,
        OfferStatus newStatus
    );
    /// @notice The recipient accepted an offer: child fragment `childId` of value `amount` now belongs to it.
    /// @param offerId The offer.
    /// @param parentId The fragment split (its value fell by `amount`).
    /// @param childId The new fragment; it inherits debtor, due date and root, and records `parentId`.
    /// @param from The parent's holder.
    /// @param to The child's holder.
    /// @param amount The child's value.
    /// @param parentValue The parent's value after the split.
    /// @param parentStatus The parent's status after the split (`Transferred` when its value reached zero).
    /// @param oldStatus `Open`.
    /// @param newStatus `Accepted`.
    event FragmentOfferAccepted(
        uint256 indexed offerId,
        uint256 indexed parentId,
        uint256 indexed childId,
        address from,
        address to,
        uint256 amount,
        uint256 parentValue,
        FragmentStatus parentStatus,
        OfferStatus oldStatus,
        OfferStatus newStatus
    );
    /// @notice The recipient rejected an offer; its value is unlocked.
    /// @param offerId The offer.
    /// @param fragmentId The fragment offered from.
    /// @param from The holder.
    /// @param to The recipient.
    /// @param amount Value unlocked.
    /// @param oldStatus `Open`.
    /// @param newStatus `Rejected`.
    event FragmentOfferRejected(
        uint256 indexed offerId,
        uint256 indexed fragmentId,
        address indexed from,
        address to,
        uint256 amount,
        OfferStatus oldStatus,
        OfferStatus newStatus
    );
    /// @notice The holder withdrew an offer; its value is unlocked.
    /// @param offerId The offer.
    /// @param fragmentId The fragment offered from.
    /// @param from The holder.
    /// @param to The recipient.
    /// @param amount Value unlocked.
    /// @param oldStatus `Open`.
    /// @param newStatus `Withdrawn`.
    event FragmentOfferWithdrawn(
        uint256 indexed offerId,
        uint256 indexed fragmentId,
        address indexed from,
        address to,
        uint256 amount,
        OfferStatus oldStatus,
        OfferStatus newStatus
    );
    /// @notice A holder asked `bank` to discount a fragment at `rateBps`.
    /// @param fragmentId The fragment.
    /// @param holder The holder (the future seller).
    /// @param bank The bank asked.
    /// @param value The fragment's value (face of the claim).
    /// @param rateBps Annual discount rate in basis points.
    /// @param withRecourse Whether the bank may turn to the seller if the debtor defaults.
    /// @param oldStatus `Active`.
    /// @param newStatus `Discounting`.
    event DiscountRequested(
        uint256 indexed fragmentId,
        address indexed holder,
        address indexed bank,
        uint256 value,
        uint16 rateBps,
        bool withRecourse,
        FragmentStatus oldStatus,
        FragmentStatus newStatus
    );
    /// @notice The holder withdrew its discount request.
    /// @param fragmentId The fragment.
    /// @param holder The holder.
    /// @param bank The bank that had been asked.
    /// @param oldStatus `Discounting`.
    /// @param newStatus `Active`.
    event DiscountRequestWithdrawn(
        uint256 indexed fragmentId, address indexed holder, address indexed bank, FragmentStatus oldStatus, FragmentStatus newStatus
    );
    /// @notice The bank declined a discount request.
    /// @param fragmentId The fragment.
    /// @param holder The holder.
    /// @param bank The declining bank.
    /// @param oldStatus `Discounting`.
    /// @param newStatus `Active`.
    event DiscountDeclined(
        uint256 indexed fragmentId, address indexed holder, address indexed bank, FragmentStatus oldStatus, FragmentStatus newStatus
    );
    /// @notice A bank discounted a fragment: it paid `price` to the seller and now holds the fragment.
    /// @param fragmentId The fragment.
    /// @param seller The previous holder, paid `price`.
    /// @param bank The funding bank, new holder.
    /// @param debtor The core enterprise the exposure is on.
    /// @param value The fragment's value, added to the bank's exposure.
    /// @param price Units paid: floor(value * (3,650,000 - rateBps * daysToMaturity) / 3,650,000).
    /// @param rateBps Annual discount rate.
    /// @param daysToMaturity ceil((dueDate - block.timestamp) / 86,400).
    /// @param withRecourse Whether the bank may exercise recourse on the seller.
    /// @param oldStatus `Discounting`.
    /// @param newStatus `Financed`.
    event FragmentDiscounted(
        uint256 indexed fragmentId,
        address indexed seller,
        address indexed bank,
        address debtor,
        uint256 value,
        uint256 price,
        uint16 rateBps,
        uint256 daysToMaturity,
        bool withRecourse,
        FragmentStatus oldStatus,
        FragmentStatus newStatus
    );
    /// @notice A bank set its exposure limit on a core enterprise.
    /// @param bank The bank.
    /// @param debtor The core enterprise.
    /// @param oldLimit Previous limit.
    /// @param newLimit New limit.
    /// @param used Exposure in use (face value of financed fragments held, not yet paid out).
    event ReceivableExposureLimitSet(
        address indexed bank, address indexed debtor, uint256 oldLimit, uint256 newLimit, uint256 used
    );
    /// @notice The debtor paid `amount` into the contract for a receivable.
    /// @param rootId The receivable.
    /// @param debtor The paying debtor.
    /// @param amount Units paid now.
    /// @param totalRepaid Units repaid so far.
    /// @param outstanding Units still owed.
    /// @param late Whether the payment came after the due date.
    /// @param oldStatus `Confirmed`.
    /// @param newStatus `Settled` when repaid in full, else `Confirmed`.
    event ReceivableRepaid(
        uint256 indexed rootId,
        address indexed debtor,
        uint256 amount,
        uint256 totalRepaid,
        uint256 outstanding,
        bool late,
        ReceivableStatus oldStatus,
        ReceivableStatus newStatus
    );
    /// @notice A fragment's share of repayments was paid to its holder (by `claim` or `distribute`).
    /// @param fragmentId The fragment.
    /// @param holder The holder paid.
    /// @param amount Units paid now.
    /// @param totalPaid Units paid to this fragment so far.
    /// @param oldStatus Status before. If the fragment is financed, its bank's exposure fell by `amount`.
    /// @param newStatus `Paid` when paid in full, else unchanged.
    event FragmentPaid(
        uint256 indexed fragmentId,
        address indexed holder,
        uint256 amount,
        uint256 totalPaid,
        FragmentStatus oldStatus,
        FragmentStatus newStatus
    );
    /// @notice A financed fragment was paid out in full to its bank: the financing is closed.
    /// @param fragmentId The fragment (and its financing record).
    /// @param bank The bank paid.
    /// @param totalPaid Units paid to the fragment in all (its value).
    /// @param oldStatus `Funded`.
    /// @param newStatus `Repaid`.
    event FinancingRepaid(
        uint256 indexed fragmentId,
        address indexed bank,
        uint256 totalPaid,
        FinancingStatus oldStatus,
        FinancingStatus newStatus
    );
    /// @notice A holder declared a fragment defaulted after the due date and grace period.
    /// @param fragmentId The fragment.
    /// @param holder The declaring holder.
    /// @param debtor The defaulting core enterprise.
    /// @param unpaid Value not yet covered by repayments.
    /// @param oldStatus `Active` or `Financed`.
    /// @param newStatus `Defaulted`.
    event FragmentDefaulted(
        uint256 indexed fragmentId,
        address indexed holder,
        address indexed debtor,
        uint256 unpaid,
        FragmentStatus oldStatus,
        FragmentStatus newStatus
    );
    /// @notice A bank exercised recourse: the fragment returned to the seller, who now owes the bank `debt`.
    /// @param fragmentId The fragment.
    /// @param bank The bank (creditor of the recourse debt).
    /// @param seller The seller (debtor of the recourse debt, new holder).
    /// @param debt Units the seller owes: the fragment's unpaid value.
    /// @param exposureReleased Units of the bank's exposure on the core enterprise released (= debt).
    /// @param oldStatus `Defaulted` (or `Financed` on a voided root).
    /// @param newStatus `Recoursed`.
    event RecourseExercised(
        uint256 indexed fragmentId,
        address indexed bank,
        address indexed seller,
        uint256 debt,
        uint256 exposureReleased,
        FragmentStatus oldStatus,
        FragmentStatus newStatus
    );
    /// @notice The seller repaid (part of) a recourse debt to the bank.
    /// @param fragmentId The fragment.
    /// @param seller The paying seller.
    /// @param bank The bank paid.
    /// @param amount Units paid now.
    /// @param outstanding Units still owed.
    /// @param oldStatus `Recoursed`.
    /// @param newStatus `RecourseSettled` when nothing is owed, else `Recoursed`.
    event RecourseRepaid(
        uint256 indexed fragmentId,
        address indexed seller,
        address indexed bank,
        uint256 amount,
        uint256 outstanding,
        FinancingStatus oldStatus,
        FinancingStatus newStatus
    );
    /// @notice The debtor disputed a receivable: all its fragments are frozen until the operator resolves it.
    /// @param rootId The receivable.
    /// @param debtor The disputing debtor.
    /// @param reason Short reason code.
    /// @param oldStatus `Confirmed`.
    /// @param newStatus `Disputed`.
    event ReceivableDisputed(
        uint256 indexed rootId, address indexed debtor, bytes32 reason, ReceivableStatus oldStatus, ReceivableStatus newStatus
    );
    /// @notice The operator resolved a dispute: upheld (the receivable stands) or voided.
    /// @param rootId The receivable.
    /// @param operator The resolving operator.
    /// @param upheld True if the receivable stands, false if voided.
    /// @param oldStatus `Disputed`.
    /// @param newStatus `Confirmed` or `Voided`.
    event ReceivableDisputeResolved(
        uint256 indexed rootId, address indexed operator, bool upheld, ReceivableStatus oldStatus, ReceivableStatus newStatus
    );
    /// @notice The operator changed the cap on fragments per root.
    /// @param operator The operator.
    /// @param oldCap Previous cap.
    /// @param newCap New cap.
    event ReceivableFragmentCapSet(address indexed operator, uint16 oldCap, uint16 newCap);
    /// @notice The operator changed the minimum fragment value a split may create.
    /// @param operator The operator.
    /// @param oldMinimum Previous minimum, in token units.
    /// @param newMinimum New minimum, in token units.
    event ReceivableMinFragmentValueSet(address indexed operator, uint256 oldMinimum, uint256 newMinimum);
    /// @notice The operator changed the grace period between the due date and a possible default.
    /// @param operator The operator.
    /// @param oldGracePeriod Previous period in seconds.
    /// @param newGracePeriod New period in seconds.
    event ReceivableGracePeriodSet(address indexed operator, uint64 oldGracePeriod, uint64 newGracePeriod);

    // ------------------------------------------------------------------ writes
    /// @notice Registers a receivable owed by `debtor`, held by the caller; returns its root id.
    /// Requirements:
    /// - the caller is an active Supplier and `debtor` an active CoreEnterprise, not the caller;
    /// - 0 < `faceValue` < 2^96, `dueDate` in the future, `invoiceHash` non-zero;
    /// - the debtor has no live receivable (anything but rejected or cancelled) with `invoiceHash`.
    function register(address debtor, uint256 faceValue, uint64 dueDate, bytes32 invoiceHash, bytes32 poHash)
        external
        returns (uint256 rootId);

    /// @notice Issues a payable certificate owed by the caller to `supplier`, confirmed from birth.
    /// Requirements: the caller is an active CoreEnterprise and `supplier` an active Supplier; terms as `register`.
    function issue(address supplier, uint256 faceValue, uint64 dueDate, bytes32 invoiceHash, bytes32 poHash)
        external
        returns (uint256 rootId);

    /// @notice Confirms a registered receivable. Requirements: the caller is its debtor, active; status Registered.
    function confirm(uint256 rootId) external;

    /// @notice Rejects a registered receivable. Requirements: the caller is its debtor, active; status Registered.
    function reject(uint256 rootId, bytes32 reason) external;

    /// @notice Cancels a registered receivable. Requirements: the caller is its supplier, active; status Registered.
    function cancel(uint256 rootId) external;

    /// @notice Offers `amount` of a fragment to `to`; returns the offer id. The amount is locked until the offer
    /// closes. The offer cannot be accepted from `expiresAt` on (0: it never expires); an expired offer stays
    /// Open, locking its amount, until the sender withdraws it or the recipient rejects it.
    /// Requirements:
    /// - the caller holds the fragment and is active; `to` is another active participant (a ledger contract, such
    ///   as CreditLines taking a pledge, counts as active here and in `accept`);
    /// - the root is Confirmed, not yet repaid in any part, and before its due date; the fragment is Active;
    /// - 0 < `amount` <= value - locked; the fragment has a split left (`Fragment.splitsLeft` > 0);
    /// - `amount` and value - locked - `amount` are each 0 or at least `minFragmentValue()`, unless `amount` is the
    ///   whole value (a whole fragment may always be passed on);
    /// - `expiresAt` is 0 or in the future and below 2^32.
    function offer(uint256 fragmentId, address to, uint256 amount, uint64 expiresAt)
        external
        returns (uint256 offerId);

    /// @notice Accepts an offer: creates the child fragment; returns its id.
    /// Requirements: the caller is the recipient, active; the offer is Open and not expired; sender still active and the root still
    /// transferable as for `offer`; the fragment offered from has a split left.
    function accept(uint256 offerId) external returns (uint256 childId);

    /// @notice Rejects an offer. Requirements: the caller is the recipient, active; the offer is Open.
    function rejectOffer(uint256 offerId) external;

    /// @notice Withdraws an offer. Requirements: the caller is the sender, active; the offer is Open.
    function withdrawOffer(uint256 offerId) external;

    /// @notice Asks `bank` to discount a whole fragment at `rateBps` a year, with or without recourse.
    /// Requirements: the caller holds the fragment and is active; `bank` is another active Bank; the fragment is
    /// Active with nothing locked; the root is transferable (see `offer`); `rateBps` <= 10,000 and the price > 0.
    function requestDiscount(uint256 fragmentId, address bank, uint16 rateBps, bool withRecourse) external;

    /// @notice Withdraws a discount request. Requirements: the caller holds the fragment, active; status Discounting.
    function withdrawDiscountRequest(uint256 fragmentId) external;

    /// @notice Declines a discount request. Requirements: the caller is the bank asked, active; status Discounting.
    function declineDiscount(uint256 fragmentId) external;

    /// @notice Funds a discount request (delivery versus payment): pays the price from the caller to the holder in
    /// settlement tokens and takes the fragment. Returns the price.
    /// The price depends on the block's day count to maturity, and it only rises as days pass (the holder can
    /// never get less than the price at its request). The payer is the bank, so the bank bounds what it pays:
    /// `maxPrice` is the most it pays, and `deadline` the latest block time it funds at (0: no deadline). A
    /// transaction delayed across a day boundary therefore reverts instead of paying more than the bank agreed.
    /// Requirements:
    /// - block time <= `deadline` (unless 0); the computed price <= `maxPrice`;
    /// - the caller is the bank asked, active, and has approved this contract for the price;
    /// - `rateBps` and `withRecourse` equal the request; the seller is still active;
    /// - the root is still transferable (see `offer`);
    /// - value <= the bank's remaining exposure limit on the debtor.
    function discount(uint256 fragmentId, uint16 rateBps, bool withRecourse, uint256 maxPrice, uint64 deadline)
        external
        returns (uint256 price);

    /// @notice Sets the caller's exposure limit on core enterprise `debtor` (face value it may hold financed).
    /// Requirements: the caller is an active Bank; `debtor` is an active CoreEnterprise; `limit` < 2^128. A limit
    /// below the exposure in use is allowed: it only blocks new funding.
    function setExposureLimit(address debtor, uint256 limit) external;

    /// @notice Pays `amount` into the contract for a receivable, to be routed to its fragments' holders.
    /// Requirements: the caller is the debtor, active, and approved this contract; the root is Confirmed;
    /// 0 < `amount` <= outstanding. Accepted before or after the due date.
    function repay(uint256 rootId, uint256 amount) external;

    /// @notice Pays a fragment's claimable share to its current holder; returns the amount. Anyone may call.
    /// Requirements: something is claimable; the holder may receive settlement tokens.
    function claim(uint256 fragmentId) external returns (uint256 amount);

    /// @notice Pays the claimable share of fragments `start` .. `start + count - 1` (indexes, capped at the root's
    /// fragment count) of a root to their holders. Fragments with nothing claimable, or whose holder may not receive
    /// tokens right now, are skipped (they can claim later). Anyone may call. Returns the next index to process.
    /// Requirements: 0 < `count` <= `MAX_BATCH`.
    function distribute(uint256 rootId, uint256 start, uint256 count) external returns (uint256 next);

    /// @notice Declares a fragment defaulted.
    /// Requirements: the caller holds it, active; the root is Confirmed (not settled, disputed or voided);
    /// block time >= due date + grace period; the fragment is Active or Financed.
    function declareDefault(uint256 fragmentId) external;

    /// @notice Exercises recourse on a with-recourse financed fragment: pays out anything claimable to the bank,
    /// then returns the fragment to the seller, who owes the bank its unpaid value. Returns that debt.
    /// Requirements: the caller holds it as the funding bank, active; with recourse; status Defaulted, or Financed with the
    /// root Voided; unpaid value > 0.
    function exerciseRecourse(uint256 fragmentId) external returns (uint256 debt);

    /// @notice Repays `amount` of a recourse debt, from the caller (the seller) straight to the bank.
    /// Requirements: the caller is the seller, active; status Recoursed; 0 < `amount` <= outstanding; approval given.
    function repayRecourse(uint256 fragmentId, uint256 amount) external;

    /// @notice Raises a dispute; freezes every fragment of the root.
    /// Requirements: the caller is the debtor, active; status Confirmed; before the due date.
    function dispute(uint256 rootId, bytes32 reason) external;

    /// @notice Resolves a dispute. `upheld`: the receivable stands (back to Confirmed); otherwise Voided.
    /// Requirements: the caller is a registry operator; status Disputed.
    function resolveDispute(uint256 rootId, bool upheld) external;

    /// @notice Sets the cap on fragments per root, for receivables created from now on (each root's split budget
    /// is fixed at its creation). Requirements: the caller is a registry operator; 1..65,535.
    function setFragmentCap(uint256 cap) external;

    /// @notice Sets the smallest fragment a split may create (in token units; 0 disables the rule).
    /// Requirements: the caller is a registry operator; below 2^96.
    function setMinFragmentValue(uint256 minimum) external;

    /// @notice Sets the grace period after the due date before a default may be declared.
    /// Requirements: the caller is a registry operator; at most 365 days.
    function setGracePeriod(uint64 gracePeriod) external;

    // ------------------------------------------------------------------ reads
    /// @notice The receivable `rootId`.
    function getReceivable(uint256 rootId) external view returns (Receivable memory);

    /// @notice The fragment `fragmentId`.
    function getFragment(uint256 fragmentId) external view returns (Fragment memory);

    /// @notice Fragments `start` .. `start + count - 1` of a root (capped at its fragment count), in index order.
    function getFragments(uint256 rootId, uint256 start, uint256 count) external view returns (Fragment[] memory);

    /// @notice The offer `offerId`.
    function getOffer(uint256 offerId) external view returns (Offer memory);

    /// @notice The financing record of a fragment (status None if never requested).
    function getFinancing(uint256 fragmentId) external view returns (Financing memory);

    /// @notice A bank's exposure limit on a core enterprise and the exposure in use.
    function getExposure(address bank, address debtor) external view returns (uint256 limit, uint256 used);

    /// @notice The discount price of a fragment's value at `rateBps` if funded now, and the days counted.
    function quoteDiscount(uint256 fragmentId, uint16 rateBps) external view returns (uint256 price, uint256 daysToMaturity);

    /// @notice The root id of the debtor's live receivable for `invoiceHash`, or 0.
    function rootOfInvoice(address debtor, bytes32 invoiceHash) external view returns (uint256);

    /// @notice Whether the receivable is Confirmed or Disputed, past its due date and not repaid in full.
    function isOverdue(uint256 rootId) external view returns (bool);

    /// @notice The cap on fragments per root.
    function fragmentCap() external view returns (uint16);

    /// @notice The smallest fragment a split may create, in token units.
    function minFragmentValue() external view returns (uint256);

    /// @notice The grace period in seconds.
    function gracePeriod() external view returns (uint64);

    /// @notice Number of receivables registered or issued so far (the last root id).
    function receivableCount() external view returns (uint256);

    /// @notice Number of offers made so far (the last offer id).
    function offerCount() external view returns (uint256);
}
