"""Receivables (roots), their fragments and lineage, offers, financings (discounts) and bank exposures."""

from __future__ import annotations

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from gateway.models.common import big


class Receivable(SQLModel, table=True):
    __tablename__ = "receivable"
    __table_args__ = (
        Index("ix_receivable_due", "due_date", "id"),
        Index("ix_receivable_status_due", "status", "due_date"),
        Index("ix_receivable_debtor_due", "debtor", "due_date"),
    )

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    supplier: str = Field(max_length=42, index=True)
    debtor: str = Field(max_length=42)
    origin: str = Field(max_length=16)  # registered | issued
    face_units: int = big()
    repaid_units: int = big(default=0)
    due_date: int = big()
    invoice_hash: str = Field(max_length=66)
    po_hash: str | None = Field(default=None, max_length=66)
    status: int
    fragment_count: int = 1
    late: bool = False
    reason: str | None = Field(default=None, sa_type=Text)  # rejection or dispute reason code
    created_at: int = big()
    confirmed_at: int | None = big(default=None, nullable=True)
    last_repaid_at: int | None = big(default=None, nullable=True)
    updated_block: int = big()


class Fragment(SQLModel, table=True):
    __tablename__ = "fragment"
    __table_args__ = (
        # covers the positions query (holdings by status and maturity) without touching the table
        Index("ix_fragment_holdings", "holder", "status", "due_date", "value_units", "paid_units"),
        Index("ix_fragment_root", "root_id", "id"),
        Index("ix_fragment_status", "status"),  # /v1/alerts: the few defaulted fragments, without a full scan
    )

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    root_id: int = big()
    parent_id: int | None = big(default=None, nullable=True)
    depth: int = 0
    holder: str = Field(max_length=42)
    debtor: str = Field(max_length=42)
    due_date: int = big()
    value_units: int = big()
    original_units: int = big()
    locked_units: int = big(default=0)
    paid_units: int = big(default=0)
    status: int
    financed: bool = False
    created_at: int = big()
    updated_block: int = big()


class Offer(SQLModel, table=True):
    __tablename__ = "offer"

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    fragment_id: int = big(index=True)
    root_id: int = big()
    child_id: int | None = big(default=None, nullable=True)
    sender: str = Field(max_length=42, index=True)
    recipient: str = Field(max_length=42, index=True)
    debtor: str = Field(max_length=42, index=True)
    amount_units: int = big()
    expires_at: int | None = big(default=None, nullable=True)
    status: int
    created_at: int = big()
    closed_at: int | None = big(default=None, nullable=True)
    updated_block: int = big()


class Financing(SQLModel, table=True):
    """A fragment's discount: request, funding and any recourse debt (the contract keeps one per fragment)."""

    __tablename__ = "financing"
    __table_args__ = (Index("ix_financing_status", "status"),)  # /v1/alerts: recoursed financings

    fragment_id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    root_id: int = big()
    bank: str = Field(max_length=42, index=True)
    seller: str = Field(max_length=42, index=True)
    debtor: str = Field(max_length=42, index=True)
    value_units: int = big()
    rate_bps: int
    with_recourse: bool
    status: int
    price_units: int | None = big(default=None, nullable=True)
    days_to_maturity: int | None = None
    requested_at: int = big()
    funded_at: int | None = big(default=None, nullable=True)
    recourse_debt_units: int = big(default=0)
    recourse_outstanding_units: int = big(default=0)
    updated_block: int = big()


class Exposure(SQLModel, table=True):
    """A bank's exposure limit on a core enterprise and the face value it holds financed, unpaid."""

    __tablename__ = "exposure"

    bank: str = Field(primary_key=True, max_length=42)
    debtor: str = Field(primary_key=True, max_length=42)
    limit_units: int = big(default=0)
    used_units: int = big(default=0)
    updated_block: int = big(default=0)


# ------------------------------------------------------------------------------------------ public models
#: One machine form for fragment ids in every response: the contract's integer. Inputs also take ROOT.INDEX.
FRAGMENT_DOC = "fragment id as the contract numbers it: root_id << 16 | index (65537 is what people read as 1.1)"


class FragmentPublic(SQLModel):
    id: int = Field(description=FRAGMENT_DOC)
    root_id: int
    parent_id: int | None = Field(description=FRAGMENT_DOC)
    depth: int
    holder: str
    debtor: str
    due_date: int
    value: str
    value_units: int
    locked: str
    locked_units: int
    paid: str
    paid_units: int
    claimable: str = Field(description="what `claim` pays the holder now (its share of the root's repayments not "
                           "yet paid out); claim it with `scf receivable claim`")
    claimable_units: int
    status: str
    financed: bool


class ReceivablePublic(SQLModel):
    id: int
    supplier: str
    debtor: str
    origin: str
    face: str
    face_units: int
    repaid: str
    repaid_units: int
    outstanding: str
    outstanding_units: int
    due_date: int
    overdue: bool
    invoice_hash: str
    po_hash: str | None
    status: str
    fragment_count: int
    late: bool
    reason: str | None
    created_at: int
    confirmed_at: int | None
    last_repaid_at: int | None


class ReceivableDetailPublic(ReceivablePublic):
    fragments: list[FragmentPublic]  # the fragments visible to you


class ReceivablesPublic(SQLModel):
    data: list[ReceivablePublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")


class FragmentsPublic(SQLModel):
    data: list[FragmentPublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")


class LineageNodePublic(SQLModel):
    fragment: FragmentPublic
    children: list[LineageNodePublic]


class StoryStepPublic(SQLModel):
    """One step of a receivable's story (see sdk.story), oldest first."""

    event_id: int = Field(description="the event it comes from (GET /v1/events/{event_id})")
    tx_hash: str
    at: int = Field(description="block time, unix seconds")
    action: str = Field(description="registered, issued, confirmed, rejected, cancelled, disputed, dispute-resolved, "
                        "passed, sold, repaid, paid-out, financing-closed, defaulted, recourse, recourse-repaid")
    fragment_id: int | None
    new_fragment_id: int | None = Field(description="the fragment a split created (action passed)")
    party: str = Field(description="who acted")
    counterparty: str | None = Field(description="who received, or owes")
    amount: str | None
    amount_units: int | None
    text: str = Field(description="the step as a sentence, parties by display name, fragments as ROOT.INDEX")


class LineagePublic(SQLModel):
    root_id: int
    complete: bool  # False when fragments outside your scope were left out
    roots: list[LineageNodePublic]
    story: list[StoryStepPublic] = Field(
        default=[], description="who passed how much to whom, sales to banks, repayments and payouts, oldest first: "
        "all of it for the debtor and the regulator, else the steps of your fragments and their ancestors")


class OfferPublic(SQLModel):
    id: int
    fragment_id: int = Field(description=FRAGMENT_DOC)
    root_id: int
    child_id: int | None = Field(description=FRAGMENT_DOC)
    sender: str
    recipient: str
    debtor: str
    amount: str
    amount_units: int
    expires_at: int | None
    status: str
    created_at: int
    closed_at: int | None


class OffersPublic(SQLModel):
    data: list[OfferPublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")


class FinancingPublic(SQLModel):
    fragment_id: int = Field(description=FRAGMENT_DOC)
    root_id: int
    bank: str
    seller: str
    debtor: str
    value: str
    value_units: int
    rate_bps: int
    with_recourse: bool
    status: str
    price: str | None
    price_units: int | None
    days_to_maturity: int | None
    requested_at: int
    funded_at: int | None
    recourse_debt: str
    recourse_debt_units: int
    recourse_outstanding: str
    recourse_outstanding_units: int


class FinancingsPublic(SQLModel):
    data: list[FinancingPublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")


class ExposurePublic(SQLModel):
    """A bank's exposure to a core enterprise: the limit it set, the financed face it holds unpaid, what is left."""

    bank: str
    debtor: str
    limit: str
    limit_units: int
    used: str
    used_units: int
    available: str
    available_units: int


class ExposuresPublic(SQLModel):
    data: list[ExposurePublic]
    count: int
