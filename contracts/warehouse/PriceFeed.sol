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
    IParticipantRegistry private immutable _registry;

    mapping(bytes16 commodity => Feed) private _feeds;
    mapping(bytes16 commodity => mapping(address feeder => bool)) private _feeders;

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
    function postPrice(bytes16 commodity, uint128 price, uint64 observedAt) external {
        if (!_feeders[commodity][msg.sender]) revert PriceFeederNotAppointed(commodity, msg.sender);
        _registry.requireActiveWithRole(msg.sender, Role.PriceFeeder);
        Feed storage f = _feeds[commodity];
        uint128 oldPrice = f.price;
        uint64 oldObservedAt = f.observedAt;
        if (price == 0 || observedAt <= oldObservedAt || observedAt > block.timestamp) {
            revert PriceInvalid(commodity, price, observedAt, oldObservedAt);
        }
        f.price = price;
        f.observedAt = observedAt;
        emit PricePosted(commodity, msg.sender, price, observedAt, oldPrice, oldObservedAt);
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
}
