// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRiskPool} from "../interfaces/IRiskPool.sol";
import {ILossRegistry} from "../interfaces/ILossRegistry.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {ClaimStatus} from "../types/RiskPool.sol";

/// @title RiskPool
/// @notice Graded compensation of recorded credit losses from contributors' deposits. See {IRiskPool} for the rules.
/// Holds the deposits; only claims on recorded losses of covered banks, and contributors' own withdrawals after the
/// period, take tokens out.
contract RiskPool is IRiskPool, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_LIST = 8;
    /// @notice Claims on losses recorded in the period may be filed until `end + CLAIM_WINDOW`; contributors may
    /// withdraw only from then on, so no in-period loss is left without the money committed to it.
    uint64 public constant CLAIM_WINDOW = 90 days;
    uint256 private constant _BPS = 10_000;

    IParticipantRegistry public immutable registry;
    IERC20 public immutable token;
    ILossRegistry public immutable losses;

    mapping(uint256 programId => ProgramTerms) private _terms;
    mapping(uint256 programId => ProgramState) private _states;
    mapping(uint256 programId => mapping(address contributor => ContributorAccount)) private _accounts;
    mapping(uint256 programId => mapping(address bank => bool)) private _coveredBank;
    mapping(uint256 programId => mapping(address source => bool)) private _coveredSource;
    mapping(uint256 programId => mapping(address bank => uint256)) private _bankLoss;
    mapping(uint256 programId => mapping(address bank => uint256)) private _bankEntitled;
    mapping(uint256 programId => mapping(uint256 index => uint256 claimId)) private _queue;
    mapping(uint256 claimId => Claim) private _claims;
    mapping(uint256 claimId => mapping(uint256 index => uint256)) private _paidBy;
    mapping(uint256 claimId => mapping(uint256 index => uint256)) private _returnedBy;
    mapping(uint256 lossId => uint256 claimId) private _claimOfLoss;
    mapping(address bank => uint256) private _held;
    uint256 private _programCount;
    uint256 private _claimCount;

    constructor(IParticipantRegistry registry_, IERC20 token_, ILossRegistry losses_) {
        registry = registry_;
        token = token_;
        losses = losses_;
    }

    // ------------------------------------------------------------------ programs
    /// @inheritdoc IRiskPool
    function createProgram(ProgramTerms calldata terms) external returns (uint256 programId) {
        if (!registry.isOperator(msg.sender)) revert RiskPoolNotOperator(msg.sender);
        _checkList(0, terms.banks);
        _checkList(1, terms.sources);
        _checkList(2, terms.contributors);
        if (terms.start >= terms.end || terms.capPerClaim == 0 || terms.capPerBank == 0) {
            revert RiskPoolTermsInvalid(terms.start, terms.end, terms.capPerClaim, terms.capPerBank);
        }
        uint256 total;
        if (terms.sharesBps.length != terms.contributors.length) revert RiskPoolSharesInvalid(0);
        for (uint256 i; i < terms.sharesBps.length; ++i) {
            if (terms.sharesBps[i] == 0) revert RiskPoolSharesInvalid(0);
            total += terms.sharesBps[i];
        }
        if (total != _BPS) revert RiskPoolSharesInvalid(total);
        uint256 n = terms.gradeUpTo.length;
        if (n == 0 || n > MAX_LIST) revert RiskPoolListInvalid(3, n);
        if (terms.gradeRateBps.length != n) revert RiskPoolGradesInvalid(n);
        for (uint256 k; k < n; ++k) {
            if (terms.gradeRateBps[k] > _BPS || terms.gradeUpTo[k] <= (k == 0 ? 0 : terms.gradeUpTo[k - 1])) {
                revert RiskPoolGradesInvalid(k);
            }
        }
        programId = ++_programCount;
        _terms[programId] = terms;
        for (uint256 i; i < terms.banks.length; ++i) _coveredBank[programId][terms.banks[i]] = true;
        for (uint256 i; i < terms.sources.length; ++i) _coveredSource[programId][terms.sources[i]] = true;
        for (uint256 i; i < terms.contributors.length; ++i) {
            _accounts[programId][terms.contributors[i]].shareBps = terms.sharesBps[i];
        }
        emit ProgramCreated(programId, terms.name, terms.start, terms.end);
    }

    /// @inheritdoc IRiskPool
    function deposit(uint256 programId, uint256 amount) external nonReentrant {
        _program(programId);
        ContributorAccount storage account = _accounts[programId][msg.sender];
        if (account.shareBps == 0 || !registry.isActive(msg.sender)) revert RiskPoolNotContributor(programId, msg.sender);
        if (amount == 0) revert RiskPoolAmountZero();
        account.deposited += amount;
        account.balance += amount;
        ProgramState storage state = _states[programId];
        state.deposited += amount;
        state.balance += amount;
        emit ContributionDeposited(programId, msg.sender, amount, account.balance);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IRiskPool
    function withdraw(uint256 programId, uint256 amount) external nonReentrant {
        ProgramTerms storage terms = _program(programId);
        ProgramState storage state = _states[programId];
        uint64 unlock = terms.end + CLAIM_WINDOW;
        if (block.timestamp < unlock || state.open != 0) revert RiskPoolWithdrawLocked(programId, unlock, state.open);
        ContributorAccount storage account = _accounts[programId][msg.sender];
        if (account.shareBps == 0) revert RiskPoolNotContributor(programId, msg.sender);
        if (amount == 0) revert RiskPoolAmountZero();
        if (account.balance < amount) revert RiskPoolBalanceShort(programId, msg.sender, account.balance, amount);
        account.balance -= amount;
        account.withdrawn += amount;
        state.balance -= amount;
        state.withdrawn += amount;
        emit ContributionWithdrawn(programId, msg.sender, amount, account.balance);
        token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------ claims
    /// @inheritdoc IRiskPool
    function fileClaim(uint256 programId, uint256 lossId) external nonReentrant returns (uint256 claimId) {
        (uint256 netLoss, uint256 entitlement, uint256 recovered) = _quote(programId, lossId, msg.sender);
        ProgramState storage state = _states[programId];
        claimId = ++_claimCount;
        _claimOfLoss[lossId] = claimId;
        _bankLoss[programId][msg.sender] += netLoss;
        _bankEntitled[programId][msg.sender] += entitlement;
        _claims[claimId] = Claim({
            id: claimId,
            programId: programId,
            lossId: lossId,
            bank: msg.sender,
            status: ClaimStatus.Open,
            netLoss: netLoss,
            recoveredAtFiling: recovered,
            entitlement: entitlement,
            paid: 0,
            returned: 0,
            filedAt: uint64(block.timestamp)
        });
        state.claimCount += 1;
        emit ClaimFiled(claimId, programId, lossId, msg.sender, netLoss, entitlement);
        uint256 amount;
        if (state.queueHead == state.queueLength || entitlement == 0) {
            amount = _payClaim(programId, claimId); // nobody waits ahead of it (or nothing is due: it closes)
        }
        if (_claims[claimId].status == ClaimStatus.Open) {
            _queue[programId][state.queueLength++] = claimId; // waits in filing order
            state.open += entitlement - _claims[claimId].paid;
        }
        if (amount != 0) token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IRiskPool
    function payOpenClaims(uint256 programId, uint256 maxCount) external nonReentrant returns (uint256 amount) {
        _program(programId);
        ProgramState storage state = _states[programId];
        if (state.queueHead == state.queueLength) revert RiskPoolNoOpenClaims(programId);
        for (uint256 done; done < maxCount && state.queueHead < state.queueLength; ++done) {
            uint256 claimId = _queue[programId][state.queueHead];
            uint256 paid = _payClaim(programId, claimId);
            state.open -= paid;
            if (paid != 0) {
                // held for the bank, which collects it: a bank that cannot receive (suspended) never blocks the line
                address bank = _claims[claimId].bank;
                _held[bank] += paid;
                emit ClaimPaymentHeld(claimId, bank, paid, _held[bank]);
            }
            amount += paid;
            if (_claims[claimId].status == ClaimStatus.Open) break;
            state.queueHead += 1;
        }
    }

    /// @inheritdoc IRiskPool
    function collect() external nonReentrant returns (uint256 amount) {
        amount = _held[msg.sender];
        if (amount == 0) revert RiskPoolNothingHeld(msg.sender);
        _held[msg.sender] = 0;
        emit ClaimPaymentsCollected(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IRiskPool
    function heldFor(address bank) external view returns (uint256) {
        return _held[bank];
    }

    /// @inheritdoc IRiskPool
    function returnRecovery(uint256 claimId) external nonReentrant returns (uint256 amount) {
        Claim storage claim = _claim(claimId);
        uint256 owedTotal = _owedTotal(claim);
        if (owedTotal <= claim.returned) revert RiskPoolNothingOwed(claimId);
        amount = owedTotal - claim.returned;
        claim.returned = owedTotal;
        uint256 programId = claim.programId;
        address[] storage contributors = _terms[programId].contributors;
        uint256 n = contributors.length;
        uint256[] memory parts = new uint256[](n);
        uint256 given;
        for (uint256 i; i < n; ++i) {
            uint256 target = owedTotal * _paidBy[claimId][i] / claim.paid;
            uint256 already = _returnedBy[claimId][i];
            uint256 part = target > already ? target - already : 0;
            parts[i] = part < amount - given ? part : amount - given;
            given += parts[i];
        }
        for (uint256 i; i < n && given < amount; ++i) {
            uint256 room = _paidBy[claimId][i] - _returnedBy[claimId][i] - parts[i];
            uint256 take = room < amount - given ? room : amount - given;
            parts[i] += take;
            given += take;
        }
        for (uint256 i; i < n; ++i) {
            if (parts[i] == 0) continue;
            _returnedBy[claimId][i] += parts[i];
            ContributorAccount storage account = _accounts[programId][contributors[i]];
            account.recovered += parts[i];
            account.balance += parts[i];
            emit RecoveryCredited(claimId, contributors[i], parts[i]);
        }
        ProgramState storage state = _states[programId];
        state.recovered += amount;
        state.balance += amount;
        emit RecoveryReturned(claimId, amount, owedTotal);
        token.safeTransferFrom(claim.bank, address(this), amount); // the bank owes it, whoever asks

    }

    // ------------------------------------------------------------------ views
    /// @inheritdoc IRiskPool
    function getTerms(uint256 programId) external view returns (ProgramTerms memory) {
        return _program(programId);
    }

    /// @inheritdoc IRiskPool
    function getState(uint256 programId) external view returns (ProgramState memory) {
        _program(programId);
        return _states[programId];
    }

    /// @inheritdoc IRiskPool
    function getContributor(uint256 programId, address contributor) external view returns (ContributorAccount memory) {
        _program(programId);
        return _accounts[programId][contributor];
    }

    /// @inheritdoc IRiskPool
    function getClaim(uint256 claimId) external view returns (Claim memory) {
        return _claim(claimId);
    }

    /// @inheritdoc IRiskPool
    function claimOfLoss(uint256 lossId) external view returns (uint256) {
        return _claimOfLoss[lossId];
    }

    /// @inheritdoc IRiskPool
    function bankTotals(uint256 programId, address bank) external view returns (uint256 netLoss, uint256 entitled) {
        return (_bankLoss[programId][bank], _bankEntitled[programId][bank]);
    }

    /// @inheritdoc IRiskPool
    function graded(uint256 programId, uint256 cumulativeLoss) external view returns (uint256) {
        return _graded(_program(programId), cumulativeLoss);
    }

    /// @inheritdoc IRiskPool
    function quoteClaim(uint256 programId, uint256 lossId) external view returns (uint256 netLoss, uint256 entitlement) {
        (netLoss, entitlement,) = _quote(programId, lossId, msg.sender);
    }

    /// @inheritdoc IRiskPool
    function recoveryOwed(uint256 claimId) external view returns (uint256) {
        Claim storage claim = _claim(claimId);
        uint256 owedTotal = _owedTotal(claim);
        return owedTotal > claim.returned ? owedTotal - claim.returned : 0;
    }

    /// @inheritdoc IRiskPool
    function programCount() external view returns (uint256) {
        return _programCount;
    }

    // ------------------------------------------------------------------ internal
    function _program(uint256 programId) private view returns (ProgramTerms storage terms) {
        terms = _terms[programId];
        if (terms.contributors.length == 0) revert RiskPoolProgramNotFound(programId);
    }

    function _claim(uint256 claimId) private view returns (Claim storage claim) {
        claim = _claims[claimId];
        if (claim.id == 0) revert RiskPoolClaimNotFound(claimId);
    }

    function _checkList(uint8 what, address[] calldata list) private pure {
        uint256 n = list.length;
        if (n == 0 || n > MAX_LIST) revert RiskPoolListInvalid(what, n);
        for (uint256 i; i < n; ++i) {
            if (list[i] == address(0)) revert RiskPoolListInvalid(what, n);
            for (uint256 j; j < i; ++j) {
                if (list[i] == list[j]) revert RiskPoolListInvalid(what, n);
            }
        }
    }

    /// @dev Checks a claim by `bank` on `lossId` and computes its net loss and entitlement.
    function _quote(uint256 programId, uint256 lossId, address bank)
        private
        view
        returns (uint256 netLoss, uint256 entitlement, uint256 recovered)
    {
        ProgramTerms storage terms = _program(programId);
        ILossRegistry.Loss memory loss = losses.getLoss(lossId);
        uint256 existing = _claimOfLoss[lossId];
        if (existing != 0) revert RiskPoolLossAlreadyClaimed(lossId, existing);
        if (loss.bank != bank) revert RiskPoolNotLossBank(lossId, loss.bank, bank);
        if (!_coveredBank[programId][bank]) revert RiskPoolBankNotCovered(programId, bank);
        if (!_coveredSource[programId][loss.source]) revert RiskPoolSourceNotCovered(programId, loss.source);
        if (loss.occurredAt < terms.start || loss.occurredAt >= terms.end) {
            revert RiskPoolLossOutsidePeriod(programId, lossId, loss.occurredAt, terms.start, terms.end);
        }
        uint64 closedAt = terms.end + CLAIM_WINDOW;
        if (block.timestamp >= closedAt) revert RiskPoolClaimWindowClosed(programId, closedAt);
        recovered = loss.recovered;
        netLoss = loss.principal + loss.interest - recovered;
        if (netLoss == 0) revert RiskPoolNoNetLoss(lossId);
        uint256 before = _bankLoss[programId][bank];
        entitlement = _graded(terms, before + netLoss) - _graded(terms, before);
        if (entitlement > terms.capPerClaim) entitlement = terms.capPerClaim;
        uint256 room = terms.capPerBank - _bankEntitled[programId][bank];
        if (entitlement > room) entitlement = room;
    }

    function _graded(ProgramTerms storage terms, uint256 x) private view returns (uint256 total) {
        uint256 lo;
        uint256 n = terms.gradeUpTo.length;
        for (uint256 k; k < n && x > lo; ++k) {
            uint256 hi = terms.gradeUpTo[k];
            uint256 portion = (x < hi ? x : hi) - lo;
            total += portion * terms.gradeRateBps[k] / _BPS;
            lo = hi;
        }
    }

    /// @dev Pays what the contributors can cover pro rata of the claim's unpaid entitlement; effects only (the
    /// caller transfers). Returns the amount paid now.
    function _payClaim(uint256 programId, uint256 claimId) private returns (uint256 amount) {
        Claim storage claim = _claims[claimId];
        ProgramTerms storage terms = _terms[programId];
        uint256 want = claim.entitlement - claim.paid;
        uint256 n = terms.contributors.length;
        uint256[] memory balances = new uint256[](n);
        uint256 payable_ = want;
        for (uint256 i; i < n; ++i) {
            balances[i] = _accounts[programId][terms.contributors[i]].balance;
            uint256 most = balances[i] * _BPS / terms.sharesBps[i];
            if (most < payable_) payable_ = most;
        }
        uint256[] memory parts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            parts[i] = payable_ * terms.sharesBps[i] / _BPS;
            amount += parts[i];
        }
        for (uint256 i; i < n && amount < payable_; ++i) {
            uint256 spare = balances[i] - parts[i];
            uint256 take = spare < payable_ - amount ? spare : payable_ - amount;
            parts[i] += take;
            amount += take;
        }
        ClaimStatus old = claim.status;
        claim.paid += amount;
        if (claim.paid == claim.entitlement) claim.status = ClaimStatus.Paid;
        for (uint256 i; i < n; ++i) {
            if (parts[i] == 0) continue;
            ContributorAccount storage account = _accounts[programId][terms.contributors[i]];
            account.balance -= parts[i];
            account.paid += parts[i];
            _paidBy[claimId][i] += parts[i];
            emit ContributionDrawn(claimId, terms.contributors[i], parts[i]);
        }
        ProgramState storage state = _states[programId];
        state.balance -= amount;
        state.paid += amount;
        if (amount != 0 || old != claim.status) emit ClaimPaid(claimId, amount, claim.paid, old, claim.status);
    }

    /// @dev floor(recovered since filing x paid / net loss), at most paid.
    function _owedTotal(Claim storage claim) private view returns (uint256) {
        if (claim.paid == 0) return 0;
        uint256 recoveredSince = losses.getLoss(claim.lossId).recovered - claim.recoveredAtFiling;
        uint256 owed = recoveredSince * claim.paid / claim.netLoss;
        return owed < claim.paid ? owed : claim.paid;
    }
}
