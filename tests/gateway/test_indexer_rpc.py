"""The indexer's JSON-RPC source on the SDK's transport: what the node does becomes what the indexer does
(NodeUnavailable: retry with backoff; RangeRefused: shrink the window)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.indexer.source import NodeUnavailable, RangeRefused, RpcSource
from tests.sdk.test_rpc import Node


@pytest.fixture()
def node() -> Iterator[Node]:
    with Node() as n:
        yield n


def _block(n: int) -> dict[str, str]:
    return {"number": hex(n), "hash": f"0x{n:064x}", "parentHash": f"0x{n - 1:064x}", "timestamp": hex(1000 + n)}


def test_headers_come_in_batches_over_one_connection(node: Node) -> None:
    node.script = lambda body, n: (200, [{"jsonrpc": "2.0", "id": c["id"], "result": _block(int(c["params"][0], 16))}
                                         for c in body], False)
    source = RpcSource(node.url)
    source.BATCH = 3
    headers = source.headers(range(1, 8))
    assert sorted(headers) == list(range(1, 8)) and headers[5].timestamp == 1005
    assert node.requests == 3 and node.connections == 1


def test_a_node_that_is_down_or_busy_is_unavailable(node: Node) -> None:
    with pytest.raises(NodeUnavailable, match="refused"):
        RpcSource("http://127.0.0.1:9/", timeout=1).chain_id()
    node.script = lambda body, n: (503, b"", False)
    with pytest.raises(NodeUnavailable, match="HTTP 503"):
        RpcSource(node.url).tip(with_finalized=False)


def test_get_logs_timing_out_over_a_range_asks_for_a_smaller_window(node: Node) -> None:
    node.delay = 0.5
    source = RpcSource(node.url, timeout=0.1)
    with pytest.raises(RangeRefused, match="timed out"):
        source.logs(1, 100, ["0x" + "11" * 20])
    with pytest.raises(NodeUnavailable, match="timed out"):  # one block: nothing to shrink
        source.logs(7, 7, ["0x" + "11" * 20])


@pytest.mark.parametrize("error", [{"code": -32005, "message": "query returned more than 10000 results"},
                                   {"code": -32000, "message": "block range too large"}])
def test_get_logs_refused_for_its_range_asks_for_a_smaller_window(node: Node, error: dict[str, Any]) -> None:
    node.script = lambda body, n: (200, {"jsonrpc": "2.0", "id": body["id"], "error": error}, False)
    with pytest.raises(RangeRefused):
        RpcSource(node.url).logs(1, 5000, ["0x" + "11" * 20])
