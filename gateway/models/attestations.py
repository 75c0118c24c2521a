"""Attestations of operating data (commitments only), owners' consents to banks, and the openings providers upload.

``attestation`` and ``consent`` are projections of DataAttestations events. ``attestation_opening`` is not: it is
off-chain data (value and salt) a provider uploaded, kept only after its commitment matched the chain, and shown only
to the subject, the banks it consents to and the regulator. A re-index keeps it (it is never rolled back).
"""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from gateway.models.common import big


class Attestation(SQLModel, table=True):
    __tablename__ = "attestation"
    __table_args__ = (Index("ix_attestation_subject_metric", "subject", "metric", "period"),)

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    subject: str = Field(max_length=42)
    provider: str = Field(max_length=42, index=True)
    metric: str = Field(max_length=32)
    period: int  # yyyymm
    commitment: str = Field(max_length=66)
    source_hash: str = Field(max_length=66)
    supersedes: int = big(default=0)
    superseded_by: int = big(default=0)
    status: int  # sdk AttestationStatus
    attested_at: int = big()
    updated_block: int = big()


class Consent(SQLModel, table=True):
    """An owner's consent to a bank; live while ``expires_at`` is after the gateway's ledger time (0: revoked)."""

    __tablename__ = "consent"

    owner: str = Field(primary_key=True, max_length=42)
    bank: str = Field(primary_key=True, max_length=42, index=True)
    granted_at: int = big()
    expires_at: int = big()
    revoked_at: int | None = big(default=None, nullable=True)
    updated_block: int = big()


class AttestationOpening(SQLModel, table=True):
    """The value and salt that open an attestation's commitment, uploaded by its provider (off chain)."""

    __tablename__ = "attestation_opening"

    attestation_id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    value: str = Field(max_length=78)  # uint256 as decimal text
    salt: str = Field(max_length=66)
    uploaded_by: str = Field(max_length=42)
    uploaded_at: int = big()


# ------------------------------------------------------------------------------------------ public models
class AttestationPublic(SQLModel):
    id: int
    subject: str
    provider: str
    metric: str
    period: int
    commitment: str
    source_hash: str
    supersedes: int | None
    superseded_by: int | None
    status: str
    attested_at: int
    value: str | None = None  # the opening's value, when the gateway holds it and you may see it
    salt: str | None = None


class AttestationsPublic(SQLModel):
    data: list[AttestationPublic]
    count: int


class OpeningIn(SQLModel):
    value: str  # decimal text (values may exceed 2**63)
    salt: str  # 0x + 64 hex


class ConsentPublic(SQLModel):
    owner: str
    bank: str
    granted_at: int
    expires_at: int
    revoked_at: int | None
    live: bool


class ConsentsPublic(SQLModel):
    data: list[ConsentPublic]
    count: int
