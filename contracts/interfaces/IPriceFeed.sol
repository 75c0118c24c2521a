// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Commodity price feed
/// @notice The operator lists commodities (unit and staleness limit) and appoints price feeders per commodity.
/// Appointed feeders post prices with the time they were observed. A price older than the commodity's `maxAge`
/// is stale: it can't be used to open a loan, release goods or call margin.
///
/// A price is in settlement-token units (cents) per one unit of quantity (the commodity's `unit`), so the value
/// of `quantity` goods is exactly `quantity * price`, with no rounding.
interface IPriceFeed {
    /// @notice A commodity's configuration and latest price, as stored (one slot).
    struct Feed {
        uint128 price; // cents per unit of quantity; 0 until the first post
        uint64 observedAt; // when the feeder observed `price` (unix seconds)
        uint32 maxAge; // seconds after `observedAt` during which the price is fresh; 0 = not listed
        bytes4 unit; // the unit `price` is quoted per, e.g. "kg"
    }

    /// @notice The commodity is not listed.
    error PriceCommodityNotListed(bytes16 commodity);
    /// @notice Listing data is unusable: empty code or unit, zero max age, or a unit change for a listed commodity.
    error PriceListingInvalid(bytes16 commodity, bytes4 unit, uint32 maxAge);
    /// @notice `account` is not an appointed feeder of the commodity.
    error PriceFeederNotAppointed(bytes16 commodity, address account);
    /// @notice The appointment already has the requested value.
    error PriceFeederUnchanged(bytes16 commodity, address feeder, bool appointed);
    /// @notice The posted price is zero, observed in the future, or not newer than the latest one.
    error PriceInvalid(bytes16 commodity, uint128 price, uint64 observedAt, uint64 latestObservedAt);
    /// @notice No price was ever posted for the commodity.
    error PriceMissing(bytes16 commodity);
    /// @notice The latest price, observed at `observedAt`, is older than `maxAge` seconds at `asOf`.
    error PriceStale(bytes16 commodity, uint64 observedAt, uint32 maxAge, uint64 asOf);

    /// @notice Emitted when the operator lists a commodity or changes its staleness limit.
    /// @param oldMaxAge Zero when newly listed.
    event CommodityListed(bytes16 indexed commodity, bytes4 unit, uint32 oldMaxAge, uint32 newMaxAge);
    /// @notice Emitted when the operator appoints or removes a price feeder for a commodity.
    event PriceFeederSet(bytes16 indexed commodity, address indexed feeder, bool oldAppointed, bool newAppointed);
    /// @notice Emitted when a feeder posts a price.
    /// @param price Cents per unit of quantity.
    /// @param observedAt When the price was observed.
    /// @param oldPrice The price it replaces (0 for the first).
    /// @param oldObservedAt When the replaced price was observed.
    event PricePosted(
        bytes16 indexed commodity,
        address indexed feeder,
        uint128 price,
        uint64 observedAt,
        uint128 oldPrice,
        uint64 oldObservedAt
    );

    /// @notice Lists `commodity`, quoted per `unit`, with a staleness limit of `maxAge` seconds (or changes the limit).
    /// Requirements: caller has DEFAULT_ADMIN_ROLE; `commodity` and `unit` non-empty; `maxAge` > 0; the unit of a
    /// listed commodity never changes.
    function listCommodity(bytes16 commodity, bytes4 unit, uint32 maxAge) external;

    /// @notice Appoints (or removes) `feeder` as a price feeder of `commodity`.
    /// Requirements: caller has DEFAULT_ADMIN_ROLE; the commodity is listed; when appointing, `feeder` is an active
    /// PriceFeeder; the appointment changes.
    function setFeeder(bytes16 commodity, address feeder, bool appointed) external;

    /// @notice Posts `price` (cents per unit) for `commodity`, observed at `observedAt`.
    /// Requirements: caller is an appointed feeder of the commodity and an active PriceFeeder; `price` > 0;
    /// the latest observation < `observedAt` <= block time.
    function postPrice(bytes16 commodity, uint128 price, uint64 observedAt) external;

    /// @notice The stored feed (all zero when not listed).
    function getFeed(bytes16 commodity) external view returns (Feed memory);

    /// @notice The latest price, however old. Reverts unless listed and priced.
    function latestPrice(bytes16 commodity) external view returns (Feed memory);

    /// @notice The latest price if fresh now. Reverts when not listed, never priced, or stale.
    function freshPrice(bytes16 commodity) external view returns (Feed memory);

    /// @notice Whether `account` is an appointed feeder of `commodity`.
    function isFeeder(bytes16 commodity, address account) external view returns (bool);
}
