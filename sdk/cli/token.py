"""`scf token`: the settlement deposit token (bank mint and burn, transfers between participants, balances)."""

from __future__ import annotations

from typing import Annotated

import typer

from sdk.cli.common import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_PASSWORD_ENV,
    AmountArg,
    DeploymentOpt,
    DevAccountOpt,
    JsonOpt,
    KeyEnvOpt,
    KeystoreOpt,
    Output,
    PasswordEnvOpt,
    RpcOpt,
    fail,
    load_signer,
    money,
    open_ledger,
    open_party,
    parse_address,
    parse_amount,
)

app = typer.Typer(help="Settlement token: mint and burn (banks), transfer, balance.", no_args_is_help=True)

AccountArg = Annotated[str, typer.Argument(parser=parse_address, help="account address (0x…)")]
RefOpt = Annotated[str, typer.Option("--ref", help="Reference of the off-chain deposit or withdrawal (≤ 32 bytes).")]


@app.command()
def mint(
    to: AccountArg,
    amount: AmountArg,
    ref: RefOpt = "",
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    dev_account: DevAccountOpt = None,
    password_env: PasswordEnvOpt = DEFAULT_PASSWORD_ENV,
    as_json: JsonOpt = False,
) -> None:
    """Credit AMOUNT to TO against a deposit received off chain (the signer must be a bank, within the mint
    allowance the operator set: `scf token mint-allowance`)."""
    bank = open_party(rpc, deployment, keystore, key_env, dev_account, password_env)
    ledger = bank.ledger
    event = bank.token.mint(to, amount, ref)
    Output(as_json).result(
        {"bank": event.bank, "to": event.to, "minted": money(event.amount),
         "balance": money(ledger.token.balance_of(to).units)},
        title="Deposit minted",
    )


@app.command("mint-allowance")
def mint_allowance(
    bank: Annotated[str, typer.Argument(parser=parse_address, help="the bank's address (0x…)")],
    amount: Annotated[int | None, typer.Argument(
        parser=parse_amount, metavar="[AMOUNT]",
        help="new allowance, e.g. 5000000.00 (absolute, not added); omit to show the current one")] = None,
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    dev_account: DevAccountOpt = None,
    password_env: PasswordEnvOpt = DEFAULT_PASSWORD_ENV,
    as_json: JsonOpt = False,
) -> None:
    """Set how much more BANK may mint (the signer must be an operator), or show it when AMOUNT is omitted.

    Every mint takes its amount off the bank's allowance; burning does not give it back."""
    if amount is None:
        ledger = open_ledger(rpc, deployment)
        Output(as_json).result({"bank": bank, "allowance": money(ledger.token.mint_allowance(bank))},
                               title="Mint allowance")
        return
    operator = open_party(rpc, deployment, keystore, key_env, dev_account, password_env)
    event = operator.token.set_mint_allowance(bank, amount)
    Output(as_json).result(
        {"bank": event.bank, "old_allowance": money(event.old_allowance),
         "allowance": money(event.new_allowance)},
        title="Mint allowance set",
    )


@app.command()
def burn(
    account: AccountArg,
    amount: AmountArg,
    ref: RefOpt = "",
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    dev_account: DevAccountOpt = None,
    password_env: PasswordEnvOpt = DEFAULT_PASSWORD_ENV,
    as_json: JsonOpt = False,
) -> None:
    """Debit AMOUNT from ACCOUNT against an off-chain withdrawal (a bank; its own tokens or with allowance)."""
    bank = open_party(rpc, deployment, keystore, key_env, dev_account, password_env)
    ledger = bank.ledger
    event = bank.token.burn(account, amount, ref)
    Output(as_json).result(
        {"bank": event.bank, "account": account, "burned": money(event.amount),
         "balance": money(ledger.token.balance_of(account).units)},
        title="Withdrawal burned",
    )


@app.command()
def transfer(
    to: AccountArg,
    amount: AmountArg,
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    dev_account: DevAccountOpt = None,
    password_env: PasswordEnvOpt = DEFAULT_PASSWORD_ENV,
    as_json: JsonOpt = False,
) -> None:
    """Pay AMOUNT to TO (both must be active participants)."""
    sender = open_party(rpc, deployment, keystore, key_env, dev_account, password_env)
    ledger = sender.ledger
    event = sender.token.transfer(to, amount)
    Output(as_json).result(
        {"from": event.from_, "to": event.to, "amount": money(event.value),
         "sender_balance": money(ledger.token.balance_of(sender.address).units),
         "recipient_balance": money(ledger.token.balance_of(to).units)},
        title="Transfer",
    )


@app.command()
def balance(
    accounts: Annotated[list[str] | None, typer.Argument(
        help="one or more addresses (0x…); default: the signer's", show_default=False)] = None,
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    dev_account: DevAccountOpt = None,
    password_env: PasswordEnvOpt = DEFAULT_PASSWORD_ENV,
    as_json: JsonOpt = False,
) -> None:
    """Settlement-token balance of each ACCOUNT, or of the signer when none is named."""
    ledger = open_ledger(rpc, deployment)
    if not accounts:
        if keystore is None and key_env is None and dev_account is None:
            raise fail("whose balance? name an ACCOUNT (0x…), or sign with --keystore FILE (or --key-env NAME, "
                       "--dev-account N) to see your own")
        accounts = [load_signer(ledger.chain, keystore, key_env, dev_account, password_env).address]
    rows = [{"address": a, "balance": money(ledger.token.balance_of(a).units)}
            for a in (parse_address(x) for x in accounts)]
    Output(as_json).rows(rows, ["address", "balance"], title=f"Balances ({ledger.token.symbol()})", key="balances")
