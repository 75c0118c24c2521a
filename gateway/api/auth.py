"""What a request's bearer token stands for, remembered between requests (issue 15).

Every API request used to verify its token's signature and read the participant and the indexer's clock from the
database before the handler ran: two queries and a worker-thread hop per request. Two caches take that off the hot
path, each per process and bounded:

* **verified tokens**: a token whose signature and claims checked out is a pure function of the token and the key,
  so it is remembered until it expires; its times are still checked against the clock on every request.
* **participants' standing** (active, KYC not expired, roles), for at most ``auth_cache_seconds`` and only while
  the index is unchanged as far as this process can tell: the in-process indexer's commits, and on PostgreSQL the
  indexer's NOTIFY, drop it at once. With a separate indexer and no NOTIFY (SQLite, or a read replica), a
  participant suspended on chain is refused at most ``auth_cache_seconds`` after the indexer has the suspension.
  ``auth_cache_seconds = 0`` turns the standing cache off: every request reads the database.

Refusals are never cached: a participant refused is read again on its next request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.core.security import CLOCK_SKEW_SECONDS, AuthError, TokenClaims, decode_token

#: Entries per cache; beyond that a cache starts again (bounded memory without tracking recency).
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class Standing:
    """A participant found in good standing: its roles, its KYC expiry and the indexed head time it was read at."""

    roles: frozenset[Any]
    kyc_expiry: int
    head_time: int
    generation: tuple[int, int]
    read_at: float


class AuthCache:
    """Verified tokens and participants' standing (see the module's doc)."""

    def __init__(self, ttl: float, generation: Callable[[], tuple[int, int]],
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.generation = generation
        self.monotonic = monotonic
        self.hits = 0
        self.misses = 0
        self._tokens: dict[str, TokenClaims] = {}
        self._standing: dict[str, Standing] = {}
        self._guard = threading.Lock()

    def claims(self, token: str, settings: Any, now: int) -> TokenClaims:
        """The token's claims, checked against `now` (AuthError when refused)."""
        known = self._tokens.get(token)
        if known is None:
            claims = decode_token(token, settings, now)  # raises on anything wrong, including times
            with self._guard:
                if len(self._tokens) >= MAX_ENTRIES:
                    self._tokens.clear()
                self._tokens[token] = claims
            return claims
        # the same checks of times as decode_token's, against this request's clock
        if known.issued_at > now + CLOCK_SKEW_SECONDS or known.not_before > now + CLOCK_SKEW_SECONDS:
            raise AuthError("token is not valid yet: sign in again", field="authorization")
        if known.expires_at <= now:
            with self._guard:
                self._tokens.pop(token, None)
            raise AuthError("token has expired: sign in again", field="authorization")
        return known

    def standing(self, address: str, now: int) -> frozenset[Any] | None:
        """The roles of `address` if it was found in good standing recently enough and the index has not
        changed since, and its KYC is still valid at `now` (or the indexed head time it was read at); else None."""
        if self.ttl <= 0:
            return None
        known = self._standing.get(address)
        if (known is None or self.monotonic() - known.read_at > self.ttl or known.generation != self.generation()
                or known.kyc_expiry <= max(now, known.head_time)):
            self.misses += 1
            return None
        self.hits += 1
        return known.roles

    def generation_now(self) -> tuple[int, int]:
        """Take this before reading the database: rows read then are cached under it."""
        return self.generation()

    def remember(self, address: str, roles: frozenset[Any], kyc_expiry: int, head_time: int,
                 generation: tuple[int, int]) -> None:
        if self.ttl <= 0:
            return
        with self._guard:
            if len(self._standing) >= MAX_ENTRIES:
                self._standing.clear()
            self._standing[address] = Standing(roles, kyc_expiry, head_time, generation, self.monotonic())

