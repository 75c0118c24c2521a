"""Recorded losses and their recoveries; risk-pool programs, their members and claims (issue 13).

Projected from events only: a program's totals from deposits, payments and returned recoveries; its members from who
deposited into it (contributors) and who claimed on it (banks)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from gateway.models.common import big


class Loss(SQLModel, table=True):
    __tablename__ = "loss"

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    source: str = Field(max_length=42)
    asset_id: int = big()
    bank: str = Field(max_length=42, index=True)
    debtor: str = Field(max_length=42, index=True)
    principal_units: int = big()
    interest_units: int = big()
    recovered_units: int = big(default=0)
    recorded_at: int = big()
    occurred_at: int = big(default=0)  # when the loss occurred, as its source shows it
    updated_block: int = big()


class RiskProgram(SQLModel, table=True):
    __tablename__ = "risk_program"

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str = Field(max_length=200)
    start: int = big()
    end: int = big()
    deposited_units: int = big(default=0)
    balance_units: int = big(default=0)
    paid_units: int = big(default=0)
    open_units: int = big(default=0)
    recovered_units: int = big(default=0)
    claim_count: int = Field(default=0)
    created_at: int = big()
    updated_block: int = big()


class RiskProgramMember(SQLModel, table=True):
    """A contributor (deposited) or a bank (claimed) of a program; a contributor's exposure = paid - recovered."""

    __tablename__ = "risk_program_member"

    program_id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    account: str = Field(max_length=42, primary_key=True)
    contributor: bool = Field(default=False)
    bank: bool = Field(default=False)
    deposited_units: int = big(default=0)
    paid_units: int = big(default=0)
    recovered_units: int = big(default=0)


class RiskClaim(SQLModel, table=True):
    __tablename__ = "risk_claim"

    id: int = big(primary_key=True, sa_column_kwargs={"autoincrement": False})
    program_id: int = big(index=True)
    loss_id: int = big(index=True)
    bank: str = Field(max_length=42, index=True)
    status: int
    net_loss_units: int = big()
    entitlement_units: int = big()
    paid_units: int = big(default=0)
    returned_units: int = big(default=0)
    filed_at: int = big()
    updated_block: int = big()


class RiskHeld(SQLModel, table=True):
    """Payments `payOpenClaims` set aside for a bank, until it collects them (RiskPool.heldFor)."""

    __tablename__ = "risk_held"

    bank: str = Field(max_length=42, primary_key=True)
    held_units: int = big(default=0)
    updated_block: int = big()


# ------------------------------------------------------------------ API shapes
class LossPublic(SQLModel):
    id: int
    source: str
    asset_id: int
    bank: str
    debtor: str
    principal_units: int
    interest_units: int
    recovered_units: int
    net: str
    net_units: int
    recorded_at: int
    occurred_at: int
    claim_id: int | None = None
    compensated_units: int = 0


class LossesPublic(SQLModel):
    data: list[LossPublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")


class RiskClaimPublic(SQLModel):
    id: int
    program_id: int
    loss_id: int
    bank: str
    status: str
    net_loss_units: int
    entitlement_units: int
    paid_units: int
    open_units: int
    returned_units: int
    recovery_owed_units: int = Field(default=0, description="the pool's share of what was recovered on the loss "
                                     "since filing, not yet returned (RiskPool.recoveryOwed)")
    filed_at: int


class RiskMemberPublic(SQLModel):
    account: str
    contributor: bool
    bank: bool
    deposited_units: int
    paid_units: int
    recovered_units: int
    exposure_units: int


class RiskProgramPublic(SQLModel):
    id: int
    name: str
    start: int
    end: int
    deposited_units: int
    balance: str
    balance_units: int
    paid_units: int
    open_units: int
    recovered_units: int
    claim_count: int
    created_at: int
    members: list[RiskMemberPublic] = []
    claims: list[RiskClaimPublic] = []


class RiskProgramsPublic(SQLModel):
    data: list[RiskProgramPublic]
    count: int
    next_cursor: str | None = None
    prev_cursor: str | None = Field(default=None, description="the previous page's cursor (None on the first page)")


# ------------------------------------------------------------------ positions (issue 13)
class LossPositionPublic(SQLModel):
    """A bank's recorded losses and how far the risk pools made them good, all in units.

    net = principal + interest - recovered (the loss today); compensated = what the pools paid on it, less the
    share of later recoveries the bank returned or still owes them; pending = open claims' unpaid entitlement
    (the pool was short); uncompensated = net - compensated - pending: what the bank bears itself."""

    losses: int
    claimed: int
    principal_units: int
    interest_units: int
    recovered_units: int
    net: str
    net_units: int
    compensated: str
    compensated_units: int
    pending_units: int
    recovery_owed_units: int  # recoveries the bank still owes the pools (RiskPool.returnRecovery)
    held_units: int = Field(default=0, description="claim payments set aside for the bank by `pay-open`, to collect "
                            "with `scf risk-pool collect` (RiskPool.heldFor)")
    uncompensated: str
    uncompensated_units: int


class ContributionPositionPublic(SQLModel):
    """A contributor's place in one risk-pool program; exposure = paid out on claims - recoveries returned."""

    program_id: int
    name: str
    deposited_units: int
    paid_units: int
    recovered_units: int
    exposure: str
    exposure_units: int
    program_balance_units: int
    program_open_units: int
