"""Positions and alerts: views over the projections, and the maturity summary that keeps positions fast."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from gateway.models.common import big
from gateway.models.creditlines import CreditLinePositionPublic
from gateway.models.riskpool import ContributionPositionPublic, LossPositionPublic


class MaturitySummary(SQLModel, table=True):
    """Outstanding amounts per party, side, status and due date, kept by triggers on fragment and receivable rows,
    so /v1/positions aggregates a few hundred rows instead of every receivable a party holds."""

    __tablename__ = "maturity_summary"

    party: str = Field(primary_key=True, max_length=42)
    side: str = Field(primary_key=True, max_length=8)  # held (fragments) or owed (receivables, as debtor)
    status: int = Field(primary_key=True)
    due_date: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    count: int = big(default=0)
    outstanding_units: int = big(default=0)


class ExposurePositionPublic(SQLModel):
    debtor: str
    limit: str
    limit_units: int
    used: str
    used_units: int
    available: str
    available_units: int
    utilisation_bps: int | None  # used / limit, rounded down; None without a limit


class BucketPublic(SQLModel):
    status: str
    bucket: str  # overdue, 0-30d, 31-60d, 61-90d, 91-180d, >180d (days to the due date)
    count: int
    outstanding: str
    outstanding_units: int


class LoanPositionPublic(SQLModel):
    role: str  # lender or borrower
    counterparty: str
    open_loans: int
    principal: str
    principal_units: int


class PositionsPublic(SQLModel):
    party: str
    as_of: int
    exposures: list[ExposurePositionPublic]  # a bank's exposure per core enterprise against its limit
    holdings: list[BucketPublic]  # receivable fragments held, by status and maturity bucket
    payables: list[BucketPublic]  # receivables owed (core enterprise), by status and maturity bucket
    loans: list[LoanPositionPublic]
    credit_lines: list[CreditLinePositionPublic] = []  # lines lent or borrowed on: utilisation and maturity
    # risk pools (issue 13): a bank's recorded losses and their compensation; a contributor's programs
    risk_losses: LossPositionPublic | None = None
    risk_contributions: list[ContributionPositionPublic] = []


class AlertPublic(SQLModel):
    kind: str
    severity: str  # info, warning, critical
    asset_type: str
    asset_id: int
    message: str
    due_at: int | None
    amount: str | None
    amount_units: int | None


class AlertsPublic(SQLModel):
    as_of: int
    data: list[AlertPublic]
    count: int
    #: Pass as `cursor` for the next page; null on the last page.
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")
