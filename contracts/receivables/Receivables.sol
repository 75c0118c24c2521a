// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IReceivables} from "../interfaces/IReceivables.sol";
import {Role, Standing} from "../types/Roles.sol";
import {ReceivableStatus, FragmentStatus, OfferStatus, FinancingStatus} from "../types/ReceivableTypes.sol";

/// @title Receivables
/// @notice Accounts-receivable financing: confirm, split across tiers, discount at banks, repay at maturity.
/// See {IReceivables} for ids, the discount price formula and the repayment rounding rule.
/// @dev Storage is packed so that a registration writes 5 fresh slots and a split 2:
/// - root: [face 96 | repaid 96 | dueDate 40 | status 8 | fragmentCount 16], [debtor];
/// - fragment: [holder | value 96], [status 8 | financed 8 | parentIndex 16 | locked 96 | paid 96 | splitsLeft 16];
/// - invoice dedupe: debtor => invoice hash => root id (an entry pointing at a rejected or cancelled root is free);
/// - financing: [bank | rateBps | withRecourse | status | fundedAt], and only with recourse [seller | price]
///   (the seller owes the recourse debt); [recourseOutstanding] once recourse is exercised.
/// The invoice and purchase-order hashes, and the seller and price of a financing without recourse, are in the
/// events only (ReceivableRegistered / ReceivableIssued, FragmentDiscounted).
/// Portfolio operations (confirm N receivables, fund N discounts, repay N roots, claim N fragments) run atomically
/// in one transaction through OpenZeppelin's `multicall` (a delegatecall to itself per item, keeping msg.sender).
/// Its operators are the registry's (`isOperator`): one place, under the registry's two-step admin, decides who
/// may resolve disputes and set the fragment cap, minimum and grace period.
contract Receivables is IReceivables, ReentrancyGuardTransient, Multicall {
    using SafeERC20 for IERC20;

    /// @notice Most fragments one `distribute` call processes.
    uint256 public constant MAX_BATCH = 100;
    /// @notice Highest discount rate accepted (100 % a year).
    uint16 public constant MAX_RATE_BPS = 10_000;
    /// @notice Cap on fragments per root until the operator changes it.
    uint16 public constant DEFAULT_FRAGMENT_CAP = 100;
    /// @notice Smallest fragment a split may create until the operator changes it (100.00 in cents).
    uint96 public constant DEFAULT_MIN_FRAGMENT_VALUE = 100_00;
    /// @notice Grace period until the operator changes it.
    uint40 public constant DEFAULT_GRACE_PERIOD = 30 days;
    uint40 private constant _MAX_GRACE_PERIOD = 365 days;
    uint256 private constant _DAY = 1 days;
    uint256 private constant _YEAR_BPS = 365 * 10_000; // 3,650,000: bps x days in a year

    struct RootData {
        uint96 face;
        uint96 repaid;
        uint40 dueDate;
        ReceivableStatus status;
        uint16 fragmentCount;
        address debtor;
    }

    struct FragmentData {
        address holder;
        uint96 value; // includes `locked`
        FragmentStatus status;
        bool financed; // held by the bank that discounted it: payouts release its exposure
        uint16 parentIndex;
        uint96 locked; // promised in open offers
        uint96 paid; // repayments paid out to this fragment so far
        uint16 splitsLeft; // fragments this one may still create: its share of the root's cap (see IReceivables)
    }

    struct OfferData {
        uint56 fragmentId; // a root id fits 40 bits, so a fragment id fits 56
        address to;
        OfferStatus status;
        uint32 expiresAt; // 0: never (unix seconds; uint32 lasts until 2106)
        address from;
        uint96 amount;
    }

    struct FinancingData {
        address bank;
        uint16 rateBps;
        bool withRecourse;
        FinancingStatus status;
        uint40 fundedAt;
        address seller;
        uint96 price;
        uint96 recourseOutstanding;
    }

    struct ExposureData {
        uint128 limit;
        uint128 used;
    }

    struct Config {
        uint40 rootCount;
        uint64 offerCount;
        uint16 fragmentCap;
        uint40 gracePeriod;
        uint96 minFragmentValue;
    }

    IParticipantRegistry private immutable _registry;
    IERC20 private immutable _token;

    Config private _config;
    mapping(uint256 rootId => RootData) private _roots;
    mapping(uint256 fragmentId => FragmentData) private _fragments;
    mapping(uint256 offerId => OfferData) private _offers;
    mapping(uint256 fragmentId => FinancingData) private _financings;
    mapping(address bank => mapping(address debtor => ExposureData)) private _exposures;
    mapping(address debtor => mapping(bytes32 invoiceHash => uint256 rootId)) private _invoiceRoots;

    constructor(IParticipantRegistry registry_, IERC20 token_) {
        _registry = registry_;
        _token = token_;
        _config.fragmentCap = DEFAULT_FRAGMENT_CAP;
        _config.gracePeriod = DEFAULT_GRACE_PERIOD;
        _config.minFragmentValue = DEFAULT_MIN_FRAGMENT_VALUE;
    }

    /// @dev The registry's operators are this contract's.
    modifier onlyOperator() {
        if (!_registry.isOperator(msg.sender)) revert ReceivableNotOperator(msg.sender);
        _;
    }

    /// @notice The participant registry consulted for every actor.
    function registry() external view returns (IParticipantRegistry) {
        return _registry;
    }

    /// @notice The settlement token moved by discounts and repayments.
    function token() external view returns (IERC20) {
        return _token;
    }

    // ================================================================== registration

    /// @inheritdoc IReceivables
    function register(address debtor, uint256 faceValue, uint64 dueDate, bytes32 invoiceHash, bytes32 poHash)
        external
        returns (uint256 rootId)
    {
        _registry.requireActiveWithRole(msg.sender, Role.Supplier);
        _registry.requireActiveWithRole(debtor, Role.CoreEnterprise);
        rootId = _create(debtor, msg.sender, faceValue, dueDate, invoiceHash, ReceivableStatus.Registered);
        emit ReceivableRegistered(
            rootId,
            msg.sender,
            debtor,
            rootId << 16,
            faceValue,
            dueDate,
            invoiceHash,
            poHash,
            ReceivableStatus.None,
            ReceivableStatus.Registered
        );
    }

    /// @inheritdoc IReceivables
    function issue(address supplier, uint256 faceValue, uint64 dueDate, bytes32 invoiceHash, bytes32 poHash)
        external
        returns (uint256 rootId)
    {
        _registry.requireActiveWithRole(msg.sender, Role.CoreEnterprise);
        _registry.requireActiveWithRole(supplier, Role.Supplier);
        rootId = _create(msg.sender, supplier, faceValue, dueDate, invoiceHash, ReceivableStatus.Confirmed);
        emit ReceivableIssued(
            rootId,
            msg.sender,
            supplier,
            rootId << 16,
            faceValue,
            dueDate,
            invoiceHash,
            poHash,
            ReceivableStatus.None,
            ReceivableStatus.Confirmed
        );
    }

    /// @inheritdoc IReceivables
    function confirm(uint256 rootId) external {
        RootData storage r = _debtorRoot(rootId, ReceivableStatus.Registered);
        r.status = ReceivableStatus.Confirmed;
        emit ReceivableConfirmed(
            rootId,
            msg.sender,
            _fragments[rootId << 16].holder,
            r.face,
            ReceivableStatus.Registered,
            ReceivableStatus.Confirmed
        );
    }

    /// @inheritdoc IReceivables
    function reject(uint256 rootId, bytes32 reason) external {
        RootData storage r = _debtorRoot(rootId, ReceivableStatus.Registered);
        r.status = ReceivableStatus.Rejected; // frees its invoice hash (see _create)
        emit ReceivableRejected(rootId, msg.sender, reason, ReceivableStatus.Registered, ReceivableStatus.Rejected);
    }

    /// @inheritdoc IReceivables
    function cancel(uint256 rootId) external {
        RootData storage r = _existingRoot(rootId);
        // While unconfirmed the original fragment cannot move, so its holder is the registering supplier.
        address supplier = _fragments[rootId << 16].holder;
        if (msg.sender != supplier) revert ReceivableNotHolder(rootId << 16, msg.sender, supplier);
        _registry.requireActive(msg.sender);
        if (r.status != ReceivableStatus.Registered) revert ReceivableStatusInvalid(rootId, r.status);
        r.status = ReceivableStatus.Cancelled; // frees its invoice hash (see _create)
        emit ReceivableCancelled(rootId, msg.sender, ReceivableStatus.Registered, ReceivableStatus.Cancelled);
    }

    // ================================================================== splitting down the tiers

    /// @inheritdoc IReceivables
    function offer(uint256 fragmentId, address to, uint256 amount, uint64 expiresAt)
        external
        returns (uint256 offerId)
    {
        FragmentData storage f = _holderFragment(fragmentId);
        _registry.requireActiveOrLedgerContract(msg.sender); // a ledger contract may hold fragments (CreditLines)
        _registry.requireActiveOrLedgerContract(to);
        if (to == msg.sender) revert ReceivableRecipientInvalid(to);
        uint256 rootId = fragmentId >> 16;
        RootData storage r = _roots[rootId];
        _requireTransferable(rootId, r);
        if (f.status != FragmentStatus.Active) revert ReceivableFragmentStatusInvalid(fragmentId, f.status);
        if (f.splitsLeft == 0) revert ReceivableSplitsExhausted(fragmentId);
        uint256 available = f.value - f.locked;
        if (amount == 0 || amount > available) revert ReceivableOfferAmountInvalid(fragmentId, amount, available);
        _requireAboveMinimum(fragmentId, f.value, amount, available - amount);
        if (expiresAt != 0 && (expiresAt <= block.timestamp || expiresAt > type(uint32).max)) {
            revert ReceivableOfferExpiryInvalid(expiresAt);
        }
        uint96 locked = f.locked + uint96(amount);
        f.locked = locked;
        offerId = ++_config.offerCount;
        _offers[offerId] = OfferData({
            fragmentId: uint56(fragmentId),
            to: to,
            status: OfferStatus.Open,
            expiresAt: uint32(expiresAt),
            from: msg.sender,
            amount: uint96(amount)
        });
        emit FragmentOffered(
            offerId, fragmentId, msg.sender, to, amount, locked, expiresAt, OfferStatus.None, OfferStatus.Open
        );
    }

    /// @inheritdoc IReceivables
    function accept(uint256 offerId) external returns (uint256 childId) {
        OfferData storage o = _openOffer(offerId);
        if (msg.sender != o.to) revert ReceivableNotOfferRecipient(offerId, msg.sender, o.to);
        _requireUnexpired(offerId, o);
        _registry.requireActiveOrLedgerContract(msg.sender);
        address from = o.from;
        _registry.requireActiveOrLedgerContract(from);
        uint256 parentId = o.fragmentId;
        uint256 rootId = parentId >> 16;
        RootData storage r = _roots[rootId];
        _requireTransferable(rootId, r);
        uint16 index = r.fragmentCount;
        r.fragmentCount = index + 1;

        uint96 amount = o.amount;
        o.status = OfferStatus.Accepted;
        FragmentData storage parent = _fragments[parentId];
        uint16 childSplits = _spendSplit(parentId, parent, amount);
        uint96 parentValue = parent.value - amount;
        parent.value = parentValue;
        parent.locked -= amount;
        FragmentStatus parentStatus = parent.status;
        if (parentValue == 0) {
            parentStatus = FragmentStatus.Transferred;
            parent.status = parentStatus;
        }
        childId = (rootId << 16) | index;
        FragmentData storage child = _fragments[childId];
        child.holder = msg.sender;
        child.value = amount;
        child.status = FragmentStatus.Active;
        child.parentIndex = uint16(parentId);
        child.splitsLeft = childSplits;
        emit FragmentOfferAccepted(
            offerId, parentId, childId, from, msg.sender, amount, parentValue, parentStatus, OfferStatus.Open, OfferStatus.Accepted
        );
    }

    /// @inheritdoc IReceivables
    function rejectOffer(uint256 offerId) external {
        OfferData storage o = _openOffer(offerId);
        if (msg.sender != o.to) revert ReceivableNotOfferRecipient(offerId, msg.sender, o.to);
        _registry.requireActive(msg.sender);
        _closeOffer(offerId, o, OfferStatus.Rejected);
    }

    /// @inheritdoc IReceivables
    function withdrawOffer(uint256 offerId) external {
        OfferData storage o = _openOffer(offerId);
        if (msg.sender != o.from) revert ReceivableNotOfferSender(offerId, msg.sender, o.from);
        _registry.requireActive(msg.sender);
        _closeOffer(offerId, o, OfferStatus.Withdrawn);
    }

    // ================================================================== discounting

    /// @inheritdoc IReceivables
    function requestDiscount(uint256 fragmentId, address bank, uint16 rateBps, bool withRecourse) external {
        FragmentData storage f = _holderFragment(fragmentId);
        _registry.requireActive(msg.sender);
        _registry.requireActiveWithRole(bank, Role.Bank);
        if (bank == msg.sender) revert ReceivableRecipientInvalid(bank);
        RootData storage r = _roots[fragmentId >> 16];
        _requireTransferable(fragmentId >> 16, r);
        if (f.status != FragmentStatus.Active) revert ReceivableFragmentStatusInvalid(fragmentId, f.status);
        if (f.locked != 0) revert ReceivableFragmentLocked(fragmentId, f.locked);
        _quote(f.value, rateBps, r.dueDate); // refuse terms that could never be funded
        f.status = FragmentStatus.Discounting;
        FinancingData storage fin = _financings[fragmentId];
        fin.bank = bank;
        fin.rateBps = rateBps;
        fin.withRecourse = withRecourse;
        fin.status = FinancingStatus.Requested;
        emit DiscountRequested(
            fragmentId, msg.sender, bank, f.value, rateBps, withRecourse, FragmentStatus.Active, FragmentStatus.Discounting
        );
    }

    /// @inheritdoc IReceivables
    function withdrawDiscountRequest(uint256 fragmentId) external {
        FragmentData storage f = _holderFragment(fragmentId);
        _registry.requireActive(msg.sender);
        if (f.status != FragmentStatus.Discounting) revert ReceivableFragmentStatusInvalid(fragmentId, f.status);
        FinancingData storage fin = _financings[fragmentId];
        f.status = FragmentStatus.Active;
        fin.status = FinancingStatus.Withdrawn;
        emit DiscountRequestWithdrawn(
            fragmentId, msg.sender, fin.bank, FragmentStatus.Discounting, FragmentStatus.Active
        );
    }

    /// @inheritdoc IReceivables
    function declineDiscount(uint256 fragmentId) external {
        FragmentData storage f = _existingFragment(fragmentId);
        if (f.status != FragmentStatus.Discounting) revert ReceivableFragmentStatusInvalid(fragmentId, f.status);
        FinancingData storage fin = _financings[fragmentId];
        if (msg.sender != fin.bank) revert ReceivableNotDiscountBank(fragmentId, msg.sender, fin.bank);
        _registry.requireActive(msg.sender);
        f.status = FragmentStatus.Active;
        fin.status = FinancingStatus.Declined;
        emit DiscountDeclined(fragmentId, f.holder, msg.sender, FragmentStatus.Discounting, FragmentStatus.Active);
    }

    /// @inheritdoc IReceivables
    function discount(uint256 fragmentId, uint16 rateBps, bool withRecourse, uint256 maxPrice, uint64 deadline)
        external
        nonReentrant
        returns (uint256 price)
    {
        if (deadline != 0 && block.timestamp > deadline) revert ReceivableDiscountDeadlinePassed(fragmentId, deadline);
        FragmentData storage f = _existingFragment(fragmentId);
        if (f.status != FragmentStatus.Discounting) revert ReceivableFragmentStatusInvalid(fragmentId, f.status);
        FinancingData storage fin = _financings[fragmentId];
        if (msg.sender != fin.bank) revert ReceivableNotDiscountBank(fragmentId, msg.sender, fin.bank);
        if (rateBps != fin.rateBps || withRecourse != fin.withRecourse) {
            revert ReceivableDiscountTermsMismatch(fragmentId, fin.rateBps, fin.withRecourse);
        }
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        address seller = f.holder;
        _registry.requireActive(seller);
        RootData storage r = _roots[fragmentId >> 16];
        _requireTransferable(fragmentId >> 16, r);
        uint96 value = f.value;
        address debtor = r.debtor;
        _useExposure(msg.sender, debtor, value);
        uint256 daysToMaturity;
        (price, daysToMaturity) = _quote(value, rateBps, r.dueDate);
        if (price > maxPrice) revert ReceivableDiscountPriceAboveMax(fragmentId, price, maxPrice);

        f.holder = msg.sender;
        f.status = FragmentStatus.Financed;
        f.financed = true;
        fin.status = FinancingStatus.Funded;
        fin.fundedAt = uint40(block.timestamp);
        if (withRecourse) {
            fin.seller = seller; // the recourse debtor; without recourse both are in FragmentDiscounted only
            fin.price = uint96(price);
        }
        _token.safeTransferFrom(msg.sender, seller, price);
        _emitDiscounted(fragmentId, seller, debtor, price, daysToMaturity, f, fin);
    }

    /// @inheritdoc IReceivables
    function setExposureLimit(address debtor, uint256 limit) external {
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        _registry.requireActiveWithRole(debtor, Role.CoreEnterprise);
        if (limit > type(uint128).max) revert ReceivableExposureLimitInvalid(limit);
        ExposureData storage e = _exposures[msg.sender][debtor];
        uint256 old = e.limit;
        e.limit = uint128(limit);
        emit ReceivableExposureLimitSet(msg.sender, debtor, old, limit, e.used);
    }

    // ================================================================== repayment

    /// @inheritdoc IReceivables
    function repay(uint256 rootId, uint256 amount) external nonReentrant {
        RootData storage r = _existingRoot(rootId);
        if (msg.sender != r.debtor) revert ReceivableNotDebtor(rootId, msg.sender, r.debtor);
        _registry.requireActive(msg.sender);
        if (r.status != ReceivableStatus.Confirmed) revert ReceivableStatusInvalid(rootId, r.status);
        uint256 outstanding = r.face - r.repaid;
        if (amount == 0 || amount > outstanding) revert ReceivableRepaymentInvalid(rootId, amount, outstanding);
        uint96 repaid = r.repaid + uint96(amount);
        r.repaid = repaid;
        ReceivableStatus newStatus = repaid == r.face ? ReceivableStatus.Settled : ReceivableStatus.Confirmed;
        r.status = newStatus;
        _token.safeTransferFrom(msg.sender, address(this), amount);
        emit ReceivableRepaid(
            rootId,
            msg.sender,
            amount,
            repaid,
            outstanding - amount,
            block.timestamp > r.dueDate,
            ReceivableStatus.Confirmed,
            newStatus
        );
    }

    /// @inheritdoc IReceivables
    function claim(uint256 fragmentId) external nonReentrant returns (uint256 amount) {
        // A fragment that does not exist has no value, so nothing is paid: its existence is checked only then,
        // which spares the payout a second load of the fragment's first slot.
        amount = _payout(fragmentId, _fragments[fragmentId], _roots[fragmentId >> 16], false);
        if (amount == 0) {
            _existingFragment(fragmentId);
            revert ReceivableNothingToClaim(fragmentId);
        }
    }

    /// @inheritdoc IReceivables
    function distribute(uint256 rootId, uint256 start, uint256 count) external nonReentrant returns (uint256 next) {
        if (count == 0 || count > MAX_BATCH) revert ReceivableBatchInvalid(count, MAX_BATCH);
        RootData storage r = _existingRoot(rootId);
        uint256 end = start + count;
        uint256 total = r.fragmentCount;
        if (end > total) end = total;
        for (uint256 i = start; i < end; ++i) {
            uint256 id = (rootId << 16) | i;
            _payout(id, _fragments[id], r, true);
        }
        next = end > start ? end : start;
    }

    // ================================================================== overdue, default and recourse

    /// @inheritdoc IReceivables
    function declareDefault(uint256 fragmentId) external {
        FragmentData storage f = _holderFragment(fragmentId);
        _registry.requireActive(msg.sender);
        RootData storage r = _roots[fragmentId >> 16];
        if (r.status != ReceivableStatus.Confirmed) revert ReceivableStatusInvalid(fragmentId >> 16, r.status);
        uint64 defaultableAt = uint64(r.dueDate) + _config.gracePeriod;
        if (block.timestamp < defaultableAt) revert ReceivableNotDefaultable(fragmentId, defaultableAt);
        FragmentStatus old = f.status;
        if (old != FragmentStatus.Active && old != FragmentStatus.Financed) {
            revert ReceivableFragmentStatusInvalid(fragmentId, old);
        }
        f.status = FragmentStatus.Defaulted;
        uint256 unpaid = f.value - _entitled(f.value, r);
        emit FragmentDefaulted(fragmentId, msg.sender, r.debtor, unpaid, old, FragmentStatus.Defaulted);
    }

    /// @inheritdoc IReceivables
    function exerciseRecourse(uint256 fragmentId) external nonReentrant returns (uint256 debt) {
        FragmentData storage f = _holderFragment(fragmentId);
        _registry.requireActive(msg.sender);
        FinancingData storage fin = _financings[fragmentId];
        RootData storage r = _roots[fragmentId >> 16];
        FragmentStatus old = f.status;
        bool eligible = old == FragmentStatus.Defaulted
            || (old == FragmentStatus.Financed && r.status == ReceivableStatus.Voided);
        if (!f.financed || !fin.withRecourse || !eligible) {
            revert ReceivableRecourseUnavailable(fragmentId, old, fin.withRecourse);
        }
        _payout(fragmentId, f, r, false); // what the debtor already paid belongs to the bank
        debt = f.value - f.paid;
        if (debt == 0) revert ReceivableRecourseUnavailable(fragmentId, f.status, true);
        _exposures[msg.sender][r.debtor].used -= uint128(debt);
        address seller = fin.seller;
        f.holder = seller;
        f.status = FragmentStatus.Recoursed;
        f.financed = false;
        fin.status = FinancingStatus.Recoursed;
        fin.recourseOutstanding = uint96(debt);
        emit RecourseExercised(fragmentId, msg.sender, seller, debt, debt, old, FragmentStatus.Recoursed);
    }

    /// @inheritdoc IReceivables
    function repayRecourse(uint256 fragmentId, uint256 amount) external nonReentrant {
        _existingFragment(fragmentId);
        FinancingData storage fin = _financings[fragmentId];
        if (msg.sender != fin.seller) revert ReceivableNotRecourseDebtor(fragmentId, msg.sender, fin.seller);
        _registry.requireActive(msg.sender);
        uint256 outstanding = fin.recourseOutstanding;
        if (amount == 0 || amount > outstanding) {
            revert ReceivableRecourseRepaymentInvalid(fragmentId, amount, outstanding);
        }
        uint256 left = outstanding - amount;
        fin.recourseOutstanding = uint96(left);
        FinancingStatus newStatus = left == 0 ? FinancingStatus.RecourseSettled : FinancingStatus.Recoursed;
        fin.status = newStatus;
        address bank = fin.bank;
        _token.safeTransferFrom(msg.sender, bank, amount);
        emit RecourseRepaid(fragmentId, msg.sender, bank, amount, left, FinancingStatus.Recoursed, newStatus);
    }

    // ================================================================== disputes

    /// @inheritdoc IReceivables
    function dispute(uint256 rootId, bytes32 reason) external {
        RootData storage r = _debtorRoot(rootId, ReceivableStatus.Confirmed);
        if (block.timestamp >= r.dueDate) revert ReceivableMatured(rootId, r.dueDate);
        r.status = ReceivableStatus.Disputed;
        emit ReceivableDisputed(rootId, msg.sender, reason, ReceivableStatus.Confirmed, ReceivableStatus.Disputed);
    }

    /// @inheritdoc IReceivables
    function resolveDispute(uint256 rootId, bool upheld) external onlyOperator {
        RootData storage r = _existingRoot(rootId);
        if (r.status != ReceivableStatus.Disputed) revert ReceivableStatusInvalid(rootId, r.status);
        ReceivableStatus newStatus = upheld ? ReceivableStatus.Confirmed : ReceivableStatus.Voided;
        r.status = newStatus;
        emit ReceivableDisputeResolved(rootId, msg.sender, upheld, ReceivableStatus.Disputed, newStatus);
    }

    // ================================================================== configuration

    /// @inheritdoc IReceivables
    function setFragmentCap(uint256 cap) external onlyOperator {
        if (cap == 0 || cap > type(uint16).max) revert ReceivableFragmentCapInvalid(cap);
        uint16 old = _config.fragmentCap;
        _config.fragmentCap = uint16(cap);
        emit ReceivableFragmentCapSet(msg.sender, old, uint16(cap));
    }

    /// @inheritdoc IReceivables
    function setMinFragmentValue(uint256 minimum) external onlyOperator {
        if (minimum > type(uint96).max) revert ReceivableMinFragmentValueInvalid(minimum);
        uint256 old = _config.minFragmentValue;
        _config.minFragmentValue = uint96(minimum);
        emit ReceivableMinFragmentValueSet(msg.sender, old, minimum);
    }

    /// @inheritdoc IReceivables
    function setGracePeriod(uint64 gracePeriod_) external onlyOperator {
        if (gracePeriod_ > _MAX_GRACE_PERIOD) revert ReceivableGracePeriodInvalid(gracePeriod_);
        uint64 old = _config.gracePeriod;
        _config.gracePeriod = uint40(gracePeriod_);
        emit ReceivableGracePeriodSet(msg.sender, old, gracePeriod_);
    }

    // ================================================================== reads

    /// @inheritdoc IReceivables
    function getReceivable(uint256 rootId) external view returns (Receivable memory) {
        RootData storage r = _existingRoot(rootId);
        return Receivable({
            id: rootId,
            debtor: r.debtor,
            faceValue: r.face,
            repaid: r.repaid,
            dueDate: r.dueDate,
            status: r.status,
            fragmentCount: r.fragmentCount,
            overdue: _isOverdue(r)
        });
    }

    /// @inheritdoc IReceivables
    function getFragment(uint256 fragmentId) external view returns (Fragment memory) {
        _existingFragment(fragmentId);
        return _fragmentView(fragmentId);
    }

    /// @inheritdoc IReceivables
    function getFragments(uint256 rootId, uint256 start, uint256 count) external view returns (Fragment[] memory out) {
        RootData storage r = _existingRoot(rootId);
        uint256 end = start + count;
        if (end > r.fragmentCount) end = r.fragmentCount;
        out = new Fragment[](end > start ? end - start : 0);
        for (uint256 i = start; i < end; ++i) {
            out[i - start] = _fragmentView((rootId << 16) | i);
        }
    }

    /// @inheritdoc IReceivables
    function getOffer(uint256 offerId) external view returns (Offer memory) {
        OfferData storage o = _offers[offerId];
        if (o.status == OfferStatus.None) revert ReceivableOfferNotFound(offerId);
        return Offer({
            id: offerId,
            fragmentId: o.fragmentId,
            from: o.from,
            to: o.to,
            amount: o.amount,
            expiresAt: o.expiresAt,
            status: o.status
        });
    }

    /// @inheritdoc IReceivables
    function getFinancing(uint256 fragmentId) external view returns (Financing memory) {
        _existingFragment(fragmentId);
        FinancingData storage fin = _financings[fragmentId];
        return Financing({
            fragmentId: fragmentId,
            bank: fin.bank,
            seller: fin.seller,
            rateBps: fin.rateBps,
            withRecourse: fin.withRecourse,
            status: fin.status,
            fundedAt: fin.fundedAt,
            price: fin.price,
            recourseOutstanding: fin.recourseOutstanding
        });
    }

    /// @inheritdoc IReceivables
    function getExposure(address bank, address debtor) external view returns (uint256 limit, uint256 used) {
        ExposureData storage e = _exposures[bank][debtor];
        return (e.limit, e.used);
    }

    /// @inheritdoc IReceivables
    function quoteDiscount(uint256 fragmentId, uint16 rateBps)
        external
        view
        returns (uint256 price, uint256 daysToMaturity)
    {
        FragmentData storage f = _existingFragment(fragmentId);
        return _quote(f.value, rateBps, _roots[fragmentId >> 16].dueDate);
    }

    /// @inheritdoc IReceivables
    function rootOfInvoice(address debtor, bytes32 invoiceHash) external view returns (uint256) {
        return _liveInvoiceRoot(debtor, invoiceHash);
    }

    /// @inheritdoc IReceivables
    function isOverdue(uint256 rootId) external view returns (bool) {
        return _isOverdue(_existingRoot(rootId));
    }

    /// @inheritdoc IReceivables
    function fragmentCap() external view returns (uint16) {
        return _config.fragmentCap;
    }

    /// @inheritdoc IReceivables
    function minFragmentValue() external view returns (uint256) {
        return _config.minFragmentValue;
    }

    /// @inheritdoc IReceivables
    function gracePeriod() external view returns (uint64) {
        return _config.gracePeriod;
    }

    /// @inheritdoc IReceivables
    function receivableCount() external view returns (uint256) {
        return _config.rootCount;
    }

    /// @inheritdoc IReceivables
    function offerCount() external view returns (uint256) {
        return _config.offerCount;
    }

    // ================================================================== internals

    function _create(
        address debtor,
        address holder,
        uint256 faceValue,
        uint64 dueDate,
        bytes32 invoiceHash,
        ReceivableStatus status
    ) private returns (uint256 rootId) {
        if (debtor == holder) revert ReceivableSelfDealing(debtor);
        if (faceValue == 0 || faceValue > type(uint96).max || dueDate <= block.timestamp || invoiceHash == 0) {
            revert ReceivableTermsInvalid(faceValue, dueDate, invoiceHash);
        }
        uint256 existing = _liveInvoiceRoot(debtor, invoiceHash);
        if (existing != 0) revert ReceivableAlreadyRegistered(debtor, invoiceHash, existing);
        rootId = ++_config.rootCount;
        _invoiceRoots[debtor][invoiceHash] = rootId;
        _roots[rootId] = RootData({
            face: uint96(faceValue),
            repaid: 0,
            dueDate: uint40(dueDate),
            status: status,
            fragmentCount: 1,
            debtor: debtor
        });
        FragmentData storage f = _fragments[rootId << 16];
        f.holder = holder;
        f.value = uint96(faceValue);
        f.status = FragmentStatus.Active;
        f.splitsLeft = _config.fragmentCap - 1; // index 0 is this fragment
    }

    /// @dev The debtor's root for `invoiceHash` unless there is none or it was rejected or cancelled (then 0).
    function _liveInvoiceRoot(address debtor, bytes32 invoiceHash) private view returns (uint256 rootId) {
        rootId = _invoiceRoots[debtor][invoiceHash];
        if (rootId != 0) {
            ReceivableStatus status = _roots[rootId].status;
            if (status == ReceivableStatus.Rejected || status == ReceivableStatus.Cancelled) rootId = 0;
        }
    }

    /// @dev A split of `amount` from `value` must leave no fragment below the minimum: the offered amount and the
    /// value left unpromised are each 0 or at least `minFragmentValue`, except that a whole fragment may always be
    /// passed on as it is.
    function _requireAboveMinimum(uint256 fragmentId, uint256 value, uint256 amount, uint256 left) private view {
        if (amount == value) return;
        uint256 minimum = _config.minFragmentValue;
        if (amount < minimum) revert ReceivableFragmentBelowMinimum(fragmentId, amount, minimum);
        if (left != 0 && left < minimum) revert ReceivableFragmentBelowMinimum(fragmentId, left, minimum);
    }

    /// @dev Spends one of the parent's splits on a child of `amount` and returns the child's share of what is left:
    /// floor((splitsLeft - 1) * amount / value). The parent keeps the rest, at least one split while it keeps value.
    function _spendSplit(uint256 parentId, FragmentData storage parent, uint96 amount) private returns (uint16) {
        uint256 left = parent.splitsLeft;
        if (left == 0) revert ReceivableSplitsExhausted(parentId);
        uint256 share = (left - 1) * amount / parent.value;
        parent.splitsLeft = uint16(left - 1 - share);
        return uint16(share);
    }

    /// @dev Pays a fragment what it is owed: floor(value * repaid / face) - paid (see {IReceivables}).
    /// With `skipBlocked`, a holder who may not receive tokens now is skipped instead of reverting the batch.
    function _payout(uint256 fragmentId, FragmentData storage f, RootData storage r, bool skipBlocked)
        private
        returns (uint256 amount)
    {
        // Each slot's fields are read together, before any branch, so that each slot is loaded once.
        (address holder, uint96 value) = (f.holder, f.value);
        (uint96 paid, FragmentStatus old, bool financed) = (f.paid, f.status, f.financed);
        amount = _entitled(value, r) - paid;
        if (amount == 0) return 0;
        if (skipBlocked && _registry.standingOf(holder) != Standing.Active) return 0;
        uint96 totalPaid = paid + uint96(amount);
        FragmentStatus status = totalPaid == value ? FragmentStatus.Paid : old;
        f.paid = totalPaid;
        f.status = status; // same slot as `paid`, just written: no extra cold or fresh write
        if (financed) _exposures[holder][r.debtor].used -= uint128(amount);
        _token.safeTransfer(holder, amount);
        if (financed && totalPaid == value) {
            FinancingData storage fin = _financings[fragmentId];
            FinancingStatus finOld = fin.status;
            fin.status = FinancingStatus.Repaid;
            emit FinancingRepaid(fragmentId, holder, totalPaid, finOld, FinancingStatus.Repaid);
        }
        emit FragmentPaid(fragmentId, holder, amount, totalPaid, old, status); // last: the payout's own event
    }

    /// @dev Separate frame for the event's eleven fields (no viaIR); terms are re-read from warm storage.
    function _emitDiscounted(
        uint256 fragmentId,
        address seller,
        address debtor,
        uint256 price,
        uint256 daysToMaturity,
        FragmentData storage f,
        FinancingData storage fin
    ) private {
        emit FragmentDiscounted(
            fragmentId,
            seller,
            msg.sender,
            debtor,
            f.value,
            price,
            fin.rateBps,
            daysToMaturity,
            fin.withRecourse,
            FragmentStatus.Discounting,
            FragmentStatus.Financed
        );
    }

    function _entitled(uint256 value, RootData storage r) private view returns (uint256) {
        (uint256 repaid, uint256 face) = (r.repaid, r.face); // one load of the root's first slot
        if (repaid == 0) return 0;
        return value * repaid / face;
    }

    function _useExposure(address bank, address debtor, uint256 value) private {
        ExposureData storage e = _exposures[bank][debtor];
        uint256 limit = e.limit;
        uint256 used = e.used;
        uint256 available = limit > used ? limit - used : 0;
        if (value > available) revert ReceivableExposureLimitExceeded(bank, debtor, value, available);
        e.used = uint128(used + value);
    }

    /// @dev Price of `value` discounted at `rateBps` a year for the whole days (rounded up) to `dueDate`.
    function _quote(uint256 value, uint16 rateBps, uint256 dueDate)
        private
        view
        returns (uint256 price, uint256 daysToMaturity)
    {
        daysToMaturity = dueDate > block.timestamp ? (dueDate - block.timestamp + _DAY - 1) / _DAY : 0;
        uint256 discountBps = uint256(rateBps) * daysToMaturity;
        if (rateBps > MAX_RATE_BPS || discountBps >= _YEAR_BPS) {
            revert ReceivableDiscountRateInvalid(rateBps, daysToMaturity);
        }
        price = value * (_YEAR_BPS - discountBps) / _YEAR_BPS;
    }

    function _requireTransferable(uint256 rootId, RootData storage r) private view {
        if (r.status != ReceivableStatus.Confirmed) revert ReceivableStatusInvalid(rootId, r.status);
        if (r.repaid != 0) revert ReceivableRepaymentStarted(rootId, r.repaid);
        if (block.timestamp >= r.dueDate) revert ReceivableMatured(rootId, r.dueDate);
    }

    function _isOverdue(RootData storage r) private view returns (bool) {
        return (r.status == ReceivableStatus.Confirmed || r.status == ReceivableStatus.Disputed)
            && block.timestamp > r.dueDate && r.repaid < r.face;
    }

    function _existingRoot(uint256 rootId) private view returns (RootData storage r) {
        r = _roots[rootId];
        if (r.status == ReceivableStatus.None) revert ReceivableNotFound(rootId);
    }

    function _debtorRoot(uint256 rootId, ReceivableStatus required) private view returns (RootData storage r) {
        r = _existingRoot(rootId);
        if (msg.sender != r.debtor) revert ReceivableNotDebtor(rootId, msg.sender, r.debtor);
        _registry.requireActive(msg.sender);
        if (r.status != required) revert ReceivableStatusInvalid(rootId, r.status);
    }

    function _existingFragment(uint256 fragmentId) private view returns (FragmentData storage f) {
        f = _fragments[fragmentId];
        if (f.holder == address(0)) revert ReceivableFragmentNotFound(fragmentId);
    }

    function _holderFragment(uint256 fragmentId) private view returns (FragmentData storage f) {
        f = _existingFragment(fragmentId);
        if (msg.sender != f.holder) revert ReceivableNotHolder(fragmentId, msg.sender, f.holder);
    }

    function _openOffer(uint256 offerId) private view returns (OfferData storage o) {
        o = _offers[offerId];
        if (o.status == OfferStatus.None) revert ReceivableOfferNotFound(offerId);
        if (o.status != OfferStatus.Open) revert ReceivableOfferNotOpen(offerId, o.status);
    }

    function _requireUnexpired(uint256 offerId, OfferData storage o) private view {
        uint32 expiresAt = o.expiresAt;
        if (expiresAt != 0 && block.timestamp >= expiresAt) revert ReceivableOfferExpired(offerId, expiresAt);
    }

    function _closeOffer(uint256 offerId, OfferData storage o, OfferStatus newStatus) private {
        o.status = newStatus;
        uint256 fragmentId = o.fragmentId;
        _fragments[fragmentId].locked -= o.amount;
        if (newStatus == OfferStatus.Rejected) {
            emit FragmentOfferRejected(offerId, fragmentId, o.from, o.to, o.amount, OfferStatus.Open, newStatus);
        } else {
            emit FragmentOfferWithdrawn(offerId, fragmentId, o.from, o.to, o.amount, OfferStatus.Open, newStatus);
        }
    }

    function _fragmentView(uint256 fragmentId) private view returns (Fragment memory v) {
        FragmentData storage f = _fragments[fragmentId];
        RootData storage r = _roots[fragmentId >> 16];
        uint256 index = fragmentId & 0xffff;
        v.id = fragmentId;
        v.rootId = fragmentId >> 16;
        v.parentId = index == 0 ? 0 : ((fragmentId >> 16) << 16) | f.parentIndex;
        v.holder = f.holder;
        v.value = f.value;
        v.locked = f.locked;
        v.paid = f.paid;
        v.claimable = _entitled(f.value, r) - f.paid;
        v.status = f.status;
        v.financed = f.financed;
        v.splitsLeft = f.splitsLeft;
    }
}
