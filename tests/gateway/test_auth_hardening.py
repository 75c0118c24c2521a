"""Malformed and hostile sign-ins and tokens: each gets a 4xx that names what is wrong, never a 500."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from tests.conftest import Cast
from tests.gateway.api_fixtures import DOMAIN, Api
from tests.gateway.helpers import TEST_SECRET, sign_text, siwe_text


def _detail(response: Any) -> tuple[list[str], str]:
    first = response.json()["detail"][0]
    return first["loc"], first["msg"]


@pytest.mark.parametrize("signature", [
    "0x" + "00" * 65,  # no public key can be recovered
    "0x" + "ff" * 64 + "1b",  # r and s above the curve order
])
def test_unrecoverable_signature_is_refused_with_401(api: Api, cast: Cast, signature: str) -> None:
    text = siwe_text(cast.bank1.address, api.nonce(), domain=DOMAIN, chain_id=api.chain_id)
    response = api.client.post("/v1/auth/login", json={"message": text, "signature": signature})
    assert response.status_code == 401
    assert _detail(response)[0] == ["body", "signature"]


def test_message_for_another_uri_is_refused(api: Api, cast: Cast) -> None:
    response = api.login_response(cast.bank1, uri="https://evil.example/login")
    assert response.status_code == 401
    assert "URI" in _detail(response)[1]


def test_message_issued_in_the_future_is_refused(api: Api, cast: Cast) -> None:
    text = siwe_text(cast.bank1.address, api.nonce(), domain=DOMAIN, chain_id=api.chain_id)
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    text = "\n".join(f"Issued At: {later}" if line.startswith("Issued At: ") else line for line in text.split("\n"))
    response = api.client.post("/v1/auth/login", json={"message": text, "signature": sign_text(cast.bank1.account,
                                                                                                 text)})
    assert response.status_code == 401
    assert "future" in _detail(response)[1]


@pytest.mark.parametrize(("mangle", "reason"), [
    (lambda text: text.replace("\n", "\r\n"), "CRLF"),
    (lambda text: text.replace("Version: 1", "Version: 2"), "version"),
    (lambda text: text.replace(text.split("\n")[1], text.split("\n")[1].lower()), "EIP-55"),
])
def test_unparsable_message_names_what_is_wrong(api: Api, cast: Cast, mangle: Any, reason: str) -> None:
    text = mangle(siwe_text(cast.bank1.address, api.nonce(), domain=DOMAIN, chain_id=api.chain_id))
    response = api.client.post("/v1/auth/login", json={"message": text, "signature": "0x" + "11" * 65})
    assert response.status_code == 422
    loc, msg = _detail(response)
    assert loc == ["body", "message"] and reason in msg


def _token(cast: Cast, **claims: Any) -> str:
    now = int(time.time())
    body: dict[str, Any] = {"sub": cast.regulator.address, "iat": now, "nbf": now, "exp": now + 600,
                            "iss": "scf-gateway"}
    body.update(claims)
    return jwt.encode(body, TEST_SECRET, algorithm="HS256")


@pytest.mark.parametrize(("claims", "reason"), [
    ({"exp": "tomorrow"}, "invalid token"),  # PyJWT refuses a non-numeric exp itself
    ({"exp": 1e308}, "integers"),  # would never expire
    ({"exp": True}, "integers"),
    ({"iat": int(time.time()) + 3_600}, "not valid yet"),
    ({"nbf": int(time.time()) + 3_600}, "not valid yet"),
    ({"exp": int(time.time()) + 30 * 86_400}, "lifetime"),
])
def test_malformed_token_claims_are_refused_with_401(api: Api, cast: Cast, claims: dict[str, Any],
                                                     reason: str) -> None:
    response = api.client.get("/v1/events", headers={"Authorization": f"Bearer {_token(cast, **claims)}"})
    assert response.status_code == 401, response.text
    loc, msg = _detail(response)
    assert loc == ["header", "authorization"] and reason in msg


def test_a_well_formed_token_with_the_gateway_secret_is_accepted(api: Api, cast: Cast) -> None:
    response = api.client.get("/v1/events", headers={"Authorization": f"Bearer {_token(cast)}"})
    assert response.status_code == 200


def test_an_unset_secret_is_random_per_process_and_placeholders_are_refused_everywhere() -> None:
    from pydantic import SecretStr, ValidationError

    from gateway.core.config import Settings

    first, second = Settings(jwt_secret=None), Settings(jwt_secret=None)
    assert first.jwt_secret_generated and len(first.secret) == 64
    assert first.secret != second.secret  # a token signed by one process is worthless to any other
    for environment in ("development", "test", "production"):
        for weak in ("changethis", "secret", "x" * 31):
            with pytest.raises(ValidationError, match="placeholder or shorter"):
                Settings(environment=environment, jwt_secret=SecretStr(weak))
