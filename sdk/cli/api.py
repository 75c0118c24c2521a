"""`scf gateway login` and `scf api`: sign in to a gateway with Sign-In with Ethereum, keep the short-lived token in
the user's config, and call the API with it.

Tokens are kept per gateway URL in ``$SCF_CONFIG_DIR/tokens.json`` (default ``~/.config/scf``), readable by the
user alone. The key signs locally and never leaves this process.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from eth_account.messages import encode_defunct

from sdk.cli.common import (
    JsonOpt,
    KeyOptions,
    Output,
    fail,
    info,
    signed,
)

DEFAULT_GATEWAY_URL = "http://127.0.0.1:8000"
GatewayUrlOpt = Annotated[
    str,
    typer.Option("--url", envvar="SCF_GATEWAY_URL", help="The gateway's base URL."),
]


def config_dir() -> Path:
    return Path(os.environ.get("SCF_CONFIG_DIR") or Path.home() / ".config" / "scf")


def _tokens_file() -> Path:
    return config_dir() / "tokens.json"


def _load_tokens() -> dict[str, Any]:
    try:
        data = json.loads(_tokens_file().read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_token(url: str, record: dict[str, Any]) -> Path:
    tokens = _load_tokens()
    tokens[url] = record
    path = _tokens_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(tokens, handle, indent=2)
    tmp.replace(path)
    return path


def _reply(response: httpx.Response, what: str) -> Any:
    """The JSON body, or one line naming what the gateway refused and why."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400:
        detail = body.get("detail") if isinstance(body, dict) else None
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):
            reason = "; ".join(str(d.get("msg", d)) for d in detail)
        else:
            reason = str(detail or response.text[:200] or response.reason_phrase)
        raise fail(f"{what}: the gateway answered {response.status_code}: {reason}")
    return body


def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url.rstrip("/"), timeout=15.0)


def signed_in_headers(url: str, *, required: bool = True) -> dict[str, str]:
    """The bearer header of the token `scf gateway login` kept for `url` (none when not signed in and not
    `required`); an expired token is always an error that says how to sign in again."""
    record = _load_tokens().get(url)
    if record is None:
        if required:
            raise fail(f"not signed in to {url}: run `scf gateway login --url {url}` first")
        return {}
    if int(record.get("expires_at", 0)) <= time.time():
        raise fail(f"your token for {url} has expired: sign in again with `scf gateway login --url {url}`")
    return {"Authorization": f"Bearer {record['access_token']}"}


def gateway_request(url: str, method: str, path: str, what: str, *, required: bool = True,
                    params: dict[str, Any] | None = None, body: Any = None) -> Any:
    """Call the gateway as the signed-in party; the JSON answer, or one line naming what failed and what to do."""
    headers = signed_in_headers(url, required=required)
    try:
        with _client(url) as client:
            response = client.request(method, path, headers=headers, params=params, json=body)
    except httpx.HTTPError as exc:
        raise fail(f"cannot reach the gateway at {url}: {exc}; start one with `scf gateway` or pass --url") from None
    return _reply(response, what)


def siwe_message(address: str, nonce: dict[str, Any], now: float) -> str:
    """The EIP-4361 message the gateway's nonce reply asks for."""
    issued = datetime.fromtimestamp(int(now), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f"{nonce['domain']} wants you to sign in with your Ethereum account:\n{address}\n\n"
            f"Sign in to the SCF ledger gateway.\n\nURI: {nonce['uri']}\nVersion: 1\nChain ID: {nonce['chain_id']}\n"
            f"Nonce: {nonce['nonce']}\nIssued At: {issued}")


@signed
def login(
    url: GatewayUrlOpt = DEFAULT_GATEWAY_URL,
    *,
    key: KeyOptions,
    as_json: JsonOpt = False,
) -> None:
    """Sign in to the gateway at --url with your key (Sign-In with Ethereum); `scf api` then uses the token."""
    if key.dev_account is not None:  # no chain to ask here: the dev keys are anvil's public ones
        from eth_account import Account

        from sdk.chain import ANVIL_DEV_KEYS

        if not 0 <= key.dev_account < len(ANVIL_DEV_KEYS):
            raise fail(f"--dev-account {key.dev_account}: there are {len(ANVIL_DEV_KEYS)} dev accounts (0..9)")
        signer = Account.from_key(ANVIL_DEV_KEYS[key.dev_account])
    else:
        signer = key.account(None)
    try:
        with _client(url) as client:
            nonce = _reply(client.get("/v1/auth/nonce"), "sign-in")
            text = siwe_message(signer.address, nonce, time.time())
            signature = signer.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
            token = _reply(client.post("/v1/auth/login", json={"message": text, "signature": signature}), "sign-in")
    except httpx.HTTPError as exc:
        raise fail(f"cannot reach the gateway at {url}: {exc}; start one with `scf gateway` or pass --url") from None
    record = {"access_token": token["access_token"], "address": token["address"], "roles": token["roles"],
              "expires_at": token["expires_at"]}
    path = _save_token(url, record)
    expires = datetime.fromtimestamp(int(token["expires_at"]), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    Output(as_json).result({"gateway": url, "address": token["address"], "roles": token["roles"],
                            "expires": expires, "token_file": str(path)}, title="Signed in")


def api(
    method: Annotated[str, typer.Argument(help="GET (or another HTTP method).")],
    path: Annotated[str, typer.Argument(help="API path, e.g. /v1/receivables?limit=10.")],
    url: GatewayUrlOpt = DEFAULT_GATEWAY_URL,
    body: Annotated[str | None, typer.Option("--body", help="JSON request body.", show_default=False)] = None,
) -> None:
    """Call the gateway's API with the token from `scf gateway login`, and print the JSON answer."""
    if not path.startswith("/"):
        raise fail(f"path {path!r} must start with / (e.g. /v1/receivables)")
    if url not in _load_tokens() and not path.startswith(("/health", "/v1/auth", "/openapi.json", "/metrics")):
        info(f"note: not signed in to {url}; `scf gateway login --url {url}` first")
    try:
        payload = json.loads(body) if body is not None else None
    except json.JSONDecodeError as exc:
        raise fail(f"--body is not JSON: {exc}") from None
    answer = gateway_request(url, method.upper(), path, f"{method.upper()} {path}", required=False, body=payload)
    Output(True).json(answer)
