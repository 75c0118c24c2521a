"""`scf demo`: play the supply-chain scenario (sdk.cli.scenario), print who financed what, then serve the gateway."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from sdk.cli import scenario
from sdk.cli.common import JsonOpt, Output, chain_label, fail, grouped, info, open_chain, progress, stdout


def demo(
    rpc: Annotated[
        str | None,
        typer.Option("--rpc", envvar="SCF_RPC_URL", show_default=False,
                     help="Run against this dev node (e.g. from `scf node`). Default: the embedded chain."),
    ] = None,
    workdir: Annotated[
        Path | None,
        typer.Option("--workdir", show_default=False,
                     help="Directory for the deployment, database and summary. Default: a fresh temporary one."),
    ] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Exit after the summary.")] = False,
    host: Annotated[str, typer.Option(help="Gateway address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Gateway port to serve on.")] = 8000,
    as_json: JsonOpt = False,
) -> None:
    """Play a realistic supply chain end to end and print a summary (then serve the gateway until Ctrl-C)."""
    if not no_serve:
        _check_port_free(host, port)  # fail now, not after the scenario
    directory = workdir or Path(tempfile.mkdtemp(prefix="scf-demo-"))
    chain = open_chain(rpc)
    info(f"scf demo on {chain_label(chain)}; working directory {directory}")
    with progress("demo", len(scenario.STAGES), enabled=not as_json) as advance:
        ctx = scenario.run(
            chain, directory, log=lambda line: info(f"  {line}"),
            on_stage=lambda stage: advance(1, stage.title), gateway=scenario.GatewayOptions(host, port),
        )
    data = ctx.summary.to_json()
    out = Output(as_json)
    if as_json:
        out.json(data)
    else:
        for renderable in summary_tables(out, data):
            out.print(renderable)
    if not no_serve:
        serve(ctx)


def _check_port_free(host: str, port: int) -> None:
    import socket

    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise fail(f"cannot serve the gateway on {host}:{port} ({exc.strerror}): pass --port N, "
                       "or --no-serve") from None


def summary_tables(out: Output, data: dict[str, Any]) -> list[Any]:
    tables: list[Any] = [out.table(
        "Participants",
        ["name", "roles", "rate", "balance"],
        [[p["name"], p["roles"], f"{p['rate_bps'] / 100:.2f} %" if "rate_bps" in p else "", p["balance"]]
         for p in data["participants"]],
    )]
    if data["deposits"]:
        tables.append(out.table("Deposits minted by banks", ["bank", "account", "amount", "ref"],
                                [[d["bank"], d["account"], d["amount"], d["ref"]] for d in data["deposits"]]))
    if data["payments"]:
        tables.append(out.table("Trade payments", ["from", "to", "amount", "for"],
                                [[p["from"], p["to"], p["amount"], p["for"]] for p in data["payments"]]))
    if data["receivables"]:
        tables.append(out.table(
            "Receivables and their fragments",
            ["fragment", "from", "holder", "value", "paid", "status"],
            [[f["id"], f["parent"] or "invoice", f["holder"], f["value"], f["paid"],
              f["status"] + (" (financed)" if f["financed"] else "")] for f in data["fragments"]],
        ))
    if data["financings"]:
        tables.append(out.table(
            "Who financed what",
            ["bank", "for", "mode", "amount", "rate", "days", "paid out", "cost"],
            [[f["bank"], f["seller"], f["mode"], f["face"], f["rate"], f["days"], f["price"], f["cost"]]
             for f in data["financings"]],
        ))
    if data["payouts"]:
        tables.append(out.table("Who received what at maturity", ["fragment", "holder", "amount"],
                                [[p["fragment"], p["holder"], p["amount"]] for p in data["payouts"]]))
    if data["loans"]:
        tables.append(out.table(
            "Pledge loans",
            ["loan", "bank", "borrower", "principal", "rate", "LTV at opening", "margin call at", "interest", "status"],
            [[ln["id"], ln["bank"], ln["borrower"], ln["principal"], ln["rate"],
              f"{ln['ltv_at_opening_bps'] / 100:.2f} %", f"{ln['margin_call_ltv_bps'] / 100:.2f} %", ln["interest"],
              ln["status"]] for ln in data["loans"]],
        ))
    for deal in data["prepayments"]:
        tables.append(out.table(
            f"Prepayment {deal['id']}: {deal['buyer']} buys {deal['quantity']} {deal['goods']} from {deal['seller']}; "
            f"{deal['bank']} funds {deal['financed']['amount']} at {deal['rate_bps'] / 100:.2f} %",
            ["instalment", "principal", "interest", "goods released"],
            [[i + 1, x["principal"], x["interest"], x["released"]] for i, x in enumerate(deal["instalments"])],
        ))
    if data.get("credit_profiles"):
        profiles = data["credit_profiles"]
        tables.append(out.table(
            f"Credit profiles read by {profiles[0]['read_by']} with each supplier's consent "
            f"(scorecard {profiles[0]['scorecard_version']})",
            ["supplier", "score", "grade", "suggested limit", "on time", "late", "lowered by"],
            [[p["participant"], p["score"], p["grade"], p["suggested_limit"], p["on_time"], p["late"],
              "; ".join(f"{name} {f['points']} ({f['reason']})" for name, f in p["lowering_factors"].items())
              or "-"] for p in profiles],
        ))
    for line in data.get("credit_lines", []):
        tables += credit_line_tables(out, line)
    if data.get("risk_pool"):
        tables.append(risk_pool_table(out, data["risk_pool"]))
    for refusal in data["refusals"]:
        fields = ", ".join(f"{k}={v}" for k, v in refusal["fields"].items())
        tables.append(f"refused as it should be: {refusal['action']} -> {refusal['error']}({fields})")
    tables.append(f"banks financed {grouped(data['total_financed']['units'])} and were repaid "
                  f"{grouped(data['total_repaid']['units'])} with interest; debtors paid "
                  f"{grouped(data['total_paid_by_debtors']['units'])} in all; {data['transactions']} transactions")
    pending = [s for s in data["stages"] if s["status"] == "pending"]
    if pending:
        tables.append(out.table("Scenario stages still to come", ["stage", "why not yet"],
                                [[s["title"], s["reason"]] for s in pending]))
    tables.append(f"[dim]deployment and summary in {data['workdir']}[/]")
    return tables


def credit_line_tables(out: Output, line: dict[str, Any]) -> list[Any]:
    """A revolving line's draws and repayments by day, then its interest against a term loan of the same limit."""
    rows = [(d["day"], f"draw {d['tranche']} to {d['payee']}", d["amount"], "", "", "", d["used_after"])
            for d in line["draws"]]
    rows += [(r["day"], r["source"].split(" (")[0], r["payout"], r["to_line"], r["to_borrower"],
              r["interest_paid"], r["used_after"]) for r in line["repayments"]]
    rows.sort(key=lambda row: row[0])
    return [
        out.table(
            f"Credit line {line['line']}: {line['bank']} lends {line['borrower']} up to "
            f"{grouped(line['limit']['units'])} "
            f"for {line['term_days']} days at {line['rate']} ({line['payee_rule']})",
            ["day", "what", "amount", "to line", "to borrower", "interest", "used after"],
            [list(row) for row in rows],
        ),
        f"interest charged for the days used ({line['days_used']} days): "
        f"{grouped(line['interest_charged']['units'])}; a term loan of the whole "
        f"{grouped(line['limit']['units'])} for {line['term_days']} days at {line['rate']} would have cost "
        f"{grouped(line['term_loan_interest']['units'])} (saved {grouped(line['saved']['units'])})",
    ]


def risk_pool_table(out: Output, pool: dict[str, Any]) -> Any:
    """Who bore how much of each loss the risk pool compensated (issue 13): one column per loss."""
    names = [c["name"] for c in pool["contributors"]]
    shares = ", ".join(f"{c['name']} {c['share_bps'] / 100:.0f} %" for c in pool["contributors"])
    grades = ", then ".join(f"{g['rate_bps'] / 100:.0f} % to {grouped(g['up_to']['units'])}" for g in pool["grades"])
    losses = pool["losses"]
    rows = [["loss", *[loss["what"] for loss in losses]],
            ["debtor", *[loss["debtor"] for loss in losses]],
            ["net loss", *[loss["net"] for loss in losses]],
            ["compensated by the pool", *[loss["paid"] for loss in losses]],
            *[[f"borne by {n}", *[loss["borne"][n] for loss in losses]] for n in names]]
    return out.table(f"Risk pool {pool['program']}: who bore each loss ({shares}; {grades})",
                     ["", *[loss["asset"] for loss in losses]], rows)


def serve(ctx: scenario.DemoContext) -> None:
    """Serve the indexed gateway until Ctrl-C, with the indexer following the chain, after printing a ready-made
    login (a bearer token from the API's own Sign-In with Ethereum) for every member of the cast."""
    import json
    import threading

    from gateway.main import create_app, make_server

    assert ctx.indexer is not None and ctx.gateway_settings is not None
    settings, url = ctx.gateway_settings, ctx.gateway.url
    # the write API relays signed transactions to the same chain; an in-process chain is shared with the indexer
    # under one lock
    lock = threading.Lock()
    if getattr(ctx.indexer.source, "kind", "") == "embedded":
        ctx.indexer.source._lock = lock  # type: ignore[attr-defined]
    app = create_app(settings, engine=ctx.indexer.store.engine, deployment=ctx.deployed.deployment,
                     indexer=ctx.indexer, migrate_schema=False, chain=ctx.chain, lock=lock)
    tokens = scenario.login_tokens(ctx, app)
    logins = ctx.workdir / "logins.json"
    logins.write_text(json.dumps(tokens, indent=2) + "\n", encoding="utf-8")
    logins.chmod(0o600)
    password_file, keystores = scenario.write_keystores(ctx.workdir)
    console = stdout()
    console.print(f"\n[bold]Gateway[/] at {url}  (OpenAPI: {url}/docs, health: {url}/health)", highlight=False)
    console.print(f"Sign in as any member of the cast with its keystore (in {password_file.parent}), then call the "
                  "API:", highlight=False)
    console.print(f"  export SCF_GATEWAY_URL={url} SCF_KEYSTORE_PASSWORD=$(cat {password_file})", highlight=False,
                  soft_wrap=True)
    for key, login in tokens.items():
        view = _ROLE_VIEW.get(key, "/v1/receivables")
        console.print(f"  [bold]{login['name']}[/] ({', '.join(login['roles'])}):", highlight=False)
        console.print(f"    scf gateway login --keystore {keystores[key]} && scf api GET {view}", highlight=False,
                      soft_wrap=True)
    console.print(f"Ready-made bearer tokens for curl (valid 24 h) are in {logins}.", highlight=False)
    console.print(f"\n[bold]Web app[/] at {url}/  Sign in with a browser wallet, or choose \"With your keystore "
                  f"file\" and upload the role's keystore (password: the contents of {password_file}; the file is "
                  "decrypted in the page and never uploaded):", highlight=False, soft_wrap=True)
    for key, login in tokens.items():
        console.print(f"  {login['name']} ({', '.join(login['roles'])}): {keystores[key]}", highlight=False,
                      soft_wrap=True)
    console.print("Ctrl-C stops the gateway.", highlight=False)
    ctx.indexer.start()  # keep following the chain (new blocks on a node) while serving
    try:
        # shuts down within seconds on Ctrl-C or SIGTERM, whatever the load; uvicorn re-raises the signal after
        # its shutdown, and Ctrl-C is how a demo ends, not an error
        try:
            make_server(app, settings, log_level="warning").run()
        except KeyboardInterrupt:
            pass
    finally:
        ctx.indexer.stop()


#: What each role would look at first.
_ROLE_VIEW = {
    "core": "/v1/receivables", "tier1": "/v1/financings", "tier2": "/v1/receivables", "tier3": "/v1/loans",
    "distributor": "/v1/warehouse-receipts", "bank1": "/v1/positions", "bank2": "/v1/financings",
    "warehouse": "/v1/warehouse-receipts", "feeder": "/v1/events", "regulator": "/v1/alerts",
}
