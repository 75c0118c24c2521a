"""Sign-In with Ethereum: ask for a nonce, sign the EIP-4361 message, exchange it for a bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import delete, func, select, update

from gateway.api.deps import ContextDep, PrimarySessionDep, SessionDep, ledger_now, refusal, role_names
from gateway.api.errors import ErrorBody, FieldError
from gateway.core.security import AuthError, issue_token, new_nonce, parse_siwe, verify_siwe
from gateway.models.auth import AuthNonce, LoginRequest, NoncePublic, TokenPublic
from gateway.models.common import table_of
from gateway.models.participants import Participant

router = APIRouter(prefix="/auth", tags=["auth"])
NONCES = table_of(AuthNonce)


@router.get("/nonce", response_model=NoncePublic, summary="A single-use nonce for the EIP-4361 message",
            responses={429: {"model": ErrorBody, "description": "too many nonces asked from this client"}})
def read_nonce(ctx: ContextDep, session: PrimarySessionDep, request: Request) -> NoncePublic:
    now, settings = ctx.now(), ctx.settings
    client = request.client.host if request.client else "unknown"
    recent = session.execute(select(func.count()).select_from(NONCES).where(
        NONCES.c.client == client, NONCES.c.created_at > now - 60)).scalar_one()
    if recent >= settings.nonce_requests_per_minute:
        raise FieldError(["header", "client"], f"too many sign-in nonces from {client}: at most "
                         f"{settings.nonce_requests_per_minute} a minute; retry in a minute", 429, "rate_limited",
                         {"Retry-After": "60"})
    waiting = session.execute(select(func.count()).select_from(NONCES).where(
        NONCES.c.used_at.is_(None), NONCES.c.expires_at > now)).scalar_one()
    if waiting >= settings.max_open_nonces:
        raise FieldError([], f"{waiting} sign-in nonces are waiting to be used; retry in a minute", 503,
                         "unavailable", {"Retry-After": "60"})
    nonce = AuthNonce(nonce=new_nonce(), created_at=now, expires_at=now + settings.nonce_ttl_seconds,
                      client=client[:64])
    session.add(nonce)
    session.execute(delete(NONCES).where(NONCES.c.expires_at < now - 86_400))
    session.commit()
    return NoncePublic(nonce=nonce.nonce, expires_at=nonce.expires_at, domain=settings.siwe_domain,
                       uri=settings.siwe_uri, chain_id=ctx.deployment.chain_id)


def _fail(exc: AuthError) -> FieldError:
    return FieldError(["body", exc.field], exc.message, exc.status, "unauthorized" if exc.status == 401 else
                      "value_error")


@router.post("/login", response_model=TokenPublic, summary="Exchange a signed EIP-4361 message for a token")
def login(body: LoginRequest, ctx: ContextDep, session: SessionDep, response: Response) -> TokenPublic:
    response.headers["Cache-Control"] = "no-store"  # a bearer token must not sit in any cache
    now = ctx.now()
    try:
        message = parse_siwe(body.message)
        record = session.get(AuthNonce, message.nonce)
        if record is None:
            raise AuthError("unknown nonce: ask GET /v1/auth/nonce for one")
        if record.used_at is not None:
            raise AuthError("nonce was already used: ask for a new one")
        if record.expires_at <= now:
            raise AuthError("nonce has expired: ask for a new one")
        address = verify_siwe(message, body.signature, ctx.settings, ctx.deployment.chain_id, now)
    except AuthError as exc:
        raise _fail(exc) from None
    # single use, even under concurrent logins with the same nonce
    taken = session.execute(
        update(NONCES).where(NONCES.c.nonce == message.nonce, NONCES.c.used_at.is_(None)).values(used_at=now)
    )
    session.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise _fail(AuthError("nonce was already used: ask for a new one"))
    participant = session.get(Participant, address)
    reason = refusal(participant, ledger_now(session, ctx))
    if reason is not None or participant is None:
        raise FieldError(["body", "message"], f"{address}: {reason}", 403, "forbidden")
    roles = role_names(participant.roles)
    token, expires = issue_token(address, roles, ctx.settings, now)
    return TokenPublic(access_token=token, expires_at=expires, address=address, roles=roles)
