"""Warehouse receipts, commodity prices, pledge-loan programs and loans with their collateral."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from gateway.models.common import big


class WarehouseReceipt(SQLModel, table=True):
    __tablename__ = "warehouse_receipt"
    __table_args__ = (Index("ix_receipt_lot", "warehouse", "lot_id"),)

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    warehouse: str = Field(max_length=42)
    owner: str | None = Field(default=None, max_length=42, index=True)  # none once delivered
    status: int
    lien_holder: str | None = Field(default=None, max_length=42)
    loan_id: int | None = big(default=None, nullable=True)
    commodity: str = Field(max_length=32)
    unit: str = Field(max_length=8)
    grade: str = Field(max_length=32)
    location: str = Field(max_length=32)
    lot_id: str = Field(max_length=32)
    inspection_hash: str = Field(max_length=66)
    quantity: int = big()
    parent_id: int | None = big(default=None, nullable=True)
    issued_at: int = big()
    delivered_at: int | None = big(default=None, nullable=True)
    #: the address approved for the receipt (ERC-721 `approve`); the warehouse itself once presented for delivery
    approved: str | None = Field(default=None, max_length=42)
    updated_block: int = big()


class CommodityPrice(SQLModel, table=True):
    """The latest posted price of a commodity (cents per unit)."""

    __tablename__ = "commodity_price"

    commodity: str = Field(primary_key=True, max_length=32)
    unit: str = Field(max_length=8)
    max_age: int = big(default=0)
    price_units: int | None = big(default=None, nullable=True)
    observed_at: int | None = big(default=None, nullable=True)
    feeder: str | None = Field(default=None, max_length=42)
    band_bps: int = Field(default=0)  # a move beyond it needs a second feeder (0: off)
    proposed_price_units: int | None = big(default=None, nullable=True)  # pending out-of-band proposal
    proposed_at: int | None = big(default=None, nullable=True)
    proposer: str | None = Field(default=None, max_length=42)
    updated_block: int = big()


class LoanProgram(SQLModel, table=True):
    __tablename__ = "loan_program"

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    bank: str = Field(max_length=42, index=True)
    commodity: str = Field(max_length=32)
    rate_bps: int
    max_ltv_bps: int
    margin_call_ltv_bps: int
    cure_period: int = big()
    max_tenor: int = big()
    status: int
    cap_units: int = big(default=0)  # most principal outstanding at once
    outstanding_units: int = big(default=0)  # principal lent and not yet repaid or foreclosed
    warehouses_listed: bool = Field(default=False)  # only receipts of listed warehouses
    borrowers_listed: bool = Field(default=False)  # only listed borrowers
    updated_block: int = big()


class LoanProgramListing(SQLModel, table=True):
    """An address on a program's allow-list: kind "warehouse" or "borrower"."""

    __tablename__ = "loan_program_listing"

    program_id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    kind: str = Field(primary_key=True, max_length=16)
    account: str = Field(primary_key=True, max_length=42)


class IssuerApproval(SQLModel, table=True):
    """A warehouse's approval of a pledge-manager contract to issue pledged receipts in its name."""

    __tablename__ = "warehouse_issuer_approval"

    warehouse: str = Field(primary_key=True, max_length=42)
    manager: str = Field(primary_key=True, max_length=42)


class Loan(SQLModel, table=True):
    __tablename__ = "loan"

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    program_id: int = big()
    bank: str = Field(max_length=42, index=True)
    borrower: str = Field(max_length=42, index=True)
    commodity: str = Field(max_length=32)
    status: int
    rate_bps: int
    max_ltv_bps: int
    margin_call_ltv_bps: int
    opened_principal_units: int = big()
    principal_units: int = big()  # outstanding
    interest_units: int = big(default=0)  # accrued up to accrued_at, unpaid
    accrued_at: int = big()
    repaid_units: int = big(default=0)
    interest_paid_units: int = big(default=0)
    maturity: int = big()
    margin_call_deadline: int | None = big(default=None, nullable=True)
    ltv_bps: int = big()  # as last reported by an event
    pledged_quantity: int = big()
    shortfall_units: int | None = big(default=None, nullable=True)
    seized_quantity: int | None = big(default=None, nullable=True)  # taken by the bank at foreclosure
    opened_at: int = big()
    closed_at: int | None = big(default=None, nullable=True)
    updated_block: int = big()


class LoanCollateral(SQLModel, table=True):
    """A receipt pledged to a loan right now."""

    __tablename__ = "loan_collateral"

    loan_id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    receipt_id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})


# ------------------------------------------------------------------------------------------ public models
class WarehouseReceiptPublic(SQLModel):
    id: int
    warehouse: str
    owner: str | None
    status: str
    lien_holder: str | None
    loan_id: int | None
    commodity: str
    unit: str
    grade: str
    location: str
    lot_id: str
    inspection_hash: str
    quantity: int
    parent_id: int | None
    issued_at: int
    delivered_at: int | None
    presented: bool = Field(description="the owner presented the free receipt for delivery out (approved its "
                            "warehouse for it): the warehouse delivers with `scf receipt deliver`")
    approved: str | None = Field(default=None, description="the ERC-721 approved address (its warehouse once "
                                 "presented for delivery)")


class WarehouseReceiptsPublic(SQLModel):
    data: list[WarehouseReceiptPublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")


class LoanPublic(SQLModel):
    id: int
    program_id: int
    bank: str
    borrower: str
    commodity: str
    status: str
    rate_bps: int
    max_ltv_bps: int
    margin_call_ltv_bps: int
    opened_principal: str
    opened_principal_units: int
    principal: str
    principal_units: int
    interest: str  # accrued to the gateway's clock at the loan's rate, actual/365, rounded down
    interest_units: int
    repaid: str
    repaid_units: int
    maturity: int
    margin_call_deadline: int | None
    pledged_quantity: int
    receipt_ids: list[int]
    price: str | None  # latest posted price per unit
    price_units: int | None
    collateral_value: str | None
    collateral_value_units: int | None
    ltv_bps: int | None  # debt / collateral value at the latest price, rounded down
    shortfall: str | None
    shortfall_units: int | None
    opened_at: int
    closed_at: int | None


class LoansPublic(SQLModel):
    data: list[LoanPublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")


class LoanProgramPublic(SQLModel):
    """A bank's standing offer to lend against goods of one commodity, with its room left under the cap."""

    id: int
    bank: str
    commodity: str
    rate_bps: int
    max_ltv_bps: int
    margin_call_ltv_bps: int
    cure_period: int
    max_tenor: int
    status: str
    cap: str
    cap_units: int
    outstanding: str
    outstanding_units: int
    available: str
    available_units: int
    warehouses_listed: bool
    borrowers_listed: bool


class LoanProgramsPublic(SQLModel):
    data: list[LoanProgramPublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")


class PricePublic(SQLModel):
    """The latest price of a commodity, how old it may get, and any out-of-band post waiting for a second feeder."""

    commodity: str
    unit: str
    price: str | None
    price_units: int | None
    observed_at: int | None
    max_age: int
    stale: bool
    feeder: str | None
    band_bps: int
    proposed_price_units: int | None
    proposer: str | None


class PricesPublic(SQLModel):
    data: list[PricePublic]
    count: int
