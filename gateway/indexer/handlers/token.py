"""SettlementToken events -> balance rows. Transfer moves balances (mint and burn are transfers from and to the
zero address); DepositMinted and WithdrawalBurned add up each holder's deposits and withdrawals."""

from __future__ import annotations

from gateway.indexer.registry import HANDLERS, ZERO_ADDRESS, EventContext
from gateway.indexer.store import ProjectionError, UnitOfWork
from gateway.models.balances import Balance
from sdk.generated.events import DepositMinted, WithdrawalBurned
from sdk.generated.events import SettlementTokenTransfer as Transfer

CONTRACT = "SettlementToken"


def _add(uow: UnitOfWork, address: str, block: int, **deltas: int) -> None:
    row = uow.get(Balance, address) or {"address": address}
    for column, delta in deltas.items():
        row[column] = row.get(column, 0) + delta
    row["updated_block"] = block
    if row.get("units", 0) < 0:
        raise ProjectionError(f"balance of {address} would be negative at block {block}")
    uow.put(Balance, row)


@HANDLERS.on(Transfer, contract=CONTRACT)
def transfer(uow: UnitOfWork, ev: Transfer, ctx: EventContext) -> None:
    if ev.from_ != ZERO_ADDRESS:
        _add(uow, ev.from_, ctx.block_number, units=-ev.value)
    if ev.to != ZERO_ADDRESS:
        _add(uow, ev.to, ctx.block_number, units=ev.value)


@HANDLERS.on(DepositMinted, contract=CONTRACT)
def minted(uow: UnitOfWork, ev: DepositMinted, ctx: EventContext) -> None:
    _add(uow, ev.to, ctx.block_number, minted_units=ev.amount)


@HANDLERS.on(WithdrawalBurned, contract=CONTRACT)
def burned(uow: UnitOfWork, ev: WithdrawalBurned, ctx: EventContext) -> None:
    _add(uow, ev.from_, ctx.block_number, burned_units=ev.amount)
