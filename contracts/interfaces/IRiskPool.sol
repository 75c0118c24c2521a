// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ClaimStatus} from "../types/RiskPool.sol";

/// @title IRiskPool
/// @notice Government-bank-insurance risk compensation pools, paid only against losses the ledger recorded (see
/// {ILossRegistry}).
/// @dev Graded rule: a program's grades are ascending thresholds `gradeUpTo[k]` of a covered bank's cumulative net
/// loss in the program, the portion between `gradeUpTo[k-1]` (0 for k = 0) and `gradeUpTo[k]` paid at
/// `gradeRateBps[k]`; nothing beyond the last threshold. graded(x) = sum over k of floor(portion_k(x) x rate_k /
/// 10,000). A claim's entitlement is graded(L + n) - graded(L) (L: the bank's net loss already claimed in the
/// program, n: the claim's net loss = principal + interest - recovered at filing), then capped by `capPerClaim` and
/// by what is left of `capPerBank`. Rounding is down, in the bank's disfavour.
/// Payment: the pool pays min(entitlement, the most every contributor can cover pro rata), taking
/// floor(amount x share / 10,000) from each contributor; the rounding remainder (< number of contributors) is taken
/// from the contributors in listed order that still have balance (the first listed contributor first). The unpaid
/// part stays open and is paid by `payOpenClaims` in filing order; a claim filed while others are open waits in line.
/// Recoveries: the bank owes floor(recovered since filing x paid / net loss), at most what it was paid; it returns
/// it with `returnRecovery`, and the pool credits each contributor pro rata to what it paid on that claim (the
/// remainder to the contributors in listed order that are still owed).
interface IRiskPool {
    /// @notice A program's rules, fixed at creation.
    struct ProgramTerms {
        string name;
        address[] banks; // covered banks, 1..8
        address[] sources; // covered loss sources (ledger contracts), 1..8
        uint64 start; // losses recorded at or after
        uint64 end; // and before
        address[] contributors; // 1..8, distinct
        uint16[] sharesBps; // committed shares, each > 0, summing to 10,000
        uint256[] gradeUpTo; // 1..8 ascending cumulative thresholds of a bank's net loss
        uint16[] gradeRateBps; // rate of each tier, <= 10,000
        uint256 capPerClaim; // > 0
        uint256 capPerBank; // per bank for the whole period, > 0
    }

    /// @notice A program's running totals.
    struct ProgramState {
        uint256 deposited;
        uint256 balance; // held for the program now
        uint256 paid; // paid on claims
        uint256 open; // owed on open claims
        uint256 recovered; // returned by banks from recoveries
        uint256 withdrawn;
        uint256 claimCount;
        uint256 queueHead; // index of the first claim in line that may be open
        uint256 queueLength;
    }

    /// @notice A contributor's account in a program. Exposure = paid - recovered.
    struct ContributorAccount {
        uint16 shareBps;
        uint256 deposited;
        uint256 balance;
        uint256 paid;
        uint256 recovered;
        uint256 withdrawn;
    }

    /// @notice A claim on one loss.
    struct Claim {
        uint256 id;
        uint256 programId;
        uint256 lossId;
        address bank;
        ClaimStatus status;
        uint256 netLoss; // net loss at filing
        uint256 recoveredAtFiling; // the loss's recovered amount when filed
        uint256 entitlement; // graded and capped
        uint256 paid;
        uint256 returned; // returned by the bank from recoveries
        uint64 filedAt;
    }

    // ------------------------------------------------------------------ errors
    error RiskPoolNotOperator(address account);
    /// @notice A list is empty or longer than 8, or has a duplicate or zero entry (`what`: 0 banks, 1 sources,
    /// 2 contributors, 3 grades).
    error RiskPoolListInvalid(uint8 what, uint256 length);
    /// @notice The contributors' shares do not match them in number, one is zero, or they do not sum to 10,000.
    error RiskPoolSharesInvalid(uint256 total);
    /// @notice Grade `index` is not above the one before it, its rate is above 10,000, or rates and thresholds
    /// differ in number.
    error RiskPoolGradesInvalid(uint256 index);
    /// @notice The period is empty, or a cap is zero.
    error RiskPoolTermsInvalid(uint64 start, uint64 end, uint256 capPerClaim, uint256 capPerBank);
    error RiskPoolProgramNotFound(uint256 programId);
    error RiskPoolClaimNotFound(uint256 claimId);
    /// @notice The account is not a contributor of the program, or is not an active participant.
    error RiskPoolNotContributor(uint256 programId, address account);
    error RiskPoolAmountZero();
    /// @notice The caller is not the bank that suffered the loss.
    error RiskPoolNotLossBank(uint256 lossId, address bank, address account);
    error RiskPoolBankNotCovered(uint256 programId, address bank);
    error RiskPoolSourceNotCovered(uint256 programId, address source);
    /// @notice The loss occurred (see {ILossRegistry-Loss}) outside the program's period [start, end).
    error RiskPoolLossOutsidePeriod(uint256 programId, uint256 lossId, uint64 occurredAt, uint64 start, uint64 end);
    error RiskPoolLossAlreadyClaimed(uint256 lossId, uint256 claimId);
    /// @notice The loss is fully recovered: nothing is left to claim.
    error RiskPoolNoNetLoss(uint256 lossId);
    /// @notice Nothing is owed back on the claim from recoveries.
    error RiskPoolNothingOwed(uint256 claimId);
    error RiskPoolNoOpenClaims(uint256 programId);
    /// @notice Nothing is held for the account.
    error RiskPoolNothingHeld(address account);
    /// @notice Withdrawal only from `unlock` (the period's end plus the claim window) and with no open claim.
    error RiskPoolWithdrawLocked(uint256 programId, uint64 unlock, uint256 open);
    /// @notice Claims on the program could be filed only before `closedAt` (the period's end plus the claim window).
    error RiskPoolClaimWindowClosed(uint256 programId, uint64 closedAt);
    error RiskPoolBalanceShort(uint256 programId, address account, uint256 balance, uint256 amount);

    // ------------------------------------------------------------------ events
    /// @notice A program was created.
    /// @param programId Its id (from 1).
    /// @param name Its name.
    /// @param start Losses recorded at or after.
    /// @param end And before.
    event ProgramCreated(uint256 indexed programId, string name, uint64 start, uint64 end);

    /// @notice A contributor deposited into a program.
    /// @param programId The program.
    /// @param contributor The contributor.
    /// @param amount Deposited.
    /// @param balance Its balance in the program now.
    event ContributionDeposited(uint256 indexed programId, address indexed contributor, uint256 amount, uint256 balance);

    /// @notice A contributor withdrew its balance after the period.
    event ContributionWithdrawn(uint256 indexed programId, address indexed contributor, uint256 amount, uint256 balance);

    /// @notice A bank filed a claim.
    /// @param claimId The claim (from 1).
    /// @param programId The program.
    /// @param lossId The loss.
    /// @param bank The bank.
    /// @param netLoss Net loss at filing.
    /// @param entitlement Graded and capped payout.
    event ClaimFiled(
        uint256 indexed claimId,
        uint256 indexed programId,
        uint256 indexed lossId,
        address bank,
        uint256 netLoss,
        uint256 entitlement
    );

    /// @notice Part or all of a claim was paid.
    /// @param claimId The claim.
    /// @param amount Paid now.
    /// @param paid Paid in total.
    /// @param oldStatus Status before.
    /// @param newStatus Status now.
    event ClaimPaid(uint256 indexed claimId, uint256 amount, uint256 paid, ClaimStatus oldStatus, ClaimStatus newStatus);

    /// @notice A payment on an open claim was set aside for its bank to collect.
    /// @param claimId The claim.
    /// @param bank Its bank.
    /// @param amount Set aside now.
    /// @param held Held for the bank in total.
    event ClaimPaymentHeld(uint256 indexed claimId, address indexed bank, uint256 amount, uint256 held);

    /// @notice A bank collected the payments held for it.
    event ClaimPaymentsCollected(address indexed bank, uint256 amount);

    /// @notice A contributor's balance paid part of a claim.
    event ContributionDrawn(uint256 indexed claimId, address indexed contributor, uint256 amount);

    /// @notice The bank returned its share of a recovery.
    /// @param claimId The claim.
    /// @param amount Returned now.
    /// @param returned Returned in total.
    event RecoveryReturned(uint256 indexed claimId, uint256 amount, uint256 returned);

    /// @notice A contributor was credited part of a returned recovery.
    event RecoveryCredited(uint256 indexed claimId, address indexed contributor, uint256 amount);

    // ------------------------------------------------------------------ functions
    /// @notice Create a program. Requirements: the caller is an operator; the terms are valid (see the errors).
    function createProgram(ProgramTerms calldata terms) external returns (uint256 programId);

    /// @notice Deposit settlement tokens into a program.
    /// Requirements: the caller is an active contributor of the program; amount > 0; it approved the pool.
    function deposit(uint256 programId, uint256 amount) external;

    /// @notice File a claim for a recorded loss and pay what the pool can now.
    /// Requirements: the caller is the loss's bank and covered; the loss's source is covered; it occurred inside
    /// the period (its `occurredAt`); the claim window (period end + 90 days) is open; it was never claimed (in any program); some net
    /// loss is left.
    function fileClaim(uint256 programId, uint256 lossId) external returns (uint256 claimId);

    /// @notice Pay open claims in filing order, at most `maxCount` of them; stops at the first claim it cannot pay in
    /// full. The payments are held for each claim's bank, which takes them with {collect} (so a bank that cannot
    /// receive never blocks the others). Anyone may call. Requirements: the program has an open claim.
    function payOpenClaims(uint256 programId, uint256 maxCount) external returns (uint256 amount);

    /// @notice Take the payments on open claims held for the caller. Requirements: something is held for it.
    function collect() external returns (uint256 amount);

    /// @notice Payments on open claims held for `bank`.
    function heldFor(address bank) external view returns (uint256);

    /// @notice Return to the pool the bank's share of what was recovered on a claimed loss since filing (see
    /// {ILossRegistry-recordRecovery}), taken from the claim's bank under its approval of the pool. Anyone may call
    /// (a keeper, right after `recordRecovery`): the amount is fixed by the chain, and only the bank pays.
    /// Requirements: something is owed; the bank has approved the pool for it and holds it.
    function returnRecovery(uint256 claimId) external returns (uint256 amount);

    /// @notice Withdraw a contributor's balance. Requirements: the claim window after the period has closed, no claim
    /// is open, the caller is a contributor with that much balance.
    function withdraw(uint256 programId, uint256 amount) external;

    function getTerms(uint256 programId) external view returns (ProgramTerms memory);
    function getState(uint256 programId) external view returns (ProgramState memory);
    function getContributor(uint256 programId, address contributor) external view returns (ContributorAccount memory);
    function getClaim(uint256 claimId) external view returns (Claim memory);
    /// @notice The claim filed for a loss, or 0.
    function claimOfLoss(uint256 lossId) external view returns (uint256);
    /// @notice The net loss of `bank` already claimed in a program, and the entitlement granted on it.
    function bankTotals(uint256 programId, address bank) external view returns (uint256 netLoss, uint256 entitled);
    /// @notice graded(x) of a program (see the contract notes).
    function graded(uint256 programId, uint256 cumulativeLoss) external view returns (uint256);
    /// @notice What a claim on `lossId` would be entitled to now (reverts as fileClaim would, but for the caller).
    function quoteClaim(uint256 programId, uint256 lossId) external view returns (uint256 netLoss, uint256 entitlement);
    /// @notice What the bank owes back on a claim now.
    function recoveryOwed(uint256 claimId) external view returns (uint256);
    function programCount() external view returns (uint256);
}
