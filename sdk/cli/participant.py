"""`scf participant`: admission after KYC, suspension, resumption, re-admission, listing (operator verbs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from eth_utils import to_checksum_address

from sdk.cli.common import (
    DEFAULT_DEPLOYMENT,
    DeploymentOpt,
    JsonOpt,
    Output,
    ParticipantArg,
    RpcOpt,
    SigningOptions,
    fail,
    money,
    open_ledger,
    parse_address,
    parse_roles,
    role_name,
    signed,
)
from sdk.generated.events import ParticipantAdmitted
from sdk.ledger import Ledger
from sdk.types import Participant

app = typer.Typer(help="Participants: admit after KYC, suspend, resume, re-admit, list.", no_args_is_help=True)

RolesOpt = Annotated[
    list[str],
    typer.Option("--role", "-r", help="Role, repeatable or comma-separated: core-enterprise, supplier, distributor, "
                 "bank, warehouse-operator, price-feeder, regulator, risk-pool-contributor, data-provider."),
]
IdentityOpt = Annotated[
    str,
    typer.Option("--identity", help="Legal identity (e.g. unified social credit code); only its SHA-256 is kept."),
]
KycDaysOpt = Annotated[int, typer.Option("--kyc-days", min=1, help="KYC valid for this many days from now.")]
NameOpt = Annotated[
    str | None,
    typer.Option("--name", help="Display name shown beside the address (1 to 64 bytes), recorded in the same "
                 "transaction as the admission."),
]


def participant_data(p: Participant) -> dict[str, Any]:
    return {
        "address": p.address,
        "name": p.name or None,
        "roles": sorted(role_name(r) for r in p.roles),
        "status": p.status.name.lower(),
        "standing": p.standing.name.lower().replace("_", "-"),
        "kyc_expiry": _iso(p.kyc_expiry),
        "admitted_at": _iso(p.admitted_at),
        "identity_hash": "0x" + p.identity_hash.hex(),
    }


def _iso(ts: int) -> str | None:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if ts else None

@app.command()
@signed
def admit(
    account: ParticipantArg,
    role: RolesOpt,
    identity: IdentityOpt,
    kyc_days: KycDaysOpt = 365,
    name: NameOpt = None,
    fund_gas: Annotated[
        bool, typer.Option("--fund-gas", help="On a dev node, also give the account gas money (`scf dev fund`).")
    ] = False,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Admit ACCOUNT with its roles after off-chain KYC (operator only)."""
    roles = parse_roles(role)
    if fund_gas:
        from sdk.cli import dev

        dev.dev_chain(signing.rpc)  # refused before anything is written on a node that isn't a dev node
    op = signing.party()
    ledger = op.ledger
    op.registry.admit(account, roles, identity, ledger.chain.now() + kyc_days * 86_400, name=name)
    if fund_gas:
        dev.fund_gas(ledger.chain, account)
    Output(as_json).result(participant_data(ledger.registry.get_participant(account)), title="Participant admitted")


@app.command()
@signed
def readmit(
    account: ParticipantArg,
    role: RolesOpt,
    identity: IdentityOpt,
    kyc_days: KycDaysOpt = 365,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Renew ACCOUNT's KYC, roles or identity and make it active again (operator only)."""
    roles = parse_roles(role)
    op = signing.party()
    ledger = op.ledger
    op.registry.readmit(account, roles, identity, ledger.chain.now() + kyc_days * 86_400)
    Output(as_json).result(participant_data(ledger.registry.get_participant(account)),
                           title="Participant re-admitted")


@app.command()
@signed
def rename(
    account: ParticipantArg,
    name: Annotated[str, typer.Argument(help="new display name (1 to 64 bytes of UTF-8)")],
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Set the display name of ACCOUNT (an operator, or the participant itself while active)."""
    party = signing.party()
    event = party.registry.set_display_name(account, name)
    data = participant_data(party.ledger.registry.get_participant(account))
    Output(as_json).result({**data, "old_name": event.old_name or None}, title="Participant renamed")


@app.command()
@signed
def suspend(
    account: ParticipantArg,
    reason: Annotated[str, typer.Option(help="Short reason code (at most 32 bytes), recorded in the event.")] = "",
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Suspend ACCOUNT: it can no longer act, send or receive (operator only)."""
    op = signing.party()
    ledger = op.ledger
    op.registry.suspend(account, reason)
    Output(as_json).result(participant_data(ledger.registry.get_participant(account)), title="Participant suspended")


@app.command()
@signed
def resume(
    account: ParticipantArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Lift ACCOUNT's suspension (operator only)."""
    op = signing.party()
    ledger = op.ledger
    op.registry.resume(account)
    Output(as_json).result(participant_data(ledger.registry.get_participant(account)), title="Participant resumed")


@app.command()
def show(
    account: ParticipantArg,
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """Show ACCOUNT as the registry records it, with its standing at the latest block."""
    ledger = open_ledger(rpc, deployment)
    p = ledger.registry.get_participant(account)
    if p.status.name == "NONE":
        raise fail(f"{account} is not a registered participant")
    data = participant_data(p)
    data["balance"] = money(ledger.token.balance_of(account).units)
    Output(as_json).result(data, title="Participant")


@app.command("list")
def list_participants(
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """List every participant ever admitted (from the registry's events), with its current standing."""
    ledger = open_ledger(rpc, deployment)
    addresses = admitted_accounts(ledger)
    data = [participant_data(ledger.registry.get_participant(a)) for a in addresses]
    Output(as_json).rows(data, ["address", "name", "roles", "status", "standing", "kyc_expiry"], title="Participants",
                         key="participants")


def admitted_accounts(ledger: Ledger, window: int = 10_000) -> list[str]:
    """Accounts named by ParticipantAdmitted events since the deployment block, in admission order."""
    chain = ledger.chain
    registry = to_checksum_address(ledger.deployment.address("ParticipantRegistry"))
    topic = "0x" + ParticipantAdmitted.TOPIC.hex()
    head = chain.block_number
    seen: dict[str, None] = {}
    start = ledger.deployment.block
    while start <= head:  # bounded windows: some nodes cap the range of eth_getLogs
        end = min(start + window - 1, head)
        logs = chain.w3.eth.get_logs({"address": registry, "topics": [topic], "fromBlock": start, "toBlock": end})
        for log in logs:
            seen.setdefault(parse_address("0x" + bytes(log["topics"][1])[-20:].hex()), None)
        start = end + 1
    return list(seen)
