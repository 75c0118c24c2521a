"""The one JSON-RPC transport (sdk.rpc), against a scripted HTTP server: dropped keep-alive connections are
retried once, timeouts and unavailable nodes raise ChainConnectionError, batches keep their order."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sdk.errors import ChainConnectionError, LedgerValueError
from sdk.rpc import JsonRpcHttp, RpcError, RpcTimeout

Script = Callable[[Any, int], tuple[int, Any, bool]]  # (request body, request count) -> (status, reply, close)


class Node:
    """A scripted JSON-RPC node: `script` answers each request; `requests` and `connections` count what came in."""

    def __init__(self) -> None:
        self.script: Script = lambda body, n: (200, _echo(body), False)
        self.requests = 0
        self.connections = 0
        self.delay = 0.0
        node = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive

            def setup(self) -> None:
                node.connections += 1
                super().setup()

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                node.requests += 1
                time.sleep(node.delay)
                status, reply, close = node.script(body, node.requests)
                data = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except BrokenPipeError:  # the client gave up waiting (the timeout test)
                    return
                if close:  # the node drops the keep-alive connection after answering
                    self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _echo(body: Any) -> Any:
    if isinstance(body, list):
        return [{"jsonrpc": "2.0", "id": c["id"], "result": [c["method"], *c["params"]]} for c in reversed(body)]
    return {"jsonrpc": "2.0", "id": body["id"], "result": [body["method"], *body["params"]]}


@pytest.fixture()
def node() -> Iterator[Node]:
    with Node() as n:
        yield n


def test_one_connection_serves_many_calls(node: Node) -> None:
    rpc = JsonRpcHttp(node.url)
    assert [rpc.request("eth_blockNumber", [i]) for i in range(3)] == [["eth_blockNumber", i] for i in range(3)]
    assert node.connections == 1


def test_a_dropped_keep_alive_connection_is_reopened_and_the_call_sent_again(node: Node) -> None:
    node.script = lambda body, n: (200, _echo(body), True)  # closes after every reply
    rpc = JsonRpcHttp(node.url)
    assert rpc.request("eth_chainId", []) == ["eth_chainId"]
    assert rpc.request("eth_chainId", []) == ["eth_chainId"]  # the stale connection failed; a new one answered
    assert node.requests == 2 and node.connections == 2


def test_a_batch_keeps_the_callers_order_and_puts_each_error_in_its_place(node: Node) -> None:
    def script(body: Any, n: int) -> tuple[int, Any, bool]:
        replies = _echo(body)
        replies[0] = {"jsonrpc": "2.0", "id": replies[0]["id"], "error": {"code": -32000, "message": "no such"}}
        return 200, replies, False  # the echo answers in reverse order: the last call fails

    node.script = script
    out = JsonRpcHttp(node.url).batch_calls([("a", [1]), ("b", [2]), ("c", [3])])
    assert out[:2] == [["a", 1], ["b", 2]]
    assert isinstance(out[2], RpcError) and out[2].method == "c" and out[2].code == -32000
    assert node.requests == 1


def test_an_error_reply_carries_code_message_and_data(node: Node) -> None:
    node.script = lambda body, n: (200, {"jsonrpc": "2.0", "id": body["id"],
                                         "error": {"code": 3, "message": "execution reverted", "data": "0x1234"}},
                                   False)
    with pytest.raises(RpcError) as caught:
        JsonRpcHttp(node.url).request("eth_call", [{}])
    assert (caught.value.code, caught.value.message, caught.value.data) == (3, "execution reverted", "0x1234")


def test_an_error_reply_under_a_4xx_status_is_still_the_nodes_answer(node: Node) -> None:
    node.script = lambda body, n: (400, {"jsonrpc": "2.0", "id": body["id"],
                                         "error": {"code": -32602, "message": "invalid params"}}, False)
    with pytest.raises(RpcError, match="invalid params"):
        JsonRpcHttp(node.url).request("eth_getLogs", [{}])


@pytest.mark.parametrize("status", [429, 502, 503])
def test_a_node_that_is_not_answering_now_raises_a_connection_error(node: Node, status: int) -> None:
    node.script = lambda body, n: (status, b"busy", False)
    with pytest.raises(ChainConnectionError, match=f"HTTP {status}"):
        JsonRpcHttp(node.url).request("eth_blockNumber", [])


def test_a_reply_that_is_not_json_rpc_raises_a_connection_error(node: Node) -> None:
    node.script = lambda body, n: (200, b"<html>proxy</html>", False)
    with pytest.raises(ChainConnectionError, match="non-JSON"):
        JsonRpcHttp(node.url).request("eth_blockNumber", [])


def test_a_slow_reply_times_out(node: Node) -> None:
    node.delay = 0.5
    with pytest.raises(RpcTimeout) as caught:
        JsonRpcHttp(node.url, timeout=0.1).request("eth_getLogs", [{}])
    assert caught.value.timed_out and "timed out" in str(caught.value)


def test_a_node_that_is_down_is_named_in_the_error() -> None:
    with pytest.raises(ChainConnectionError, match="refused") as caught:
        JsonRpcHttp("http://127.0.0.1:9/", timeout=1).request("eth_blockNumber", [])
    assert not caught.value.timed_out


def test_not_an_http_url_is_refused_up_front() -> None:
    with pytest.raises(LedgerValueError, match="not an http"):
        JsonRpcHttp("ws://127.0.0.1:8545")


def test_a_resent_transaction_is_told_apart_from_a_refusal() -> None:
    """What geth/Besu and anvil answer when the very same signed bytes arrive twice (the transport resends once on a
    dropped connection) is a duplicate, not a refusal; a nonce or funds error is a refusal."""
    for message in ("already known", "transaction already imported", "Known transaction: 0xab…"):
        assert RpcError("eth_sendRawTransaction", {"code": -32000, "message": message}).duplicate_submission
    for message in ("nonce too low", "insufficient funds for gas * price + value"):
        assert not RpcError("eth_sendRawTransaction", {"code": -32000, "message": message}).duplicate_submission
