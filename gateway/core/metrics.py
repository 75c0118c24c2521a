"""Prometheus metrics. Each app and indexer share one :class:`Metrics` (its own registry, so tests can build many)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.events_indexed = Counter("scf_gateway_events_indexed", "Events written to the event log", registry=r)
        self.blocks_indexed = Counter("scf_gateway_blocks_indexed", "Blocks indexed", registry=r)
        self.reorgs = Counter("scf_gateway_reorgs", "Reorganisations rolled back", registry=r)
        self.rolled_back_events = Counter("scf_gateway_rolled_back_events", "Events removed by rollbacks",
                                          registry=r)
        self.node_errors = Counter("scf_gateway_node_errors", "Failed calls to the chain node", registry=r)
        self.range_refusals = Counter("scf_gateway_range_refusals", "eth_getLogs ranges the node refused",
                                      registry=r)
        self.undecoded_logs = Counter("scf_gateway_undecoded_logs", "Logs of ledger contracts no event matched",
                                      registry=r)
        self.chain_head = Gauge("scf_gateway_chain_head", "Latest block number seen on the node", registry=r)
        self.indexed_head = Gauge("scf_gateway_indexed_head", "Last block indexed", registry=r)
        self.lag_blocks = Gauge("scf_gateway_lag_blocks", "Blocks between the node's head and the index",
                                registry=r)
        self.lag_seconds = Gauge("scf_gateway_lag_seconds", "Block time between the node's head and the index",
                                 registry=r)
        self.window = Gauge("scf_gateway_window_blocks", "Current eth_getLogs window, in blocks", registry=r)
        self.leader = Gauge("scf_gateway_indexer_leader",
                            "1 while this indexer holds the leadership lock (PostgreSQL; see gateway.indexer.leader)",
                            registry=r)
        self.stream_wakeups = Counter("scf_gateway_stream_wakeups", "Event-stream polls, by what woke them",
                                      ["reason"], registry=r)
        self.halted = Gauge("scf_gateway_indexer_halted", "1 when the indexer halted (see /health)", registry=r)
        self.request_latency = Histogram(
            "scf_gateway_request_seconds", "API request latency", ["method", "route", "status"], registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )
        self.requests_shed = Counter("scf_gateway_requests_shed", "Requests answered 503 at capacity or shutdown",
                                     ["route"], registry=r)
        self.request_errors = Counter("scf_gateway_request_errors", "API responses with status >= 400",
                                      ["route", "status"], registry=r)
