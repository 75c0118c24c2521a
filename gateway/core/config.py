"""One settings object for the gateway, read from the environment (prefix ``SCF_GATEWAY_``) or a ``.env`` file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Secrets that ship in examples and must never protect a real deployment.
PLACEHOLDER_SECRETS = frozenset({"", "changethis", "change-me", "changeme", "secret", "dev", "development", "test"})
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Gateway configuration. Every field can be set as ``SCF_GATEWAY_<FIELD>`` (upper case)."""

    model_config = SettingsConfigDict(env_prefix="SCF_GATEWAY_", env_file=".env", extra="ignore")

    #: Set when no secret was configured and one was generated for this process.
    jwt_secret_generated: bool = Field(default=False, exclude=True)

    environment: Literal["development", "test", "production"] = "development"

    # ------------------------------------------------------------------ storage
    database_url: str = "sqlite:///scf-gateway.db"
    #: PostgreSQL only: the schema to use (it is put first on the search path).
    database_schema: str | None = None
    #: Connections the API keeps open. Each request in flight uses at most one, so this bounds
    #: ``max_concurrent_requests``; the indexer and /health have their own, smaller pools.
    db_pool_size: int = Field(default=16, ge=1, le=1_000)
    #: Extra connections the API may open above ``db_pool_size`` at a peak (closed again when returned).
    db_max_overflow: int = Field(default=0, ge=0, le=1_000)
    #: How long a request waits for a pooled connection before it is answered 503 (seconds).
    db_pool_timeout: float = Field(default=3.0, gt=0, le=300)
    #: SQLite only: how long a write waits for the database lock before giving up (seconds).
    db_lock_timeout: float = Field(default=5.0, gt=0, le=300)
    #: PostgreSQL only, optional: a read-only URL (a streaming replica) for the API's reads. Sign-in, relayed
    #: transactions, uploads, /health and the indexer stay on ``database_url``. Reads then lag the primary by the
    #: replica's replay lag (``pg_stat_replication.replay_lag``; usually well under a second, longer under load).
    database_read_url: str | None = None

    # ------------------------------------------------------------------ chain
    #: ``embedded`` (an in-process chain handed to the gateway by the caller) or a JSON-RPC URL.
    chain_url: str = "embedded"
    #: The deployment file written by ``scf deploy`` (sdk.ledger.Deployment JSON).
    deployment_file: Path = Path("deployment.json")
    rpc_timeout: float = Field(default=30.0, gt=0)

    # ------------------------------------------------------------------ indexer
    #: Run the indexer in the API process (``scf gateway``); ``scf gateway index`` runs it alone.
    index_in_process: bool = True
    #: Index only blocks at least this deep below the head. 0 follows the head itself.
    confirmations: int = Field(default=0, ge=0)
    #: ``auto``: the node's ``finalized`` tag where it has one (not on the embedded chain), else depth.
    finality: Literal["auto", "tag", "depth"] = "auto"
    #: Blocks deeper than this below the head count as final when the node's tag is not used.
    finality_depth: int = Field(default=64, ge=0)
    poll_interval: float = Field(default=0.5, gt=0)
    window_initial: int = Field(default=200, ge=1)
    window_min: int = Field(default=1, ge=1)
    window_max: int = Field(default=5_000, ge=1)
    #: The embedded chain must never be asked for a wide range (its eth_getLogs is superlinear).
    embedded_window_max: int = Field(default=16, ge=1)
    #: A window that returns more logs than this is shrunk for the next call.
    max_logs_per_window: int = Field(default=10_000, ge=1)
    #: Windows whose fetch takes less than this grow.
    window_target_seconds: float = Field(default=0.5, gt=0)
    backoff_initial: float = Field(default=0.5, gt=0)
    backoff_max: float = Field(default=30.0, gt=0)
    #: PostgreSQL only: how often a standby indexer tries the leader's advisory lock, and the leader checks that
    #: it still holds it (seconds). A dead leader is replaced within about this long.
    leader_check_interval: float = Field(default=1.0, gt=0, le=60)

    # ------------------------------------------------------------------ API and auth
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65_535)
    #: HMAC key of the bearer tokens. Unset: a random key per process (tokens die with the process, and replicas
    #: don't share them). A placeholder or a key shorter than 32 characters is refused in every environment.
    jwt_secret: SecretStr | None = None
    jwt_ttl_seconds: int = Field(default=900, ge=30, le=86_400)
    jwt_issuer: str = "scf-gateway"
    #: The EIP-4361 domain (host[:port]) and URI the SIWE message must name. Unset: the host and port actually
    #: served (``127.0.0.1:8000`` and ``http://127.0.0.1:8000`` by default). Behind a proxy or a public name, set
    #: them to what the users' wallets see (``SCF_GATEWAY_SIWE_DOMAIN=ledger.example``).
    siwe_domain: str = "127.0.0.1:8000"
    siwe_uri: str = "http://127.0.0.1:8000"
    #: Sign-in nonces one client address may ask for per minute (429 beyond), and how many may wait unused in
    #: all (503 beyond): anonymous callers can't fill the database. Behind a proxy, run uvicorn with
    #: --proxy-headers so the client address is the caller's, not the proxy's.
    nonce_requests_per_minute: int = Field(default=60, ge=1, le=1_000_000)
    #: How long a participant found in good standing (active, KYC valid) is trusted without reading the database
    #: again, while this process sees no change to the index (its own indexer's commits and, on PostgreSQL, the
    #: indexer's NOTIFY end it at once). 0: read the participant on every request. See gateway.api.auth.
    auth_cache_seconds: float = Field(default=1.0, ge=0, le=60)
    max_open_nonces: int = Field(default=10_000, ge=1)
    nonce_ttl_seconds: int = Field(default=300, ge=1, le=86_400)
    #: /health reports degraded when the indexed head is more than this many blocks behind the node.
    max_lag_blocks: int = Field(default=50, ge=0)
    #: Default horizon of the "maturing soon" alerts, in days.
    alert_maturity_days: int = Field(default=7, ge=0, le=3_650)
    #: A credit line at or above this share of its limit used (in bps) raises "credit_line_near_limit".
    alert_credit_near_limit_bps: int = Field(default=9_000, ge=1, le=10_000)
    #: A risk-pool program is alerted when its balance falls below its open claims plus this reserve, in basis
    #: points of what was deposited into it (1,000 = 10 %; 0 alerts only once claims wait unpaid).
    risk_pool_reserve_bps: int = Field(default=1_000, ge=0, le=10_000)

    # ------------------------------------------------------------------ write API
    #: Signed transactions one sender may relay per window (counted in the database: across replicas).
    tx_rate_limit: int = Field(default=30, ge=1, le=100_000)
    tx_rate_window_seconds: int = Field(default=60, ge=1, le=86_400)
    #: One /v1/stream connection lasts at most this long; the client reconnects with Last-Event-ID.
    stream_max_seconds: float = Field(default=300.0, gt=0, le=3_600)
    stream_poll_interval: float = Field(default=0.5, gt=0, le=60)
    #: PostgreSQL: streams are woken by the indexer's NOTIFY and poll only this often as a safety net (with a
    #: read replica, or while the LISTEN connection is down, they poll every ``stream_poll_interval``).
    stream_notify_poll_interval: float = Field(default=5.0, gt=0, le=600)
    #: Streams one process keeps open at once (they hold no thread or connection between polls).
    max_streams: int = Field(default=64, ge=1, le=100_000)

    # ------------------------------------------------------------------ load and shutdown
    #: Requests served at once by one process (/health and /metrics aside). Must not exceed the API's pool.
    #: uvicorn's line per request; off by default (per-request detail belongs at DEBUG, not in the daily log).
    access_log: bool = False
    #: Origins (``https://app.example``) whose browser apps may call the API; none by default.
    cors_origins: list[str] = Field(default_factory=list)
    max_concurrent_requests: int = Field(default=12, ge=1, le=1_000)
    #: API processes serving one port (``scf gateway``). Each has its own pool, request limit and event loop; with
    #: more than one, the indexer must run on its own (``index_in_process`` off, ``scf gateway index`` beside it).
    #: Python serves one request's Python code at a time per process: one worker per CPU is the usual choice.
    workers: int = Field(default=1, ge=1, le=64)
    #: Every response carries ``Server-Timing: app;dur=<ms>``, the time the gateway took from the request's arrival
    #: (before any wait for a turn) to its response; ``scf bench`` reports it next to the client's latency.
    server_timing: bool = True
    #: A request beyond that waits this long for a turn, then gets 503 with Retry-After (seconds).
    #: Short, so that an overloaded gateway sheds at once what it can't serve in time and has no backlog to work
    #: off when the load drops (issue 15: it recovered only after this long).
    queue_timeout: float = Field(default=1.0, ge=0, le=60)
    #: The Retry-After of a 503 (seconds).
    retry_after_seconds: int = Field(default=1, ge=1, le=3_600)
    #: /health's database read gives up after this long and answers from memory (seconds).
    health_db_timeout: float = Field(default=1.0, gt=0, le=60)
    #: On SIGTERM: how long requests in flight may take to finish, and the indexer to reach a batch boundary.
    shutdown_timeout: float = Field(default=5.0, gt=0, le=300)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.jwt_secret is None:
            self.jwt_secret = SecretStr(secrets.token_hex(32))
            self.jwt_secret_generated = True
        served = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        if "siwe_domain" not in self.model_fields_set:
            self.siwe_domain = served
        if "siwe_uri" not in self.model_fields_set:
            self.siwe_uri = f"http://{served}"
        secret = self.jwt_secret.get_secret_value()
        if secret.lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                "SCF_GATEWAY_JWT_SECRET is a placeholder or shorter than "
                f"{MIN_SECRET_LENGTH} characters: set a random secret (e.g. `openssl rand -hex 32`), or leave it "
                "unset for a random one per process"
            )
        if self.window_min > self.window_max:
            raise ValueError("window_min must not exceed window_max")
        if self.workers > 1 and self.index_in_process:
            raise ValueError(
                f"workers = {self.workers} needs the indexer in a process of its own: set "
                "SCF_GATEWAY_INDEX_IN_PROCESS=false and run `scf gateway index` beside the API"
            )
        if self.max_concurrent_requests > self.db_pool_size + self.db_max_overflow:
            raise ValueError(
                f"max_concurrent_requests ({self.max_concurrent_requests}) exceeds the API's connection pool "
                f"(db_pool_size + db_max_overflow = {self.db_pool_size + self.db_max_overflow}): requests would "
                "queue for connections inside worker threads; lower it or grow the pool"
            )
        return self

    @property
    def secret(self) -> str:
        """The token key (always set once validated)."""
        assert self.jwt_secret is not None
        return self.jwt_secret.get_secret_value()

    @property
    def is_embedded(self) -> bool:
        return self.chain_url in ("", "embedded")


@lru_cache
def get_settings() -> Settings:
    return Settings()
