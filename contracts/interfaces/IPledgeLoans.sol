// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {LoanStatus, ProgramStatus} from "../types/Warehouse.sol";

/// @title Warehouse-receipt pledge loans
/// @notice A bank opens a lending program for one commodity: rate, max LTV, margin-call LTV, cure period and
/// maximum tenor, fixed for the program's life. A receipt owner pledges receipts of that commodity under the program
/// and the bank funds the loan in settlement tokens, paid straight to the owner in the same transaction that locks
/// the receipt (the bank approves this contract on the token beforehand).
///
/// Money rules (all amounts in cents, all divisions round down):
/// - value of goods = quantity x price (cents per unit, from the price feed): exact;
/// - limit = value x maxLtvBps / 10,000, rounded down: the bank never lends a fraction of a cent above its LTV;
/// - interest = (principal x rateBps x seconds + carry) / (10,000 x 365 x 86,400), rounded down: actual/365 to the
///   second on the outstanding principal, accrued into the loan at each repayment and at foreclosure. The remainder
///   of each accrual is carried into the next one (`interestCarry`), so the interest over any sequence of repayments
///   equals, to the cent, the floor of the exact total; only the last fraction of a cent at closing stays with the
///   borrower;
/// - a repayment pays accrued interest first, then principal; anything above the debt is not taken;
/// - LTV thresholds are compared exactly (debt x 10,000 against value x bps); reported LTVs are rounded down.
///
/// Margin: when LTV rises above the program's margin-call LTV at a fresh price, anyone may call margin. The
/// borrower cures by repaying or by adding receipts until LTV is back within the max LTV; both work while the price is
/// stale (the status changes once a fresh price confirms the cure). After the cure deadline, if a fresh price still
/// shows LTV above the margin-call LTV, or after maturity with debt unpaid (at a fresh price), the bank may foreclose.
///
/// Foreclosure surplus rule: the bank takes only the goods that cover the debt, ceil(debt / price) units at the fresh
/// price, receipt by receipt in pledge order, the last one split (`splitLocked`); every other unit goes back to the
/// borrower free. The fraction of one unit that the rounding adds goes to the bank. When the goods are worth less
/// than the debt, the bank takes them all and the loan records the shortfall.
interface IPledgeLoans {
    /// @notice A lending program as read back.
    struct Program {
        uint256 id;
        address bank;
        bytes16 commodity;
        uint16 rateBps; // yearly interest, actual/365
        uint16 maxLtvBps; // loan limit at opening and after a release or cure
        uint16 marginCallLtvBps; // LTV above which anyone may call margin
        uint32 curePeriod; // seconds the borrower has to cure a margin call
        uint32 maxTenor; // longest allowed maturity, in seconds from opening
        ProgramStatus status;
        uint64 cap; // most principal outstanding under the program at once
        uint64 outstanding; // principal lent and not yet repaid or foreclosed
        bool warehousesListed; // only receipts issued by allow-listed warehouses
        bool borrowersListed; // only allow-listed borrowers
    }

    /// @notice A loan as read back.
    struct Loan {
        uint256 id;
        address borrower;
        address bank;
        uint256 programId;
        LoanStatus status;
        uint256 principal; // outstanding
        uint256 interest; // accrued up to `accruedAt`, unpaid
        uint64 accruedAt;
        uint64 maturity;
        uint64 marginCallDeadline; // zero unless margin called
        uint256[] receiptIds; // receipts pledged now (or released at repayment, seized at foreclosure)
        uint256 shortfall; // recorded at foreclosure
        uint256 interestCarry; // sub-cent remainder of the last accrual, in cents x 10,000 x 365 days
    }

    // ------------------------------------------------------------------ errors
    /// @notice Program terms are unusable: need 0 < maxLtv < marginCallLtv <= 10,000, rate <= 10,000, and non-zero
    /// cure period and tenor.
    error LoanProgramTermsInvalid(
        bytes16 commodity, uint16 rateBps, uint16 maxLtvBps, uint16 marginCallLtvBps, uint32 curePeriod, uint32 maxTenor
    );
    /// @notice A program's cap must be above zero.
    error LoanProgramCapInvalid(uint64 cap);
    /// @notice The new loan would take the program's outstanding principal above its cap.
    error LoanProgramCapExceeded(uint256 programId, uint256 principal, uint64 outstanding, uint64 cap);
    /// @notice The program lends only against receipts of allow-listed warehouses, and this one's is not listed.
    error LoanWarehouseNotListed(uint256 programId, uint256 receiptId, address warehouse);
    /// @notice The program lends only to allow-listed borrowers, and the caller is not listed.
    error LoanBorrowerNotListed(uint256 programId, address borrower);
    /// @notice The program is not open for new loans.
    error LoanProgramNotOpen(uint256 programId, ProgramStatus status);
    /// @notice Only the program's bank may do this.
    error LoanProgramNotBank(uint256 programId, address account, address bank);
    /// @notice No loan with this id.
    error LoanNotFound(uint256 loanId);
    /// @notice The loan is not in a status that allows this.
    error LoanStatusInvalid(uint256 loanId, LoanStatus status);
    /// @notice Only the borrower may do this.
    error LoanNotBorrower(uint256 loanId, address account, address borrower);
    /// @notice Only the lending bank may do this.
    error LoanNotBank(uint256 loanId, address account, address bank);
    /// @notice Principal or repayment amount is zero or too large.
    error LoanAmountInvalid(uint256 amount);
    /// @notice Maturity must be in the future and no later than `latestMaturity`.
    error LoanMaturityInvalid(uint64 maturity, uint64 latestMaturity);
    /// @notice The receipt is not of the program's commodity, or not in the unit the price feed quotes.
    error LoanCollateralMismatch(
        uint256 receiptId, bytes16 commodity, bytes4 unit, bytes16 programCommodity, bytes4 priceUnit
    );
    /// @notice The principal asked exceeds max LTV x quantity x price.
    error LoanPrincipalExceedsLimit(uint256 principal, uint256 limit);
    /// @notice The loan already holds the maximum number of pledged receipts.
    error LoanCollateralFull(uint256 loanId, uint256 maxReceipts);
    /// @notice The receipt is not pledged to this loan.
    error LoanReceiptNotCollateral(uint256 loanId, uint256 receiptId);
    /// @notice The release must be > 0 and at most `maxQuantity`, the most that keeps the rest within max LTV.
    error LoanReleaseQuantityInvalid(uint256 loanId, uint256 receiptId, uint64 quantity, uint64 maxQuantity);
    /// @notice LTV is not above the margin-call threshold.
    error LoanMarginCallNotDue(uint256 loanId, uint256 ltvBps, uint16 marginCallLtvBps);
    /// @notice LTV is still above the max LTV, so the margin call is not cured.
    error LoanLtvAboveMax(uint256 loanId, uint256 ltvBps, uint16 maxLtvBps);
    /// @notice Neither the cure deadline nor maturity has passed.
    error LoanForeclosureNotDue(uint256 loanId, LoanStatus status, uint64 marginCallDeadline, uint64 maturity);

    // ------------------------------------------------------------------ events
    /// @notice Emitted when a bank opens a lending program.
    event ProgramOpened(
        uint256 indexed programId,
        address indexed bank,
        bytes16 indexed commodity,
        uint16 rateBps,
        uint16 maxLtvBps,
        uint16 marginCallLtvBps,
        uint32 curePeriod,
        uint32 maxTenor,
        uint64 cap,
        ProgramStatus oldStatus,
        ProgramStatus newStatus
    );
    /// @notice Emitted when a bank changes a program's cap (it may go below the outstanding principal: then no new
    /// loan opens until repayments bring it under).
    event ProgramCapSet(
        uint256 indexed programId, address indexed bank, uint64 oldCap, uint64 newCap, uint64 outstanding
    );
    /// @notice Emitted when a bank switches a program's allow-lists on or off.
    event ProgramAllowListsSet(
        uint256 indexed programId, address indexed bank, bool warehousesListed, bool borrowersListed
    );
    /// @notice Emitted when a bank lists or unlists a warehouse for a program.
    event ProgramWarehouseListed(uint256 indexed programId, address indexed warehouse, bool listed);
    /// @notice Emitted when a bank lists or unlists a borrower for a program.
    event ProgramBorrowerListed(uint256 indexed programId, address indexed borrower, bool listed);
    /// @notice Emitted when a bank closes a program to new loans (open loans keep its terms).
    event ProgramClosed(
        uint256 indexed programId, address indexed bank, ProgramStatus oldStatus, ProgramStatus newStatus
    );
    /// @notice Emitted when a loan is opened: the receipt is locked and the principal paid to the borrower.
    /// @param quantity Quantity pledged.
    /// @param price The fresh price used (cents per unit).
    /// @param limit Max LTV x quantity x price, rounded down: the principal's ceiling at opening.
    /// @param ltvBps Opening LTV, rounded down.
    event LoanOpened(
        uint256 indexed loanId,
        address indexed bank,
        address indexed borrower,
        uint256 programId,
        uint256 receiptId,
        uint64 quantity,
        uint128 price,
        uint256 principal,
        uint256 limit,
        uint256 ltvBps,
        uint16 rateBps,
        uint64 maturity,
        LoanStatus oldStatus,
        LoanStatus newStatus
    );
    /// @notice Emitted on a repayment. Interest is accrued to this block first; `principal` and `interest` are what
    /// is left. A full repayment releases every pledged receipt (status Repaid); a repayment that brings a
    /// margin-called loan within max LTV at a fresh price cures it (status Active).
    event LoanRepaid(
        uint256 indexed loanId,
        address indexed payer,
        address indexed bank,
        uint256 amount,
        uint256 interestPaid,
        uint256 principalPaid,
        uint256 principal,
        uint256 interest,
        LoanStatus oldStatus,
        LoanStatus newStatus
    );
    /// @notice Emitted when the borrower pledges another receipt to the loan (a cure when it brings a margin-called
    /// loan within max LTV at a fresh price).
    event CollateralAdded(
        uint256 indexed loanId,
        uint256 indexed receiptId,
        address indexed borrower,
        uint64 quantity,
        uint64 pledgedQuantity,
        LoanStatus oldStatus,
        LoanStatus newStatus
    );
    /// @notice Emitted when part of the goods is released to the borrower. `releasedReceiptId` is a new free child
    /// split off `receiptId`, or `receiptId` itself when released whole.
    event CollateralReleased(
        uint256 indexed loanId,
        uint256 indexed receiptId,
        uint256 indexed releasedReceiptId,
        uint64 quantity,
        uint64 pledgedQuantity,
        uint256 ltvBps,
        LoanStatus oldStatus,
        LoanStatus newStatus
    );
    /// @notice Emitted when margin is called: LTV at `price` exceeded the margin-call LTV; cure by `deadline`.
    event MarginCalled(
        uint256 indexed loanId,
        address indexed bank,
        address indexed borrower,
        uint256 ltvBps,
        uint16 marginCallLtvBps,
        uint64 deadline,
        uint128 price,
        LoanStatus oldStatus,
        LoanStatus newStatus
    );
    /// @notice Emitted when a margin call is cured by a price recovery (see `cure`).
    event MarginCallCured(uint256 indexed loanId, uint256 ltvBps, uint16 maxLtvBps, LoanStatus oldStatus, LoanStatus newStatus);
    /// @notice Emitted when the bank forecloses: the goods covering the debt passed to it, the rest went back free
    /// to the borrower.
    /// @param principal Principal outstanding at foreclosure.
    /// @param interest Interest accrued and unpaid at foreclosure.
    /// @param quantity Quantity pledged at foreclosure.
    /// @param seizedQuantity Quantity passed to the bank: ceil(debt / price), or all of it when the goods fall short.
    /// @param price The fresh price used to value the goods.
    /// @param collateralValue quantity x price.
    /// @param shortfall Debt minus the goods' value, or 0.
    event LoanForeclosed(
        uint256 indexed loanId,
        address indexed bank,
        address indexed borrower,
        uint256 principal,
        uint256 interest,
        uint64 quantity,
        uint64 seizedQuantity,
        uint128 price,
        uint256 collateralValue,
        uint256 shortfall,
        LoanStatus oldStatus,
        LoanStatus newStatus
    );

    // ------------------------------------------------------------------ banks
    /// @notice Opens a lending program for `commodity` with fixed terms and a cap on the principal outstanding.
    /// Requirements: caller is an active Bank; the commodity is listed on the price feed; terms valid (see
    /// `LoanProgramTermsInvalid`); `cap` > 0.
    function openProgram(
        bytes16 commodity,
        uint16 rateBps,
        uint16 maxLtvBps,
        uint16 marginCallLtvBps,
        uint32 curePeriod,
        uint32 maxTenor,
        uint64 cap
    ) external returns (uint256 programId);

    /// @notice Sets the program's cap on outstanding principal (the sum of the principal of its open loans).
    /// Requirements: caller is the program's bank; `cap` > 0.
    function setProgramCap(uint256 programId, uint64 cap) external;

    /// @notice Switches the program's allow-lists on or off: when on, only receipts of listed warehouses (pledge
    /// and added collateral) or only listed borrowers (pledge) are taken. Requirements: caller is its bank.
    function setProgramAllowLists(uint256 programId, bool warehousesListed, bool borrowersListed) external;

    /// @notice Lists or unlists one warehouse for the program. Requirements: caller is its bank.
    function setProgramWarehouse(uint256 programId, address warehouse, bool listed) external;

    /// @notice Lists or unlists one borrower for the program. Requirements: caller is its bank.
    function setProgramBorrower(uint256 programId, address borrower, bool listed) external;

    /// @notice Closes a program to new loans. Requirements: caller is its bank; it is Open.
    function closeProgram(uint256 programId) external;

    /// @notice Forecloses: the goods that cover the debt pass to the bank, the rest is released to the borrower, and
    /// the loan closes with its shortfall (see the surplus rule above).
    /// Requirements: caller is the loan's bank and an active Bank; the loan is Active or MarginCalled; the price is
    /// fresh; block time is past maturity, or the loan is MarginCalled, past its cure deadline and its LTV at the
    /// fresh price is still above the margin-call LTV (`LoanMarginCallNotDue` otherwise).
    function foreclose(uint256 loanId) external;

    // ------------------------------------------------------------------ borrowers
    /// @notice Pledges receipt `receiptId` under program `programId` and receives `principal` from the bank.
    /// Requirements:
    /// - the program is Open and its bank active; the caller holds the receipt free and is active;
    /// - the program's outstanding principal plus `principal` stays within its cap; the caller and the receipt's
    ///   warehouse are listed when the program's allow-lists are on;
    /// - the receipt is of the program's commodity and in the price feed's unit; the price is fresh;
    /// - 0 < `principal` <= max LTV x quantity x price; now < `maturity` <= now + max tenor;
    /// - the bank has approved this contract for `principal` on the settlement token.
    function pledge(uint256 programId, uint256 receiptId, uint256 principal, uint64 maturity)
        external
        returns (uint256 loanId);

    /// @notice Repays up to `amount` (interest first); the payer may be anyone active. Paid straight to the bank.
    /// Requirements: the loan is Active or MarginCalled; `amount` > 0; the payer approved this contract.
    function repay(uint256 loanId, uint256 amount) external;

    /// @notice Releases `quantity` of the goods of pledged receipt `receiptId` to the borrower.
    /// Requirements: caller is the borrower; the loan is Active; the price is fresh; after the release the debt is
    /// within max LTV of the rest.
    function release(uint256 loanId, uint256 receiptId, uint64 quantity) external;

    /// @notice `repay` then `release` in one transaction (the usual partial repayment with staged release).
    function repayAndRelease(uint256 loanId, uint256 amount, uint256 receiptId, uint64 quantity) external;

    /// @notice Pledges another receipt to the loan (e.g. to cure a margin call).
    /// Requirements: caller is the borrower and holds the receipt free; the loan is Active or MarginCalled; same
    /// commodity and unit; fewer than the maximum receipts pledged. A stale price does not block it (it cures a
    /// margin call only at a fresh price).
    function addCollateral(uint256 loanId, uint256 receiptId) external;

    // ------------------------------------------------------------------ anyone
    /// @notice Calls margin on a loan whose LTV at a fresh price is above the margin-call LTV.
    /// Requirements: the loan is Active; the price is fresh; LTV > margin-call LTV.
    function callMargin(uint256 loanId) external;

    /// @notice Cures a margin call when LTV at a fresh price is back within max LTV (e.g. after a price recovery).
    /// Requirements: the loan is MarginCalled; the price is fresh; LTV <= max LTV.
    function cure(uint256 loanId) external;

    // ------------------------------------------------------------------ reads
    function getProgram(uint256 programId) external view returns (Program memory);
    function getLoan(uint256 loanId) external view returns (Loan memory);
    /// @notice Whether `warehouse` and `borrower` are on the program's allow-lists.
    function isListed(uint256 programId, address warehouse, address borrower)
        external
        view
        returns (bool warehouseListed, bool borrowerListed);
    /// @notice Principal and interest accrued up to the current block.
    function debtOf(uint256 loanId) external view returns (uint256 principal, uint256 interest);
    /// @notice Total quantity of the receipts pledged to the loan.
    function pledgedQuantityOf(uint256 loanId) external view returns (uint64);
    /// @notice LTV at the latest price (fresh or not), rounded down; max uint when there is no price.
    function ltvOf(uint256 loanId) external view returns (uint256 ltvBps, uint256 debt, uint256 value, bool fresh);
    function programCount() external view returns (uint256);
    function loanCount() external view returns (uint256);
}
