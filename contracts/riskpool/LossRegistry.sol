// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ILossRegistry} from "../interfaces/ILossRegistry.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IReceivables} from "../interfaces/IReceivables.sol";
import {IPledgeLoans} from "../interfaces/IPledgeLoans.sol";
import {ICreditLines} from "../interfaces/ICreditLines.sol";
import {LossSourceKind} from "../types/RiskPool.sol";
import {FragmentStatus, FinancingStatus} from "../types/ReceivableTypes.sol";
import {LoanStatus} from "../types/Warehouse.sol";
import {CreditLineStatus} from "../types/CreditLines.sol";

/// @title LossRegistry
/// @notice Records credit losses by reading them from the ledger contracts that produced them. See {ILossRegistry}.
contract LossRegistry is ILossRegistry {
    IParticipantRegistry public immutable registry;
    uint256 private constant _YEAR_BPS = 365 * 10_000; // Receivables' discount basis: bps x days in a year

    mapping(address source => LossSourceKind) private _kinds;
    mapping(uint256 lossId => Loss) private _losses;
    mapping(address source => mapping(uint256 assetId => uint256 lossId)) private _lossOf;
    uint256 private _count;

    constructor(IParticipantRegistry registry_) {
        registry = registry_;
    }

    /// @inheritdoc ILossRegistry
    function setSource(address source, LossSourceKind kind) external {
        if (!registry.isOperator(msg.sender)) revert LossNotOperator(msg.sender);
        LossSourceKind old = _kinds[source];
        _kinds[source] = kind;
        emit LossSourceSet(source, old, kind);
    }

    /// @inheritdoc ILossRegistry
    function recordLoss(address source, uint256 assetId) external returns (uint256 lossId) {
        LossSourceKind kind = _kinds[source];
        if (kind == LossSourceKind.None || !registry.isLedgerContract(source)) revert LossSourceUnknown(source);
        uint256 existing = _lossOf[source][assetId];
        if (existing != 0) revert LossAlreadyRecorded(source, assetId, existing);
        (address bank, address debtor, uint256 principal, uint256 interest, uint64 occurredAt) =
            _readLoss(kind, source, assetId);
        if (principal + interest == 0) revert LossNotFound(source, assetId);
        lossId = ++_count;
        _lossOf[source][assetId] = lossId;
        _losses[lossId] = Loss({
            id: lossId,
            source: source,
            assetId: assetId,
            kind: kind,
            bank: bank,
            debtor: debtor,
            principal: principal,
            interest: interest,
            recovered: 0,
            recordedAt: uint64(block.timestamp),
            occurredAt: occurredAt
        });
        emit LossRecorded(lossId, source, assetId, bank, debtor, principal, interest, occurredAt);
    }

    /// @inheritdoc ILossRegistry
    function recordRecovery(uint256 lossId) external returns (uint256 amount) {
        Loss storage loss = _losses[lossId];
        if (loss.id == 0) revert LossIdNotFound(lossId);
        uint256 total = loss.principal + loss.interest;
        uint256 outstanding = _outstanding(loss.kind, loss.source, loss.assetId);
        uint256 recoveredNow = outstanding >= total ? 0 : total - outstanding;
        uint256 old = loss.recovered;
        if (recoveredNow <= old) revert LossNothingRecovered(lossId, old);
        amount = recoveredNow - old;
        loss.recovered = recoveredNow;
        emit LossRecovered(lossId, amount, old, recoveredNow);
    }

    /// @inheritdoc ILossRegistry
    function getLoss(uint256 lossId) external view returns (Loss memory) {
        if (_losses[lossId].id == 0) revert LossIdNotFound(lossId);
        return _losses[lossId];
    }

    /// @inheritdoc ILossRegistry
    function lossOf(address source, uint256 assetId) external view returns (uint256) {
        return _lossOf[source][assetId];
    }

    /// @inheritdoc ILossRegistry
    function sourceKind(address source) external view returns (LossSourceKind) {
        return _kinds[source];
    }

    /// @inheritdoc ILossRegistry
    function lossCount() external view returns (uint256) {
        return _count;
    }

    // ------------------------------------------------------------------ internal
    /// @dev The loss shown by the source, or all zeros if it shows none.
    /// Receivables: a fragment in status Defaulted whose financing is Funded without recourse; the unpaid value is the
    /// loss, its principal part is what the bank paid (capped at the unpaid value) and the rest is discount yield.
    /// PledgeLoans: a foreclosed loan's recorded shortfall (principal). CreditLines: a Defaulted line's debt.
    /// The time it occurred: the fragment's due date, the loan's foreclosure, the line's earliest unpaid due date.
    function _readLoss(LossSourceKind kind, address source, uint256 assetId)
        private
        view
        returns (address bank, address debtor, uint256 principal, uint256 interest, uint64 occurredAt)
    {
        if (kind == LossSourceKind.Receivables) {
            IReceivables rec = IReceivables(source);
            IReceivables.Fragment memory f = rec.getFragment(assetId);
            if (f.status != FragmentStatus.Defaulted) return (address(0), address(0), 0, 0, 0);
            IReceivables.Financing memory fin = rec.getFinancing(assetId);
            if (fin.status != FinancingStatus.Funded || fin.withRecourse) return (address(0), address(0), 0, 0, 0);
            IReceivables.Receivable memory root = rec.getReceivable(f.rootId);
            uint256 unpaid = f.value - f.paid;
            uint256 price = _discountPrice(f.value, fin.rateBps, fin.fundedAt, root.dueDate);
            principal = price < unpaid ? price : unpaid;
            return (fin.bank, root.debtor, principal, unpaid - principal, root.dueDate);
        }
        if (kind == LossSourceKind.PledgeLoans) {
            IPledgeLoans.Loan memory loan = IPledgeLoans(source).getLoan(assetId);
            if (loan.status != LoanStatus.Foreclosed) return (address(0), address(0), 0, 0, 0);
            return (loan.bank, loan.borrower, loan.shortfall, 0, loan.accruedAt);
        }
        ICreditLines lines = ICreditLines(source);
        ICreditLines.CreditLine memory line = lines.getLine(assetId);
        if (line.status != CreditLineStatus.Defaulted) return (address(0), address(0), 0, 0, 0);
        (principal, interest) = lines.debtOf(assetId);
        return (line.bank, line.borrower, principal, interest, line.nextDue);
    }

    /// @dev What the bank paid for a fragment discounted without recourse. Receivables stores that price only for
    /// financings with recourse (without, it is in the FragmentDiscounted event alone, to save a storage slot), so it
    /// is recomputed here from the stored terms with Receivables' own formula: whole days from funding to the due
    /// date, rounded up; price = value x (365 x 10,000 - rate x days) / (365 x 10,000), rounded down. A fragment's
    /// value does not change once it is financed.
    function _discountPrice(uint256 value, uint16 rateBps, uint64 fundedAt, uint64 dueDate)
        private
        pure
        returns (uint256)
    {
        uint256 daysToMaturity = dueDate > fundedAt ? (uint256(dueDate) - fundedAt + 1 days - 1) / 1 days : 0;
        return value * (_YEAR_BPS - uint256(rateBps) * daysToMaturity) / _YEAR_BPS;
    }

    /// @dev What the source shows still unpaid on a recorded loss's asset.
    function _outstanding(LossSourceKind kind, address source, uint256 assetId) private view returns (uint256) {
        if (kind == LossSourceKind.Receivables) {
            IReceivables.Fragment memory f = IReceivables(source).getFragment(assetId);
            if (f.status == FragmentStatus.Paid) return 0;
            return f.value - f.paid;
        }
        if (kind == LossSourceKind.PledgeLoans) return IPledgeLoans(source).getLoan(assetId).shortfall;
        ICreditLines lines = ICreditLines(source);
        if (lines.getLine(assetId).status == CreditLineStatus.Closed) return 0;
        (uint256 p, uint256 i) = lines.debtOf(assetId);
        return p + i;
    }
}
