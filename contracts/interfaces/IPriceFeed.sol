// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Commodity price feed
/// @notice The operator lists commodities (unit and staleness limit) and appoints price feeders per commodity.
/// Appointed feeders post prices with the time they were observed. A price older than the commodity's `maxAge`
/// is stale: it can't be used to open a loan, release goods or call margin.
///
/// A price is in settlement-token units (cents) per one unit of quantity (the commodity's `unit`), so the value
/// of `quantity` goods is exactly `quantity * price`, with no rounding.
///
/// Limits on a feeder (and on the operator): `maxAge` is at most `MAX_AGE_CEILING` (7 days), so a listing can never
/// make an old price count as fresh for long. A commodity may have a price band (`setPriceBand`, in bps): a post
/// that moves the price by more than the band from the latest price does not take effect alone; it becomes a
/// proposal that a different appointed feeder must confirm (`confirmPrice`, same price and observation time).
/// A band of 0 (the default at listing) turns the check off, for a commodity with a single feeder.
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
    /// @notice `maxAge` is above the protocol ceiling.
    error PriceMaxAgeAboveCeiling(bytes16 commodity, uint32 maxAge, uint32 ceiling);
    /// @notice No pending proposal of this price and observation time to confirm.
    error PriceProposalNotFound(bytes16 commodity, uint128 price, uint64 observedAt);
    /// @notice The feeder who proposed an out-of-band price cannot also confirm it.
    error PriceConfirmationBySameFeeder(bytes16 commodity, address feeder);

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

    /// @notice Emitted when the operator sets a commodity's price band (0: off).
    event PriceBandSet(bytes16 indexed commodity, uint16 oldBandBps, uint16 newBandBps);
    /// @notice Emitted when a post moves the price by more than the band: it waits for a second feeder.
    /// @param lastPrice The latest price it moves from.
    event PriceProposed(
        bytes16 indexed commodity, address indexed feeder, uint128 price, uint64 observedAt, uint128 lastPrice,
        uint16 bandBps
    );
    /// @notice Emitted when a second feeder confirms a proposed price (followed by `PricePosted` for the proposer).
    event PriceConfirmed(
        bytes16 indexed commodity, address indexed proposer, address indexed confirmer, uint128 price, uint64 observedAt
    );

    /// @notice The longest `maxAge` any listing may have, in seconds (7 days).
    function MAX_AGE_CEILING() external view returns (uint32);

    /// @notice Lists `commodity`, quoted per `unit`, with a staleness limit of `maxAge` seconds (or changes the limit).
    /// Requirements: caller has DEFAULT_ADMIN_ROLE; `commodity` and `unit` non-empty; 0 < `maxAge` <=
    /// `MAX_AGE_CEILING` (else `PriceMaxAgeAboveCeiling`); the unit of a listed commodity never changes.
    function listCommodity(bytes16 commodity, bytes4 unit, uint32 maxAge) external;

    /// @notice Sets the band, in bps of the latest price, beyond which a post needs a second feeder (0: off).
    /// Requirements: caller has DEFAULT_ADMIN_ROLE; the commodity is listed.
    function setPriceBand(bytes16 commodity, uint16 bandBps) external;

    /// @notice Confirms the pending out-of-band proposal of `price` observed at `observedAt`, which then takes effect.
    /// Requirements: caller is an appointed feeder of the commodity and an active PriceFeeder, other than the
    /// proposer; the proposal matches; its observation is still newer than the latest price and not in the future.
    function confirmPrice(bytes16 commodity, uint128 price, uint64 observedAt) external;

    /// @notice A commodity's band (bps, 0 = off) and pending proposal (price 0 when none).
    function getPriceBand(bytes16 commodity)
        external
        view
        returns (uint16 bandBps, uint128 proposedPrice, uint64 proposedAt, address proposer);

    /// @notice Appoints (or removes) `feeder` as a price feeder of `commodity`.
    /// Requirements: caller has DEFAULT_ADMIN_ROLE; the commodity is listed; when appointing, `feeder` is an active
    /// PriceFeeder; the appointment changes.
    function setFeeder(bytes16 commodity, address feeder, bool appointed) external;

    /// @notice Posts `price` (cents per unit) for `commodity`, observed at `observedAt`. A move beyond the band
    /// becomes a proposal (`PriceProposed`) instead, replacing any earlier one; a post within the band clears it.
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
