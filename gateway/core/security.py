"""Sign-In with Ethereum (EIP-4361) and the short-lived bearer tokens issued after it."""

from __future__ import annotations

import secrets
import string
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from eth_keys.exceptions import BadSignature
from eth_utils import ValidationError, is_checksum_address, to_checksum_address

try:
    with warnings.catch_warnings():  # siwe's ABNF grammar warns about its own rule redefinitions on import
        warnings.simplefilter("ignore")
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
#: How far ahead of the gateway's clock an issued-at may be (clients' clocks drift a little).
CLOCK_SKEW_SECONDS = 60
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
    """Parse an EIP-4361 message, refusing with a reason a person can act on."""
    if "\r" in text:
        raise AuthError("not an EIP-4361 message: lines must end with LF, not CRLF", status=422)
    lines = text.split("\n")
    if len(lines) > 1 and not is_checksum_address(lines[1].strip()):
        raise AuthError("not an EIP-4361 message: the address on line 2 must be EIP-55 checksummed", status=422)
    version = next((line[len("Version: "):] for line in lines if line.startswith("Version: ")), None)
    if version is not None and version != "1":
        raise AuthError(f"not an EIP-4361 message: version must be 1, not {version!r}", status=422)
    try:
        return SiweMessage.from_message(message=text)
    except Exception as exc:  # the parser raises ValueError and pydantic errors alike
        reason = (str(exc).strip().splitlines() or [""])[0][:200] or "it does not follow the EIP-4361 grammar"
        raise AuthError(f"not an EIP-4361 message: {reason}", status=422) from None


def verify_siwe(message: SiweMessage, signature: str, settings: Settings, chain_id: int, now: int) -> str:
    """Check domain, chain, time window and signature; returns the checksummed signer address."""
    if message.domain != settings.siwe_domain:
        raise AuthError(f"message is for domain {message.domain!r}, this gateway is {settings.siwe_domain!r}")
    if int(message.chain_id) != chain_id:
        raise AuthError(f"message is for chain {message.chain_id}, the ledger is on chain {chain_id}")
    if message.uri != settings.siwe_uri:
        raise AuthError(f"message is for URI {message.uri!r}, this gateway is {settings.siwe_uri!r}")
    scheme = getattr(message, "scheme", None)
    if scheme is not None and not settings.siwe_uri.startswith(f"{scheme}://"):
        raise AuthError(f"message is for scheme {scheme!r}, this gateway serves {settings.siwe_uri!r}")
    issued = _timestamp(message.issued_at)
    if issued is None or issued > now + CLOCK_SKEW_SECONDS:
        raise AuthError(f"message is issued in the future ({message.issued_at}): check the signer's clock")
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
    except (BadSignature, ValidationError):  # well-formed bytes from which no public key can be recovered
        raise AuthError("signature does not match the message and its address", field="signature") from None
    except ValueError:
        raise AuthError("signature is malformed", field="signature") from None
    return to_checksum_address(message.address)


def _timestamp(value: Any) -> int | None:
    """An RFC 3339 time from a SIWE field as unix seconds, or None when it can't be read."""
    try:
        return int(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def issue_token(address: str, roles: list[str], settings: Settings, now: int) -> tuple[str, int]:
    expires = now + settings.jwt_ttl_seconds
    claims = {"sub": address, "roles": roles, "iat": now, "nbf": now, "exp": expires, "iss": settings.jwt_issuer,
              "jti": uuid.uuid4().hex}
    token = jwt.encode(claims, settings.secret, algorithm=JWT_ALGORITHM)
    return token, expires


@dataclass(frozen=True, slots=True)
class TokenClaims:
    address: str
    expires_at: int
    issued_at: int = 0
    not_before: int = 0


def decode_token(token: str, settings: Settings, now: int) -> TokenClaims:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, settings.secret, algorithms=[JWT_ALGORITHM], issuer=settings.jwt_issuer,
            options={"require": ["sub", "exp", "iat", "iss"], "verify_exp": False, "verify_nbf": False,
                     "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise AuthError(f"invalid token: {exc}", field="authorization") from None
    exp, iat, nbf = (claims.get(name, now) for name in ("exp", "iat", "nbf"))
    if not all(type(v) is int for v in (exp, iat, nbf)):  # bool is an int subclass; floats and strings are refused
        raise AuthError("invalid token: exp, iat and nbf must be integers", field="authorization")
    if iat > now + CLOCK_SKEW_SECONDS or nbf > now + CLOCK_SKEW_SECONDS:
        raise AuthError("token is not valid yet: sign in again", field="authorization")
    if exp - iat > settings.jwt_ttl_seconds:
        raise AuthError("invalid token: lifetime is longer than this gateway issues", field="authorization")
    if exp <= now:  # checked against the gateway's clock, not the library's, so tests can move time
        raise AuthError("token has expired: sign in again", field="authorization")
    try:
        address = to_checksum_address(str(claims["sub"]))
    except ValueError:
        raise AuthError("invalid token subject", field="authorization") from None
    return TokenClaims(address=address, expires_at=exp, issued_at=iat, not_before=nbf)
