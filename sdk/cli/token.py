"""`scf token`: the settlement deposit token (bank mint and burn, transfers between participants, balances)."""

from __future__ import annotations

from typing import Annotated

import typer

from sdk.cli.common import (
    AmountArg,
    JsonOpt,
    Output,
    SigningOptions,
    fail,
    money,
    parse_address,
    parse_amount,
    signed,
)

app = typer.Typer(help="Settlement token: mint and burn (banks), transfer, balance.", no_args_is_help=True)

AccountArg = Annotated[str, typer.Argument(parser=parse_address, help="account address (0x…)")]
RefOpt = Annotated[str, typer.Option("--ref", help="Reference of the off-chain deposit or withdrawal (≤ 32 bytes).")]


@app.command()
@signed
def mint(
    to: AccountArg,
    amount: AmountArg,
    ref: RefOpt = "",
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Credit AMOUNT to TO against a deposit received off chain (the signer must be a bank, within the mint
    allowance the operator set: `scf token mint-allowance`)."""
    bank = signing.party()
    ledger = bank.ledger
    event = bank.token.mint(to, amount, ref)
    Output(as_json).result(
        {"bank": event.bank, "to": event.to, "minted": money(event.amount),
         "balance": money(ledger.token.balance_of(to).units)},
        title="Deposit minted",
    )


@app.command("mint-allowance")
@signed
def mint_allowance(
    bank: Annotated[str, typer.Argument(parser=parse_address, help="the bank's address (0x…)")],
    amount: Annotated[int | None, typer.Argument(
        parser=parse_amount, metavar="[AMOUNT]",
        help="new allowance, e.g. 5000000.00 (absolute, not added); omit to show the current one")] = None,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Set how much more BANK may mint (the signer must be an operator), or show it when AMOUNT is omitted.

    Every mint takes its amount off the bank's allowance; burning does not give it back."""
    if amount is None:
        ledger = signing.ledger()
        Output(as_json).result({"bank": bank, "allowance": money(ledger.token.mint_allowance(bank))},
                               title="Mint allowance")
        return
    operator = signing.party()
    event = operator.token.set_mint_allowance(bank, amount)
    Output(as_json).result(
        {"bank": event.bank, "old_allowance": money(event.old_allowance),
         "allowance": money(event.new_allowance)},
        title="Mint allowance set",
    )


@app.command()
@signed
def burn(
    account: AccountArg,
    amount: AmountArg,
    ref: RefOpt = "",
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Debit AMOUNT from ACCOUNT against an off-chain withdrawal (a bank; its own tokens or with allowance)."""
    bank = signing.party()
    ledger = bank.ledger
    event = bank.token.burn(account, amount, ref)
    Output(as_json).result(
        {"bank": event.bank, "account": account, "burned": money(event.amount),
         "balance": money(ledger.token.balance_of(account).units)},
        title="Withdrawal burned",
    )


@app.command()
@signed
def transfer(
    to: AccountArg,
    amount: AmountArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Pay AMOUNT to TO (both must be active participants)."""
    sender = signing.party()
    ledger = sender.ledger
    event = sender.token.transfer(to, amount)
    Output(as_json).result(
        {"from": event.from_, "to": event.to, "amount": money(event.value),
         "sender_balance": money(ledger.token.balance_of(sender.address).units),
         "recipient_balance": money(ledger.token.balance_of(to).units)},
        title="Transfer",
    )


@app.command()
@signed
def balance(
    accounts: Annotated[list[str] | None, typer.Argument(
        help="one or more addresses (0x…); default: the signer's", show_default=False)] = None,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Settlement-token balance of each ACCOUNT, or of the signer when none is named."""
    ledger = signing.ledger()
    if not accounts:
        if not signing.given:
            raise fail("whose balance? name an ACCOUNT (0x…), or sign with --keystore FILE (or --key-env NAME, "
                       "--dev-account N) to see your own")
        accounts = [signing.account(ledger.chain).address]
    rows = [{"address": a, "balance": money(ledger.token.balance_of(a).units)}
            for a in (parse_address(x) for x in accounts)]
    Output(as_json).rows(rows, ["address", "balance"], title=f"Balances ({ledger.token.symbol()})", key="balances")
