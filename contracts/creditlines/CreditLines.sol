// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICreditLines} from "../interfaces/ICreditLines.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IReceivables} from "../interfaces/IReceivables.sol";
import {CreditLineStatus, CreditPledgeStatus, PayeeRule} from "../types/CreditLines.sol";
import {OfferStatus, ReceivableStatus, FragmentStatus} from "../types/ReceivableTypes.sol";
import {Role} from "../types/Roles.sol";

/// @title CreditLines
/// @notice Revolving credit lines with fixed purpose. Holds no tokens of its own: draws go bank to payee and
/// repayments payer to bank. Only a repayment the bank cannot receive (it is suspended or its KYC lapsed), or a
/// borrower's share of a receivable payout it cannot receive, is held here, for that party alone, until it collects.
/// It holds the receivable fragments pledged to lines (a ledger contract may hold fragments). See {ICreditLines}.
contract CreditLines is ICreditLines, ReentrancyGuardTransient, Multicall {
    using SafeERC20 for IERC20;

    /// @notice Most tranches outstanding on one line, so a repayment's walk over them is bounded.
    uint256 public constant MAX_TRANCHES = 32;
    /// @notice Most allow-listed payees on one line.
    uint256 public constant MAX_PAYEES = 64;
    uint256 private constant _BPS = 10_000;
    uint256 private constant _YEAR = 365 days;
    uint256 private constant _DENOMINATOR = _BPS * _YEAR; // interest numerator per cent
    uint256 private constant _MIN_TENOR = 1 days;
    uint40 private constant _NO_DUE = type(uint40).max;
    /// @notice Largest limit of a line: 10^15 cents (10 trillion in the settlement currency), so that principal and
    /// interest fit 64 bits for millennia at any allowed rate.
    uint256 public constant MAX_LIMIT = 10 ** 15;

    /// @dev The hot slot of a line: read and written once per draw or repayment, as a whole. Amounts fit 64 bits
    /// because a limit is at most MAX_LIMIT. It is never zero once a line exists (`nextDue` holds the `_NO_DUE`
    /// sentinel), so no draw pays for a fresh slot but its tranche's.
    struct LineState {
        uint64 principal;
        uint64 interest;
        uint40 carry; // < 10,000 x 365 days < 2^39
        uint40 nextDue; // earliest due of an outstanding tranche; _NO_DUE if none
        uint40 accruedAt;
    }

    /// @dev Three slots: slot 0 is read by every draw and repayment and written when tranches open or close.
    struct LineRecord {
        address bank; // slot 0
        uint32 trancheSlots; // bit i set: tranche slot i holds an outstanding tranche
        uint16 drawCount;
        CreditLineStatus status;
        uint16 rateBps;
        uint16 surchargeBps;
        address borrower; // slot 1
        uint40 start;
        uint40 expiry;
        PayeeRule payeeRule;
        uint8 payeeCount;
        uint64 limit; // slot 2
        uint32 maxTenor;
        uint32 grace;
        uint96 pledged; // unpaid value of the fragments pledged to the line
    }

    /// @dev One slot per pledged fragment.
    struct PledgeRecord {
        uint96 value;
        uint96 collected; // the fragment's `paid` at the last collection
        uint56 lineId;
        CreditPledgeStatus status;
    }

    /// @dev One slot per outstanding tranche; deleted when repaid.
    struct TrancheRecord {
        uint64 principal;
        uint40 drawnAt;
        uint40 due;
        uint32 id;
    }

    IParticipantRegistry private immutable _registry;
    IERC20 private immutable _token;
    IReceivables private immutable _receivables;

    mapping(uint256 lineId => LineRecord) private _lines;
    mapping(uint256 lineId => LineState) private _states;
    mapping(uint256 lineId => mapping(uint256 slot => TrancheRecord)) private _tranches;
    mapping(uint256 lineId => mapping(address payee => bool)) private _payees;
    mapping(address account => uint256) private _held;
    mapping(uint256 fragmentId => PledgeRecord) private _pledges;
    uint256 private _nextLineId;

    constructor(IParticipantRegistry registry_, IERC20 token_, IReceivables receivables_) {
        _registry = registry_;
        _token = token_;
        _receivables = receivables_;
        _nextLineId = 1; // ids from 1; a non-zero counter makes every opening pay the same
    }

    // ------------------------------------------------------------------ banks

    /// @inheritdoc ICreditLines
    function open(CreditTerms calldata terms) external returns (uint256 lineId) {
        _registry.requireActiveWithRole(msg.sender, Role.Bank);
        address borrower = terms.borrower;
        if (!_registry.isActiveWithRole(borrower, Role.Distributor)) {
            _registry.requireActiveWithRole(borrower, Role.Supplier);
        }
        _checkTerms(terms);
        lineId = _nextLineId++;
        LineRecord storage l = _lines[lineId];
        l.bank = msg.sender;
        l.rateBps = terms.rateBps;
        l.surchargeBps = terms.surchargeBps;
        l.status = CreditLineStatus.Offered;
        l.payeeRule = terms.payeeRule;
        l.borrower = borrower;
        l.start = terms.start;
        l.expiry = terms.expiry;
        l.limit = uint64(terms.limit); // <= MAX_LIMIT
        _states[lineId].nextDue = _NO_DUE;
        l.maxTenor = terms.maxTenor;
        l.grace = terms.grace;
        emit CreditLineOpened(
            lineId,
            msg.sender,
            borrower,
            terms.limit,
            terms.rateBps,
            terms.surchargeBps,
            terms.start,
            terms.expiry,
            terms.maxTenor,
            terms.grace,
            terms.payeeRule,
            CreditLineStatus.None,
            CreditLineStatus.Offered
        );
    }

    /// @inheritdoc ICreditLines
    function setPayee(uint256 lineId, address payee, bool allowed) external {
        LineRecord storage l = _liveLine(lineId);
        _onlyBank(lineId, l);
        bool old = _payees[lineId][payee];
        if (old == allowed || payee == address(0) || payee == l.borrower) {
            revert CreditLinePayeeUnchanged(lineId, payee, allowed);
        }
        uint256 count = l.payeeCount;
        if (allowed) {
            if (count >= MAX_PAYEES) revert CreditLinePayeesFull(lineId, MAX_PAYEES);
            ++count;
        } else {
            --count;
        }
        l.payeeCount = uint8(count);
        _payees[lineId][payee] = allowed;
        emit CreditLinePayeeSet(lineId, payee, old, allowed, count);
    }

    /// @inheritdoc ICreditLines
    function reduceLimit(uint256 lineId, uint256 newLimit) external {
        LineRecord storage l = _liveLine(lineId);
        _onlyBank(lineId, l);
        uint256 limit = l.limit;
        uint256 principal = _states[lineId].principal;
        if (newLimit >= limit || newLimit < principal) {
            revert CreditLineLimitInvalid(lineId, limit, newLimit, principal);
        }
        l.limit = uint64(newLimit); // below the old limit
        emit CreditLineLimitReduced(lineId, limit, newLimit, principal);
    }

    /// @inheritdoc ICreditLines
    function freeze(uint256 lineId) external {
        LineRecord storage l = _lineOf(lineId);
        if (l.status != CreditLineStatus.Open) revert CreditLineStatusInvalid(lineId, l.status);
        _onlyBank(lineId, l);
        l.status = CreditLineStatus.Frozen;
        emit CreditLineFrozen(lineId, msg.sender, CreditLineStatus.Open, CreditLineStatus.Frozen);
    }

    /// @inheritdoc ICreditLines
    function unfreeze(uint256 lineId) external {
        LineRecord storage l = _lineOf(lineId);
        if (l.status != CreditLineStatus.Frozen) revert CreditLineStatusInvalid(lineId, l.status);
        _onlyBank(lineId, l);
        l.status = CreditLineStatus.Open;
        emit CreditLineUnfrozen(lineId, msg.sender, CreditLineStatus.Frozen, CreditLineStatus.Open);
    }

    /// @inheritdoc ICreditLines
    function declareDefault(uint256 lineId) external {
        LineRecord storage l = _lineOf(lineId);
        CreditLineStatus old = l.status;
        if (old != CreditLineStatus.Open && old != CreditLineStatus.Frozen) revert CreditLineStatusInvalid(lineId, old);
        _onlyBank(lineId, l);
        LineState memory st = _states[lineId];
        uint256 nextDue = st.nextDue;
        if (nextDue == _NO_DUE || block.timestamp <= nextDue + l.grace) {
            revert CreditLineDefaultNotDue(lineId, nextDue == _NO_DUE ? 0 : uint64(nextDue), l.grace);
        }
        _accrue(st, l, _tranches[lineId]); // before the status change: a defaulted line no longer accrues
        _states[lineId] = st;
        l.status = CreditLineStatus.Defaulted;
        emit CreditLineDefaulted(
            lineId, msg.sender, l.borrower, st.principal, st.interest, old, CreditLineStatus.Defaulted
        );
    }

    /// @inheritdoc ICreditLines
    function collectHeld() external nonReentrant {
        uint256 amount = _held[msg.sender];
        if (amount == 0) revert CreditLineNothingHeld(msg.sender);
        _held[msg.sender] = 0;
        _token.safeTransfer(msg.sender, amount);
        emit CreditRepaymentsCollected(msg.sender, amount);
    }

    // ------------------------------------------------------------------ borrowers

    /// @inheritdoc ICreditLines
    function accept(uint256 lineId) external {
        LineRecord storage l = _lineOf(lineId);
        if (l.status != CreditLineStatus.Offered) revert CreditLineStatusInvalid(lineId, l.status);
        if (msg.sender != l.borrower) revert CreditLineNotBorrower(lineId, msg.sender, l.borrower);
        if (block.timestamp >= l.expiry) {
            revert CreditLineNotAvailable(lineId, l.start, l.expiry, uint64(block.timestamp));
        }
        _registry.requireActive(msg.sender);
        l.status = CreditLineStatus.Open;
        emit CreditLineAccepted(lineId, msg.sender, CreditLineStatus.Offered, CreditLineStatus.Open);
    }

    /// @inheritdoc ICreditLines
    function draw(uint256 lineId, uint256 amount, address payee, uint32 tenor, bytes32 purposeRef)
        external
        nonReentrant
        returns (uint256 trancheId)
    {
        LineRecord storage l = _lineOf(lineId);
        if (l.status != CreditLineStatus.Open) revert CreditLineStatusInvalid(lineId, l.status);
        address borrower = l.borrower;
        if (msg.sender != borrower) revert CreditLineNotBorrower(lineId, msg.sender, borrower);
        LineState memory st = _states[lineId];
        (uint256 due, uint256 limit) = _checkDraw(lineId, l, st, amount, tenor);
        if (purposeRef == bytes32(0)) revert CreditLinePurposeMissing(lineId);
        _checkPayee(lineId, l, payee, borrower);
        _registry.requireActive(borrower);
        trancheId = _addTranche(lineId, l, st, amount, due);
        if (l.payeeRule == PayeeRule.PledgedReceivables && st.principal > l.pledged) {
            revert CreditLineBorrowingBaseExceeded(lineId, st.principal, l.pledged);
        }
        _states[lineId] = st;
        _token.safeTransferFrom(l.bank, payee, amount);
        emit CreditLineDrawn(
            lineId, trancheId, payee, amount, purposeRef, uint64(due), st.principal, limit - st.principal
        );
    }

    /// @inheritdoc ICreditLines
    function close(uint256 lineId) external {
        LineRecord storage l = _liveLine(lineId);
        CreditLineStatus old = l.status;
        bool isBank = msg.sender == l.bank;
        if (!isBank && msg.sender != l.borrower) revert CreditLineNotBorrower(lineId, msg.sender, l.borrower);
        if (old != CreditLineStatus.Offered) {
            LineState storage st = _states[lineId];
            uint256 principal = st.principal;
            uint256 interest = st.interest;
            if (principal != 0 || interest != 0 || (isBank && block.timestamp < l.expiry)) {
                revert CreditLineNotClosable(lineId, principal, interest, l.expiry);
            }
        }
        l.status = CreditLineStatus.Closed;
        emit CreditLineClosed(lineId, msg.sender, old, CreditLineStatus.Closed);
    }

    // ------------------------------------------------------------------ anyone

    /// @inheritdoc ICreditLines
    function repay(uint256 lineId, uint256 amount) external nonReentrant returns (uint256 paid) {
        paid = _settle(lineId, _lineOf(lineId), amount, msg.sender);
    }

    /// @inheritdoc ICreditLines
    function collectReceivable(uint256 fragmentId) external nonReentrant returns (uint256 toLine, uint256 toBorrower) {
        PledgeRecord storage p = _pledgeOf(fragmentId);
        uint256 received;
        (received, toLine) = _collectPayout(fragmentId, p);
        if (received == 0) revert CreditPledgeNothingToCollect(fragmentId);
        toBorrower = received - toLine;
    }

    // ------------------------------------------------------------------ receivables mode (borrowers)

    /// @inheritdoc ICreditLines
    function pledgeReceivable(uint256 lineId, uint256 offerId) external nonReentrant returns (uint256 fragmentId) {
        LineRecord storage l = _lineOf(lineId);
        CreditLineStatus s = l.status;
        if (s != CreditLineStatus.Open && s != CreditLineStatus.Frozen && s != CreditLineStatus.Defaulted) {
            revert CreditLineStatusInvalid(lineId, s);
        }
        address borrower = l.borrower;
        if (msg.sender != borrower) revert CreditLineNotBorrower(lineId, msg.sender, borrower);
        IReceivables.Offer memory o = _receivables.getOffer(offerId);
        if (o.from != borrower || o.to != address(this) || o.status != OfferStatus.Open) {
            revert CreditPledgeOfferInvalid(lineId, offerId, o.from, o.to);
        }
        uint256 pledged = l.pledged + o.amount;
        l.pledged = SafeCast.toUint96(pledged);
        fragmentId = _receivables.accept(offerId); // Receivables checks the receivable, the expiry and the borrower
        _pledges[fragmentId] = PledgeRecord({
            value: uint96(o.amount), // a fragment value fits 96 bits
            collected: 0,
            lineId: SafeCast.toUint56(lineId),
            status: CreditPledgeStatus.Pledged
        });
        uint64 dueDate = _receivables.getReceivable(fragmentId >> 16).dueDate;
        emit CreditReceivablePledged(
            lineId, fragmentId, borrower, offerId, o.amount, dueDate, pledged, CreditPledgeStatus.None,
            CreditPledgeStatus.Pledged
        );
    }

    /// @inheritdoc ICreditLines
    function releaseReceivable(uint256 fragmentId) external nonReentrant returns (uint256 offerId) {
        PledgeRecord storage p = _pledgeOf(fragmentId);
        uint256 lineId = p.lineId;
        LineRecord storage l = _lines[lineId];
        address borrower = l.borrower;
        if (msg.sender != borrower) revert CreditLineNotBorrower(lineId, msg.sender, borrower);
        CreditPledgeStatus old = p.status;
        if (old == CreditPledgeStatus.Pledged) {
            if (l.status != CreditLineStatus.Closed) {
                LineState memory st = _states[lineId];
                (uint256 interest,) = _accrued(st, l, _tranches[lineId]);
                if (st.principal != 0 || interest != 0) {
                    revert CreditPledgeLocked(fragmentId, lineId, st.principal, interest);
                }
            }
            l.pledged -= p.value - p.collected;
            p.status = CreditPledgeStatus.Released;
            _collectPayout(fragmentId, p); // released: any payout due goes to the borrower
        }
        IReceivables.Fragment memory f = _receivables.getFragment(fragmentId);
        if (_returnable(f)) {
            offerId = _receivables.offer(fragmentId, borrower, f.value, 0); // the borrower accepts it there
        } else if (old == CreditPledgeStatus.Released) {
            revert CreditPledgeNotReturnable(fragmentId);
        }
        emit CreditReceivableReleased(
            lineId, fragmentId, borrower, offerId, p.value - p.collected, l.pledged, old, CreditPledgeStatus.Released
        );
    }

    /// @dev Applies up to `amount` to the line's debt, paid by `payer` (this contract: from a collected payout it
    /// holds); emits the repayment or recovery. Returns what was paid.
    function _settle(uint256 lineId, LineRecord storage l, uint256 amount, address payer)
        private
        returns (uint256 paid)
    {
        CreditLineStatus old = l.status;
        if (old != CreditLineStatus.Open && old != CreditLineStatus.Frozen && old != CreditLineStatus.Defaulted) {
            revert CreditLineStatusInvalid(lineId, old);
        }
        mapping(uint256 => TrancheRecord) storage ts = _tranches[lineId];
        LineState memory st = _states[lineId];
        _accrue(st, l, ts);
        uint256 interestPaid;
        (paid, interestPaid) = _applyPayment(lineId, l, st, ts, amount);
        _states[lineId] = st;
        if (old == CreditLineStatus.Defaulted) {
            CreditLineStatus status = old;
            if (st.principal == 0 && st.interest == 0) {
                status = CreditLineStatus.Closed;
                l.status = status;
            }
            _collect(lineId, l.bank, paid, payer);
            emit CreditLineRecovered(
                lineId, payer, paid, interestPaid, paid - interestPaid, st.principal, st.interest, old, status
            );
        } else {
            _collect(lineId, l.bank, paid, payer);
            emit CreditLineRepaid(lineId, payer, paid, interestPaid, paid - interestPaid, st.principal, st.interest);
        }
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc ICreditLines
    function getLine(uint256 lineId) external view returns (CreditLine memory out) {
        LineRecord storage l = _lines[lineId];
        out.id = lineId;
        out.bank = l.bank;
        out.borrower = l.borrower;
        out.status = l.status;
        out.payeeRule = l.payeeRule;
        out.limit = l.limit;
        LineState storage st = _states[lineId];
        out.principal = st.principal;
        out.interest = st.interest;
        out.carry = st.carry;
        out.accruedAt = st.accruedAt;
        out.rateBps = l.rateBps;
        out.surchargeBps = l.surchargeBps;
        out.start = l.start;
        out.expiry = l.expiry;
        out.maxTenor = l.maxTenor;
        out.grace = l.grace;
        out.nextDue = st.nextDue == _NO_DUE ? 0 : st.nextDue;
        out.drawCount = l.drawCount;
        out.payeeCount = l.payeeCount;
        uint256 slots = l.trancheSlots;
        uint256 count = 0;
        for (uint256 s = slots; s != 0; s >>= 1) {
            count += s & 1;
        }
        out.tranches = new Tranche[](count);
        mapping(uint256 => TrancheRecord) storage ts = _tranches[lineId];
        uint256 j = 0;
        for (uint256 i = 0; i < MAX_TRANCHES; ++i) {
            if (slots & (1 << i) == 0) continue;
            TrancheRecord storage t = ts[i];
            out.tranches[j++] = Tranche({id: t.id, principal: t.principal, drawnAt: t.drawnAt, due: t.due});
        }
    }

    /// @inheritdoc ICreditLines
    function debtOf(uint256 lineId) external view returns (uint256 principal, uint256 interest) {
        LineRecord storage l = _lineOf(lineId);
        LineState memory st = _states[lineId];
        (interest,) = _accrued(st, l, _tranches[lineId]);
        principal = st.principal;
    }

    /// @inheritdoc ICreditLines
    function availableOf(uint256 lineId) external view returns (uint256) {
        LineRecord storage l = _lineOf(lineId);
        return l.limit - _states[lineId].principal;
    }

    /// @inheritdoc ICreditLines
    function isPayeeAllowed(uint256 lineId, address payee) external view returns (bool) {
        return _payees[lineId][payee];
    }

    /// @inheritdoc ICreditLines
    function heldFor(address bank) external view returns (uint256) {
        return _held[bank];
    }

    /// @inheritdoc ICreditLines
    function lineCount() external view returns (uint256) {
        return _nextLineId - 1;
    }

    /// @inheritdoc ICreditLines
    function pledgedOf(uint256 lineId) external view returns (uint256) {
        return _lineOf(lineId).pledged;
    }

    /// @inheritdoc ICreditLines
    function getPledge(uint256 fragmentId) external view returns (Pledge memory) {
        PledgeRecord storage p = _pledgeOf(fragmentId);
        return Pledge({
            fragmentId: fragmentId, lineId: p.lineId, status: p.status, value: p.value, collected: p.collected
        });
    }

    // ------------------------------------------------------------------ internals

    function _checkTerms(CreditTerms calldata t) private view {
        if (
            t.borrower == msg.sender || t.limit == 0 || t.limit > MAX_LIMIT || t.rateBps > _BPS || t.surchargeBps > _BPS
                || t.expiry <= t.start || t.expiry <= block.timestamp || t.expiry - t.start > _YEAR
                || t.maxTenor < _MIN_TENOR || t.maxTenor > _YEAR || t.grace > _YEAR
        ) {
            revert CreditLineTermsInvalid(
                t.borrower, t.limit, t.rateBps, t.surchargeBps, t.start, t.expiry, t.maxTenor, t.grace
            );
        }
    }

    /// @dev Checks window, amount, overdue tranches and tenor of a draw; returns the due date and the limit.
    function _checkDraw(uint256 lineId, LineRecord storage l, LineState memory st, uint256 amount, uint32 tenor)
        private
        view
        returns (uint256 due, uint256 limit)
    {
        uint256 expiry = l.expiry;
        if (block.timestamp < l.start || block.timestamp >= expiry) {
            revert CreditLineNotAvailable(lineId, l.start, uint64(expiry), uint64(block.timestamp));
        }
        limit = l.limit;
        uint256 available = limit - st.principal;
        if (amount == 0 || amount > available) revert CreditLineAmountInvalid(lineId, amount, available);
        uint256 nextDue = st.nextDue;
        if (nextDue < block.timestamp) revert CreditLineOverdue(lineId, uint64(nextDue));
        due = block.timestamp + tenor;
        uint32 maxTenor = l.maxTenor;
        if (tenor < _MIN_TENOR || tenor > maxTenor || due > expiry) {
            revert CreditLineTenorInvalid(lineId, tenor, maxTenor, uint64(due), uint64(expiry));
        }
    }

    /// @dev The payee must not be the borrower and must be allow-listed, or, under `AnySupplier` or
    /// `PledgedReceivables`, an active Supplier. That an allow-listed payee is active is checked by the settlement token on the transfer.
    function _checkPayee(uint256 lineId, LineRecord storage l, address payee, address borrower) private view {
        if (payee != borrower) {
            if (l.payeeRule != PayeeRule.AllowList && _registry.isActiveWithRole(payee, Role.Supplier)) return;
            if (_payees[lineId][payee]) return;
        }
        revert CreditLinePayeeNotAllowed(lineId, payee, l.payeeRule);
    }

    function _freeSlot(uint256 lineId, uint256 slots) private pure returns (uint256) {
        for (uint256 i = 0; i < MAX_TRANCHES; ++i) {
            if (slots & (1 << i) == 0) return i;
        }
        revert CreditLineTranchesFull(lineId, MAX_TRANCHES);
    }

    /// @dev Accrues, then records a tranche of `amount` due at `due` in the lowest free slot.
    function _addTranche(uint256 lineId, LineRecord storage l, LineState memory st, uint256 amount, uint256 due)
        private
        returns (uint256 trancheId)
    {
        uint256 slots = l.trancheSlots;
        uint256 slot = _freeSlot(lineId, slots);
        trancheId = uint256(l.drawCount) + 1;
        if (trancheId > type(uint16).max) revert CreditLineTranchesFull(lineId, MAX_TRANCHES);
        mapping(uint256 => TrancheRecord) storage ts = _tranches[lineId];
        _accrue(st, l, ts);
        ts[slot] = TrancheRecord({
            principal: uint64(amount), // <= available <= limit <= MAX_LIMIT
            drawnAt: uint40(block.timestamp),
            due: uint40(due),
            id: uint32(trancheId)
        });
        l.trancheSlots = uint32(slots | (1 << slot));
        l.drawCount = uint16(trancheId);
        st.principal += uint64(amount);
        if (due < st.nextDue) st.nextDue = uint40(due);
    }

    /// @dev Brings interest and carry of `st` up to the current block. Called before every change of principal.
    function _accrue(LineState memory st, LineRecord storage l, mapping(uint256 => TrancheRecord) storage ts)
        private
        view
    {
        if (st.accruedAt == block.timestamp) return;
        (uint256 interest, uint256 carry) = _accrued(st, l, ts);
        st.interest = SafeCast.toUint64(interest); // never reached below MAX_LIMIT
        st.carry = uint40(carry); // < _DENOMINATOR < 2^39
        st.accruedAt = uint40(block.timestamp);
    }

    /// @dev Interest and carry at the current block: (numerator + carry) / (10,000 x 365 days), where the
    /// numerator sums principal x rate x seconds over all tranches, plus principal x surcharge x seconds past due
    /// over overdue tranches. A defaulted line no longer accrues.
    function _accrued(LineState memory st, LineRecord storage l, mapping(uint256 => TrancheRecord) storage ts)
        private
        view
        returns (uint256 interest, uint256 carry)
    {
        interest = st.interest;
        carry = st.carry;
        uint256 from = st.accruedAt;
        uint256 principal = st.principal;
        if (block.timestamp <= from || principal == 0 || l.status == CreditLineStatus.Defaulted) {
            return (interest, carry);
        }
        uint256 numerator = principal * l.rateBps * (block.timestamp - from) + carry;
        uint256 surcharge = l.surchargeBps;
        if (surcharge != 0 && st.nextDue < block.timestamp) {
            uint256 slots = l.trancheSlots;
            for (uint256 i = 0; slots != 0; ++i) {
                if (slots & 1 != 0) {
                    TrancheRecord storage t = ts[i];
                    uint256 due = t.due;
                    if (due < block.timestamp) {
                        numerator += uint256(t.principal) * surcharge * (block.timestamp - (due > from ? due : from));
                    }
                }
                slots >>= 1;
            }
        }
        interest += numerator / _DENOMINATOR;
        carry = numerator % _DENOMINATOR;
    }

    /// @dev Applies up to `amount` to the accrued debt in `st`: interest first, then tranches in order of due date.
    /// Returns what is paid in all and of it the interest.
    function _applyPayment(
        uint256 lineId,
        LineRecord storage l,
        LineState memory st,
        mapping(uint256 => TrancheRecord) storage ts,
        uint256 amount
    ) private returns (uint256 paid, uint256 interestPaid) {
        uint256 interest = st.interest;
        uint256 principal = st.principal;
        uint256 owed = interest + principal;
        if (owed == 0) revert CreditLineNothingOwed(lineId);
        if (amount == 0) revert CreditLineAmountInvalid(lineId, amount, owed);
        paid = amount < owed ? amount : owed;
        interestPaid = paid < interest ? paid : interest;
        uint256 principalPaid = paid - interestPaid;
        st.interest = uint64(interest - interestPaid);
        if (principalPaid != 0) {
            st.principal = uint64(principal - principalPaid);
            st.nextDue = uint40(_repayTranches(lineId, l, ts, principalPaid));
        }
    }

    /// @dev Repays `amount` of principal across tranches, the earliest due first (ties: the older tranche), and
    /// records the new earliest due date. Bounded: each pass visits at most MAX_TRANCHES slots, and each pass but
    /// the last closes a tranche. Returns the new earliest due date.
    function _repayTranches(
        uint256 lineId,
        LineRecord storage l,
        mapping(uint256 => TrancheRecord) storage ts,
        uint256 amount
    ) private returns (uint256 nextDue) {
        uint256 before = l.trancheSlots;
        uint256 slots = before;
        nextDue = _NO_DUE;
        while (slots != 0) {
            (uint256 best, uint256 bestDue, uint256 secondDue) = _earliest(ts, slots);
            TrancheRecord storage t = ts[best];
            uint256 held = t.principal;
            uint256 part = amount < held ? amount : held;
            amount -= part;
            emit CreditTrancheRepaid(lineId, t.id, part, held - part);
            if (part < held) {
                t.principal = uint64(held - part);
                nextDue = bestDue;
                break;
            }
            delete ts[best];
            slots &= ~(uint256(1) << best);
            if (amount == 0) {
                nextDue = secondDue;
                break;
            }
        }
        if (slots != before) l.trancheSlots = uint32(slots);
    }

    /// @dev Slot of the tranche falling due first (ties: the older), its due date, and the earliest due date among
    /// the others (_NO_DUE if none).
    function _earliest(mapping(uint256 => TrancheRecord) storage ts, uint256 slots)
        private
        view
        returns (uint256 best, uint256 bestDue, uint256 secondDue)
    {
        bestDue = _NO_DUE;
        secondDue = _NO_DUE;
        for (uint256 i = 0; slots != 0; ++i) {
            if (slots & 1 != 0) {
                TrancheRecord storage c = ts[i];
                uint256 due = c.due;
                if (due < bestDue) {
                    (best, bestDue, secondDue) = (i, due, bestDue);
                } else if (due == bestDue && c.id < ts[best].id) {
                    (best, secondDue) = (i, due); // same due date: the older tranche first
                } else if (due < secondDue) {
                    secondDue = due;
                }
            }
            slots >>= 1;
        }
    }

    /// @dev Collects what Receivables paid (or now pays) for a pledged fragment since the last collection, and splits
    /// it: the line's debt first while the pledge stands, the rest to the borrower. Returns what was collected and
    /// of it what went to the line (both 0 when nothing was due).
    function _collectPayout(uint256 fragmentId, PledgeRecord storage p) private returns (uint256 received, uint256 toLine) {
        IReceivables.Fragment memory f = _receivables.getFragment(fragmentId);
        uint256 paidNow = f.paid;
        // Receivables is a ledger contract of this deployment; every entry point here is nonReentrant.
        if (f.claimable != 0) paidNow += _receivables.claim(fragmentId);
        received = paidNow - p.collected; // someone may have claimed it to this contract already: counted here
        if (received == 0) return (0, 0);
        p.collected = uint96(paidNow); // <= the fragment's value
        uint256 lineId = p.lineId;
        LineRecord storage l = _lines[lineId];
        if (p.status == CreditPledgeStatus.Pledged) {
            l.pledged -= uint96(received);
            CreditLineStatus s = l.status;
            if (s == CreditLineStatus.Open || s == CreditLineStatus.Frozen || s == CreditLineStatus.Defaulted) {
                LineState memory st = _states[lineId];
                (uint256 interest,) = _accrued(st, l, _tranches[lineId]);
                if (st.principal != 0 || interest != 0) toLine = _settle(lineId, l, received, address(this));
            }
        }
        uint256 rest = received - toLine;
        if (rest != 0) _payOut(lineId, l.borrower, rest);
        emit CreditReceivableCollected(lineId, fragmentId, received, toLine, rest, paidNow, l.pledged);
    }

    /// @dev Pays `amount` this contract holds to the borrower, or keeps it held for the borrower if it cannot receive.
    function _payOut(uint256 lineId, address borrower, uint256 amount) private {
        try _token.transfer(borrower, amount) returns (bool ok) {
            if (ok) return;
        } catch {}
        uint256 held = _held[borrower] + amount;
        _held[borrower] = held;
        emit CreditPayoutHeld(lineId, borrower, amount, held);
    }

    /// @dev Whether the fragment can be offered back: the receivable allows a transfer and no offer is open.
    function _returnable(IReceivables.Fragment memory f) private view returns (bool) {
        if (f.status != FragmentStatus.Active || f.locked != 0 || f.value == 0) return false;
        IReceivables.Receivable memory r = _receivables.getReceivable(f.rootId);
        return r.status == ReceivableStatus.Confirmed && r.repaid == 0 && block.timestamp < r.dueDate;
    }

    function _pledgeOf(uint256 fragmentId) private view returns (PledgeRecord storage p) {
        p = _pledges[fragmentId];
        if (p.status == CreditPledgeStatus.None) revert CreditPledgeNotFound(fragmentId);
    }

    /// @dev Pays `amount` from `payer` to the bank, or into this contract for the bank when it cannot receive. A
    /// payer that is this contract pays from a payout it holds.
    function _collect(uint256 lineId, address bank, uint256 amount, address payer) private {
        if (payer == address(this)) {
            try _token.transfer(bank, amount) returns (bool ok) {
                if (ok) return;
            } catch {}
            uint256 kept = _held[bank] + amount;
            _held[bank] = kept;
            emit CreditRepaymentHeld(lineId, bank, amount, kept);
            return;
        }
        try _token.transferFrom(msg.sender, bank, amount) returns (bool ok) {
            if (ok) return;
        } catch {}
        // The bank cannot receive (or the payer cannot pay, and the transfer below reverts with the reason).
        uint256 held = _held[bank] + amount;
        _held[bank] = held;
        _token.safeTransferFrom(msg.sender, address(this), amount);
        emit CreditRepaymentHeld(lineId, bank, amount, held);
    }

    function _onlyBank(uint256 lineId, LineRecord storage l) private view {
        if (msg.sender != l.bank) revert CreditLineNotBank(lineId, msg.sender, l.bank);
    }

    function _lineOf(uint256 lineId) private view returns (LineRecord storage l) {
        l = _lines[lineId];
        if (l.status == CreditLineStatus.None) revert CreditLineNotFound(lineId);
    }

    /// @dev A line whose terms may still change: Offered, Open or Frozen.
    function _liveLine(uint256 lineId) private view returns (LineRecord storage l) {
        l = _lineOf(lineId);
        CreditLineStatus s = l.status;
        if (s != CreditLineStatus.Offered && s != CreditLineStatus.Open && s != CreditLineStatus.Frozen) {
            revert CreditLineStatusInvalid(lineId, s);
        }
    }
}
