"""`scf dev`: conveniences for a local dev node (anvil from `scf node`): gas money and time travel.

Every command is refused on a node that is not a dev node: a consortium chain's ether and clock are not ours to set.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

import typer

from sdk.chain import Chain, RpcChain
from sdk.cli.common import DEFAULT_DEPLOYMENT, DeploymentOpt, JsonOpt, Output, RpcOpt, fail, open_chain, parse_address

app = typer.Typer(help="Dev node helpers: fund keys with gas money, move block time.", no_args_is_help=True)

#: What `--fund-gas` and `scf dev fund` give by default: plenty for thousands of transactions.
DEFAULT_GAS_ETHER = 100
_WEI = 10**18
_DURATION = re.compile(r"^\+?(\d+)([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 7 * 86_400}


def dev_chain(rpc: str | None) -> Chain:
    """The node at `rpc`, refused unless it is a dev node (anvil)."""
    if rpc in (None, "", "embedded"):
        raise fail("`scf dev` works on a running dev node: start one with `scf node`, then pass --rpc URL "
                   "(or set SCF_RPC_URL)")
    chain = open_chain(rpc)
    if not (isinstance(chain, RpcChain) and chain.is_anvil):
        client = getattr(chain, "client_version", "unknown client")
        raise fail(f"{rpc} is not a dev node ({client}): gas money and block time are set by the network's "
                   "operator there")
    return chain


def fund_gas(chain: Chain, address: str, ether: int = DEFAULT_GAS_ETHER) -> int:
    """Top `address` up to `ether` ETH of gas money on a dev node; returns the new balance in wei."""
    wei = ether * _WEI
    current = int(chain.w3.eth.get_balance(address))  # type: ignore[arg-type]
    if current < wei:
        chain.fund(address, wei)
    return max(current, wei)


def parse_duration(text: str) -> int:
    """``+30d``, ``12h``, ``+90m``, ``3600s``, ``2w`` as seconds."""
    match = _DURATION.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise fail(f"duration {text!r} is not like +30d, +12h, +90m, +3600s or +2w")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def parse_when(text: str) -> int:
    """An ISO date (``2027-01-31``, midnight UTC) or date-time (``2027-01-31T09:30:00Z``) as unix seconds."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"date {text!r} is not an ISO date like 2027-01-31 or 2027-01-31T09:30:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@app.command()
def fund(
    addresses: Annotated[list[str] | None, typer.Argument(help="Addresses to fund (0x…).", show_default=False)] = None,
    all_participants: Annotated[
        bool, typer.Option("--all", help="Every participant ever admitted in the deployment.")
    ] = False,
    ether: Annotated[int, typer.Option("--ether", min=1, help="Top each up to this many ETH.")] = DEFAULT_GAS_ETHER,
    rpc: RpcOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """Give keys gas money on a dev node (each is topped up to --ether; a richer key is left alone)."""
    if not addresses and not all_participants:
        raise fail("name the addresses to fund, or pass --all for every admitted participant")
    chain = dev_chain(rpc)
    targets = [parse_address(a) for a in addresses or []]
    if all_participants:
        from sdk.cli.participant import admitted_accounts
        from sdk.ledger import Ledger

        targets += admitted_accounts(Ledger.connect(chain, deployment))
    rows = [{"address": a, "ether": fund_gas(chain, a, ether) // _WEI} for a in dict.fromkeys(targets)]
    Output(as_json).rows(rows, ["address", "ether"], title="Funded for gas", key="funded")


@app.command()
def time(
    by: Annotated[str | None, typer.Argument(help="How far to move: +30d, +12h, +90m, +3600s, +2w.",
                                             show_default=False)] = None,
    to: Annotated[str | None, typer.Option("--to", help="Move to this date (ISO, UTC), e.g. 2027-01-31.",
                                           show_default=False)] = None,
    rpc: RpcOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move block time forward on a dev node and mine a block (time never moves backwards)."""
    if (by is None) == (to is None):
        raise fail("give either a duration (e.g. +30d) or --to DATE")
    chain = dev_chain(rpc)
    before = chain.now()
    if by is not None:
        seconds = parse_duration(by)
    else:
        assert to is not None
        target = parse_when(to)
        if target <= before:
            raise fail(f"{_iso(target)} is not after the chain's time {_iso(before)}: block time only moves forward")
        seconds = target - before
    after = chain.increase_time(seconds)
    Output(as_json).result({"from": _iso(before), "to": _iso(after), "moved_seconds": after - before},
                           title="Block time moved")
