"""Sign-In with Ethereum and bearer tokens: every refusal path."""

from __future__ import annotations

from eth_account import Account

from tests.conftest import Cast
from tests.gateway.api_fixtures import Api
from tests.gateway.helpers import sign_text, siwe_text


def _detail(response: object) -> tuple[list[str], str]:
    body = response.json()  # type: ignore[attr-defined]
    first = body["detail"][0]
    return first["loc"], first["msg"]


def test_login_returns_a_token_with_the_indexed_roles(api: Api, cast: Cast) -> None:
    response = api.login_response(cast.bank1)
    assert response.status_code == 200
    body = response.json()
    assert body["address"] == cast.bank1.address and body["roles"] == ["bank"]
    me = api.client.get("/v1/participants/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["address"] == cast.bank1.address


def test_login_refuses_a_bad_signature(api: Api, cast: Cast) -> None:
    nonce = api.nonce()
    text = siwe_text(cast.bank1.address, nonce, domain="127.0.0.1:8000", chain_id=api.chain_id)
    forged = sign_text(cast.supplier1.account, text)  # someone else's key
    response = api.client.post("/v1/auth/login", json={"message": text, "signature": forged})
    assert response.status_code == 401
    assert _detail(response)[0] == ["body", "signature"]


def test_login_refuses_a_malformed_signature(api: Api, cast: Cast) -> None:
    text = siwe_text(cast.bank1.address, api.nonce(), domain="127.0.0.1:8000", chain_id=api.chain_id)
    response = api.client.post("/v1/auth/login", json={"message": text, "signature": "0x1234"})
    assert response.status_code == 422
    assert _detail(response)[0] == ["body", "signature"]


def test_login_refuses_the_wrong_domain(api: Api, cast: Cast) -> None:
    response = api.login_response(cast.bank1, domain="evil.example:443")
    assert response.status_code == 401
    loc, msg = _detail(response)
    assert loc == ["body", "message"] and "domain" in msg


def test_login_refuses_the_wrong_chain(api: Api, cast: Cast) -> None:
    response = api.login_response(cast.bank1, chain_id=api.chain_id + 1)
    assert response.status_code == 401 and "chain" in _detail(response)[1]


def test_login_refuses_an_expired_nonce(api: Api, cast: Cast) -> None:
    nonce = api.nonce()
    api.clock.advance(301)  # the default nonce lifetime is 300 s
    response = api.login_response(cast.bank1, nonce=nonce)
    assert response.status_code == 401 and "expired" in _detail(response)[1]


def test_login_refuses_a_replayed_nonce(api: Api, cast: Cast) -> None:
    text = siwe_text(cast.bank1.address, api.nonce(), domain="127.0.0.1:8000", chain_id=api.chain_id)
    body = {"message": text, "signature": sign_text(cast.bank1.account, text)}
    assert api.client.post("/v1/auth/login", json=body).status_code == 200
    replay = api.client.post("/v1/auth/login", json=body)
    assert replay.status_code == 401 and "already used" in _detail(replay)[1]


def test_login_refuses_an_unknown_nonce(api: Api, cast: Cast) -> None:
    response = api.login_response(cast.bank1, nonce="NeverIssued1234")
    assert response.status_code == 401 and "unknown nonce" in _detail(response)[1]


def test_login_refuses_an_expired_message(api: Api, cast: Cast) -> None:
    response = api.login_response(cast.bank1, expiration="2020-01-01T00:00:00.000Z")
    assert response.status_code == 401 and "expired" in _detail(response)[1]


def test_login_refuses_text_that_is_not_eip4361(api: Api) -> None:
    response = api.client.post("/v1/auth/login", json={"message": "hello", "signature": "0x" + "11" * 65})
    assert response.status_code == 422 and _detail(response)[0] == ["body", "message"]


def test_suspended_participant_cannot_log_in(api: Api, cast: Cast) -> None:
    cast.operator.registry.suspend(cast.supplier2.address, "AML")
    api.sync()
    response = api.login_response(cast.supplier2)
    assert response.status_code == 403 and "suspended" in _detail(response)[1]


def test_token_stops_working_once_its_holder_is_suspended(api: Api, cast: Cast) -> None:
    headers = api.as_(cast.supplier2)
    assert api.client.get("/v1/participants/me", headers=headers).status_code == 200
    cast.operator.registry.suspend(cast.supplier2.address, "AML")
    api.sync()
    refused = api.client.get("/v1/participants/me", headers=headers)
    assert refused.status_code == 401 and "suspended" in _detail(refused)[1]
    cast.operator.registry.resume(cast.supplier2.address)
    api.sync()
    assert api.client.get("/v1/participants/me", headers=headers).status_code == 200


def test_unregistered_address_cannot_log_in(api: Api, cast: Cast) -> None:
    for who in (cast.outsider, Account.create()):
        response = api.login_response(who)
        assert response.status_code == 403 and "not an admitted participant" in _detail(response)[1]


def test_token_expires(api: Api, cast: Cast) -> None:
    headers = api.as_(cast.bank1)
    api.clock.advance(901)  # default lifetime 900 s
    response = api.client.get("/v1/participants/me", headers=headers)
    assert response.status_code == 401 and "expired" in _detail(response)[1]


def test_requests_without_a_valid_token_are_refused(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic abc"}):
        response = api.client.get("/v1/events", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert _detail(response)[0] == ["header", "authorization"]


def test_token_signed_with_another_secret_is_refused(api: Api, cast: Cast) -> None:
    import jwt

    forged = jwt.encode({"sub": cast.regulator.address, "iat": 0, "exp": 2**40, "iss": "scf-gateway"},
                        "another-secret-" + "y" * 40, algorithm="HS256")
    response = api.client.get("/v1/events", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
