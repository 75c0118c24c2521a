// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CreditLineStatus, CreditPledgeStatus, PayeeRule} from "../types/CreditLines.sol";

/// @title Revolving credit lines
/// @notice A bank opens a revolving credit line for a supplier or distributor: a limit, a yearly rate, an
/// availability window of at most 365 days, a maximum tenor per draw, a grace period, an optional overdue surcharge
/// and a purpose rule. The borrower accepts the terms on chain; then it draws any amount up to the available limit,
/// any number of times while the line is open. Each draw is a tranche with its own due date.
///
/// Fixed purpose, closed loop: a draw never pays the borrower. It names a payee and a purpose reference (the hash
/// of a purchase order or invoice), and the bank's settlement tokens go straight from the bank to the payee in the
/// drawing transaction. The bank funds through its token allowance to this contract; the line's limit bounds what
/// any draw of this line can take, so the line itself is the bank's consent, never an open tap.
///
/// Money rules (amounts in cents, rates in basis points, divisions round down):
/// - interest accrues per second on each tranche's outstanding principal, actual/365:
///   numerator = sum over tranches of principal x (rateBps + surchargeBps if past due) x seconds;
///   interest = (numerator + carry) / (10,000 x 365 x 86,400), and the remainder becomes the new carry.
///   Accrual is brought up to date before any principal changes (draw, repay, default), so the interest over any
///   sequence of repayments equals the interest of one repayment at the end, to the cent;
/// - the overdue surcharge applies to a tranche's principal from its due date until it is repaid;
/// - a repayment pays accrued interest first, then the principal of the tranche falling due first (ties: the
///   older tranche), and never takes more than is owed. Repaid principal is available again at once;
/// - at default the interest is brought up to date and stops: the recorded loss (principal + interest) is the
///   whole claim, and later repayments (recoveries) reduce it.
///
/// Receivables mode (self-repayment). The borrower pledges a confirmed receivable fragment it holds to a line:
/// it offers the fragment (or part of it) to this contract on Receivables, then calls `pledgeReceivable`, which
/// accepts the offer, so this contract holds the fragment and the borrower can no longer offer, discount or claim it.
/// When the debtor repays the receivable, anyone calls `collectReceivable`: this contract claims the fragment's payout
/// (or accounts for a payout someone already claimed to it) and applies it to the line as a repayment: accrued
/// interest first, then principal by due date, never more than owed (a recovery on a defaulted line); the rest goes
/// to the borrower. A party that cannot receive (suspended, KYC lapsed) has its share held here until it calls
/// `collectHeld`, so nobody can block the other's money. Once the line owes nothing (or is closed) the borrower may
/// `releaseReceivable`: later payouts go wholly to it, and while the receivable still allows a transfer (confirmed,
/// not repaid in any part, before its due date) the fragment is offered back to it on Receivables. A disputed
/// receivable pays nothing until the dispute is resolved; a voided one never pays: the line's debt stays the
/// borrower's, to repay with `repay`. Under `PayeeRule.PledgedReceivables` the unpaid value of the fragments pledged
/// (`pledgedOf`) caps the principal outstanding after a draw.
interface ICreditLines {
    /// @notice A receivable fragment pledged to a line.
    struct Pledge {
        uint256 fragmentId;
        uint256 lineId;
        CreditPledgeStatus status;
        uint256 value; // fragment value when pledged
        uint256 collected; // payouts collected so far (the fragment's `paid` at the last collection)
    }

    /// @notice Terms of a line, set by the bank at opening.
    struct CreditTerms {
        address borrower; // an active Supplier or Distributor
        uint96 limit; // cents; the most principal outstanding at any time
        uint16 rateBps; // yearly interest, actual/365
        uint16 surchargeBps; // added to the rate on a tranche's principal past its due date (0: none)
        uint40 start; // first second a draw may happen
        uint40 expiry; // no draw at or after it; every tranche falls due by it; <= start + 365 days
        uint32 maxTenor; // seconds, 1 day .. 365 days: longest tenor of a draw
        uint32 grace; // seconds after a due date before the bank may declare default (<= 365 days)
        PayeeRule payeeRule;
    }

    /// @notice One outstanding tranche of a line.
    struct Tranche {
        uint256 id; // per line, from 1
        uint256 principal; // outstanding
        uint64 drawnAt;
        uint64 due;
    }

    /// @notice A line as read back (`interest` and `carry` as stored at `accruedAt`; see `debtOf` for now).
    struct CreditLine {
        uint256 id;
        address bank;
        address borrower;
        CreditLineStatus status;
        PayeeRule payeeRule;
        uint256 limit;
        uint256 principal; // outstanding, all tranches
        uint256 interest; // accrued and unpaid up to `accruedAt`
        uint256 carry; // sub-cent remainder of the interest numerator, carried forward
        uint64 accruedAt;
        uint16 rateBps;
        uint16 surchargeBps;
        uint64 start;
        uint64 expiry;
        uint32 maxTenor;
        uint32 grace;
        uint64 nextDue; // earliest due date of an outstanding tranche, 0 if none
        uint256 drawCount; // tranches ever drawn
        uint256 payeeCount; // allow-listed payees
        Tranche[] tranches; // outstanding, in slot order
    }

    // ------------------------------------------------------------------ errors
    /// @notice Terms are unusable: need a borrower other than the bank, 0 < limit <= MAX_LIMIT, rates <= 10,000,
    /// now < expiry, start < expiry <= start + 365 days, 1 day <= maxTenor <= 365 days, grace <= 365 days.
    error CreditLineTermsInvalid(
        address borrower, uint256 limit, uint16 rateBps, uint16 surchargeBps, uint64 start, uint64 expiry,
        uint32 maxTenor, uint32 grace
    );
    /// @notice No line with this id.
    error CreditLineNotFound(uint256 lineId);
    /// @notice The line is not in a status that allows this.
    error CreditLineStatusInvalid(uint256 lineId, CreditLineStatus status);
    /// @notice Only the line's bank may do this.
    error CreditLineNotBank(uint256 lineId, address account, address bank);
    /// @notice Only the line's borrower may do this.
    error CreditLineNotBorrower(uint256 lineId, address account, address borrower);
    /// @notice A draw or repayment amount is zero, or a draw exceeds the available limit. `maxAmount` is the
    /// available limit for a draw, the amount owed for a repayment.
    error CreditLineAmountInvalid(uint256 lineId, uint256 amount, uint256 maxAmount);
    /// @notice Draws happen only from `start` until before `expiry`.
    error CreditLineNotAvailable(uint256 lineId, uint64 start, uint64 expiry, uint64 blockTime);
    /// @notice A tenor must be at least 1 day, at most the line's max tenor, and fall due by the line's expiry.
    error CreditLineTenorInvalid(uint256 lineId, uint32 tenor, uint32 maxTenor, uint64 due, uint64 expiry);
    /// @notice The line already has the maximum number of outstanding tranches; repay one first.
    error CreditLineTranchesFull(uint256 lineId, uint256 maxTranches);
    /// @notice A tranche is past its due date: no new draw until it is repaid.
    error CreditLineOverdue(uint256 lineId, uint64 due);
    /// @notice The payee is the borrower, or not allowed by the line's purpose rule.
    error CreditLinePayeeNotAllowed(uint256 lineId, address payee, PayeeRule rule);
    /// @notice A draw needs a purpose reference (the hash of a purchase order or invoice).
    error CreditLinePurposeMissing(uint256 lineId);
    /// @notice The payee allow-list of a line is full.
    error CreditLinePayeesFull(uint256 lineId, uint256 maxPayees);
    /// @notice The allow-list entry already has this value, or the payee is the zero address or the borrower.
    error CreditLinePayeeUnchanged(uint256 lineId, address payee, bool allowed);
    /// @notice A limit can only go down, and never below the outstanding principal.
    error CreditLineLimitInvalid(uint256 lineId, uint256 limit, uint256 newLimit, uint256 principal);
    /// @notice Nothing is owed on the line.
    error CreditLineNothingOwed(uint256 lineId);
    /// @notice The line cannot close: something is owed, or the bank closes an accepted line before its expiry.
    error CreditLineNotClosable(uint256 lineId, uint256 principal, uint256 interest, uint64 expiry);
    /// @notice No tranche is past its due date plus the grace period yet.
    error CreditLineDefaultNotDue(uint256 lineId, uint64 nextDue, uint32 grace);
    /// @notice Nothing is held for the caller.
    error CreditLineNothingHeld(address bank);
    /// @notice The offer is not an open offer from the line's borrower to this contract.
    error CreditPledgeOfferInvalid(uint256 lineId, uint256 offerId, address from, address to);
    /// @notice No fragment with this id is pledged to a line.
    error CreditPledgeNotFound(uint256 fragmentId);
    /// @notice The pledged fragment has no payout to collect now.
    error CreditPledgeNothingToCollect(uint256 fragmentId);
    /// @notice The line still owes `principal` + `interest`: the pledge stays until it is repaid.
    error CreditPledgeLocked(uint256 fragmentId, uint256 lineId, uint256 principal, uint256 interest);
    /// @notice The fragment was already released and cannot be offered back now (the receivable no longer allows
    /// a transfer, or an offer of it is still open); its payouts go to the borrower.
    error CreditPledgeNotReturnable(uint256 fragmentId);
    /// @notice Under `PledgedReceivables` a draw may not take the principal beyond the pledged unpaid value.
    error CreditLineBorrowingBaseExceeded(uint256 lineId, uint256 principal, uint256 pledged);

    // ------------------------------------------------------------------ events
    /// @notice Emitted when a bank opens (offers) a line.
    /// @param lineId The new line.
    /// @param bank The lending bank, which funds every draw.
    /// @param borrower The borrower, who must accept before the first draw.
    /// @param limit Most principal outstanding at any time, in cents.
    /// @param rateBps Yearly rate, actual/365.
    /// @param surchargeBps Added to the rate on overdue principal.
    /// @param start First second of availability.
    /// @param expiry End of availability; every tranche falls due by it.
    /// @param maxTenor Longest tenor of one draw, in seconds.
    /// @param grace Seconds after a due date before default may be declared.
    /// @param payeeRule Who draws may pay.
    /// @param oldStatus Always `None`.
    /// @param newStatus Always `Offered`.
    event CreditLineOpened(
        uint256 indexed lineId,
        address indexed bank,
        address indexed borrower,
        uint256 limit,
        uint16 rateBps,
        uint16 surchargeBps,
        uint64 start,
        uint64 expiry,
        uint32 maxTenor,
        uint32 grace,
        PayeeRule payeeRule,
        CreditLineStatus oldStatus,
        CreditLineStatus newStatus
    );
    /// @notice Emitted when the borrower accepts the terms.
    /// @param lineId The line.
    /// @param borrower The borrower.
    /// @param oldStatus Always `Offered`.
    /// @param newStatus Always `Open`.
    event CreditLineAccepted(
        uint256 indexed lineId, address indexed borrower, CreditLineStatus oldStatus, CreditLineStatus newStatus
    );
    /// @notice Emitted when the bank adds a payee to the allow-list or removes it.
    /// @param lineId The line.
    /// @param payee The payee.
    /// @param oldAllowed Whether it was allowed before.
    /// @param newAllowed Whether it is allowed now.
    /// @param payeeCount Allow-listed payees after the change.
    event CreditLinePayeeSet(
        uint256 indexed lineId, address indexed payee, bool oldAllowed, bool newAllowed, uint256 payeeCount
    );
    /// @notice Emitted on a draw: `amount` went from the bank straight to `payee` in this transaction.
    /// @param lineId The line.
    /// @param trancheId The new tranche (per line, from 1).
    /// @param payee Who was paid.
    /// @param amount Principal of the tranche, in cents.
    /// @param purposeRef Hash of the purchase order or invoice paid.
    /// @param due When the tranche falls due.
    /// @param principal Principal outstanding on the line after the draw.
    /// @param available Limit minus outstanding principal after the draw.
    event CreditLineDrawn(
        uint256 indexed lineId,
        uint256 indexed trancheId,
        address indexed payee,
        uint256 amount,
        bytes32 purposeRef,
        uint64 due,
        uint256 principal,
        uint256 available
    );
    /// @notice Emitted for every tranche whose principal a repayment or recovery reduced.
    /// @param lineId The line.
    /// @param trancheId The tranche.
    /// @param principalPaid Principal of this tranche repaid now.
    /// @param principalLeft Principal of this tranche still outstanding (0: the tranche is closed).
    event CreditTrancheRepaid(
        uint256 indexed lineId, uint256 indexed trancheId, uint256 principalPaid, uint256 principalLeft
    );
    /// @notice Emitted on a repayment of a line that is not in default.
    /// @param lineId The line.
    /// @param payer Who paid (the borrower or anyone on its behalf).
    /// @param amount Taken from the payer: interestPaid + principalPaid.
    /// @param interestPaid Accrued interest paid.
    /// @param principalPaid Principal paid, across tranches in order of due date.
    /// @param principal Principal left.
    /// @param interest Interest left. (Available again: the limit minus `principal`.)
    event CreditLineRepaid(
        uint256 indexed lineId,
        address indexed payer,
        uint256 amount,
        uint256 interestPaid,
        uint256 principalPaid,
        uint256 principal,
        uint256 interest
    );
    /// @notice Emitted when the bank reduces the limit.
    event CreditLineLimitReduced(uint256 indexed lineId, uint256 oldLimit, uint256 newLimit, uint256 principal);
    /// @notice Emitted when the bank freezes new draws.
    event CreditLineFrozen(
        uint256 indexed lineId, address indexed bank, CreditLineStatus oldStatus, CreditLineStatus newStatus
    );
    /// @notice Emitted when the bank lifts a freeze.
    event CreditLineUnfrozen(
        uint256 indexed lineId, address indexed bank, CreditLineStatus oldStatus, CreditLineStatus newStatus
    );
    /// @notice Emitted when the bank or the borrower closes a line (a defaulted line recovered in full closes with
    /// its `CreditLineRecovered` event instead).
    /// @param closedBy Who closed it.
    event CreditLineClosed(
        uint256 indexed lineId, address indexed closedBy, CreditLineStatus oldStatus, CreditLineStatus newStatus
    );
    /// @notice Emitted when the bank declares default: the loss record of the line (the risk pool reads it).
    /// @param lineId The line.
    /// @param bank The lending bank, which bears the loss.
    /// @param borrower The defaulting borrower.
    /// @param principal Principal outstanding at default.
    /// @param interest Interest accrued and unpaid at default (accrual stops here).
    /// @param oldStatus `Open` or `Frozen`.
    /// @param newStatus Always `Defaulted`.
    event CreditLineDefaulted(
        uint256 indexed lineId,
        address indexed bank,
        address indexed borrower,
        uint256 principal,
        uint256 interest,
        CreditLineStatus oldStatus,
        CreditLineStatus newStatus
    );
    /// @notice Emitted on a repayment of a defaulted line: a recovery of the recorded loss.
    /// @param lineId The line.
    /// @param payer Who paid.
    /// @param amount Recovered now: interestPaid + principalPaid.
    /// @param interestPaid Interest of the loss recovered now.
    /// @param principalPaid Principal of the loss recovered now.
    /// @param principal Principal of the loss still unrecovered.
    /// @param interest Interest of the loss still unrecovered.
    /// @param oldStatus Always `Defaulted`.
    /// @param newStatus `Defaulted`, or `Closed` when the loss is recovered in full.
    event CreditLineRecovered(
        uint256 indexed lineId,
        address indexed payer,
        uint256 amount,
        uint256 interestPaid,
        uint256 principalPaid,
        uint256 principal,
        uint256 interest,
        CreditLineStatus oldStatus,
        CreditLineStatus newStatus
    );
    /// @notice Emitted when a repayment could not be paid to the bank (it is suspended, not registered or its KYC
    /// lapsed) and this contract holds it for the bank instead.
    event CreditRepaymentHeld(uint256 indexed lineId, address indexed bank, uint256 amount, uint256 heldTotal);
    /// @notice Emitted when a bank collects what was held for it.
    event CreditRepaymentsCollected(address indexed bank, uint256 amount);
    /// @notice Emitted when the borrower pledges a receivable fragment to a line (this contract now holds it).
    /// @param lineId The line.
    /// @param fragmentId The fragment held for the line (the child created by accepting the borrower's offer).
    /// @param borrower The borrower.
    /// @param offerId The borrower's offer accepted.
    /// @param value The fragment's value.
    /// @param dueDate The receivable's due date (when its payout is expected).
    /// @param pledged Unpaid value pledged to the line after this.
    /// @param oldStatus Always `None`.
    /// @param newStatus Always `Pledged`.
    event CreditReceivablePledged(
        uint256 indexed lineId,
        uint256 indexed fragmentId,
        address indexed borrower,
        uint256 offerId,
        uint256 value,
        uint64 dueDate,
        uint256 pledged,
        CreditPledgeStatus oldStatus,
        CreditPledgeStatus newStatus
    );
    /// @notice Emitted when a pledged fragment's payout is collected and split between the line and the borrower.
    /// @param lineId The line.
    /// @param fragmentId The fragment.
    /// @param amount Payout collected now: toLine + toBorrower.
    /// @param toLine Applied to the line (a repayment or recovery, with its own event).
    /// @param toBorrower The rest, paid (or held) for the borrower.
    /// @param collected Payouts collected from this fragment so far.
    /// @param pledged Unpaid value pledged to the line after this.
    event CreditReceivableCollected(
        uint256 indexed lineId,
        uint256 indexed fragmentId,
        uint256 amount,
        uint256 toLine,
        uint256 toBorrower,
        uint256 collected,
        uint256 pledged
    );
    /// @notice Emitted when the borrower releases a pledge, and again whenever it asks for the fragment back.
    /// @param lineId The line.
    /// @param fragmentId The fragment.
    /// @param borrower The borrower.
    /// @param offerId The offer of the fragment back to the borrower on Receivables (0: none could be made; later
    /// payouts go to the borrower through `collectReceivable`).
    /// @param valueLeft The fragment's value not yet paid out.
    /// @param pledged Unpaid value pledged to the line after this.
    /// @param oldStatus `Pledged`, or `Released` when asked again.
    /// @param newStatus Always `Released`.
    event CreditReceivableReleased(
        uint256 indexed lineId,
        uint256 indexed fragmentId,
        address indexed borrower,
        uint256 offerId,
        uint256 valueLeft,
        uint256 pledged,
        CreditPledgeStatus oldStatus,
        CreditPledgeStatus newStatus
    );
    /// @notice Emitted when the borrower's share of a payout could not be paid to it (suspended, KYC lapsed) and is
    /// held here until it calls `collectHeld`.
    event CreditPayoutHeld(uint256 indexed lineId, address indexed borrower, uint256 amount, uint256 heldTotal);

    // ------------------------------------------------------------------ banks
    /// @notice Opens (offers) a line with `terms`; the borrower must accept before the first draw.
    /// Requirements:
    /// - caller is an active Bank; the borrower is an active Supplier or Distributor;
    /// - terms valid (see `CreditLineTermsInvalid`).
    function open(CreditTerms calldata terms) external returns (uint256 lineId);

    /// @notice Adds `payee` to the line's allow-list (`allowed`) or removes it.
    /// Requirements: caller is the line's bank; the line is Offered, Open or Frozen; the entry changes; `payee` is
    /// neither zero nor the borrower; fewer than `MAX_PAYEES` payees when adding.
    function setPayee(uint256 lineId, address payee, bool allowed) external;

    /// @notice Reduces the limit to `newLimit`.
    /// Requirements: caller is the line's bank; the line is Offered, Open or Frozen; principal <= `newLimit` < limit.
    function reduceLimit(uint256 lineId, uint256 newLimit) external;

    /// @notice Stops new draws. Requirements: caller is the line's bank; the line is Open.
    function freeze(uint256 lineId) external;

    /// @notice Allows draws again. Requirements: caller is the line's bank; the line is Frozen.
    function unfreeze(uint256 lineId) external;

    /// @notice Declares default and records the loss (principal + interest accrued to now); draws stop for good and
    /// interest stops accruing.
    /// Requirements: caller is the line's bank; the line is Open or Frozen; an outstanding tranche's due date plus
    /// the grace period is in the past.
    function declareDefault(uint256 lineId) external;

    /// @notice Sends the caller what was held for it while it could not receive (a bank's repayments, a
    /// borrower's share of a receivable payout).
    /// Requirements: something is held for the caller; the caller can receive settlement tokens now.
    function collectHeld() external;

    // ------------------------------------------------------------------ borrowers
    /// @notice Accepts the terms. Requirements: caller is the borrower and active; the line is Offered and not
    /// expired.
    function accept(uint256 lineId) external;

    /// @notice Draws `amount` for `payee`: the bank pays the payee in this transaction. The tranche falls due
    /// `tenor` seconds from now.
    /// Requirements:
    /// - caller is the borrower and active; the line is Open; start <= now < expiry;
    /// - 0 < `amount` <= available; no tranche past its due date; fewer than `MAX_TRANCHES` tranches outstanding;
    /// - 1 day <= `tenor` <= max tenor, and now + `tenor` <= expiry;
    /// - `payee` is not the borrower and is allowed by the purpose rule; `purposeRef` is non-zero;
    /// - the bank and the payee can send and receive settlement tokens; the bank's token allowance to this
    ///   contract covers `amount`.
    function draw(uint256 lineId, uint256 amount, address payee, uint32 tenor, bytes32 purposeRef)
        external
        returns (uint256 trancheId);

    /// @notice Closes the line. The borrower may close an accepted line, and either party an offered one, at any
    /// time; the bank closes an accepted line at or after expiry. Nothing may be owed.
    /// Requirements: caller is the line's bank or borrower; the line is Offered, Open or Frozen; nothing owed.
    function close(uint256 lineId) external;

    /// @notice Pledges a receivable fragment to the line: accepts the borrower's offer `offerId` (made on Receivables
    /// to this contract), so this contract holds the new fragment for the line. Returns the fragment id.
    /// Requirements: caller is the borrower; the line is Open, Frozen or Defaulted; the offer is open, from the
    /// borrower, to this contract; Receivables accepts it (the receivable is confirmed, not repaid in any part, before
    /// its due date, the offer unexpired, the borrower active).
    function pledgeReceivable(uint256 lineId, uint256 offerId) external returns (uint256 fragmentId);

    /// @notice Releases a pledge once the line owes nothing (or is closed): collects any payout due (to the
    /// borrower), then offers the fragment back to the borrower on Receivables when the receivable allows a
    /// transfer. Asked again on a released pledge, it makes that offer again. Returns the offer id (0: none).
    /// Requirements: caller is the borrower; the line owes nothing or is closed; asked again, an offer is possible.
    function releaseReceivable(uint256 fragmentId) external returns (uint256 offerId);

    // ------------------------------------------------------------------ anyone
    /// @notice Collects the payout of a pledged fragment (claiming it from Receivables if it is claimable) and
    /// applies it: to the line's debt first (interest, then principal by due date; never more than owed), the rest
    /// to the borrower. A party that cannot receive has its share held for it.
    /// Requirements: the fragment is pledged (or released) here; some payout was not yet collected.
    function collectReceivable(uint256 fragmentId) external returns (uint256 toLine, uint256 toBorrower);

    /// @notice Repays up to `amount`: accrued interest first, then principal by due date; never more than owed. On
    /// a defaulted line this is a recovery. Paid to the bank (or held for it when it cannot receive).
    /// Requirements: the line is Open, Frozen or Defaulted; something is owed; `amount` > 0; the payer approved
    /// this contract on the settlement token.
    function repay(uint256 lineId, uint256 amount) external returns (uint256 paid);

    // ------------------------------------------------------------------ reads
    /// @notice The line with its outstanding tranches.
    function getLine(uint256 lineId) external view returns (CreditLine memory);

    /// @notice Principal outstanding and interest accrued up to the current block.
    function debtOf(uint256 lineId) external view returns (uint256 principal, uint256 interest);

    /// @notice Limit minus outstanding principal (what a draw may take if the line is drawable).
    function availableOf(uint256 lineId) external view returns (uint256);

    /// @notice Whether `payee` is on the line's allow-list.
    function isPayeeAllowed(uint256 lineId, address payee) external view returns (bool);

    /// @notice Repayments held for `bank` while it could not receive.
    function heldFor(address bank) external view returns (uint256);

    /// @notice Number of lines ever opened (ids run from 1).
    function lineCount() external view returns (uint256);

    /// @notice Unpaid value of the fragments pledged to the line (its borrowing base under `PledgedReceivables`).
    function pledgedOf(uint256 lineId) external view returns (uint256);

    /// @notice The pledge of `fragmentId`. Reverts with `CreditPledgeNotFound` if it was never pledged.
    function getPledge(uint256 fragmentId) external view returns (Pledge memory);
}
