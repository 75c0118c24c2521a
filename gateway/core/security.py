"""Sign-In with Ethereum (EIP-4361) and the short-lived bearer tokens issued after it."""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from eth_utils import to_checksum_address

try:
    from siwe import SiweMessage
    from siwe.siwe import (
        DomainMismatch,
        ExpiredMessage,
        InvalidSignature,
        NonceMismatch,
        NotYetValidMessage,
        SchemeMismatch,
        VerificationError,
    )
except Exception as exc:  # pragma: no cover - environment problem, reported plainly
    if type(exc).__name__ == "GrammarError":
        raise ImportError("the siwe package cannot load its grammar with this abnf version: "
                          "install 'abnf<2.9' (pip install 'abnf>=2.2,<2.9')") from exc
    raise

from gateway.core.config import Settings

JWT_ALGORITHM = "HS256"
_NONCE_ALPHABET = string.ascii_letters + string.digits


class AuthError(Exception):
    """Login or token refused; `field` names what was wrong for the 4xx body."""

    def __init__(self, message: str, field: str = "message", status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def new_nonce() -> str:
    """24 alphanumeric characters (EIP-4361 wants at least 8)."""
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(24))


def parse_siwe(text: str) -> SiweMessage:
    try:
        return SiweMessage.from_message(message=text)
    except Exception as exc:  # the parser raises ValueError and pydantic errors alike
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise AuthError(f"not an EIP-4361 message: {reason}", status=422) from None


def verify_siwe(message: SiweMessage, signature: str, settings: Settings, chain_id: int, now: int) -> str:
    """Check domain, chain, time window and signature; returns the checksummed signer address."""
    if message.domain != settings.siwe_domain:
        raise AuthError(f"message is for domain {message.domain!r}, this gateway is {settings.siwe_domain!r}")
    if int(message.chain_id) != chain_id:
        raise AuthError(f"message is for chain {message.chain_id}, the ledger is on chain {chain_id}")
    try:
        message.verify(signature, domain=settings.siwe_domain, nonce=message.nonce,
                       timestamp=datetime.fromtimestamp(now, tz=UTC))
    except InvalidSignature:
        raise AuthError("signature does not match the message and its address", field="signature") from None
    except ExpiredMessage:
        raise AuthError("message has expired (expiration-time)") from None
    except NotYetValidMessage:
        raise AuthError("message is not valid yet (not-before)") from None
    except (DomainMismatch, NonceMismatch, SchemeMismatch) as exc:
        raise AuthError(f"message rejected: {type(exc).__name__}") from None
    except VerificationError as exc:
        raise AuthError(f"message rejected: {type(exc).__name__}") from None
    except ValueError:
        raise AuthError("signature is malformed", field="signature") from None
    return to_checksum_address(message.address)


def issue_token(address: str, roles: list[str], settings: Settings, now: int) -> tuple[str, int]:
    expires = now + settings.jwt_ttl_seconds
    claims = {"sub": address, "roles": roles, "iat": now, "nbf": now, "exp": expires, "iss": settings.jwt_issuer,
              "jti": uuid.uuid4().hex}
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=JWT_ALGORITHM)
    return token, expires


@dataclass(frozen=True, slots=True)
class TokenClaims:
    address: str
    expires_at: int


def decode_token(token: str, settings: Settings, now: int) -> TokenClaims:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, settings.jwt_secret.get_secret_value(), algorithms=[JWT_ALGORITHM], issuer=settings.jwt_issuer,
            options={"require": ["sub", "exp", "iat", "iss"], "verify_exp": False, "verify_nbf": False,
                     "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise AuthError(f"invalid token: {exc}", field="authorization") from None
    exp = int(claims["exp"])
    if exp <= now:  # checked against the gateway's clock, not the library's, so tests can move time
        raise AuthError("token has expired: sign in again", field="authorization")
    try:
        address = to_checksum_address(str(claims["sub"]))
    except ValueError:
        raise AuthError("invalid token subject", field="authorization") from None
    return TokenClaims(address=address, expires_at=exp)
