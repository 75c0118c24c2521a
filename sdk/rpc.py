"""The one JSON-RPC transport: the SDK's chain (:class:`sdk.chain.RpcChain`, web3 included) and the gateway's
indexer (``gateway.indexer.source.RpcSource``) both talk to a node through :class:`JsonRpcHttp`.

It is lean on purpose: keep-alive HTTP on ``http.client``, one connection per thread, ~0.15 ms a call on loopback
where web3's own provider costs ~0.6 ms. What it does, for every caller alike:

- **Timeouts**: ``connect_timeout`` to open a connection (default: the smaller of ``timeout`` and 5 s), ``timeout``
  for each reply after that.
- **Retries**: a keep-alive connection the node closed between two calls (a dropped connection) is reopened and
  the call sent again, once. Anything else is not retried here: a caller that polls (the indexer) retries with
  its own backoff, and a write must not be sent twice blindly.
- **Batches**: :meth:`JsonRpcHttp.batch` sends many calls in one round trip; a failed call is an
  :class:`RpcError` in its place, the others still count.
- **Errors**: a node that can't be reached, times out, answers HTTP 408/429/5xx, or answers something that is not
  JSON-RPC raises :class:`sdk.errors.ChainConnectionError` (``timed_out`` tells a timeout apart); a JSON-RPC error
  reply raises :class:`RpcError` with the node's code, message and data.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import threading
from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import urlsplit

from web3.providers import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from sdk.errors import ChainConnectionError, LedgerValueError

#: Reply statuses that mean "the node is not answering right now" rather than "this request is wrong".
_UNAVAILABLE = frozenset({408, 429})
#: Connection failures that mean the node closed an idle keep-alive connection: reopen and send again, once.
_DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
#: How nodes word "this transaction is already in my pool or chain" (see RpcError.duplicate_submission).
_DUPLICATE = ("already known", "already imported", "known transaction")


class RpcError(Exception):
    """A JSON-RPC error reply: the node understood the call and refused it."""

    def __init__(self, method: str, error: Any) -> None:
        self.method = method
        self.code = error.get("code") if isinstance(error, dict) else None
        self.message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
        self.data = error.get("data") if isinstance(error, dict) else None  # revert data, where the node sends it
        super().__init__(f"{method}: {self.message}")

    @property
    def duplicate_submission(self) -> bool:
        """The node already has this very transaction (same bytes, same hash): a resent submission, not a refusal.
        geth and Besu say "already known", anvil "transaction already imported"."""
        text = self.message.lower()
        return any(words in text for words in _DUPLICATE)


class RpcTimeout(ChainConnectionError):
    """The node took longer than the timeout to connect or to answer."""

    timed_out = True


class JsonRpcHttp:
    """A JSON-RPC client over keep-alive HTTP(S): one connection per thread, safe to share between threads.

    Basic-auth credentials in the URL (``https://user:secret@node/``) are sent as an Authorization header."""

    def __init__(self, url: str, timeout: float = 30.0, connect_timeout: float | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LedgerValueError(f"not an http(s) JSON-RPC URL: {url}")
        self.url = url
        self.timeout = timeout
        self.connect_timeout = min(timeout, 5.0) if connect_timeout is None else connect_timeout
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        if parts.username is not None:
            token = base64.b64encode(f"{parts.username}:{parts.password or ''}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self._local = threading.local()
        self._ids = iter(range(1, 1 << 62))  # next() on it is atomic under the GIL

    # ---------------------------------------------------------------- calls
    def request(self, method: str, params: Sequence[Any]) -> Any:
        """One call; its result, or :class:`RpcError` raised."""
        reply = self._post({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)})
        if not isinstance(reply, dict):
            raise ChainConnectionError(self.url, f"malformed reply to {method}")
        if "error" in reply:
            raise RpcError(method, reply["error"])
        return reply.get("result")

    def batch(self, method: str, params: Sequence[Sequence[Any]]) -> list[Any]:
        """Many calls of one method in one round trip: results in order, an :class:`RpcError` where one failed."""
        return self.batch_calls([(method, p) for p in params])

    def batch_calls(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Calls of any methods in one round trip: results in order, an :class:`RpcError` where one failed."""
        if not calls:
            return []
        ids = [next(self._ids) for _ in calls]
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)} for i, (m, p) in zip(ids, calls,
                                                                                                    strict=True)]
        replies = self._post(payload)
        if isinstance(replies, dict):  # some nodes answer a whole batch with one error object
            raise RpcError(calls[0][0] if len(calls) == 1 else "batch", replies.get("error", replies))
        if not isinstance(replies, list):
            raise ChainConnectionError(self.url, "malformed batch reply")
        by_id = {r.get("id"): r for r in replies if isinstance(r, dict)}
        out: list[Any] = []
        for i, (method, _) in zip(ids, calls, strict=True):
            reply = by_id.get(i)
            if reply is None:
                raise ChainConnectionError(self.url, f"the node left {method} out of a batch reply")
            out.append(RpcError(method, reply["error"]) if "error" in reply else reply.get("result"))
        return out

    def close(self) -> None:
        """Close this thread's connection (the next call opens a new one)."""
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ---------------------------------------------------------------- HTTP
    def _post(self, payload: Any) -> Any:
        return self.exchange(json.dumps(payload).encode())

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = cls(self._host, self._port, timeout=self.connect_timeout)
            conn.connect()
            if conn.sock is not None:
                conn.sock.settimeout(self.timeout)  # connected: now each reply gets the full timeout
            self._local.conn = conn
        return conn

    def exchange(self, body: bytes) -> Any:
        """Send one encoded JSON-RPC request (or batch) and return the decoded reply as the node sent it, error
        objects included: for adapters that interpret replies themselves (:class:`Web3Provider`)."""
        for attempt in (0, 1):
            try:
                conn = self._connection()
                conn.request("POST", self._path, body, self._headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError) as exc:
                self.close()
                if attempt == 0 and isinstance(exc, _DROPPED):
                    continue  # a keep-alive connection the node closed: reconnect once
                if isinstance(exc, TimeoutError):
                    raise RpcTimeout(self.url, "timed out") from exc
                raise ChainConnectionError(self.url, reason(exc)) from exc
            return self._decode(response.status, data)
        raise AssertionError("unreachable")

    def _decode(self, status: int, data: bytes) -> Any:
        if status >= 500 or status in _UNAVAILABLE:
            raise ChainConnectionError(self.url, f"HTTP {status}: {data[:200]!r}")
        try:
            reply = json.loads(data)
        except ValueError:
            raise ChainConnectionError(self.url, f"answered non-JSON (HTTP {status}): {data[:200]!r}") from None
        if status != 200 and not (isinstance(reply, list) or (isinstance(reply, dict) and "error" in reply)):
            raise ChainConnectionError(self.url, f"HTTP {status}: {data[:200]!r}")
        return reply  # a JSON-RPC reply, even under a 4xx status (some proxies answer errors that way)


class Web3Provider(JSONBaseProvider):
    """web3's provider on the shared transport, so that web3's calls (eth_call, estimates, blocks) and the lean
    paths of :class:`sdk.chain.RpcChain` go through one client. Replies are handed to web3 as the node sent them,
    so web3 still turns revert replies into its typed exceptions."""

    def __init__(self, rpc: JsonRpcHttp) -> None:
        super().__init__()
        self.rpc = rpc

    def __str__(self) -> str:
        return f"JSON-RPC connection {self.rpc.url}"

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        return cast(RPCResponse, self.rpc.exchange(self.encode_rpc_request(method, params)))

    def make_batch_request(self, requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse] | RPCResponse:
        reply = self.rpc.exchange(self.encode_batch_rpc_request(requests))
        if not isinstance(reply, list):
            return cast(RPCResponse, reply)
        return sorted(cast(list[RPCResponse], reply), key=lambda r: r.get("id") or 0)


def reason(exc: BaseException) -> str:
    """A short reason for a failed connection: ``connection refused``, ``timed out``, or the first line."""
    text = str(exc) or type(exc).__name__
    # requests/urllib3 bury the OS error deep in a long repr: "... [Errno 111] Connection refused'))"
    found = _ERRNO_RE.search(text)
    if found:
        return found.group(1).strip().lower()
    if "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
        return "timed out"
    return text.splitlines()[0][:200]


_ERRNO_RE = re.compile(r"\[Errno -?\d+\] ([^'\"()\]\[]+)")

__all__ = ["JsonRpcHttp", "RpcError", "RpcTimeout", "Web3Provider", "reason"]
