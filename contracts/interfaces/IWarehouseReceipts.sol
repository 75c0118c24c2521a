// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ReceiptStatus, ReceiptAction} from "../types/Warehouse.sol";
import {Standing} from "../types/Roles.sol";
import {TransferRestriction} from "./ISettlementToken.sol";

/// @title Electronic warehouse receipts
/// @notice A licensed warehouse operator issues an ERC-721 receipt for a lot of goods it holds. The receipt is title
/// to the goods: it moves only between active participants and ledger contracts, splits by quantity into child
/// receipts that record their parent, and is burned when the goods are delivered out.
///
/// The registry key is the lot, `(warehouse, lotId)`: a lot has at most one live receipt family. Issuing a receipt
/// for a lot that still has a live receipt (or a live piece split from it) reverts. That is the lesson of the 2014
/// Qingdao fraud, where the same metal was pledged several times over.
///
/// Trusted ledger contracts holding `PLEDGE_MANAGER_ROLE` (the pledge loan book, the prepayment contract) can put a
/// receipt under a lien. A pledged receipt can't be transferred, split, delivered or pledged again by anyone;
/// only its lien holder can release it, split part of it off free (staged release), or seize it (foreclosure,
/// buy-back).
///
/// Quantities are integers in the receipt's `unit` (use a unit fine enough, e.g. kg). A split never creates or
/// destroys quantity: the child's quantity is taken from the parent.
interface IWarehouseReceipts {
    /// @notice What the warehouse records about a lot; a split child inherits all of it from its parent.
    struct ReceiptTerms {
        bytes16 commodity; // commodity code, the key of the price feed, e.g. "CU-CATHODE"
        bytes4 unit; // unit of `quantity`, e.g. "kg", "t", "bbl"
        bytes16 grade; // quality grade as inspected, e.g. "LME-A"
        bytes16 location; // warehouse site or bay, e.g. "QINGDAO-DAGANG-3"
        bytes16 lotId; // the warehouse's own lot number
        bytes32 inspectionHash; // hash of the inspection certificate kept off chain
    }

    /// @notice A receipt as read back (status `None` when the id was never issued). Grade, location and the
    /// inspection hash are not kept in storage (issue stays within its gas budget): they are recorded in the family's
    /// `ReceiptIssued` event, which the gateway indexes.
    struct Receipt {
        uint256 id;
        address owner; // zero once delivered
        address warehouse;
        ReceiptStatus status;
        address lienHolder; // the ledger contract holding the lien while Pledged; zero otherwise
        uint64 quantity;
        bytes16 commodity;
        bytes4 unit;
        bytes16 lotId;
        uint256 parentId; // zero for a receipt issued by the warehouse
        uint64 issuedAt; // block time of issue or of the split that created it
    }

    // ------------------------------------------------------------------ errors
    /// @notice No receipt with this id was ever issued.
    error ReceiptNotFound(uint256 id);
    /// @notice The lot still has a live receipt: `issuedReceiptId` itself or a piece split from it.
    error ReceiptLotAlreadyIssued(address warehouse, bytes16 lotId, uint256 issuedReceiptId);
    /// @notice Issue data is unusable: empty commodity, unit or lot id, or zero quantity.
    error ReceiptTermsInvalid(bytes16 commodity, bytes4 unit, bytes16 lotId, uint64 quantity);
    /// @notice The receipt is under a lien held by `lienHolder`, so `action` is refused.
    error ReceiptIsPledged(uint256 id, address lienHolder, ReceiptAction action);
    /// @notice The receipt is not in the status the operation needs (e.g. already delivered, or not pledged).
    error ReceiptStatusInvalid(uint256 id, ReceiptStatus status);
    /// @notice `account` acted as the receipt's owner but `owner` holds it.
    error ReceiptNotOwner(uint256 id, address account, address owner);
    /// @notice Only the lien holder may release, split or seize a pledged receipt.
    error ReceiptNotLienHolder(uint256 id, address account, address lienHolder);
    /// @notice Only the issuing warehouse may deliver the goods of this receipt out.
    error ReceiptWrongWarehouse(uint256 id, address account, address warehouse);
    /// @notice The holder has not presented the receipt to the warehouse (ERC-721 approval of the warehouse).
    error ReceiptNotPresented(uint256 id, address owner, address warehouse);
    /// @notice A split must take more than zero and less than the whole quantity (`available`).
    error ReceiptSplitQuantityInvalid(uint256 id, uint64 quantity, uint64 available);
    /// @notice The movement breaks the compliance rules (both ends active participants or ledger contracts).
    error ReceiptTransferRestricted(uint256 id, address from, address to, TransferRestriction reason);
    /// @notice The spender moving or splitting the receipt on the owner's approval is not an active participant
    /// or a ledger contract (e.g. a suspended operator holding an approval for all).
    error ReceiptSpenderRestricted(uint256 id, address spender, Standing standing);
    /// @notice The owner has not approved the would-be lien holder for this receipt (ERC-721 `approve` of the
    /// receipt, or `setApprovalForAll`).
    error ReceiptLockNotApproved(uint256 id, address owner, address lienHolder);
    /// @notice `warehouse` has not approved the calling pledge manager to issue pledged receipts in its name.
    error ReceiptIssuerNotApproved(address warehouse, address manager);
    /// @notice PLEDGE_MANAGER_ROLE goes to ledger contracts only, never to an address without code.
    error ReceiptPledgeManagerNotContract(address account);

    // ------------------------------------------------------------------ events
    /// @notice Emitted when a warehouse issues a receipt (free to the depositor, or born pledged to a lien holder).
    /// @param id The new receipt id.
    /// @param warehouse The issuing warehouse operator.
    /// @param owner The depositor who holds title.
    /// @param lienHolder The ledger contract holding the lien when born pledged; zero when free.
    /// @param commodity Commodity code.
    /// @param quantity Quantity in `unit`.
    /// @param unit Unit of the quantity.
    /// @param grade Inspected grade.
    /// @param location Warehouse site or bay.
    /// @param lotId The warehouse's lot number.
    /// @param inspectionHash Hash of the inspection certificate.
    /// @param oldStatus Always `None`.
    /// @param newStatus `Free`, or `Pledged` when issued under a lien.
    event ReceiptIssued(
        uint256 indexed id,
        address indexed warehouse,
        address indexed owner,
        address lienHolder,
        bytes16 commodity,
        uint64 quantity,
        bytes4 unit,
        bytes16 grade,
        bytes16 location,
        bytes16 lotId,
        bytes32 inspectionHash,
        ReceiptStatus oldStatus,
        ReceiptStatus newStatus
    );

    /// @notice Emitted when `quantity` is split off receipt `id` into the new receipt `childId`. The child inherits
    /// warehouse, commodity, unit, grade, location, lot id and inspection hash from its parent.
    /// @param id The parent receipt, which keeps `parentQuantity` and its status and owner.
    /// @param childId The new child receipt.
    /// @param childOwner Who holds the child.
    /// @param quantity The child's quantity, taken from the parent.
    /// @param parentQuantity The parent's quantity after the split.
    /// @param parentStatus The parent's (unchanged) status: `Pledged` for a staged release by the lien holder.
    /// @param oldStatus The child's status before: always `None`.
    /// @param newStatus The child's status: always `Free`.
    event ReceiptSplit(
        uint256 indexed id,
        uint256 indexed childId,
        address indexed childOwner,
        uint64 quantity,
        uint64 parentQuantity,
        ReceiptStatus parentStatus,
        ReceiptStatus oldStatus,
        ReceiptStatus newStatus
    );

    /// @notice Emitted when a free receipt is put under a lien.
    /// @notice Emitted when a warehouse approves (or revokes) a pledge-manager contract as an issuer of pledged
    /// receipts in its name (`issuePledged`).
    event IssuerApprovalSet(address indexed warehouse, address indexed manager, bool oldApproved, bool newApproved);
    event ReceiptPledged(
        uint256 indexed id, address indexed owner, address indexed lienHolder, ReceiptStatus oldStatus, ReceiptStatus newStatus
    );

    /// @notice Emitted when the lien holder releases the lien; the owner holds the receipt free again.
    event ReceiptReleased(
        uint256 indexed id, address indexed owner, address indexed lienHolder, ReceiptStatus oldStatus, ReceiptStatus newStatus
    );

    /// @notice Emitted when the lien holder enforces its lien: title passes from `from` to `to`, free of the lien.
    event ReceiptSeized(
        uint256 indexed id,
        address indexed from,
        address indexed to,
        address lienHolder,
        ReceiptStatus oldStatus,
        ReceiptStatus newStatus
    );

    /// @notice Emitted when the warehouse delivers the goods out and burns the receipt.
    /// @param presenter The holder who presented the receipt and took the goods.
    /// @param lotFreed Whether this was the lot's last live receipt, so the lot may be receipted again.
    event ReceiptDelivered(
        uint256 indexed id,
        address indexed warehouse,
        address indexed presenter,
        bytes16 lotId,
        uint64 quantity,
        bool lotFreed,
        ReceiptStatus oldStatus,
        ReceiptStatus newStatus
    );

    // ------------------------------------------------------------------ warehouse and owners
    /// @notice Issues a free receipt to `owner` for a lot the caller holds.
    /// Requirements:
    /// - caller is an active WarehouseOperator; `owner` is an active participant;
    /// - `terms.commodity`, `terms.unit` and `terms.lotId` are non-empty and `quantity` > 0;
    /// - the lot `(caller, terms.lotId)` has no live receipt.
    function issue(address owner, ReceiptTerms calldata terms, uint64 quantity) external returns (uint256 id);

    /// @notice Splits `quantity` off free receipt `id` into a new free child receipt held by `to`.
    /// Requirements:
    /// - caller is the owner or approved for `id` (ERC-721 rules); `id` is Free (else `ReceiptIsPledged`);
    /// - 0 < `quantity` < the receipt's quantity; `to` is an active participant or ledger contract.
    function split(uint256 id, uint64 quantity, address to) external returns (uint256 childId);

    /// @notice Delivers the goods of free receipt `id` out of the warehouse to its holder and burns the receipt.
    /// The holder presents it by approving the warehouse for it (ERC-721 `approve`). When it was the lot's last live
    /// receipt the lot is freed for a new receipt.
    /// Requirements: caller is the issuing warehouse and an active WarehouseOperator; `id` is Free (else
    /// `ReceiptIsPledged`); the holder approved the caller for `id`.
    function deliver(uint256 id) external;

    /// @notice The calling warehouse approves (or revokes) `manager`, a pledge-manager contract, to issue pledged
    /// receipts in its name (e.g. the prepayment contract, when the warehouse confirms delivery-in through it).
    /// Requirements: caller is an active WarehouseOperator.
    function setIssuerApproval(address manager, bool approved) external;

    /// @notice Whether `warehouse` approved `manager` to issue pledged receipts in its name.
    function isIssuerApproved(address warehouse, address manager) external view returns (bool);

    // ------------------------------------------------------------------ lien holders (PLEDGE_MANAGER_ROLE)
    /// @notice Issues a receipt born pledged to the caller, on behalf of `warehouse` (e.g. a warehouse confirming
    /// delivery-in under a prepayment agreement, through the calling contract).
    /// Requirements:
    /// - caller holds PLEDGE_MANAGER_ROLE, `warehouse` approved it as an issuer (`setIssuerApproval`, else
    ///   `ReceiptIssuerNotApproved`), and the caller has verified that `warehouse` itself asked for the issue;
    /// - `warehouse` is an active WarehouseOperator; `owner` is an active participant or ledger contract;
    /// - same terms and lot checks as `issue`.
    function issuePledged(address warehouse, address owner, ReceiptTerms calldata terms, uint64 quantity)
        external
        returns (uint256 id);

    /// @notice Puts free receipt `id`, held by `owner`, under the caller's lien. Consumes the owner's approval of the
    /// caller for `id` (an approval for all stays).
    /// Requirements: caller holds PLEDGE_MANAGER_ROLE; `owner` holds `id`, is active, and authorised the caller the
    /// ERC-721 way: `approve(caller, id)` or `setApprovalForAll(caller, true)` (else `ReceiptLockNotApproved`;
    /// never tx.origin); `id` is Free (a pledged one reverts with `ReceiptIsPledged`, action Pledge).
    function lock(uint256 id, address owner) external;

    /// @notice Releases the caller's lien on `id`; the owner holds it free again.
    /// Requirements: `id` is Pledged and the caller is its lien holder.
    function unlock(uint256 id) external;

    /// @notice Splits `quantity` off pledged receipt `id` into a new free child held by `to` (staged release of part
    /// of the goods); the parent stays pledged with the rest.
    /// Requirements: `id` is Pledged and the caller is its lien holder; 0 < `quantity` < its quantity; `to` is an
    /// active participant or ledger contract.
    function splitLocked(uint256 id, uint64 quantity, address to) external returns (uint256 childId);

    /// @notice Enforces the caller's lien: moves pledged receipt `id` to `to` free of the lien (foreclosure by a
    /// bank, buy-back by a seller). The owner's standing is not checked: a lien is enforced against a suspended or
    /// KYC-expired defaulter too.
    /// Requirements: `id` is Pledged and the caller is its lien holder; `to` is an active participant or ledger
    /// contract.
    function seize(uint256 id, address to) external;

    // ------------------------------------------------------------------ reads
    /// @notice The AccessControl role of the trusted ledger contracts that may hold liens (granted at deployment
    /// to the pledge loan book and the prepayment contract; only to addresses with code).
    function PLEDGE_MANAGER_ROLE() external view returns (bytes32);

    /// @notice The receipt (status `None` and zeros when `id` was never issued). The inspection hash is not stored:
    /// read it from the `ReceiptIssued` event of the family's root (follow `parentId`).
    function getReceipt(uint256 id) external view returns (Receipt memory);

    /// @notice Status, quantity, commodity, lien holder and issuing warehouse of `id` in one cheap call (for lien
    /// holders).
    function collateralOf(uint256 id)
        external
        view
        returns (
            ReceiptStatus status,
            uint64 quantity,
            bytes16 commodity,
            bytes4 unit,
            address lienHolder,
            address warehouse
        );

    /// @notice The receipt issued for the lot `(warehouse, lotId)` while it or any piece split from it is live;
    /// 0 when the lot is free.
    function liveReceiptOfLot(address warehouse, bytes16 lotId) external view returns (uint256);

    /// @notice How many live receipts (the issued one and pieces split from it) the lot has.
    function livePiecesOfLot(address warehouse, bytes16 lotId) external view returns (uint32);

    /// @notice The id the next issued or split receipt will get.
    function nextReceiptId() external view returns (uint256);
}
