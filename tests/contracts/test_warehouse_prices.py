"""PriceFeed: commodity listing, appointed feeders, monotonic observations and the staleness limit."""

from __future__ import annotations

import pytest

from sdk import Role
from sdk.errors import (
    AccessControlUnauthorizedAccount,
    ParticipantIsSuspended,
    ParticipantMissingRole,
    PriceCommodityNotListed,
    PriceFeederNotAppointed,
    PriceFeederUnchanged,
    PriceInvalid,
    PriceListingInvalid,
    PriceMissing,
    PriceStale,
)
from sdk.generated.events import CommodityListed, PriceFeederSet, PricePosted
from sdk.warehouse import code
from tests.conftest import Cast
from tests.contracts.warehouse_support import CU, DAY, KG, MAX_AGE, PRICE

CU16 = code(CU, 16)


@pytest.fixture()
def listed(ledger, cast: Cast) -> None:
    cast.operator.prices.list_commodity(CU, KG, MAX_AGE)
    cast.operator.prices.set_feeder(CU, cast.feeder.address)


def test_listing_appointing_and_posting_emit_old_and_new(ledger, cast: Cast) -> None:
    assert cast.operator.prices.list_commodity(CU, KG, MAX_AGE) == CommodityListed(CU16, code(KG, 4), 0, MAX_AGE)
    assert cast.operator.prices.list_commodity(CU, KG, 2 * DAY) == CommodityListed(CU16, code(KG, 4), MAX_AGE, 2 * DAY)
    assert cast.operator.prices.set_feeder(CU, cast.feeder.address) == PriceFeederSet(
        CU16, cast.feeder.address, False, True)
    first = ledger.chain.now()
    assert cast.feeder.prices.post_price(CU, PRICE, first) == PricePosted(CU16, cast.feeder.address, PRICE, first, 0, 0)
    ledger.chain.increase_time(60)
    second = ledger.chain.now()
    assert cast.feeder.prices.post_price(CU, 69_50, second) == PricePosted(
        CU16, cast.feeder.address, 69_50, second, PRICE, first)
    feed = ledger.prices.fresh_price(CU)
    assert (feed.price, feed.observed_at, feed.unit, feed.max_age) == (69_50, second, KG, 2 * DAY)
    assert ledger.prices.is_feeder(CU, cast.feeder.address)
    assert cast.operator.prices.set_feeder(CU, cast.feeder.address, False) == PriceFeederSet(
        CU16, cast.feeder.address, True, False)


def test_listing_by_non_admin_reverts(ledger, cast: Cast) -> None:
    with pytest.raises(AccessControlUnauthorizedAccount) as err:
        cast.feeder.prices.list_commodity(CU, KG, MAX_AGE)
    assert (err.value.account, err.value.needed_role) == (cast.feeder.address, b"\0" * 32)


@pytest.mark.parametrize(("commodity", "unit", "max_age"), [("", KG, DAY), (CU, "", DAY), (CU, KG, 0)])
def test_listing_with_empty_fields_reverts(ledger, cast: Cast, commodity: str, unit: str, max_age: int) -> None:
    with pytest.raises(PriceListingInvalid) as err:
        cast.operator.prices.list_commodity(commodity, unit, max_age)
    assert (err.value.commodity, err.value.unit, err.value.max_age) == (code(commodity, 16), code(unit, 4), max_age)


def test_unit_of_a_listed_commodity_never_changes(ledger, cast: Cast, listed: None) -> None:
    with pytest.raises(PriceListingInvalid) as err:
        cast.operator.prices.list_commodity(CU, "t", MAX_AGE)
    assert (err.value.commodity, err.value.unit) == (CU16, code("t", 4))


def test_feeder_of_unlisted_commodity_reverts(ledger, cast: Cast) -> None:
    with pytest.raises(PriceCommodityNotListed) as err:
        cast.operator.prices.set_feeder(CU, cast.feeder.address)
    assert err.value.commodity == CU16


def test_appointing_twice_reverts_unchanged(ledger, cast: Cast, listed: None) -> None:
    with pytest.raises(PriceFeederUnchanged) as err:
        cast.operator.prices.set_feeder(CU, cast.feeder.address)
    assert (err.value.commodity, err.value.feeder, err.value.appointed) == (CU16, cast.feeder.address, True)


def test_only_price_feeders_can_be_appointed(ledger, cast: Cast, listed: None) -> None:
    with pytest.raises(ParticipantMissingRole) as err:
        cast.operator.prices.set_feeder(CU, cast.bank1.address)
    assert (err.value.account, err.value.role) == (cast.bank1.address, Role.PRICE_FEEDER)


def test_post_by_unappointed_account_reverts(ledger, cast: Cast, listed: None) -> None:
    with pytest.raises(PriceFeederNotAppointed) as err:
        cast.bank1.prices.post_price(CU, PRICE)
    assert (err.value.commodity, err.value.account) == (CU16, cast.bank1.address)


def test_suspended_feeder_cannot_post(ledger, cast: Cast, listed: None) -> None:
    cast.operator.registry.suspend(cast.feeder.address, "REVIEW")
    with pytest.raises(ParticipantIsSuspended) as err:
        cast.feeder.prices.post_price(CU, PRICE)
    assert err.value.account == cast.feeder.address


def test_zero_future_or_older_prices_revert(ledger, cast: Cast, listed: None) -> None:
    now = ledger.chain.now()
    cast.feeder.prices.post_price(CU, PRICE, now)
    for price, observed in [(0, now + 0), (PRICE, now), (PRICE, now - 1), (PRICE, now + 3600)]:
        with pytest.raises(PriceInvalid) as err:
            cast.feeder.prices.post_price(CU, price, observed)
        e = err.value
        assert (e.commodity, e.price, e.observed_at, e.latest_observed_at) == (CU16, price, observed, now)


def test_unpriced_commodity_reverts_missing(ledger, cast: Cast, listed: None) -> None:
    with pytest.raises(PriceMissing) as err:
        ledger.prices.fresh_price(CU)
    assert err.value.commodity == CU16
    with pytest.raises(PriceCommodityNotListed) as err2:
        ledger.prices.fresh_price("ZN")
    assert err2.value.commodity == code("ZN", 16)


def test_price_is_fresh_up_to_max_age_and_stale_after(ledger, cast: Cast, listed: None) -> None:
    observed = ledger.chain.now()
    cast.feeder.prices.post_price(CU, PRICE, observed)
    ledger.chain.travel_to(observed + MAX_AGE)
    assert ledger.prices.fresh_price(CU).price == PRICE
    ledger.chain.increase_time(1)
    with pytest.raises(PriceStale) as err:
        ledger.prices.fresh_price(CU)
    e = err.value
    assert (e.commodity, e.observed_at, e.max_age, e.as_of) == (CU16, observed, MAX_AGE, ledger.chain.now())
    assert not ledger.prices.get_feed(CU).is_fresh(ledger.chain.now())
