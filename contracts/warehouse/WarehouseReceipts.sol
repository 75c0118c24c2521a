// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {TransferRestriction} from "../interfaces/ISettlementToken.sol";
import {IWarehouseReceipts} from "../interfaces/IWarehouseReceipts.sol";
import {Role, Standing} from "../types/Roles.sol";
import {ReceiptStatus, ReceiptAction} from "../types/Warehouse.sol";

/// @title WarehouseReceipts
/// @notice ERC-721 electronic warehouse receipts with a compliance check on every movement and liens for trusted
/// ledger contracts. See {IWarehouseReceipts}.
contract WarehouseReceipts is IWarehouseReceipts, ERC721, AccessControlDefaultAdminRules {
    /// @inheritdoc IWarehouseReceipts
    bytes32 public constant PLEDGE_MANAGER_ROLE = keccak256("PLEDGE_MANAGER_ROLE");

    /// @dev Three storage slots per receipt; a split child copies them. Grade, location and the inspection hash live
    /// in the family's `ReceiptIssued` event only (issue stays within its gas budget).
    struct ReceiptRecord {
        address warehouse; // slot 0
        uint64 quantity;
        bytes4 unit;
        address lienHolder; // slot 1
        uint48 parentId;
        uint40 issuedAt;
        ReceiptStatus status;
        bytes16 commodity; // slot 2
        bytes16 lotId;
    }

    /// @dev A lot is occupied while any receipt of its family (the issued one or a piece split from it) is live.
    struct Lot {
        uint48 issuedReceiptId;
        uint32 livePieces;
    }

    IParticipantRegistry private immutable _registry;

    mapping(uint256 id => ReceiptRecord) private _receipts;
    mapping(address warehouse => mapping(bytes16 lotId => Lot)) private _lots;
    mapping(address warehouse => mapping(address manager => bool)) private _issuers;
    uint48 private _nextId = 1;

    constructor(address admin, IParticipantRegistry registry_, uint48 adminDelay)
        ERC721("SCF Warehouse Receipt", "eWR")
        AccessControlDefaultAdminRules(adminDelay, admin)
    {
        _registry = registry_;
    }

    /// @notice The registry consulted on every movement.
    function registry() external view returns (IParticipantRegistry) {
        return _registry;
    }

    // ------------------------------------------------------------------ warehouse and owners

    /// @inheritdoc IWarehouseReceipts
    function issue(address owner, ReceiptTerms calldata terms, uint64 quantity) external returns (uint256 id) {
        _registry.requireActiveWithRole(msg.sender, Role.WarehouseOperator);
        return _issue(msg.sender, owner, terms, quantity, address(0));
    }

    /// @inheritdoc IWarehouseReceipts
    function split(uint256 id, uint64 quantity, address to) external returns (uint256 childId) {
        ReceiptRecord storage r = _live(id);
        if (r.status == ReceiptStatus.Pledged) revert ReceiptIsPledged(id, r.lienHolder, ReceiptAction.Split);
        address owner = _ownerOf(id);
        _checkAuthorized(owner, msg.sender, id);
        _checkSpender(id, owner, msg.sender);
        TransferRestriction reason = _restriction(owner, address(0));
        if (reason != TransferRestriction.None) revert ReceiptTransferRestricted(id, owner, to, reason);
        return _split(id, r, quantity, to);
    }

    /// @inheritdoc IWarehouseReceipts
    function deliver(uint256 id) external {
        ReceiptRecord storage r = _live(id);
        if (r.warehouse != msg.sender) revert ReceiptWrongWarehouse(id, msg.sender, r.warehouse);
        if (r.status == ReceiptStatus.Pledged) revert ReceiptIsPledged(id, r.lienHolder, ReceiptAction.Deliver);
        _registry.requireActiveWithRole(msg.sender, Role.WarehouseOperator);
        address presenter = _ownerOf(id);
        if (!_isAuthorized(presenter, msg.sender, id)) revert ReceiptNotPresented(id, presenter, msg.sender);

        r.status = ReceiptStatus.Delivered;
        Lot storage lot = _lots[msg.sender][r.lotId];
        bool lotFreed = lot.livePieces == 1;
        if (lotFreed) delete _lots[msg.sender][r.lotId];
        else lot.livePieces -= 1;
        _burn(id);
        emit ReceiptDelivered(
            id, msg.sender, presenter, r.lotId, r.quantity, lotFreed, ReceiptStatus.Free, ReceiptStatus.Delivered
        );
    }

    /// @inheritdoc IWarehouseReceipts
    function setIssuerApproval(address manager, bool approved) external {
        _registry.requireActiveWithRole(msg.sender, Role.WarehouseOperator);
        bool old = _issuers[msg.sender][manager];
        _issuers[msg.sender][manager] = approved;
        emit IssuerApprovalSet(msg.sender, manager, old, approved);
    }

    // ------------------------------------------------------------------ lien holders

    /// @inheritdoc IWarehouseReceipts
    function issuePledged(address warehouse, address owner, ReceiptTerms calldata terms, uint64 quantity)
        external
        onlyRole(PLEDGE_MANAGER_ROLE)
        returns (uint256 id)
    {
        _registry.requireActiveWithRole(warehouse, Role.WarehouseOperator);
        if (!_issuers[warehouse][msg.sender]) revert ReceiptIssuerNotApproved(warehouse, msg.sender);
        return _issue(warehouse, owner, terms, quantity, msg.sender);
    }

    /// @inheritdoc IWarehouseReceipts
    function lock(uint256 id, address owner) external onlyRole(PLEDGE_MANAGER_ROLE) {
        ReceiptRecord storage r = _live(id);
        if (r.status == ReceiptStatus.Pledged) revert ReceiptIsPledged(id, r.lienHolder, ReceiptAction.Pledge);
        address holder = _ownerOf(id);
        if (holder != owner) revert ReceiptNotOwner(id, owner, holder);
        // The owner's own authorisation of this lien holder, the ERC-721 way (never tx.origin).
        bool approvedForId = _getApproved(id) == msg.sender;
        if (!approvedForId && !isApprovedForAll(owner, msg.sender)) {
            revert ReceiptLockNotApproved(id, owner, msg.sender);
        }
        _registry.requireActive(owner);
        if (approvedForId) _approve(address(0), id, address(0), false); // consumed, as a transfer would
        r.status = ReceiptStatus.Pledged;
        r.lienHolder = msg.sender;
        emit ReceiptPledged(id, owner, msg.sender, ReceiptStatus.Free, ReceiptStatus.Pledged);
    }

    /// @inheritdoc IWarehouseReceipts
    function unlock(uint256 id) external {
        ReceiptRecord storage r = _liened(id);
        r.status = ReceiptStatus.Free;
        r.lienHolder = address(0);
        emit ReceiptReleased(id, _ownerOf(id), msg.sender, ReceiptStatus.Pledged, ReceiptStatus.Free);
    }

    /// @inheritdoc IWarehouseReceipts
    function splitLocked(uint256 id, uint64 quantity, address to) external returns (uint256 childId) {
        return _split(id, _liened(id), quantity, to);
    }

    /// @inheritdoc IWarehouseReceipts
    function seize(uint256 id, address to) external {
        ReceiptRecord storage r = _liened(id);
        address from = _ownerOf(id);
        // Enforcing a lien must work against a defaulting owner who was suspended or whose KYC lapsed, so only the
        // recipient is checked; the lien is lifted first.
        if (to == address(0)) revert ERC721InvalidReceiver(to);
        TransferRestriction reason = _restriction(address(0), to);
        if (reason != TransferRestriction.None) revert ReceiptTransferRestricted(id, from, to, reason);
        r.status = ReceiptStatus.Free;
        r.lienHolder = address(0);
        ERC721._update(to, id, address(0));
        emit ReceiptSeized(id, from, to, msg.sender, ReceiptStatus.Pledged, ReceiptStatus.Free);
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc IWarehouseReceipts
    function getReceipt(uint256 id) external view returns (Receipt memory out) {
        ReceiptRecord storage r = _receipts[id];
        out.id = id;
        out.owner = _ownerOf(id);
        out.warehouse = r.warehouse;
        out.status = r.status;
        out.lienHolder = r.lienHolder;
        out.quantity = r.quantity;
        out.parentId = r.parentId;
        out.issuedAt = r.issuedAt;
        out.commodity = r.commodity;
        out.unit = r.unit;
        out.lotId = r.lotId;
    }

    /// @inheritdoc IWarehouseReceipts
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
        )
    {
        ReceiptRecord storage r = _receipts[id];
        return (r.status, r.quantity, r.commodity, r.unit, r.lienHolder, r.warehouse);
    }

    /// @inheritdoc IWarehouseReceipts
    function isIssuerApproved(address warehouse, address manager) external view returns (bool) {
        return _issuers[warehouse][manager];
    }

    /// @inheritdoc IWarehouseReceipts
    function liveReceiptOfLot(address warehouse, bytes16 lotId) external view returns (uint256) {
        return _lots[warehouse][lotId].issuedReceiptId;
    }

    /// @inheritdoc IWarehouseReceipts
    function livePiecesOfLot(address warehouse, bytes16 lotId) external view returns (uint32) {
        return _lots[warehouse][lotId].livePieces;
    }

    /// @inheritdoc IWarehouseReceipts
    function nextReceiptId() external view returns (uint256) {
        return _nextId;
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControlDefaultAdminRules) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Liens are for ledger contracts: PLEDGE_MANAGER_ROLE never goes to an address without code (a key).
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (role == PLEDGE_MANAGER_ROLE && account.code.length == 0) revert ReceiptPledgeManagerNotContract(account);
        return super._grantRole(role, account);
    }

    function _issue(address warehouse, address owner, ReceiptTerms calldata terms, uint64 quantity, address lien)
        private
        returns (uint256 id)
    {
        if (terms.commodity == 0 || terms.unit == 0 || terms.lotId == 0 || quantity == 0) {
            revert ReceiptTermsInvalid(terms.commodity, terms.unit, terms.lotId, quantity);
        }
        Lot storage lot = _lots[warehouse][terms.lotId];
        if (lot.livePieces != 0) revert ReceiptLotAlreadyIssued(warehouse, terms.lotId, lot.issuedReceiptId);
        uint48 newId = _nextId++;
        lot.issuedReceiptId = newId;
        lot.livePieces = 1;
        ReceiptStatus status = lien == address(0) ? ReceiptStatus.Free : ReceiptStatus.Pledged;
        _receipts[newId] = ReceiptRecord({
            warehouse: warehouse,
            quantity: quantity,
            unit: terms.unit,
            lienHolder: lien,
            parentId: 0,
            issuedAt: uint40(block.timestamp),
            status: status,
            commodity: terms.commodity,
            lotId: terms.lotId
        });
        _mint(owner, newId);
        _emitIssued(newId, warehouse, owner, lien, terms, quantity, status);
        return newId;
    }

    function _emitIssued(
        uint256 id,
        address warehouse,
        address owner,
        address lien,
        ReceiptTerms calldata terms,
        uint64 quantity,
        ReceiptStatus status
    ) private {
        emit ReceiptIssued(
            id,
            warehouse,
            owner,
            lien,
            terms.commodity,
            quantity,
            terms.unit,
            terms.grade,
            terms.location,
            terms.lotId,
            terms.inspectionHash,
            ReceiptStatus.None,
            status
        );
    }

    function _split(uint256 id, ReceiptRecord storage parent, uint64 quantity, address to)
        private
        returns (uint256 childId)
    {
        uint64 available = parent.quantity;
        if (quantity == 0 || quantity >= available) revert ReceiptSplitQuantityInvalid(id, quantity, available);
        uint48 newId = _nextId++;
        parent.quantity = available - quantity;
        ReceiptRecord storage child = _receipts[newId];
        child.warehouse = parent.warehouse;
        child.quantity = quantity;
        child.unit = parent.unit;
        child.parentId = uint48(id);
        child.issuedAt = uint40(block.timestamp);
        child.status = ReceiptStatus.Free;
        child.commodity = parent.commodity;
        child.lotId = parent.lotId;
        _lots[parent.warehouse][parent.lotId].livePieces += 1;
        _mint(to, newId);
        emit ReceiptSplit(
            id, newId, to, quantity, available - quantity, parent.status, ReceiptStatus.None, ReceiptStatus.Free
        );
        return newId;
    }

    /// @dev The record of a live (Free or Pledged) receipt; reverts for unknown or delivered ids.
    function _live(uint256 id) private view returns (ReceiptRecord storage r) {
        r = _receipts[id];
        ReceiptStatus status = r.status;
        if (status == ReceiptStatus.None) revert ReceiptNotFound(id);
        if (status == ReceiptStatus.Delivered) revert ReceiptStatusInvalid(id, status);
    }

    /// @dev The record of a receipt pledged to the caller.
    function _liened(uint256 id) private view returns (ReceiptRecord storage r) {
        r = _receipts[id];
        ReceiptStatus status = r.status;
        if (status == ReceiptStatus.None) revert ReceiptNotFound(id);
        if (status != ReceiptStatus.Pledged) revert ReceiptStatusInvalid(id, status);
        if (r.lienHolder != msg.sender) revert ReceiptNotLienHolder(id, msg.sender, r.lienHolder);
    }

    /// @dev The single choke point of every mint, transfer and burn: a pledged receipt never moves, both ends must
    /// be active participants or ledger contracts, and so must a spender acting on the owner's approval.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        address from = _ownerOf(tokenId);
        if (from != address(0)) {
            ReceiptRecord storage r = _receipts[tokenId];
            if (r.status == ReceiptStatus.Pledged) {
                revert ReceiptIsPledged(tokenId, r.lienHolder, ReceiptAction.Transfer);
            }
            _checkSpender(tokenId, from, auth);
        }
        TransferRestriction reason = _restriction(from, to);
        if (reason != TransferRestriction.None) revert ReceiptTransferRestricted(tokenId, from, to, reason);
        return super._update(to, tokenId, auth);
    }

    /// @dev A spender other than the owner (an approved address or operator) must be active or a ledger contract.
    function _checkSpender(uint256 tokenId, address owner, address spender) private view {
        if (spender == address(0) || spender == owner) return;
        Standing s = _registry.standingOf(spender);
        if (s != Standing.Active && s != Standing.LedgerContract) revert ReceiptSpenderRestricted(tokenId, spender, s);
    }

    function _restriction(address from, address to) private view returns (TransferRestriction) {
        if (from != address(0)) {
            Standing s = _registry.standingOf(from);
            if (s == Standing.NotRegistered) return TransferRestriction.SenderNotRegistered;
            if (s == Standing.Suspended) return TransferRestriction.SenderSuspended;
            if (s == Standing.KycExpired) return TransferRestriction.SenderKycExpired;
        }
        if (to != address(0)) {
            Standing s = _registry.standingOf(to);
            if (s == Standing.NotRegistered) return TransferRestriction.RecipientNotRegistered;
            if (s == Standing.Suspended) return TransferRestriction.RecipientSuspended;
            if (s == Standing.KycExpired) return TransferRestriction.RecipientKycExpired;
        }
        return TransferRestriction.None;
    }
}
