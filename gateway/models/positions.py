"""Positions and alerts: computed views over the projections (no tables of their own)."""

from __future__ import annotations

from sqlmodel import SQLModel


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
