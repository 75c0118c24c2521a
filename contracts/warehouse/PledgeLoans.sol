// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IPledgeLoans} from "../interfaces/IPledgeLoans.sol";
import {IPriceFeed} from "../interfaces/IPriceFeed.sol";
import {IWarehouseReceipts} from "../interfaces/IWarehouseReceipts.sol";
import {Role} from "../types/Roles.sol";
import {LoanStatus, ProgramStatus, ReceiptStatus} from "../types/Warehouse.sol";

/// @title PledgeLoans
/// @notice Loan book of warehouse-receipt pledge loans. Holds no tokens and no receipts: funding goes bank to
/// borrower, repayments payer to bank, and pledged receipts stay with their owner under this contract's lien.
/// OpenZeppelin `Multicall` batches calls of one sender atomically (e.g. a bank's portfolio of foreclosures, a
/// borrower repaying several loans). See {IPledgeLoans}.
contract PledgeLoans is IPledgeLoans, ReentrancyGuardTransient, Multicall {
    using SafeERC20 for IERC20;

    /// @notice Most receipts one loan may hold, so foreclosure and full release always fit in a transaction.
    uint256 public constant MAX_RECEIPTS = 5;
    uint256 private constant _BPS = 10_000;
    uint256 private constant _YEAR = 365 days;
    uint8 private constant _LISTED_WAREHOUSES = 1;
    uint8 private constant _LISTED_BORROWERS = 2;

    /// @dev Three slots; a pledge reads the first two and writes the second. Terms are immutable once opened; status,
    /// the allow-list switches, the cap and the outstanding principal change.
    struct ProgramRecord {
        address bank; // slot 0
        uint16 rateBps;
        uint16 maxLtvBps;
        uint16 marginCallLtvBps;
        ProgramStatus status;
        uint8 listed; // _LISTED_WAREHOUSES | _LISTED_BORROWERS: which allow-lists are on
        uint32 maxTenor;
        bytes16 commodity; // slot 1
        uint64 outstanding; // principal lent under the program and not yet repaid or foreclosed
        uint64 cap; // most principal outstanding at once
        uint32 curePeriod; // slot 2
    }

    /// @dev Two slots written when a loan opens; the third only when it takes more receipts or is margin called.
    struct LoanRecord {
        address borrower; // slot 0
        uint32 programId;
        uint40 maturity;
        LoanStatus status;
        uint8 receiptCount;
        uint64 principal; // slot 1: principal <= the program's cap < 2^64
        uint64 interest;
        uint40 accruedAt;
        uint40 firstReceipt;
        uint48 interestCarry; // remainder of the last accrual, in cents x 10,000 x 365 days (< 2^39)
        uint160 moreReceipts; // slot 2: receipts 2 to 5, 40 bits each
        uint40 marginCallDeadline;
    }

    struct Opening {
        uint256 loanId;
        address bank;
        uint256 programId;
        uint256 receiptId;
        uint64 quantity;
        uint128 price;
        uint256 principal;
        uint256 limit;
        uint256 ltvBps;
        uint16 rateBps;
        uint64 maturity;
    }

    struct Payment {
        uint256 paid;
        uint256 interestPaid;
        uint256 principalPaid;
        uint256 principal; // left
        uint256 interest; // left
    }

    struct Closing {
        uint256 principal;
        uint256 interest;
        uint256 debt;
        uint64 quantity;
        uint64 seized;
        uint128 price;
        uint256 value;
        uint256 shortfall;
    }

    IParticipantRegistry private immutable _registry;
    IERC20 private immutable _token;
    IWarehouseReceipts private immutable _receipts;
    IPriceFeed private immutable _feed;

    mapping(uint256 programId => ProgramRecord) private _programs;
    mapping(uint256 loanId => LoanRecord) private _loans;
    mapping(uint256 loanId => uint256) private _shortfalls;
    mapping(uint256 programId => mapping(address warehouse => bool)) private _listedWarehouses;
    mapping(uint256 programId => mapping(address borrower => bool)) private _listedBorrowers;
    uint32 private _programCount;
    uint64 private _loanCount;

    constructor(IParticipantRegistry registry_, IERC20 token_, IWarehouseReceipts receipts_, IPriceFeed feed_) {
        _registry = registry_;
        _token = token_;
        _receipts = receipts_;
        _feed = feed_;
    }

    // ------------------------------------------------------------------ banks

    /// @inheritdoc IPledgeLoans
    function openProgram(
        bytes16 commodity,
        uint16 rateBps,
        uint16 maxLtvBps,
        uint16 marginCallLtvBps,
        uint32 curePeriod,
        uint32 maxTenor,
        uint64 cap
    ) external returns (uint256 programId) {
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        if (cap == 0) revert LoanProgramCapInvalid(cap);
        if (
            maxLtvBps == 0 || maxLtvBps >= marginCallLtvBps || marginCallLtvBps > _BPS || rateBps > _BPS
                || curePeriod == 0 || maxTenor == 0
        ) revert LoanProgramTermsInvalid(commodity, rateBps, maxLtvBps, marginCallLtvBps, curePeriod, maxTenor);
        if (_feed.getFeed(commodity).maxAge == 0) revert IPriceFeed.PriceCommodityNotListed(commodity);
        programId = ++_programCount;
        _programs[programId] = ProgramRecord({
            bank: msg.sender,
            rateBps: rateBps,
            maxLtvBps: maxLtvBps,
            marginCallLtvBps: marginCallLtvBps,
            status: ProgramStatus.Open,
            commodity: commodity,
            curePeriod: curePeriod,
            maxTenor: maxTenor,
            listed: 0,
            cap: cap,
            outstanding: 0
        });
        emit ProgramOpened(
            programId,
            msg.sender,
            commodity,
            rateBps,
            maxLtvBps,
            marginCallLtvBps,
            curePeriod,
            maxTenor,
            cap,
            ProgramStatus.None,
            ProgramStatus.Open
        );
    }

    /// @inheritdoc IPledgeLoans
    function setProgramCap(uint256 programId, uint64 cap) external {
        ProgramRecord storage p = _bankProgram(programId);
        if (cap == 0) revert LoanProgramCapInvalid(cap);
        uint64 old = p.cap;
        p.cap = cap;
        emit ProgramCapSet(programId, msg.sender, old, cap, p.outstanding);
    }

    /// @inheritdoc IPledgeLoans
    function setProgramAllowLists(uint256 programId, bool warehousesListed, bool borrowersListed) external {
        ProgramRecord storage p = _bankProgram(programId);
        p.listed = (warehousesListed ? _LISTED_WAREHOUSES : 0) | (borrowersListed ? _LISTED_BORROWERS : 0);
        emit ProgramAllowListsSet(programId, msg.sender, warehousesListed, borrowersListed);
    }

    /// @inheritdoc IPledgeLoans
    function setProgramWarehouse(uint256 programId, address warehouse, bool listed) external {
        _bankProgram(programId);
        _listedWarehouses[programId][warehouse] = listed;
        emit ProgramWarehouseListed(programId, warehouse, listed);
    }

    /// @inheritdoc IPledgeLoans
    function setProgramBorrower(uint256 programId, address borrower, bool listed) external {
        _bankProgram(programId);
        _listedBorrowers[programId][borrower] = listed;
        emit ProgramBorrowerListed(programId, borrower, listed);
    }

    /// @inheritdoc IPledgeLoans
    function closeProgram(uint256 programId) external {
        ProgramRecord storage p = _programs[programId];
        if (p.status != ProgramStatus.Open) revert LoanProgramNotOpen(programId, p.status);
        if (p.bank != msg.sender) revert LoanProgramNotBank(programId, msg.sender, p.bank);
        p.status = ProgramStatus.Closed;
        emit ProgramClosed(programId, msg.sender, ProgramStatus.Open, ProgramStatus.Closed);
    }

    /// @inheritdoc IPledgeLoans
    function foreclose(uint256 loanId) external nonReentrant {
        LoanRecord storage l = _openLoan(loanId);
        ProgramRecord storage p = _programs[l.programId];
        address bank = p.bank;
        if (msg.sender != bank) revert LoanNotBank(loanId, msg.sender, bank);
        _registry.requireActiveWithRole(bank, Role.Bank);
        LoanStatus old = l.status;
        bool matured = block.timestamp > l.maturity;
        bool uncured = old == LoanStatus.MarginCalled && block.timestamp > l.marginCallDeadline;
        if (!matured && !uncured) {
            revert LoanForeclosureNotDue(loanId, old, l.marginCallDeadline, l.maturity);
        }
        Closing memory c = _valueForClosing(l, p);
        // An uncured margin call is enforced only while a fresh price still shows the breach: a cure made while the
        // feed was quiet (a repayment, more collateral) counts, and the deadline cannot run out on a stale price.
        if (!matured && c.debt * _BPS <= c.value * p.marginCallLtvBps) {
            revert LoanMarginCallNotDue(loanId, c.debt * _BPS / c.value, p.marginCallLtvBps);
        }
        l.status = LoanStatus.Foreclosed;
        l.interest = SafeCast.toUint64(c.interest); // reverts rather than truncate a debt
        l.accruedAt = uint40(block.timestamp);
        l.interestCarry = 0; // a closed loan accrues no more: the last fraction of a cent stays with the borrower
        l.marginCallDeadline = 0;
        _shortfalls[loanId] = c.shortfall;
        p.outstanding -= uint64(c.principal); // the loan's principal is part of the outstanding sum
        _settleCollateral(l, bank, c.seized);
        emit LoanForeclosed(
            loanId,
            bank,
            l.borrower,
            c.principal,
            c.interest,
            c.quantity,
            c.seized,
            c.price,
            c.value,
            c.shortfall,
            old,
            LoanStatus.Foreclosed
        );
    }

    // ------------------------------------------------------------------ borrowers

    /// @inheritdoc IPledgeLoans
    function pledge(uint256 programId, uint256 receiptId, uint256 principal, uint64 maturity)
        external
        nonReentrant
        returns (uint256 loanId)
    {
        Opening memory o = _quote(programId, receiptId, principal, maturity);
        ProgramRecord storage p = _programs[programId];
        uint256 outstanding = uint256(p.outstanding) + principal;
        if (outstanding > p.cap) revert LoanProgramCapExceeded(programId, principal, p.outstanding, p.cap);
        p.outstanding = uint64(outstanding); // <= cap < 2^64
        loanId = ++_loanCount;
        o.loanId = loanId;
        LoanRecord storage l = _loans[loanId];
        l.borrower = msg.sender;
        l.programId = uint32(programId);
        l.maturity = uint40(maturity);
        l.status = LoanStatus.Active;
        l.receiptCount = 1;
        l.principal = uint64(principal); // within the cap, < 2^64
        l.accruedAt = uint40(block.timestamp);
        l.firstReceipt = SafeCast.toUint40(receiptId);

        _receipts.lock(receiptId, msg.sender);
        _token.safeTransferFrom(o.bank, msg.sender, principal);
        _emitOpened(o);
    }

    /// @inheritdoc IPledgeLoans
    function repay(uint256 loanId, uint256 amount) external nonReentrant {
        _repay(loanId, amount);
    }

    /// @inheritdoc IPledgeLoans
    function release(uint256 loanId, uint256 receiptId, uint64 quantity) external nonReentrant {
        _release(loanId, receiptId, quantity);
    }

    /// @inheritdoc IPledgeLoans
    function repayAndRelease(uint256 loanId, uint256 amount, uint256 receiptId, uint64 quantity)
        external
        nonReentrant
    {
        _repay(loanId, amount);
        _release(loanId, receiptId, quantity);
    }

    /// @inheritdoc IPledgeLoans
    function addCollateral(uint256 loanId, uint256 receiptId) external nonReentrant {
        LoanRecord storage l = _openLoan(loanId);
        if (msg.sender != l.borrower) revert LoanNotBorrower(loanId, msg.sender, l.borrower);
        uint256 count = l.receiptCount;
        if (count >= MAX_RECEIPTS) revert LoanCollateralFull(loanId, MAX_RECEIPTS);
        ProgramRecord storage p = _programs[l.programId];
        // No fresh price needed: more collateral only helps the borrower, and a quiet feed must not block a cure.
        uint64 quantity = _checkCollateral(p, l.programId, receiptId, _feed.getFeed(p.commodity));
        _setReceiptAt(l, count, receiptId);
        l.receiptCount = uint8(count + 1);
        _receipts.lock(receiptId, msg.sender);

        LoanStatus old = l.status;
        uint64 total = _pledgedQuantity(l);
        if (old == LoanStatus.MarginCalled && _withinMaxLtv(l, p, total)) _setStatus(l, LoanStatus.Active);
        emit CollateralAdded(loanId, receiptId, msg.sender, quantity, total, old, l.status);
    }

    // ------------------------------------------------------------------ anyone

    /// @inheritdoc IPledgeLoans
    function callMargin(uint256 loanId) external {
        LoanRecord storage l = _loanOf(loanId);
        if (l.status != LoanStatus.Active) revert LoanStatusInvalid(loanId, l.status);
        ProgramRecord storage p = _programs[l.programId];
        uint128 price = _feed.freshPrice(p.commodity).price;
        uint256 value = uint256(_pledgedQuantity(l)) * price;
        (uint256 principal, uint256 interest) = _debt(l, p.rateBps);
        uint256 debt = principal + interest;
        uint256 ltv = debt * _BPS / value;
        if (debt * _BPS <= value * p.marginCallLtvBps) revert LoanMarginCallNotDue(loanId, ltv, p.marginCallLtvBps);
        uint64 deadline = uint64(block.timestamp) + p.curePeriod;
        l.status = LoanStatus.MarginCalled;
        l.marginCallDeadline = uint40(deadline);
        emit MarginCalled(
            loanId,
            p.bank,
            l.borrower,
            ltv,
            p.marginCallLtvBps,
            deadline,
            price,
            LoanStatus.Active,
            LoanStatus.MarginCalled
        );
    }

    /// @inheritdoc IPledgeLoans
    function cure(uint256 loanId) external {
        LoanRecord storage l = _loanOf(loanId);
        if (l.status != LoanStatus.MarginCalled) revert LoanStatusInvalid(loanId, l.status);
        ProgramRecord storage p = _programs[l.programId];
        uint128 price = _feed.freshPrice(p.commodity).price;
        uint256 value = uint256(_pledgedQuantity(l)) * price;
        (uint256 principal, uint256 interest) = _debt(l, p.rateBps);
        uint256 debt = principal + interest;
        uint256 ltv = debt * _BPS / value;
        if (debt * _BPS > value * p.maxLtvBps) revert LoanLtvAboveMax(loanId, ltv, p.maxLtvBps);
        _setStatus(l, LoanStatus.Active);
        emit MarginCallCured(loanId, ltv, p.maxLtvBps, LoanStatus.MarginCalled, LoanStatus.Active);
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc IPledgeLoans
    function getProgram(uint256 programId) external view returns (Program memory) {
        ProgramRecord storage p = _programs[programId];
        return Program({
            id: programId,
            bank: p.bank,
            commodity: p.commodity,
            rateBps: p.rateBps,
            maxLtvBps: p.maxLtvBps,
            marginCallLtvBps: p.marginCallLtvBps,
            curePeriod: p.curePeriod,
            maxTenor: p.maxTenor,
            status: p.status,
            cap: p.cap,
            outstanding: p.outstanding,
            warehousesListed: p.listed & _LISTED_WAREHOUSES != 0,
            borrowersListed: p.listed & _LISTED_BORROWERS != 0
        });
    }

    /// @inheritdoc IPledgeLoans
    function isListed(uint256 programId, address warehouse, address borrower)
        external
        view
        returns (bool warehouseListed, bool borrowerListed)
    {
        return (_listedWarehouses[programId][warehouse], _listedBorrowers[programId][borrower]);
    }

    /// @inheritdoc IPledgeLoans
    function getLoan(uint256 loanId) external view returns (Loan memory out) {
        LoanRecord storage l = _loans[loanId];
        out.id = loanId;
        out.borrower = l.borrower;
        out.bank = _programs[l.programId].bank;
        out.programId = l.programId;
        out.status = l.status;
        out.principal = l.principal;
        out.interest = l.interest;
        out.accruedAt = l.accruedAt;
        out.maturity = l.maturity;
        out.marginCallDeadline = l.marginCallDeadline;
        out.interestCarry = l.interestCarry;
        uint256 count = l.receiptCount;
        out.receiptIds = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            out.receiptIds[i] = _receiptAt(l, i);
        }
        out.shortfall = _shortfalls[loanId];
    }

    /// @inheritdoc IPledgeLoans
    function debtOf(uint256 loanId) external view returns (uint256 principal, uint256 interest) {
        LoanRecord storage l = _loanOf(loanId);
        return _debt(l, _programs[l.programId].rateBps);
    }

    /// @inheritdoc IPledgeLoans
    function pledgedQuantityOf(uint256 loanId) external view returns (uint64) {
        return _pledgedQuantity(_loanOf(loanId));
    }

    /// @inheritdoc IPledgeLoans
    function ltvOf(uint256 loanId) external view returns (uint256 ltvBps, uint256 debt, uint256 value, bool fresh) {
        LoanRecord storage l = _loanOf(loanId);
        ProgramRecord storage p = _programs[l.programId];
        IPriceFeed.Feed memory f = _feed.getFeed(p.commodity);
        (uint256 principal, uint256 interest) = _debt(l, p.rateBps);
        debt = principal + interest;
        value = uint256(_pledgedQuantity(l)) * f.price;
        ltvBps = value == 0 ? type(uint256).max : debt * _BPS / value;
        fresh = f.price != 0 && block.timestamp - f.observedAt <= f.maxAge;
    }

    /// @inheritdoc IPledgeLoans
    function programCount() external view returns (uint256) {
        return _programCount;
    }

    /// @inheritdoc IPledgeLoans
    function loanCount() external view returns (uint256) {
        return _loanCount;
    }

    // ------------------------------------------------------------------ internals

    function _repay(uint256 loanId, uint256 amount) private {
        LoanRecord storage l = _openLoan(loanId);
        if (amount == 0) revert LoanAmountInvalid(amount);
        ProgramRecord storage p = _programs[l.programId];
        Payment memory pay = _applyPayment(l, p.rateBps, amount);
        if (pay.principalPaid != 0) p.outstanding -= uint64(pay.principalPaid);
        LoanStatus old = l.status;
        if (pay.principal + pay.interest == 0) {
            _setStatus(l, LoanStatus.Repaid);
            uint256 count = l.receiptCount;
            for (uint256 i = 0; i < count; ++i) {
                _receipts.unlock(_receiptAt(l, i));
            }
        } else if (old == LoanStatus.MarginCalled && _withinMaxLtv(l, p, _pledgedQuantity(l))) {
            _setStatus(l, LoanStatus.Active);
        }
        address bank = p.bank;
        _token.safeTransferFrom(msg.sender, bank, pay.paid);
        emit LoanRepaid(
            loanId,
            msg.sender,
            bank,
            pay.paid,
            pay.interestPaid,
            pay.principalPaid,
            pay.principal,
            pay.interest,
            old,
            l.status
        );
    }

    /// @dev Accrues interest to now, then applies up to `amount`: interest first, then principal.
    function _applyPayment(LoanRecord storage l, uint16 rateBps, uint256 amount)
        private
        returns (Payment memory pay)
    {
        (uint256 principal, uint256 interest, uint256 carry) = _accrue(l, rateBps);
        uint256 due = principal + interest;
        pay.paid = amount < due ? amount : due;
        pay.interestPaid = pay.paid < interest ? pay.paid : interest;
        pay.principalPaid = pay.paid - pay.interestPaid;
        pay.principal = principal - pay.principalPaid;
        pay.interest = interest - pay.interestPaid;
        l.principal = uint64(pay.principal); // never above the principal at opening, itself < 2^64
        l.interest = SafeCast.toUint64(pay.interest);
        l.accruedAt = uint40(block.timestamp);
        l.interestCarry = uint48(carry); // carry < 10,000 x 365 days < 2^39; same slot as the principal
    }

    function _release(uint256 loanId, uint256 receiptId, uint64 quantity) private {
        LoanRecord storage l = _loanOf(loanId);
        if (l.status != LoanStatus.Active) revert LoanStatusInvalid(loanId, l.status);
        if (msg.sender != l.borrower) revert LoanNotBorrower(loanId, msg.sender, l.borrower);
        uint256 index = _indexOf(l, loanId, receiptId);
        (uint64 rest, uint256 ltvAfter, bool whole) = _checkRelease(l, loanId, receiptId, quantity);
        uint256 releasedId;
        if (whole) {
            uint256 last = l.receiptCount - 1;
            _setReceiptAt(l, index, _receiptAt(l, last));
            _setReceiptAt(l, last, 0);
            l.receiptCount = uint8(last);
            releasedId = receiptId;
            _receipts.unlock(receiptId);
        } else {
            releasedId = _receipts.splitLocked(receiptId, quantity, l.borrower);
        }
        emit CollateralReleased(
            loanId, receiptId, releasedId, quantity, rest, ltvAfter, LoanStatus.Active, LoanStatus.Active
        );
    }

    /// @dev Reverts unless `quantity` may leave: the rest must still cover the debt within max LTV at a fresh price.
    function _checkRelease(LoanRecord storage l, uint256 loanId, uint256 receiptId, uint64 quantity)
        private
        view
        returns (uint64 rest, uint256 ltvAfter, bool whole)
    {
        ProgramRecord storage p = _programs[l.programId];
        uint128 price = _feed.freshPrice(p.commodity).price;
        (, uint64 held,,,,) = _receipts.collateralOf(receiptId);
        uint64 total = _pledgedQuantity(l);
        (uint256 principal, uint256 interest) = _debt(l, p.rateBps);
        uint256 debt = principal + interest;
        uint64 maxQuantity = _maxRelease(total, debt, price, p.maxLtvBps);
        if (maxQuantity > held) maxQuantity = held;
        if (quantity == 0 || quantity > maxQuantity) {
            revert LoanReleaseQuantityInvalid(loanId, receiptId, quantity, maxQuantity);
        }
        rest = total - quantity;
        ltvAfter = debt * _BPS / (uint256(rest) * price);
        whole = quantity == held;
    }

    /// @dev Checks a new loan against its program and values the receipt at a fresh price.
    function _quote(uint256 programId, uint256 receiptId, uint256 principal, uint64 maturity)
        private
        view
        returns (Opening memory o)
    {
        ProgramRecord storage p = _programs[programId];
        if (p.status != ProgramStatus.Open) revert LoanProgramNotOpen(programId, p.status);
        o.bank = p.bank;
        _registry.requireActiveWithRole(o.bank, Role.Bank);
        uint64 latest = uint64(block.timestamp) + p.maxTenor;
        if (maturity <= block.timestamp || maturity > latest) revert LoanMaturityInvalid(maturity, latest);
        if (principal == 0 || principal > type(uint64).max) revert LoanAmountInvalid(principal);
        if (p.listed & _LISTED_BORROWERS != 0 && !_listedBorrowers[programId][msg.sender]) {
            revert LoanBorrowerNotListed(programId, msg.sender);
        }
        (o.quantity, o.price) = _checkReceipt(p, programId, receiptId);
        uint256 value = uint256(o.quantity) * o.price;
        o.limit = value * p.maxLtvBps / _BPS;
        if (principal > o.limit) revert LoanPrincipalExceedsLimit(principal, o.limit);
        o.ltvBps = principal * _BPS / value;
        o.rateBps = p.rateBps;
        o.programId = programId;
        o.receiptId = receiptId;
        o.principal = principal;
        o.maturity = maturity;
    }

    function _emitOpened(Opening memory o) private {
        emit LoanOpened(
            o.loanId,
            o.bank,
            msg.sender,
            o.programId,
            o.receiptId,
            o.quantity,
            o.price,
            o.principal,
            o.limit,
            o.ltvBps,
            o.rateBps,
            o.maturity,
            LoanStatus.None,
            LoanStatus.Active
        );
    }

    /// @dev Debt against the goods at a fresh price, and the quantity that covers it: ceil(debt / price) units (the
    /// fraction of a unit goes to the bank, as goods do not split below one unit), or everything when the goods are
    /// worth less than the debt.
    function _valueForClosing(LoanRecord storage l, ProgramRecord storage p) private view returns (Closing memory c) {
        (c.principal, c.interest) = _debt(l, p.rateBps);
        c.quantity = _pledgedQuantity(l);
        c.price = _feed.freshPrice(p.commodity).price;
        c.value = uint256(c.quantity) * c.price;
        c.debt = c.principal + c.interest;
        if (c.debt >= c.value) {
            c.shortfall = c.debt - c.value;
            c.seized = c.quantity;
        } else {
            c.seized = uint64((c.debt + c.price - 1) / c.price); // < quantity, since debt < quantity x price
        }
    }

    /// @dev Passes `seized` units to the bank, receipt by receipt in pledge order (the last one split), and releases
    /// the rest to the borrower free.
    function _settleCollateral(LoanRecord storage l, address bank, uint64 seized) private {
        uint256 count = l.receiptCount;
        for (uint256 i = 0; i < count; ++i) {
            uint256 receiptId = _receiptAt(l, i);
            (, uint64 held,,,,) = _receipts.collateralOf(receiptId);
            if (seized >= held) {
                seized -= held;
                _receipts.seize(receiptId, bank);
            } else {
                if (seized != 0) {
                    _receipts.splitLocked(receiptId, seized, bank);
                    seized = 0;
                }
                _receipts.unlock(receiptId);
            }
        }
    }

    /// @dev Largest quantity that may leave while debt <= (total - q) x price x maxLtv / 10,000.
    function _maxRelease(uint64 total, uint256 debt, uint128 price, uint16 maxLtvBps) private pure returns (uint64) {
        uint256 perUnit = uint256(price) * maxLtvBps;
        uint256 keep = (debt * _BPS + perUnit - 1) / perUnit; // ceiling: the least quantity that covers the debt
        return keep >= total ? 0 : total - uint64(keep);
    }

    /// @dev Principal and interest accrued to now: actual/365 to the second, with the remainder carried (see
    /// `_accrue`). A closed loan no longer accrues.
    function _debt(LoanRecord storage l, uint16 rateBps) private view returns (uint256 principal, uint256 interest) {
        (principal, interest,) = _accrue(l, rateBps);
    }

    /// @dev Interest since `accruedAt` = floor((principal x rate x seconds + carry) / (10,000 x 365 days)); the
    /// remainder is the new carry. So the interest of any sequence of accruals sums to the floor of the exact
    /// total: repaying often, in tiny amounts, neither erases nor adds interest.
    function _accrue(LoanRecord storage l, uint16 rateBps)
        private
        view
        returns (uint256 principal, uint256 interest, uint256 carry)
    {
        principal = l.principal;
        interest = l.interest;
        carry = l.interestCarry;
        if (l.status == LoanStatus.Active || l.status == LoanStatus.MarginCalled) {
            uint256 exact = principal * rateBps * (block.timestamp - l.accruedAt) + carry;
            interest += exact / (_BPS * _YEAR);
            carry = exact % (_BPS * _YEAR);
        }
    }

    /// @dev Whether the debt is within max LTV at a fresh price; a stale or missing price cures nothing.
    function _withinMaxLtv(LoanRecord storage l, ProgramRecord storage p, uint64 quantity)
        private
        view
        returns (bool)
    {
        IPriceFeed.Feed memory f = _feed.getFeed(p.commodity);
        if (f.price == 0 || block.timestamp - f.observedAt > f.maxAge) return false;
        (uint256 principal, uint256 interest) = _debt(l, p.rateBps);
        return (principal + interest) * _BPS <= uint256(quantity) * f.price * p.maxLtvBps;
    }

    /// @dev Quantity of a receipt of the program's commodity in the feed's unit, and the fresh price.
    function _checkReceipt(ProgramRecord storage p, uint256 programId, uint256 receiptId)
        private
        view
        returns (uint64 quantity, uint128 price)
    {
        IPriceFeed.Feed memory f = _feed.freshPrice(p.commodity);
        return (_checkCollateral(p, programId, receiptId, f), f.price);
    }

    /// @dev Quantity of a receipt of the program's commodity in the unit of feed `f`, from an allowed warehouse.
    function _checkCollateral(ProgramRecord storage p, uint256 programId, uint256 receiptId, IPriceFeed.Feed memory f)
        private
        view
        returns (uint64)
    {
        (ReceiptStatus status, uint64 held, bytes16 commodity, bytes4 unit,, address warehouse) =
            _receipts.collateralOf(receiptId);
        if (status == ReceiptStatus.None) revert IWarehouseReceipts.ReceiptNotFound(receiptId);
        if (commodity != p.commodity || unit != f.unit) {
            revert LoanCollateralMismatch(receiptId, commodity, unit, p.commodity, f.unit);
        }
        if (p.listed & _LISTED_WAREHOUSES != 0 && !_listedWarehouses[programId][warehouse]) {
            revert LoanWarehouseNotListed(programId, receiptId, warehouse);
        }
        return held;
    }

    function _pledgedQuantity(LoanRecord storage l) private view returns (uint64 total) {
        uint256 count = l.receiptCount;
        for (uint256 i = 0; i < count; ++i) {
            (, uint64 quantity,,,,) = _receipts.collateralOf(_receiptAt(l, i));
            total += quantity;
        }
    }

    function _indexOf(LoanRecord storage l, uint256 loanId, uint256 receiptId) private view returns (uint256) {
        uint256 count = l.receiptCount;
        for (uint256 i = 0; i < count; ++i) {
            if (_receiptAt(l, i) == receiptId) return i;
        }
        revert LoanReceiptNotCollateral(loanId, receiptId);
    }

    function _setStatus(LoanRecord storage l, LoanStatus status) private {
        if (l.status == LoanStatus.MarginCalled) l.marginCallDeadline = 0;
        l.status = status;
    }

    /// @dev Receipt ids are stored in 40 bits each (over a trillion receipts; a larger id reverts rather than
    /// truncate), though the receipts contract numbers them in a uint48.
    function _receiptAt(LoanRecord storage l, uint256 i) private view returns (uint256) {
        if (i == 0) return l.firstReceipt;
        return uint40(l.moreReceipts >> (40 * (i - 1)));
    }

    function _setReceiptAt(LoanRecord storage l, uint256 i, uint256 receiptId) private {
        if (i == 0) {
            l.firstReceipt = SafeCast.toUint40(receiptId);
            return;
        }
        uint256 shift = 40 * (i - 1);
        uint160 cleared = l.moreReceipts & ~(uint160(type(uint40).max) << shift);
        l.moreReceipts = cleared | (uint160(SafeCast.toUint40(receiptId)) << shift);
    }

    /// @dev A program of the caller's (open or closed: a closed program still has open loans to bound).
    function _bankProgram(uint256 programId) private view returns (ProgramRecord storage p) {
        p = _programs[programId];
        if (p.status == ProgramStatus.None) revert LoanProgramNotOpen(programId, p.status);
        if (p.bank != msg.sender) revert LoanProgramNotBank(programId, msg.sender, p.bank);
    }

    function _loanOf(uint256 loanId) private view returns (LoanRecord storage l) {
        l = _loans[loanId];
        if (l.status == LoanStatus.None) revert LoanNotFound(loanId);
    }

    /// @dev A loan that still owes: Active or MarginCalled.
    function _openLoan(uint256 loanId) private view returns (LoanRecord storage l) {
        l = _loanOf(loanId);
        if (l.status != LoanStatus.Active && l.status != LoanStatus.MarginCalled) {
            revert LoanStatusInvalid(loanId, l.status);
        }
    }
}
