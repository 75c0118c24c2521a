"""Banks' published discount terms (gateway configuration, not chain state), the quotes computed from them, and a
party's statement of money and claims.

A bank publishes, per core enterprise, the rate at which it discounts that debtor's receivables and the longest
tenor it takes. The chain holds each bank's exposure limit per debtor (``setExposureLimit``, indexed into
``exposure``); the terms live in the gateway's database because the contracts have no place for an offer to the
market. A quote reads only these two and the indexed fragment, so it never calls the chain.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from gateway.models.common import big


class DiscountTerms(SQLModel, table=True):
    """A bank's published rate for discounting one core enterprise's receivables."""

    __tablename__ = "discount_terms"

    bank: str = Field(primary_key=True, max_length=42)
    debtor: str = Field(primary_key=True, max_length=42, index=True)
    rate_bps: int = Field(description="discount rate a year, in basis points (actual/365)")
    max_days: int = Field(description="the longest tenor the bank takes, in days to maturity")
    with_recourse: bool = Field(description="whether the bank asks for recourse to the seller at this rate")
    updated_at: int = big()


class DiscountTermsIn(SQLModel):
    rate_bps: int = Field(ge=1, le=10_000, description="discount rate a year in basis points (575 is 5.75%)")
    max_days: int = Field(default=365, ge=1, le=365, description="the longest tenor taken, in days to maturity")
    with_recourse: bool = False


class DiscountTermsPublic(SQLModel):
    bank: str
    debtor: str
    rate_bps: int
    rate: str = Field(description="the rate as a percentage, 5.75%")
    max_days: int
    with_recourse: bool
    updated_at: int


class DiscountTermsListPublic(SQLModel):
    data: list[DiscountTermsPublic]
    count: int


class QuotePublic(SQLModel):
    """One bank's price for a fragment today. ``available`` is False when the bank would not fund it now, and
    ``reason`` says why (tenor beyond its terms, or its exposure limit on the debtor has no room; the limit
    itself is the bank's and is not shown)."""

    bank: str
    rate_bps: int
    rate: str
    with_recourse: bool
    days_to_maturity: int
    price: str
    price_units: int
    discount: str
    discount_units: int
    effective_rate_bps: int = Field(description="discount / price × 365 / days, in basis points, rounded down")
    effective_rate: str
    available: bool
    reason: str | None = None


class QuotesPublic(SQLModel):
    fragment_id: int
    debtor: str
    holder: str
    value: str
    value_units: int
    due_date: int
    priced_at: int = Field(description="the time the quotes are for (unix seconds): the later of now and the "
                           "newest indexed block")
    data: list[QuotePublic]
    count: int


class StatementLinePublic(SQLModel):
    """One movement: ``money_units`` changes the settlement-token balance (signed), ``claim_units`` the face value
    of receivables held (signed); ``balance_units`` is the token balance after the line."""

    at: int
    block_number: int
    tx_hash: str
    log_index: int
    what: str
    counterparty: str | None
    money: str
    money_units: int
    claim: str
    claim_units: int
    balance: str
    balance_units: int


class StatementPublic(SQLModel):
    party: str
    date_from: int
    date_to: int = Field(description="end of the period, exclusive (unix seconds)")
    opening_balance: str
    opening_balance_units: int
    closing_balance: str
    closing_balance_units: int
    money_in_units: int
    money_out_units: int
    data: list[StatementLinePublic]
    count: int
