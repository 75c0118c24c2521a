"""What the API remembers between requests (gateway.api.auth): verified tokens and participants' standing."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from gateway.api.auth import AuthCache
from gateway.core.config import Settings
from gateway.core.security import AuthError, issue_token
from sdk.types import Role

ADDRESS = "0x" + "ab" * 20
ROLES = frozenset({Role.BANK})


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _cache(ttl: float = 1.0) -> tuple[AuthCache, Clock, list[tuple[int, int]]]:
    clock, generation = Clock(), [(0, 0)]
    return AuthCache(ttl, lambda: generation[0], monotonic=clock), clock, generation


def test_standing_is_kept_for_at_most_the_ttl() -> None:
    cache, clock, generation = _cache(ttl=1.0)
    assert cache.standing(ADDRESS, now=1_000) is None
    cache.remember(ADDRESS, ROLES, kyc_expiry=10_000, head_time=900, generation=generation[0])
    assert cache.standing(ADDRESS, now=1_000) == ROLES
    clock.t += 1.5
    assert cache.standing(ADDRESS, now=1_000) is None


def test_standing_is_dropped_when_the_index_changes() -> None:
    cache, _, generation = _cache(ttl=60.0)
    cache.remember(ADDRESS, ROLES, kyc_expiry=10_000, head_time=900, generation=generation[0])
    generation[0] = (1, 0)  # the in-process indexer committed a batch
    assert cache.standing(ADDRESS, now=1_000) is None


def test_standing_ends_with_the_kyc_even_within_the_ttl() -> None:
    cache, _, generation = _cache(ttl=60.0)
    cache.remember(ADDRESS, ROLES, kyc_expiry=1_000, head_time=900, generation=generation[0])
    assert cache.standing(ADDRESS, now=999) == ROLES
    assert cache.standing(ADDRESS, now=1_000) is None  # expired at the gateway's clock
    cache.remember(ADDRESS, ROLES, kyc_expiry=1_000, head_time=1_000, generation=generation[0])
    assert cache.standing(ADDRESS, now=10) is None  # or at the indexed chain's time


def test_a_zero_ttl_keeps_nothing() -> None:
    cache, _, generation = _cache(ttl=0)
    cache.remember(ADDRESS, ROLES, kyc_expiry=10_000, head_time=900, generation=generation[0])
    assert cache.standing(ADDRESS, now=1_000) is None


def test_a_remembered_token_still_expires() -> None:
    settings = Settings(jwt_secret=SecretStr("k" * 40), jwt_ttl_seconds=60)
    token, expires = issue_token(ADDRESS, ["bank"], settings, now=1_000)
    cache, _, _ = _cache()
    assert cache.claims(token, settings, now=1_000).address.lower() == ADDRESS
    assert cache.claims(token, settings, now=1_010).expires_at == expires  # from memory
    with pytest.raises(AuthError, match="expired"):
        cache.claims(token, settings, now=expires)
    with pytest.raises(AuthError, match="not valid yet"):
        cache.claims(token, settings, now=1_000 - 3_600)
    with pytest.raises(AuthError):
        cache.claims(token[:-2] + "xx", settings, now=1_000)  # a forged signature is never taken from memory
