"""Prepayment (confirmed-warehouse) agreements and their instalment schedules."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from gateway.models.common import big


class Prepayment(SQLModel, table=True):
    __tablename__ = "prepayment"

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    buyer: str = Field(max_length=42, index=True)
    seller: str = Field(max_length=42, index=True)
    bank: str = Field(max_length=42, index=True)
    warehouse: str = Field(max_length=42, index=True)
    commodity: str = Field(max_length=32)
    unit: str = Field(max_length=8)
    quantity: int = big()
    unit_price_units: int = big()
    price_units: int = big()  # quantity x unit price
    margin_units: int = big()
    margin_bps: int
    rate_bps: int
    principal_units: int = big(default=0)  # funded by the bank
    principal_repaid_units: int = big(default=0)
    interest_paid_units: int = big(default=0)
    outstanding_units: int = big(default=0)
    delivery_deadline: int = big()
    maturity: int = big()
    status: int
    receipt_id: int | None = big(default=None, nullable=True)
    pledged_quantity: int = big(default=0)
    released_quantity: int = big(default=0)
    created_at: int = big()
    funded_at: int | None = big(default=None, nullable=True)
    delivered_at: int | None = big(default=None, nullable=True)
    closed_at: int | None = big(default=None, nullable=True)
    updated_block: int = big()
    # the seller's guarantee (v2): collateral locked at acceptance, grace after maturity, recorded debt
    collateral_bps: int = Field(default=0)
    grace_period: int = big(default=0)
    collateral_units: int = big(default=0)  # ceil(principal x collateral bps / 10,000)
    collateral_held_units: int = big(default=0)  # held by the contract now
    debt_to_bank_units: int = big(default=0)
    debt_to_buyer_units: int = big(default=0)


class PrepaymentInstalment(SQLModel, table=True):
    __tablename__ = "prepayment_instalment"

    prepayment_id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = Field(primary_key=True)
    due_date: int = big()
    principal_units: int = big()


class InstalmentPublic(SQLModel):
    seq: int
    due_date: int
    principal: str
    principal_units: int


class PrepaymentPublic(SQLModel):
    id: int
    buyer: str
    seller: str
    bank: str
    warehouse: str
    commodity: str
    unit: str
    quantity: int
    unit_price: str
    unit_price_units: int
    price: str
    price_units: int
    margin: str
    margin_units: int
    margin_bps: int
    rate_bps: int
    principal: str
    principal_units: int
    principal_repaid: str
    principal_repaid_units: int
    interest_paid: str
    interest_paid_units: int
    outstanding: str
    outstanding_units: int
    delivery_deadline: int
    maturity: int
    status: str
    receipt_id: int | None
    pledged_quantity: int
    released_quantity: int
    schedule: list[InstalmentPublic]
    created_at: int
    funded_at: int | None
    delivered_at: int | None
    closed_at: int | None
    collateral_bps: int
    grace_period: int
    collateral: str
    collateral_units: int
    collateral_held: str
    collateral_held_units: int
    debt_to_bank: str
    debt_to_bank_units: int
    debt_to_buyer: str
    debt_to_buyer_units: int


class PrepaymentsPublic(SQLModel):
    data: list[PrepaymentPublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")
