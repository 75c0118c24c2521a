"""Revolving credit lines and their tranches (one row per draw, kept after repayment)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Field, SQLModel

from gateway.models.common import big

#: Kind of the event references that file every CreditLines event under its line.
CREDIT_LINE_ASSET = "credit_line"


class CreditLine(SQLModel, table=True):
    __tablename__ = "credit_line"

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    bank: str = Field(max_length=42, index=True)
    borrower: str = Field(max_length=42, index=True)
    status: int
    payee_rule: int
    limit_units: int = big()
    principal_units: int = big(default=0)  # outstanding after the latest event
    interest_units: int = big(default=0)  # unpaid interest as of the latest repayment or default
    rate_bps: int
    surcharge_bps: int
    start: int = big()
    expiry: int = big()
    max_tenor: int = big()
    grace: int = big()
    payee_count: int = Field(default=0)
    draw_count: int = Field(default=0)
    drawn_units: int = big(default=0)
    principal_repaid_units: int = big(default=0)
    interest_paid_units: int = big(default=0)
    recovered_units: int = big(default=0)
    loss_principal_units: int | None = big(default=None, nullable=True)
    loss_interest_units: int | None = big(default=None, nullable=True)
    created_at: int = big()
    defaulted_at: int | None = big(default=None, nullable=True)
    closed_at: int | None = big(default=None, nullable=True)
    updated_block: int = big()


class CreditTranche(SQLModel, table=True):
    __tablename__ = "credit_tranche"

    line_id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    tranche_id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    payee: str = Field(max_length=42, index=True)
    amount_units: int = big()
    principal_units: int = big()  # outstanding
    purpose_ref: str = Field(max_length=66)
    drawn_at: int = big()
    due: int = big()
    repaid_at: int | None = big(default=None, nullable=True)


class CreditPledge(SQLModel, table=True):
    """A receivable fragment pledged to a line (receivables mode): its payouts repay the line first."""

    __tablename__ = "credit_pledge"

    fragment_id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    line_id: int = big(index=True)
    borrower: str = Field(max_length=42, index=True)
    status: int  # CreditPledgeStatus
    value_units: int = big()
    collected_units: int = big(default=0)
    to_line_units: int = big(default=0)
    to_borrower_units: int = big(default=0)
    due_date: int = big()  # the receivable's due date: when its payout is expected
    pledged_at: int = big()
    released_at: int | None = big(default=None, nullable=True)
    return_offer_id: int | None = big(default=None, nullable=True)  # the offer giving the fragment back
    updated_block: int = big()


class CreditPledgePublic(SQLModel):
    fragment_id: int
    status: str  # pledged or released
    value: str
    value_units: int
    unpaid_units: int  # value not yet paid out by the receivable's debtor
    collected_units: int
    to_line_units: int
    to_borrower_units: int
    due_date: int
    pledged_at: int
    released_at: int | None
    return_offer_id: int | None


class CreditTranchePublic(SQLModel):
    tranche_id: int
    payee: str
    amount: str
    amount_units: int
    principal: str
    principal_units: int
    purpose_ref: str
    drawn_at: int
    due: int
    repaid_at: int | None


class CreditLineEventPublic(SQLModel):
    """One entry of a line's history (draws, repayments, status changes), from the event log."""

    id: int
    name: str
    block_number: int
    block_time: int
    tx_hash: str
    args: dict[str, Any]


class CreditLinePublic(SQLModel):
    id: int
    bank: str
    borrower: str
    status: str
    payee_rule: str
    limit: str
    limit_units: int
    used: str
    used_units: int
    available: str
    available_units: int
    interest: str
    interest_units: int
    rate_bps: int
    surcharge_bps: int
    start: int
    expiry: int
    max_tenor: int
    grace: int
    next_due: int | None
    payee_count: int
    draw_count: int
    drawn: str
    drawn_units: int
    principal_repaid: str
    principal_repaid_units: int
    interest_paid: str
    interest_paid_units: int
    recovered: str
    recovered_units: int
    loss_principal_units: int | None
    loss_interest_units: int | None
    created_at: int
    defaulted_at: int | None
    closed_at: int | None
    tranches: list[CreditTranchePublic] = []
    pledges: list[CreditPledgePublic] = []  # receivables pledged to the line (receivables mode)
    history: list[CreditLineEventPublic] = []


class CreditLinesPublic(SQLModel):
    data: list[CreditLinePublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")


class CreditTrancheBucketPublic(SQLModel):
    bucket: str  # overdue, 0-30d, 31-60d, 61-90d, 91-180d, >180d (days to the tranche's due date)
    count: int
    outstanding: str
    outstanding_units: int


class CreditLinePositionPublic(SQLModel):
    """One live or defaulted line in /v1/positions: utilisation and maturity, from the lender's or borrower's side."""

    line_id: int
    role: str  # lender or borrower
    counterparty: str
    status: str
    limit: str
    limit_units: int
    used: str
    used_units: int
    available: str
    available_units: int
    utilisation_bps: int  # used / limit, rounded down
    interest_recorded: str  # unpaid interest as of the line's latest repayment or default (not accrued to now)
    interest_recorded_units: int
    next_due: int | None  # earliest due date of an outstanding tranche
    overdue_units: int  # principal of tranches past their due date
    expiry: int
    days_to_expiry: int  # whole days left, rounded up; 0 once expired
    tranches: list[CreditTrancheBucketPublic]
    pledged_units: int  # unpaid value of the receivables pledged to the line (it repays the line first)
    next_pledge_due: int | None  # earliest due date of those receivables
