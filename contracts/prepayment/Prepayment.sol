// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IPrepayment} from "../interfaces/IPrepayment.sol";
import {IWarehouseReceipts} from "../interfaces/IWarehouseReceipts.sol";
import {PrepaymentStatus, PrepaymentParty} from "../types/Prepayment.sol";
import {Role} from "../types/Roles.sol";

/// @title Prepayment
/// @notice Confirmed-warehouse (保兑仓) prepayment financing. Holds the buyer's margin between proposal and
/// funding (or cancellation), the seller's collateral from acceptance to the end of the deal, and claimable
/// balances; the principal goes bank to seller, repayments buyer to bank. The goods' receipt stays with the buyer
/// under this contract's lien until repaid, bought back or seized to the bank.
/// See {IPrepayment}.
contract Prepayment is IPrepayment, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IPrepayment
    uint256 public constant MAX_INSTALMENTS = 12;
    /// @inheritdoc IPrepayment
    uint16 public constant MAX_RATE_BPS = 10_000;
    /// @inheritdoc IPrepayment
    uint64 public constant MAX_GRACE_PERIOD = 365 days;
    uint256 private constant _BPS = 10_000;
    uint256 private constant _YEAR = 365 days;

    /// @dev Seven slots, six written at proposal; later steps rewrite slot 0 (status), 3 (receipt), 4 (interest
    /// carry) and 5 (repayment); slot 6 (recorded debt) only after a default. Money is uint72 (up to 4.7e21 cents),
    /// timestamps uint40; `unitPrice` is `price / quantity` (exact). The collateral is not stored: it is
    /// ceil(principal × collateralBps / 10 000), held while Accepted, Funded or Delivered. The carry is below
    /// 10 000 × 365 days < 2^39.
    struct AgreementRecord {
        address buyer; // slot 0
        PrepaymentStatus status;
        uint8 instalmentCount;
        uint16 marginBps;
        uint16 rateBps;
        uint40 deliveryDeadline;
        address seller; // slot 1
        uint40 maturity;
        uint16 collateralBps;
        uint32 gracePeriod;
        address bank; // slot 2
        uint64 quantity;
        address warehouse; // slot 3
        uint64 receiptId;
        bytes16 commodity; // slot 4
        bytes4 unit;
        uint40 interestCarry;
        uint72 price; // slot 5
        uint72 margin;
        uint72 principalRepaid;
        uint40 interestFrom;
        uint72 debtToBank; // slot 6
        uint72 debtToBuyer;
    }

    /// @dev Due dates pack six to a slot, principals three: two slots for up to three instalments.
    struct Schedule {
        uint40[MAX_INSTALMENTS] dueDates;
        uint72[MAX_INSTALMENTS] principals;
    }

    /// @dev What a buy-back, enforcement or refund owes and how the collateral covers it.
    struct Default {
        uint256 principal;
        uint256 interest;
        uint256 forfeited; // buy-back only; for a refund: the margin owed to the buyer
        uint64 quantity;
        uint256 collateral;
        uint256 applied;
        uint256 debt;
    }

    /// @dev What a repayment moved and released, gathered to keep `repay` within the stack.
    struct Repayment {
        uint256 principal;
        uint256 interest;
        uint256 outstanding;
        uint64 released;
        uint256 releasedReceiptId;
        uint64 pledged;
        PrepaymentStatus newStatus;
    }

    IParticipantRegistry private immutable _registry;
    IERC20 private immutable _token;
    IWarehouseReceipts private immutable _receipts;

    mapping(uint256 id => AgreementRecord) private _agreements;
    mapping(uint256 id => Schedule) private _schedules;
    mapping(address account => uint256) private _claimable;
    uint256 private _nextId = 1;

    constructor(IParticipantRegistry registry_, IERC20 token_, IWarehouseReceipts receipts_) {
        _registry = registry_;
        _token = token_;
        _receipts = receipts_;
    }

    /// @notice The participant registry consulted for every actor.
    function registry() external view returns (IParticipantRegistry) {
        return _registry;
    }

    /// @notice The settlement token all money moves in.
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @notice The warehouse-receipt contract holding the goods' receipts.
    function receipts() external view returns (IWarehouseReceipts) {
        return _receipts;
    }

    // ------------------------------------------------------------------ opening

    /// @inheritdoc IPrepayment
    function propose(PrepaymentTerms calldata terms, Instalment[] calldata schedule)
        external
        nonReentrant
        returns (uint256 id)
    {
        _checkParties(terms);
        (uint256 price, uint256 margin) = _checkTerms(terms);
        _checkSchedule(terms, schedule, price - margin);
        id = _nextId++;
        _store(id, terms, schedule, price, margin);
        if (margin != 0) _token.safeTransferFrom(msg.sender, address(this), margin);
        _emitProposed(id, terms, schedule, margin);
    }

    /// @inheritdoc IPrepayment
    function accept(uint256 id) external nonReentrant {
        AgreementRecord storage a = _agreement(id);
        _requireStatus(id, a, PrepaymentStatus.Proposed);
        _requireCaller(id, a.seller, PrepaymentParty.Seller);
        _registry.requireActiveWithRole(msg.sender, Role.CoreEnterprise);
        _requireBeforeDeadline(id, a);
        a.status = PrepaymentStatus.Accepted;
        uint256 collateral = _collateralOf(a);
        // Locked now, while the seller is present and willing: a default later needs nothing from it.
        if (collateral != 0) _token.safeTransferFrom(msg.sender, address(this), collateral);
        emit PrepaymentAccepted(
            id, msg.sender, a.buyer, a.bank, collateral, PrepaymentStatus.Proposed, PrepaymentStatus.Accepted
        );
    }

    /// @inheritdoc IPrepayment
    function fund(uint256 id) external nonReentrant {
        AgreementRecord storage a = _agreement(id);
        _requireStatus(id, a, PrepaymentStatus.Accepted);
        _requireCaller(id, a.bank, PrepaymentParty.Bank);
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        _requireBeforeDeadline(id, a);
        a.status = PrepaymentStatus.Funded;
        a.interestFrom = uint40(block.timestamp);
        uint256 margin = a.margin;
        uint256 principal = uint256(a.price) - margin;
        address seller = a.seller;
        // Straight to the seller: the bank's money never passes through anyone who could divert it.
        _token.safeTransferFrom(msg.sender, seller, principal);
        if (margin != 0) _token.safeTransfer(seller, margin);
        emit PrepaymentFunded(
            id, msg.sender, seller, a.buyer, principal, margin, a.price, PrepaymentStatus.Accepted, PrepaymentStatus.Funded
        );
    }

    /// @inheritdoc IPrepayment
    function cancel(uint256 id) external nonReentrant {
        AgreementRecord storage a = _agreement(id);
        PrepaymentStatus old = a.status;
        if (old != PrepaymentStatus.Proposed && old != PrepaymentStatus.Accepted) revert PrepaymentStatusInvalid(id, old);
        address buyer = a.buyer;
        if (msg.sender != buyer && msg.sender != a.seller && msg.sender != a.bank) {
            revert PrepaymentNotAParty(id, msg.sender);
        }
        _registry.requireActive(msg.sender);
        a.status = PrepaymentStatus.Cancelled;
        uint256 margin = a.margin;
        if (old == PrepaymentStatus.Accepted) _credit(id, a.seller, _collateralOf(a));
        // The buyer is paid directly when it cancels itself (it is active); otherwise credited, so that a
        // suspended buyer can't keep the seller or the bank from declining.
        if (msg.sender == buyer) {
            if (margin != 0) _token.safeTransfer(buyer, margin);
        } else {
            _credit(id, buyer, margin);
        }
        emit PrepaymentCancelled(id, msg.sender, buyer, margin, old, PrepaymentStatus.Cancelled);
    }

    // ------------------------------------------------------------------ delivery and repayment

    /// @inheritdoc IPrepayment
    function confirmDelivery(uint256 id, bytes16 lotId, bytes16 grade, bytes16 location, bytes32 inspectionHash)
        external
        nonReentrant
        returns (uint256 receiptId)
    {
        AgreementRecord storage a = _agreement(id);
        _requireStatus(id, a, PrepaymentStatus.Funded);
        _requireCaller(id, a.warehouse, PrepaymentParty.Warehouse);
        _registry.requireActiveWithRole(msg.sender, Role.WarehouseOperator);
        // A late confirmation would pre-empt the bank's refund: only the bank can move the deadline.
        if (block.timestamp > a.deliveryDeadline) {
            revert PrepaymentDeliveryLate(id, a.deliveryDeadline, uint64(block.timestamp));
        }
        a.status = PrepaymentStatus.Delivered;
        IWarehouseReceipts.ReceiptTerms memory terms = IWarehouseReceipts.ReceiptTerms({
            commodity: a.commodity,
            unit: a.unit,
            grade: grade,
            location: location,
            lotId: lotId,
            inspectionHash: inspectionHash
        });
        // Owned by the buyer, who bought the goods; the lien (this contract) secures the bank.
        receiptId = _receipts.issuePledged(msg.sender, a.buyer, terms, a.quantity);
        a.receiptId = uint64(receiptId);
        emit PrepaymentDelivered(
            id, msg.sender, receiptId, a.buyer, a.bank, a.quantity, lotId, PrepaymentStatus.Funded, PrepaymentStatus.Delivered
        );
    }

    /// @inheritdoc IPrepayment
    function repay(uint256 id, uint256 principal) external nonReentrant returns (uint256 releasedReceiptId) {
        AgreementRecord storage a = _agreement(id);
        _requireStatus(id, a, PrepaymentStatus.Delivered);
        _requireCaller(id, a.buyer, PrepaymentParty.Buyer);
        _registry.requireActiveWithRole(msg.sender, Role.Distributor);
        Repayment memory r = _applyRepayment(id, a, principal);
        _token.safeTransferFrom(msg.sender, a.bank, r.principal + r.interest);
        if (r.newStatus == PrepaymentStatus.Repaid) {
            _receipts.unlock(a.receiptId);
            r.releasedReceiptId = a.receiptId;
            _credit(id, a.seller, _collateralOf(a)); // released at the end, in full
        } else if (r.released != 0) {
            r.releasedReceiptId = _receipts.splitLocked(a.receiptId, r.released, msg.sender);
        }
        emit PrepaymentRepaid(
            id,
            msg.sender,
            a.bank,
            r.principal,
            r.interest,
            r.outstanding,
            r.released,
            r.releasedReceiptId,
            r.pledged,
            PrepaymentStatus.Delivered,
            r.newStatus
        );
        return r.releasedReceiptId;
    }

    // ------------------------------------------------------------------ enforcement

    /// @inheritdoc IPrepayment
    function buyBack(uint256 id) external nonReentrant {
        AgreementRecord storage a = _agreement(id);
        _requireStatus(id, a, PrepaymentStatus.Delivered);
        _requireCaller(id, a.bank, PrepaymentParty.Bank);
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        if (block.timestamp <= a.maturity) revert PrepaymentNotOverdue(id, a.maturity, uint64(block.timestamp));
        Default memory d = _buyBackTerms(a);
        _cover(d, d.principal + d.interest + d.forfeited);
        a.status = PrepaymentStatus.BoughtBack;
        a.interestFrom = uint40(block.timestamp);
        address seller = a.seller;
        if (d.applied != 0) _token.safeTransfer(msg.sender, d.applied);
        if (d.debt != 0) _token.safeTransferFrom(seller, msg.sender, d.debt); // the seller pays the rest now
        _credit(id, seller, d.collateral - d.applied);
        _receipts.seize(a.receiptId, seller);
        emit PrepaymentBoughtBack(
            id,
            seller,
            msg.sender,
            a.buyer,
            a.receiptId,
            d.quantity,
            d.principal,
            d.interest,
            d.forfeited,
            d.applied,
            PrepaymentStatus.Delivered,
            PrepaymentStatus.BoughtBack
        );
    }

    /// @inheritdoc IPrepayment
    function enforce(uint256 id) external nonReentrant {
        AgreementRecord storage a = _agreement(id);
        _requireStatus(id, a, PrepaymentStatus.Delivered);
        _requireCaller(id, a.bank, PrepaymentParty.Bank);
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        uint256 from = uint256(a.maturity) + a.gracePeriod;
        if (block.timestamp <= from) revert PrepaymentGracePeriodNotOver(id, uint64(from), uint64(block.timestamp));
        Default memory d = _buyBackTerms(a);
        _cover(d, d.principal + d.interest); // the bank keeps the goods: the buyer's margin is not owed on top
        a.status = PrepaymentStatus.Defaulted;
        a.interestFrom = uint40(block.timestamp);
        a.debtToBank = SafeCast.toUint72(d.debt);
        address seller = a.seller;
        if (d.applied != 0) _token.safeTransfer(msg.sender, d.applied);
        _credit(id, seller, d.collateral - d.applied);
        // Lifts the lien whatever the seller's or buyer's standing: only the bank, the recipient, must be active.
        _receipts.seize(a.receiptId, msg.sender);
        emit PrepaymentEnforced(
            id,
            msg.sender,
            seller,
            a.buyer,
            a.receiptId,
            d.quantity,
            d.principal,
            d.interest,
            d.applied,
            d.debt,
            PrepaymentStatus.Delivered,
            PrepaymentStatus.Defaulted
        );
        if (d.debt != 0) emit PrepaymentDebtRecorded(id, seller, d.debt, 0);
    }

    /// @inheritdoc IPrepayment
    function demandRefund(uint256 id) external nonReentrant {
        AgreementRecord storage a = _agreement(id);
        _requireStatus(id, a, PrepaymentStatus.Funded);
        _requireCaller(id, a.bank, PrepaymentParty.Bank);
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        if (block.timestamp <= a.deliveryDeadline) {
            revert PrepaymentDeliveryDeadlineNotPassed(id, a.deliveryDeadline, uint64(block.timestamp));
        }
        Default memory d;
        d.forfeited = a.margin; // owed back to the buyer
        d.principal = uint256(a.price) - d.forfeited;
        (d.interest,) = _accrual(a);
        d.collateral = _collateralOf(a);
        // The bank first, then the buyer's margin; the seller gets back what neither needs.
        _cover(d, d.principal + d.interest);
        uint256 toBank = d.applied;
        uint256 debtToBank = d.debt;
        _cover(d, d.principal + d.interest + d.forfeited);
        uint256 toBuyer = d.applied - toBank;
        a.status = PrepaymentStatus.Refunded;
        a.interestFrom = uint40(block.timestamp);
        a.debtToBank = SafeCast.toUint72(debtToBank);
        a.debtToBuyer = SafeCast.toUint72(d.debt - debtToBank);
        address seller = a.seller;
        if (toBank != 0) _token.safeTransfer(msg.sender, toBank);
        _credit(id, a.buyer, toBuyer);
        _credit(id, seller, d.collateral - d.applied);
        emit PrepaymentRefunded(
            id,
            seller,
            msg.sender,
            a.buyer,
            d.principal,
            d.interest,
            d.forfeited,
            d.applied,
            d.debt,
            PrepaymentStatus.Funded,
            PrepaymentStatus.Refunded
        );
        if (d.debt != 0) emit PrepaymentDebtRecorded(id, seller, debtToBank, d.debt - debtToBank);
    }

    /// @inheritdoc IPrepayment
    function extendDeliveryDeadline(uint256 id, uint64 newDeadline) external {
        AgreementRecord storage a = _agreement(id);
        _requireStatus(id, a, PrepaymentStatus.Funded);
        _requireCaller(id, a.bank, PrepaymentParty.Bank);
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        uint64 old = a.deliveryDeadline;
        if (newDeadline <= old || newDeadline > a.maturity || newDeadline <= block.timestamp) {
            revert PrepaymentDeadlineExtensionInvalid(id, old, newDeadline, a.maturity);
        }
        a.deliveryDeadline = uint40(newDeadline);
        emit PrepaymentDeliveryDeadlineExtended(id, msg.sender, old, newDeadline);
    }

    // ------------------------------------------------------------------ recorded debt and claims

    /// @inheritdoc IPrepayment
    function repayDebt(uint256 id, uint256 amount) external nonReentrant {
        AgreementRecord storage a = _agreement(id);
        uint256 owedToBank = a.debtToBank;
        uint256 owedToBuyer = a.debtToBuyer;
        if (amount == 0 || amount > owedToBank + owedToBuyer) {
            revert PrepaymentDebtAmountInvalid(id, amount, owedToBank + owedToBuyer);
        }
        _registry.requireActive(msg.sender);
        uint256 toBank = amount < owedToBank ? amount : owedToBank;
        uint256 toBuyer = amount - toBank;
        owedToBank -= toBank;
        owedToBuyer -= toBuyer;
        a.debtToBank = uint72(owedToBank);
        a.debtToBuyer = uint72(owedToBuyer);
        if (toBank != 0) _token.safeTransferFrom(msg.sender, a.bank, toBank);
        if (toBuyer != 0) {
            _token.safeTransferFrom(msg.sender, address(this), toBuyer);
            _credit(id, a.buyer, toBuyer);
        }
        emit PrepaymentDebtRepaid(id, msg.sender, toBank, toBuyer, owedToBank, owedToBuyer);
    }

    /// @inheritdoc IPrepayment
    function writeDownDebt(uint256 id, uint256 amount) external {
        AgreementRecord storage a = _agreement(id);
        _requireCaller(id, a.bank, PrepaymentParty.Bank);
        uint256 owed = a.debtToBank;
        if (amount == 0 || amount > owed) revert PrepaymentDebtAmountInvalid(id, amount, owed);
        a.debtToBank = uint72(owed - amount);
        emit PrepaymentDebtWrittenDown(id, msg.sender, amount, owed - amount);
    }

    /// @inheritdoc IPrepayment
    function claim() external nonReentrant returns (uint256 amount) {
        amount = _claimable[msg.sender];
        if (amount == 0) revert PrepaymentNothingToClaim(msg.sender);
        _claimable[msg.sender] = 0;
        _token.safeTransfer(msg.sender, amount);
        emit PrepaymentClaimed(msg.sender, amount);
    }

    /// @inheritdoc IPrepayment
    function claimable(address account) external view returns (uint256) {
        return _claimable[account];
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc IPrepayment
    function getAgreement(uint256 id) external view returns (Agreement memory out) {
        AgreementRecord storage a = _agreements[id];
        out.id = id;
        out.status = a.status;
        out.buyer = a.buyer;
        out.seller = a.seller;
        out.bank = a.bank;
        out.warehouse = a.warehouse;
        out.commodity = a.commodity;
        out.unit = a.unit;
        out.quantity = a.quantity;
        out.unitPrice = a.quantity == 0 ? 0 : uint256(a.price) / a.quantity;
        out.price = a.price;
        out.margin = a.margin;
        out.principal = uint256(a.price) - a.margin;
        out.marginBps = a.marginBps;
        out.rateBps = a.rateBps;
        out.deliveryDeadline = a.deliveryDeadline;
        out.maturity = a.maturity;
        out.interestFrom = a.interestFrom;
        out.principalRepaid = a.principalRepaid;
        out.releasedQuantity = _releasedQuantity(a, a.principalRepaid);
        out.receiptId = a.receiptId;
        out.instalmentCount = a.instalmentCount;
        out.collateralBps = a.collateralBps;
        out.gracePeriod = a.gracePeriod;
        out.collateral = _collateralOf(a);
        PrepaymentStatus status = a.status;
        if (
            status == PrepaymentStatus.Accepted || status == PrepaymentStatus.Funded
                || status == PrepaymentStatus.Delivered
        ) out.collateralHeld = out.collateral;
        out.interestCarry = a.interestCarry;
        out.debtToBank = a.debtToBank;
        out.debtToBuyer = a.debtToBuyer;
    }

    /// @inheritdoc IPrepayment
    function getSchedule(uint256 id) external view returns (Instalment[] memory out) {
        uint256 n = _agreements[id].instalmentCount;
        Schedule storage s = _schedules[id];
        out = new Instalment[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = Instalment({dueDate: s.dueDates[i], principal: s.principals[i]});
        }
    }

    /// @inheritdoc IPrepayment
    function accruedInterest(uint256 id) external view returns (uint256) {
        AgreementRecord storage a = _agreements[id];
        if (a.status != PrepaymentStatus.Funded && a.status != PrepaymentStatus.Delivered) return 0;
        (uint256 interest,) = _accrual(a);
        return interest;
    }

    /// @inheritdoc IPrepayment
    function quoteRepayment(uint256 id, uint256 principal)
        external
        view
        returns (uint256 interest, uint256 total, uint64 releasedQuantity)
    {
        AgreementRecord storage a = _agreement(id);
        _requireStatus(id, a, PrepaymentStatus.Delivered);
        uint256 outstanding = _outstanding(a);
        if (principal == 0 || principal > outstanding) revert PrepaymentRepaymentInvalid(id, principal, outstanding);
        (interest,) = _accrual(a);
        total = principal + interest;
        releasedQuantity = _releasedQuantity(a, a.principalRepaid + principal) - _releasedQuantity(a, a.principalRepaid);
    }

    /// @inheritdoc IPrepayment
    function quoteBuyBack(uint256 id)
        external
        view
        returns (uint256 principal, uint256 interest, uint256 forfeitedMargin, uint64 quantity)
    {
        AgreementRecord storage a = _agreement(id);
        _requireStatus(id, a, PrepaymentStatus.Delivered);
        Default memory d = _buyBackTerms(a);
        return (d.principal, d.interest, d.forfeited, d.quantity);
    }

    /// @inheritdoc IPrepayment
    function quoteRefund(uint256 id) external view returns (uint256 principal, uint256 interest, uint256 margin) {
        AgreementRecord storage a = _agreement(id);
        _requireStatus(id, a, PrepaymentStatus.Funded);
        margin = a.margin;
        principal = uint256(a.price) - margin;
        (interest,) = _accrual(a);
    }

    /// @inheritdoc IPrepayment
    function nextInstalment(uint256 id) external view returns (uint256 index, uint64 dueDate, uint256 principalDue) {
        AgreementRecord storage a = _agreements[id];
        Schedule storage s = _schedules[id];
        uint256 n = a.instalmentCount;
        uint256 repaid = a.principalRepaid;
        uint256 cumulative;
        for (uint256 i; i < n; ++i) {
            cumulative += s.principals[i];
            if (cumulative > repaid) return (i, s.dueDates[i], cumulative - repaid);
        }
        return (n, 0, 0);
    }

    /// @inheritdoc IPrepayment
    function nextAgreementId() external view returns (uint256) {
        return _nextId;
    }

    // ------------------------------------------------------------------ internals: checks

    function _checkParties(PrepaymentTerms calldata t) private view {
        address buyer = msg.sender;
        if (
            t.seller == address(0) || t.bank == address(0) || t.warehouse == address(0) || buyer == t.seller
                || buyer == t.bank || buyer == t.warehouse || t.seller == t.bank || t.seller == t.warehouse
                || t.bank == t.warehouse
        ) revert PrepaymentPartiesInvalid(buyer, t.seller, t.bank, t.warehouse);
        _registry.requireActiveWithRole(buyer, Role.Distributor);
        _registry.requireActiveWithRole(t.seller, Role.CoreEnterprise);
        _registry.requireActiveWithRole(t.bank, Role.Bank);
        _registry.requireActiveWithRole(t.warehouse, Role.WarehouseOperator);
    }

    function _checkTerms(PrepaymentTerms calldata t) private view returns (uint256 price, uint256 margin) {
        if (
            t.commodity == 0 || t.unit == 0 || t.quantity == 0 || t.unitPrice == 0
                || t.unitPrice > type(uint72).max / t.quantity || t.marginBps == 0 || t.marginBps >= _BPS
                || t.rateBps > MAX_RATE_BPS
        ) revert PrepaymentTermsInvalid(t.commodity, t.unit, t.quantity, t.unitPrice, t.marginBps, t.rateBps);
        if (
            t.deliveryDeadline <= block.timestamp || t.maturity < t.deliveryDeadline || t.maturity > type(uint40).max
        ) revert PrepaymentDatesInvalid(t.deliveryDeadline, t.maturity, uint64(block.timestamp));
        if (t.collateralBps > _BPS || t.gracePeriod > MAX_GRACE_PERIOD) {
            revert PrepaymentGuaranteeInvalid(t.collateralBps, t.gracePeriod);
        }
        price = uint256(t.quantity) * t.unitPrice;
        margin = price * t.marginBps / _BPS; // rounded down: the bank funds the remainder
    }

    function _checkSchedule(PrepaymentTerms calldata t, Instalment[] calldata schedule, uint256 principal)
        private
        pure
    {
        uint256 n = schedule.length;
        if (n == 0) revert PrepaymentScheduleInvalid(0, 0, 0);
        if (n > MAX_INSTALMENTS) {
            revert PrepaymentScheduleInvalid(
                MAX_INSTALMENTS, schedule[MAX_INSTALMENTS].dueDate, schedule[MAX_INSTALMENTS].principal
            );
        }
        uint256 previous = t.deliveryDeadline;
        uint256 total;
        for (uint256 i; i < n; ++i) {
            Instalment calldata item = schedule[i];
            if (item.principal == 0 || item.principal > principal || item.dueDate <= previous || item.dueDate > t.maturity) {
                revert PrepaymentScheduleInvalid(i, item.dueDate, item.principal);
            }
            previous = item.dueDate;
            total += item.principal;
        }
        if (total != principal) revert PrepaymentScheduleTotalMismatch(total, principal);
    }

    function _agreement(uint256 id) private view returns (AgreementRecord storage a) {
        a = _agreements[id];
        if (a.status == PrepaymentStatus.None) revert PrepaymentNotFound(id);
    }

    function _requireStatus(uint256 id, AgreementRecord storage a, PrepaymentStatus required) private view {
        if (a.status != required) revert PrepaymentStatusInvalid(id, a.status);
    }

    function _requireCaller(uint256 id, address expected, PrepaymentParty party) private view {
        if (msg.sender != expected) revert PrepaymentUnauthorized(id, msg.sender, party, expected);
    }

    function _requireBeforeDeadline(uint256 id, AgreementRecord storage a) private view {
        if (block.timestamp >= a.deliveryDeadline) {
            revert PrepaymentDeliveryDeadlinePassed(id, a.deliveryDeadline, uint64(block.timestamp));
        }
    }

    // ------------------------------------------------------------------ internals: effects and arithmetic

    function _store(
        uint256 id,
        PrepaymentTerms calldata t,
        Instalment[] calldata schedule,
        uint256 price,
        uint256 margin
    ) private {
        _agreements[id] = AgreementRecord({
            buyer: msg.sender,
            status: PrepaymentStatus.Proposed,
            instalmentCount: uint8(schedule.length),
            marginBps: t.marginBps,
            rateBps: t.rateBps,
            deliveryDeadline: uint40(t.deliveryDeadline),
            seller: t.seller,
            maturity: uint40(t.maturity),
            collateralBps: t.collateralBps,
            gracePeriod: uint32(t.gracePeriod),
            bank: t.bank,
            quantity: t.quantity,
            warehouse: t.warehouse,
            receiptId: 0,
            commodity: t.commodity,
            unit: t.unit,
            interestCarry: 0,
            price: uint72(price),
            margin: uint72(margin),
            principalRepaid: 0,
            interestFrom: 0,
            debtToBank: 0,
            debtToBuyer: 0
        });
        Schedule storage s = _schedules[id];
        for (uint256 i; i < schedule.length; ++i) {
            s.dueDates[i] = uint40(schedule[i].dueDate);
            s.principals[i] = uint72(schedule[i].principal);
        }
    }

    function _applyRepayment(uint256 id, AgreementRecord storage a, uint256 principal)
        private
        returns (Repayment memory r)
    {
        uint256 repaid = a.principalRepaid;
        uint256 outstanding = uint256(a.price) - a.margin - repaid;
        if (principal == 0 || principal > outstanding) revert PrepaymentRepaymentInvalid(id, principal, outstanding);
        r.principal = principal;
        uint256 carry;
        (r.interest, carry) = _accrual(a);
        r.outstanding = outstanding - principal;
        uint64 releasedBefore = _releasedQuantity(a, repaid);
        uint64 releasedAfter = _releasedQuantity(a, repaid + principal);
        r.released = releasedAfter - releasedBefore; // the last repayment's floor is the whole quantity
        r.pledged = a.quantity - releasedAfter;
        r.newStatus = r.outstanding == 0 ? PrepaymentStatus.Repaid : PrepaymentStatus.Delivered;
        a.principalRepaid = uint72(repaid + principal);
        a.interestFrom = uint40(block.timestamp);
        a.interestCarry = uint40(carry); // accrual is brought up to date before the principal changes
        if (r.newStatus == PrepaymentStatus.Repaid) a.status = PrepaymentStatus.Repaid;
    }

    function _buyBackTerms(AgreementRecord storage a) private view returns (Default memory d) {
        uint256 financed = uint256(a.price) - a.margin;
        d.principal = financed - a.principalRepaid;
        (d.interest,) = _accrual(a);
        d.forfeited = uint256(a.margin) * d.principal / financed; // rounded down: the remainder stays with the seller
        d.quantity = a.quantity - _releasedQuantity(a, a.principalRepaid);
        d.collateral = _collateralOf(a);
    }

    /// @dev The collateral pays `owed` as far as it goes; `debt` is the rest.
    function _cover(Default memory d, uint256 owed) private pure {
        d.applied = d.collateral < owed ? d.collateral : owed;
        d.debt = owed - d.applied;
    }

    /// @dev ceil(principal × collateralBps / 10 000): rounded up, against the guarantor who posts it.
    function _collateralOf(AgreementRecord storage a) private view returns (uint256) {
        uint256 n = (uint256(a.price) - a.margin) * a.collateralBps;
        return (n + _BPS - 1) / _BPS;
    }

    /// @dev Money this contract owes `account` is credited, never pushed: a suspended party can't block anyone.
    function _credit(uint256 id, address account, uint256 amount) private {
        if (amount == 0) return;
        _claimable[account] += amount;
        emit PrepaymentCredited(id, account, amount);
    }

    /// @dev floor(quantity × repaid / principal): the goods released once `repaid` of the principal is repaid.
    function _releasedQuantity(AgreementRecord storage a, uint256 repaid) private view returns (uint64) {
        uint256 financed = uint256(a.price) - a.margin;
        if (financed == 0) return 0;
        return uint64(uint256(a.quantity) * repaid / financed);
    }

    function _outstanding(AgreementRecord storage a) private view returns (uint256) {
        return uint256(a.price) - a.margin - a.principalRepaid;
    }

    /// @dev Actual/365 on whole seconds since `interestFrom`, plus the carried remainder, rounded down; the new
    /// remainder is carried to the next accrual, so nothing is lost to rounding across repayments.
    function _accrual(AgreementRecord storage a) private view returns (uint256 interest, uint256 carry) {
        uint256 n = _outstanding(a) * a.rateBps * (block.timestamp - a.interestFrom) + a.interestCarry;
        interest = n / (_BPS * _YEAR);
        carry = n % (_BPS * _YEAR);
    }

    /// @dev The proposal event's fields, gathered in memory so that emitting them stays within the stack.
    struct Proposal {
        uint256 id;
        address seller;
        address bank;
        address warehouse;
        bytes16 commodity;
        bytes4 unit;
        uint64 quantity;
        uint256 unitPrice;
        uint256 margin;
        uint16 marginBps;
        uint16 rateBps;
        uint64 deliveryDeadline;
        uint64 maturity;
        uint16 collateralBps;
        uint64 gracePeriod;
        Instalment[] schedule;
    }

    function _emitProposed(uint256 id, PrepaymentTerms calldata t, Instalment[] calldata schedule, uint256 margin)
        private
    {
        _emitProposed(
            Proposal({
                id: id,
                seller: t.seller,
                bank: t.bank,
                warehouse: t.warehouse,
                commodity: t.commodity,
                unit: t.unit,
                quantity: t.quantity,
                unitPrice: t.unitPrice,
                margin: margin,
                marginBps: t.marginBps,
                rateBps: t.rateBps,
                deliveryDeadline: t.deliveryDeadline,
                maturity: t.maturity,
                collateralBps: t.collateralBps,
                gracePeriod: t.gracePeriod,
                schedule: schedule
            })
        );
    }

    function _emitProposed(Proposal memory p) private {
        emit PrepaymentProposed(
            p.id,
            msg.sender,
            p.seller,
            p.bank,
            p.warehouse,
            p.commodity,
            p.unit,
            p.quantity,
            p.unitPrice,
            p.margin,
            p.marginBps,
            p.rateBps,
            p.deliveryDeadline,
            p.maturity,
            p.schedule,
            PrepaymentStatus.None,
            PrepaymentStatus.Proposed
        );
        // The guarantee's terms, in their own event: the proposal event is at the stack's limit.
        emit PrepaymentGuaranteeProposed(
            p.id, p.seller, p.collateralBps, p.gracePeriod, _collateralOf(_agreements[p.id])
        );
    }
}
