"""Sign-In with Ethereum: issued nonces (single use) and the login exchange."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from gateway.models.common import big


class AuthNonce(SQLModel, table=True):
    __tablename__ = "auth_nonce"
    __table_args__ = (Index("ix_auth_nonce_client_created", "client", "created_at"),)

    nonce: str = Field(primary_key=True, max_length=64)
    created_at: int = big()
    expires_at: int = big(index=True)
    used_at: int | None = big(default=None, nullable=True)
    #: The address the request came from, for the per-client rate limit.
    client: str = Field(default="", max_length=64)


class NoncePublic(SQLModel):
    nonce: str
    expires_at: int
    domain: str
    uri: str
    chain_id: int
    version: str = "1"


class LoginRequest(BaseModel):
    message: str = PydanticField(min_length=1, max_length=4_096, description="The EIP-4361 message, as signed")
    signature: str = PydanticField(pattern=r"^0x[0-9a-fA-F]{130}$",
                                   description="65-byte personal_sign signature, 0x-hex")


class TokenPublic(SQLModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: int
    address: str
    roles: list[str]
