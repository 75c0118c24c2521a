"""The `scf` command: the root app, its top-level commands, and the registration of domain sub-apps."""

from __future__ import annotations

import signal
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from sdk.cli import (
    api,
    attest,
    bench,
    credit,
    creditline,
    daily,
    demo,
    dev,
    gateway,
    keys,
    participant,
    prepayment,
    receipt,
    receivable,
    riskpool,
    token,
)
from sdk.cli.common import (
    JsonOpt,
    Output,
    ScfGroup,
    SigningOptions,
    chain_label,
    info,
    open_chain,
    progress,
    signed,
)

app = typer.Typer(
    name="scf",
    cls=ScfGroup,
    help="Supply-chain finance ledger: build, run a node, deploy, act as a participant, demo and benchmark.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# --- Domain sub-apps: each lives in sdk/cli/<domain>.py, exports `app = typer.Typer(...)`, and is registered
# --- here with ONE line. Add yours in alphabetical order.
app.add_typer(attest.app, name="attest")
app.add_typer(credit.app, name="credit")
app.add_typer(creditline.app, name="credit-line")
app.add_typer(dev.app, name="dev")
app.add_typer(gateway.app, name="gateway")
app.add_typer(keys.app, name="keys")
app.add_typer(participant.app, name="participant")
app.add_typer(prepayment.app, name="prepayment")
app.add_typer(receivable.app, name="receivable")
app.add_typer(receipt.app, name="receipt")
app.add_typer(riskpool.app, name="risk-pool")
app.add_typer(token.app, name="token")


# --- Top-level commands that live in their own module.
app.command("api")(api.api)
gateway.app.command("login")(api.login)
app.command("bench")(bench.bench)
app.command("demo")(demo.demo)
app.command("inbox")(daily.inbox)
app.command("statement")(daily.statement)
receivable.app.command("list")(daily.list_receivables)
receivable.app.command("fragments")(daily.list_fragments)
receivable.app.command("offers")(daily.list_offers)
receivable.app.command("discounts")(daily.list_discounts)
receipt.app.command("list")(daily.list_receipts)
receipt.app.command("loans")(daily.list_loans)
receipt.program_app.command("list")(daily.list_programs)
prepayment.app.command("list")(daily.list_prepayments)


@app.callback()
def main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Print tracebacks on errors (accepted anywhere; env SCF_DEBUG=1).")
    ] = False,
) -> None:
    """Supply-chain finance ledger."""
    # `--debug` is taken out of the arguments by ScfGroup before parsing; this option documents it.


@app.command()
def build(as_json: JsonOpt = False) -> None:
    """Compile contracts/ into sdk/artifacts and regenerate sdk/generated (needs solc or Node's solc-js)."""
    from sdk.build import EVM_VERSION, OPTIMIZER_RUNS, SOLC_VERSION, BuildError
    from sdk.build import build as run_build

    info(f"compiling contracts with solc {SOLC_VERSION} (evm {EVM_VERSION}, optimizer runs {OPTIMIZER_RUNS})…")
    try:
        result = run_build()
    except (BuildError, FileNotFoundError) as exc:
        raise ValueError(f"build failed: {exc}") from exc
    out = Output(as_json)
    data = {"compiler": result.compiler, "solc": SOLC_VERSION, "evm": EVM_VERSION, "changed": result.changed,
            "artifacts": sorted(p for p in result.artifacts if p.startswith("sdk/artifacts/"))}
    if as_json:
        out.json(data)
        return
    out.print(f"compiled with {result.compiler} {SOLC_VERSION}; "
              + (f"{len(result.changed)} file(s) written:" if result.changed else "artifacts up to date"))
    for rel in result.changed:
        out.print(f"  wrote {rel}")


@app.command()
def node(
    port: Annotated[int, typer.Option(help="Loopback port to serve JSON-RPC on.")] = 8545,
    state: Annotated[
        Path | None,
        typer.Option(help="Persist the chain to this file, so it survives a restart (anvil --state)."),
    ] = Path(".scf/anvil-state.json"),
    no_state: Annotated[bool, typer.Option("--no-state", help="Keep the chain in memory only.")] = False,
    block_time: Annotated[
        float | None, typer.Option(help="Mine a block every N seconds instead of on each transaction.")
    ] = None,
) -> None:
    """Run a local chain node (anvil from node_modules) until Ctrl-C."""
    from sdk.anvil import AnvilNode

    state_file = None if no_state else state
    if state_file is not None:
        state_file.parent.mkdir(parents=True, exist_ok=True)
    anvil = AnvilNode(port=port, state=state_file, block_time=block_time)
    url = anvil.start()
    typer.echo(url)
    info(f"anvil is serving JSON-RPC at {url}" + (f", state in {state_file}" if state_file else " (in memory)"))
    info(f"use it with: export SCF_RPC_URL={url}   (Ctrl-C stops the node and saves the state)")
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop and anvil.process is not None and anvil.process.poll() is None:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        anvil.stop()
        info("anvil stopped" + (f"; state saved to {state_file}" if state_file else ""))


@app.command()
@signed
def deploy(
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
    admin_delay_hours: Annotated[float, typer.Option(
        "--admin-delay-hours", min=0,
        help="Hours a transfer of the default admin role must wait between its two steps (begin, accept).")] = 48,
) -> None:
    """Deploy the whole contract system; the signer becomes admin and operator. Writes the deployment file."""
    from sdk.ledger import Ledger

    chain = open_chain(signing.rpc)
    if not signing.given and chain.kind == "embedded":
        signing = replace(signing, dev_account=0)
    operator = signing.account(chain)
    with progress("deploying contracts", None, enabled=not as_json):
        ledger = Ledger.deploy(chain, operator, admin_delay=round(admin_delay_hours * 3600))
    path = ledger.save(signing.deployment)
    data = {
        "chain": chain_label(chain),
        "chain_id": ledger.deployment.chain_id,
        "block": ledger.deployment.block,
        "operator": ledger.deployment.operator,
        "admin_delay_seconds": ledger.deployment.extra["admin_delay"],
        "contracts": ledger.deployment.contracts,
        "deployment_file": str(path),
    }
    out = Output(as_json)
    if as_json:
        out.json(data)
    else:
        out.print(out.table(f"Deployed on {chain_label(chain)} (chain id {ledger.deployment.chain_id})",
                            ["contract", "address"], sorted(ledger.deployment.contracts.items())))
        out.print(f"deployment written to {path}")
    if chain.kind == "embedded":
        info("note: the embedded chain lives in memory and is gone now that this command ends, so the file above "
             "points at nothing. For a lasting chain run `scf node` and deploy with --rpc URL.")
