"""Load shedding and a /health that never queues behind the load (issue 9).

At most ``max_concurrent_requests`` requests are inside the app at once; each holds at most one pooled connection
and one worker thread, and the limit is kept within the API's pool, so requests never wait on each other inside
threads. A request beyond the limit waits ``queue_timeout`` for a turn, then gets 503 with ``Retry-After``. Once the
server is shutting down, waiting and new requests get that 503 at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

T = TypeVar("T")


def unavailable_body(message: str) -> bytes:
    return json.dumps({"detail": [{"loc": [], "msg": message, "type": "unavailable"}]}).encode()


class Admission:
    """The gate in front of the app: a semaphore per event loop, a bounded wait, and a closed state."""

    def __init__(self, limit: int, queue_timeout: float, retry_after: int) -> None:
        self.limit = limit
        self.queue_timeout = queue_timeout
        self.retry_after = retry_after
        self.closing = False
        self.shed = 0  # requests answered 503 here (read by tests and /metrics)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(limit)
        self._closed = asyncio.Event()
        self._guard = threading.Lock()

    def open(self) -> None:
        """Admit requests (again): the app's startup."""
        with self._guard:
            self.closing = False
            self._loop = None  # fresh primitives on the next request's loop

    def close(self) -> None:
        """Refuse new requests and release every waiting one with a 503. Safe from any thread or a signal handler."""
        with self._guard:
            self.closing = True
            loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._closed.set)
            except RuntimeError:  # the loop closed meanwhile: nobody is waiting
                pass

    def _primitives(self) -> tuple[asyncio.Semaphore, asyncio.Event]:
        loop = asyncio.get_running_loop()
        with self._guard:
            if self._loop is not loop:  # asyncio primitives belong to one loop (tests run an app on several)
                self._loop = loop
                self._slots = asyncio.Semaphore(self.limit)
                self._closed = asyncio.Event()
                if self.closing:
                    self._closed.set()
            return self._slots, self._closed

    async def acquire(self) -> asyncio.Semaphore | None:
        """A slot (release it on the returned semaphore), or None when the wait ran out or the server closes."""
        slots, closed = self._primitives()
        if self.closing:
            return None
        if not slots.locked():
            await slots.acquire()
            return slots
        acquiring = asyncio.ensure_future(slots.acquire())
        closing = asyncio.ensure_future(closed.wait())
        try:
            await asyncio.wait((acquiring, closing), timeout=self.queue_timeout,
                               return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # cancelled while waiting: give back a slot that arrived meanwhile
            closing.cancel()
            if not acquiring.cancel() and not acquiring.cancelled() and acquiring.exception() is None:
                slots.release()
            raise
        closing.cancel()
        if not acquiring.done():
            acquiring.cancel()  # Semaphore.acquire hands a slot granted in the meantime on to the next waiter
            return None
        if self.closing:
            slots.release()
            return None
        return slots


class LoadShedding:
    """ASGI middleware: requests pass through `admission`, except the `exempt` paths (/health, /metrics)."""

    def __init__(self, app: ASGIApp, admission: Admission, exempt: frozenset[str],
                 on_shed: Callable[[str], None] | None = None, server_timing: bool = False) -> None:
        self.app = app
        self.admission = admission
        self.exempt = exempt
        self.on_shed = on_shed
        self.server_timing = server_timing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.server_timing:
            send = _timed(send, time.perf_counter())
        if scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        slots = await self.admission.acquire()
        if slots is None:
            await self._shed(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    async def _shed(self, scope: Scope, send: Send) -> None:
        adm = self.admission
        adm.shed += 1
        if self.on_shed is not None:
            self.on_shed(str(scope.get("path", "")))
        message = ("the gateway is shutting down" if adm.closing else
                   f"the gateway is at capacity ({adm.limit} requests in flight): retry after {adm.retry_after} s")
        body = unavailable_body(message)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                   (b"retry-after", str(adm.retry_after).encode())]
        if adm.closing:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _timed(send: Send, started: float) -> Send:
    """`send` with a ``Server-Timing: app;dur=<ms>`` header on the response: the time from the request's arrival
    at the gateway (before any wait for a turn) to the start of its response, as the server saw it. A client
    compares it with its own latency to tell the server's share from the network's and its own."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            elapsed = (time.perf_counter() - started) * 1000
            headers = list(message.get("headers", ()))
            headers.append((b"server-timing", b"app;dur=%.2f" % elapsed))
            message = {**message, "headers": headers}
        await send(message)

    return sending


class Probe:
    """Runs one blocking check at a time in a daemon thread; callers share the check in flight and wait for it
    at most `timeout`. A stuck database thus costs one thread, never one per /health call."""

    def __init__(self, check: Callable[[], Any]) -> None:
        self._check = check
        self._guard = threading.Lock()
        self._current: concurrent.futures.Future[Any] | None = None

    def _start(self) -> concurrent.futures.Future[Any]:
        with self._guard:
            if self._current is None or self._current.done():
                future: concurrent.futures.Future[Any] = concurrent.futures.Future()
                future.set_running_or_notify_cancel()  # nobody may cancel the shared check
                threading.Thread(target=self._run, args=(future,), name="scf-health-probe", daemon=True).start()
                self._current = future
            return self._current

    def _run(self, future: concurrent.futures.Future[Any]) -> None:
        try:
            future.set_result(self._check())
        except BaseException as exc:
            future.set_exception(exc)

    async def run(self, timeout: float) -> Any:
        """The check's result; raises TimeoutError after `timeout`, or what the check raised."""
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self._start())), timeout)
