// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IPriceFeed} from "../interfaces/IPriceFeed.sol";
import {Role} from "../types/Roles.sol";

/// @title PriceFeed
/// @notice Commodity prices posted by appointed feeders, with a staleness limit. See {IPriceFeed}.
contract PriceFeed is IPriceFeed, AccessControlDefaultAdminRules {
    /// @inheritdoc IPriceFeed
    uint32 public constant MAX_AGE_CEILING = 7 days;
    uint256 private constant _BPS = 10_000;

    /// @dev Two slots: a commodity's band and its pending out-of-band proposal.
    struct Band {
        uint16 bandBps;
        uint64 proposedAt;
        address proposer;
        uint128 proposedPrice; // slot 1
    }

    IParticipantRegistry private immutable _registry;

    mapping(bytes16 commodity => Feed) private _feeds;
    mapping(bytes16 commodity => mapping(address feeder => bool)) private _feeders;
    mapping(bytes16 commodity => Band) private _bands;

    constructor(address admin, IParticipantRegistry registry_, uint48 adminDelay)
        AccessControlDefaultAdminRules(adminDelay, admin)
    {
        _registry = registry_;
    }

    /// @inheritdoc IPriceFeed
    function listCommodity(bytes16 commodity, bytes4 unit, uint32 maxAge) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Feed storage f = _feeds[commodity];
        uint32 oldMaxAge = f.maxAge;
        if (commodity == 0 || unit == 0 || maxAge == 0 || (oldMaxAge != 0 && f.unit != unit)) {
            revert PriceListingInvalid(commodity, unit, maxAge);
        }
        if (maxAge > MAX_AGE_CEILING) revert PriceMaxAgeAboveCeiling(commodity, maxAge, MAX_AGE_CEILING);
        f.unit = unit;
        f.maxAge = maxAge;
        emit CommodityListed(commodity, unit, oldMaxAge, maxAge);
    }

    /// @inheritdoc IPriceFeed
    function setFeeder(bytes16 commodity, address feeder, bool appointed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_feeds[commodity].maxAge == 0) revert PriceCommodityNotListed(commodity);
        bool old = _feeders[commodity][feeder];
        if (old == appointed) revert PriceFeederUnchanged(commodity, feeder, appointed);
        if (appointed) _registry.requireActiveWithRole(feeder, Role.PriceFeeder);
        _feeders[commodity][feeder] = appointed;
        emit PriceFeederSet(commodity, feeder, old, appointed);
    }

    /// @inheritdoc IPriceFeed
    function setPriceBand(bytes16 commodity, uint16 bandBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_feeds[commodity].maxAge == 0) revert PriceCommodityNotListed(commodity);
        Band storage b = _bands[commodity];
        uint16 old = b.bandBps;
        b.bandBps = bandBps;
        emit PriceBandSet(commodity, old, bandBps);
    }

    /// @inheritdoc IPriceFeed
    function postPrice(bytes16 commodity, uint128 price, uint64 observedAt) external {
        _requireFeeder(commodity);
        Feed storage f = _feeds[commodity];
        _checkObservation(commodity, f, price, observedAt);
        Band storage b = _bands[commodity];
        uint128 last = f.price;
        uint256 move = price > last ? price - last : last - price;
        if (b.bandBps != 0 && last != 0 && move * _BPS > uint256(last) * b.bandBps) {
            b.proposedPrice = price;
            b.proposedAt = observedAt;
            b.proposer = msg.sender;
            emit PriceProposed(commodity, msg.sender, price, observedAt, last, b.bandBps);
            return;
        }
        if (b.proposer != address(0)) _clearProposal(b);
        _setPrice(commodity, f, msg.sender, price, observedAt);
    }

    /// @inheritdoc IPriceFeed
    function confirmPrice(bytes16 commodity, uint128 price, uint64 observedAt) external {
        _requireFeeder(commodity);
        Band storage b = _bands[commodity];
        address proposer = b.proposer;
        if (proposer == address(0) || b.proposedPrice != price || b.proposedAt != observedAt) {
            revert PriceProposalNotFound(commodity, price, observedAt);
        }
        if (proposer == msg.sender) revert PriceConfirmationBySameFeeder(commodity, msg.sender);
        Feed storage f = _feeds[commodity];
        _checkObservation(commodity, f, price, observedAt);
        _clearProposal(b);
        emit PriceConfirmed(commodity, proposer, msg.sender, price, observedAt);
        _setPrice(commodity, f, proposer, price, observedAt);
    }

    /// @inheritdoc IPriceFeed
    function getPriceBand(bytes16 commodity)
        external
        view
        returns (uint16 bandBps, uint128 proposedPrice, uint64 proposedAt, address proposer)
    {
        Band storage b = _bands[commodity];
        return (b.bandBps, b.proposedPrice, b.proposedAt, b.proposer);
    }

    /// @inheritdoc IPriceFeed
    function getFeed(bytes16 commodity) external view returns (Feed memory) {
        return _feeds[commodity];
    }

    /// @inheritdoc IPriceFeed
    function latestPrice(bytes16 commodity) public view returns (Feed memory f) {
        f = _feeds[commodity];
        if (f.maxAge == 0) revert PriceCommodityNotListed(commodity);
        if (f.price == 0) revert PriceMissing(commodity);
    }

    /// @inheritdoc IPriceFeed
    function freshPrice(bytes16 commodity) external view returns (Feed memory f) {
        f = latestPrice(commodity);
        if (block.timestamp - f.observedAt > f.maxAge) {
            revert PriceStale(commodity, f.observedAt, f.maxAge, uint64(block.timestamp));
        }
    }

    /// @inheritdoc IPriceFeed
    function isFeeder(bytes16 commodity, address account) external view returns (bool) {
        return _feeders[commodity][account];
    }

    function _requireFeeder(bytes16 commodity) private view {
        if (!_feeders[commodity][msg.sender]) revert PriceFeederNotAppointed(commodity, msg.sender);
        _registry.requireActiveWithRole(msg.sender, Role.PriceFeeder);
    }

    function _checkObservation(bytes16 commodity, Feed storage f, uint128 price, uint64 observedAt) private view {
        uint64 latest = f.observedAt;
        if (price == 0 || observedAt <= latest || observedAt > block.timestamp) {
            revert PriceInvalid(commodity, price, observedAt, latest);
        }
    }

    function _setPrice(bytes16 commodity, Feed storage f, address feeder, uint128 price, uint64 observedAt) private {
        uint128 oldPrice = f.price;
        uint64 oldObservedAt = f.observedAt;
        f.price = price;
        f.observedAt = observedAt;
        emit PricePosted(commodity, feeder, price, observedAt, oldPrice, oldObservedAt);
    }

    function _clearProposal(Band storage b) private {
        b.proposedPrice = 0;
        b.proposedAt = 0;
        b.proposer = address(0);
    }
}
