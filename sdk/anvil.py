"""Start and stop anvil (Foundry's local node) from the pinned npm package."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from sdk.errors import ChainConnectionError, LedgerError

ANVIL_PACKAGE = "@foundry-rs/anvil-linux-amd64"


class AnvilNotInstalled(LedgerError, FileNotFoundError):
    """The anvil binary is missing."""


def anvil_binary(root: Path | None = None) -> Path:
    """anvil from node_modules (the pinned npm package), else from PATH."""
    candidates = []
    for base in filter(None, [root, Path.cwd(), Path(__file__).resolve().parent.parent]):
        candidates.append(base / "node_modules" / ".bin" / "anvil")
        candidates.append(base / "node_modules" / ANVIL_PACKAGE / "bin" / "anvil")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise AnvilNotInstalled(f"anvil not found: run `npm ci` in the repository (npm package {ANVIL_PACKAGE})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AnvilNode:
    """One anvil process on loopback. Use as a context manager, or call start()/stop()."""

    def __init__(
        self,
        port: int | None = None,
        state: Path | None = None,
        chain_id: int = 31337,
        block_time: float | None = None,
        extra_args: list[str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.state = state
        self.chain_id = chain_id
        self.block_time = block_time
        self.extra_args = extra_args or []
        self.process: subprocess.Popen[bytes] | None = None
        self.log_file: Path | None = None  # anvil's stderr, kept after it stops

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(self.port), "--chain-id",
               str(self.chain_id), "--silent"]
        if self.state is not None:
            cmd += ["--state", str(self.state)]
        if self.block_time is not None:
            cmd += ["--block-time", str(self.block_time)]
        return cmd + self.extra_args

    def start(self, timeout: float = 20.0) -> str:
        # anvil's output goes to a file: a pipe that nobody reads would block anvil once 64 KiB of it piled up
        fd, name = tempfile.mkstemp(prefix=f"scf-anvil-{self.port}-", suffix=".log")
        self.log_file = Path(name)
        with os.fdopen(fd, "wb") as log:
            self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.log_file.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise ChainConnectionError(self.url, f"anvil exited with {self.process.returncode}: {err.strip()}")
            try:
                r = httpx.post(self.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
                               timeout=1.0)
                if r.status_code == 200:
                    self._keep_time_moving_forward()
                    return self.url
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise ChainConnectionError(self.url, f"anvil did not answer within {timeout:.0f} s")

    def _rpc(self, method: str, params: list[object]) -> object:
        reply = httpx.post(self.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                           timeout=5.0).json()
        if "error" in reply:
            raise ChainConnectionError(self.url, f"{method}: {reply['error']}")
        return reply.get("result")

    def _keep_time_moving_forward(self) -> None:
        """A chain restored from --state may have travelled ahead of the wall clock. anvil would stamp the next
        block with wall time, before its parent, and then panic on an arithmetic underflow; so pick up where the
        restored chain left off."""
        if self.state is None:
            return
        latest = self._rpc("eth_getBlockByNumber", ["latest", False])
        stamp = int(str(latest["timestamp"]), 16) if isinstance(latest, dict) else 0
        if stamp >= int(time.time()):
            self._rpc("evm_setTime", [stamp + 1])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM lets anvil write --state before it exits
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.log_file is not None and self.log_file.exists() and self.log_file.stat().st_size == 0:
            self.log_file.unlink()  # nothing to keep (anvil runs --silent)

    def __enter__(self) -> AnvilNode:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
