"""`scf bench`: run the benchmark suite (sdk.cli.bench_suite), write one JSON object and print readable tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from sdk.cli import bench_suite as suite
from sdk.cli.common import JsonOpt, Output, info, progress


def bench(
    quick: Annotated[bool, typer.Option("--quick", help="Smaller sizes: finishes in under 2 minutes.")] = False,
    out: Annotated[Path, typer.Option("--out", help="Write the JSON result here.")] = Path(".scf/bench.json"),
    rpc: Annotated[
        str | None,
        typer.Option("--rpc", help="Use this dev node (anvil) instead of starting one.", show_default=False),
    ] = None,
    ops: Annotated[
        int | None, typer.Option("--ops", min=2, help="Operations per throughput round (overrides the size).",
                                 show_default=False)
    ] = None,
    soak: Annotated[bool, typer.Option("--soak", help="Only the soak: mixed load on the gateway while the indexer "
                                       "follows a node; fails if memory, descriptors or connections grow.")] = False,
    soak_seconds: Annotated[float, typer.Option("--soak-seconds", min=10, help="Length of the soak.")] = 600.0,
    rows: Annotated[
        list[int] | None,
        typer.Option("--rows", min=100, help="Only the scale runs: API latency over this many seeded receivables "
                     "(repeat for several sizes).", show_default=False),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="PostgreSQL for --rows and --soak (a fresh schema; default SQLite).",
                     show_default=False),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Measure gas per operation, SDK vs raw JSON-RPC throughput, and (with the gateway) indexer and API speed."""
    if soak or rows:  # opt-in runs, long or large: on their own (sdk.cli.bench_optin)
        from sdk.cli.bench_optin import run_optin

        run_optin(soak=soak, soak_seconds=soak_seconds, rows=rows, database_url=database_url, out=out,
                  as_json=as_json)
        return
    settings = suite.BenchSettings.make(quick=quick, rpc=rpc, ops=ops)
    info(f"benchmarking ({'quick' if settings.quick else 'full'}: {settings.ops} operations × {settings.rounds} "
         "rounds against anvil, then the embedded chain)…")
    failed: suite.SectionFailed | None = None
    with progress("benchmarks", suite.plan(settings), enabled=not as_json) as advance:
        try:
            result = suite.run(settings, lambda description: advance(1, description))
        except suite.SectionFailed as exc:  # the partial result is written and shown, then the run fails
            failed, result = exc, exc.result
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    output = Output(as_json)
    if as_json:
        output.json(result)
    else:
        print_report(output, result)
    info(f"wrote {out}")
    if failed is not None:
        for name, text in failed.failures.items():
            typer.echo(f"scf bench: section {name} FAILED: {text}", err=True)
        raise typer.Exit(1)


def _postgres_rows(ix: dict[str, Any]) -> list[list[str]]:
    pg = ix.get("postgresql")
    if not pg:
        return []
    if "skipped" in pg:
        return [["PostgreSQL backfill", f"skipped ({pg['skipped']})", ""]]
    ok = "ok" if pg["meets_target"] else "BELOW TARGET"
    return [
        ["PostgreSQL: indexed events/s, same range", f"{pg['events_per_s']:,.0f}", ""],
        ["PostgreSQL: ratio indexed / raw", f"{pg['ratio_to_raw']:.3f}", ""],
        ["PostgreSQL / SQLite", f"{pg['vs_sqlite']:.2f} {ok}", f"≥ {pg['target_vs_sqlite']}"],
    ]


def print_report(out: Output, result: dict[str, Any]) -> None:
    for table in report_tables(out, result):
        out.print(table)


def report_tables(out: Output, result: dict[str, Any]) -> list[Any]:
    tables: list[Any] = []
    gas = result.get("gas", {})
    rows = []
    for name, entry in gas.items():
        budget = entry.get("budget")
        verdict = "-" if budget is None else (
            f"{entry['vs_budget_pct']:+.1f}% " + ("under" if entry["within_budget"] else "OVER"))
        rows.append([name, f"{entry['gas']:,}", f"{budget:,}" if budget else "-", verdict])
    for name in result.get("gas_missing", []):
        budget = suite.GAS_BUDGETS.get(name)
        rows.append([name, "not implemented yet", f"{budget:,}" if budget else "-", "-"])
    tables.append(out.table("Gas per operation (from receipts)", ["operation", "gas", "budget", "vs budget"], rows))
    tp = result.get("throughput")
    if tp:
        per_op = tp["transactions_per_op"]

        def rate(ops: float) -> list[str]:
            return [f"{ops:,.2f}", f"{ops * per_op:,.1f}"]

        tables.append(out.table(
            f"Throughput: {tp['operation']} ({tp['ops_per_round']} per round × {tp['rounds']} rounds, medians)",
            ["measure", "ops/s", "tx/s"],
            [
                ["SDK, pipelined (anvil)", *rate(tp["sdk_ops_per_s"])],
                ["raw JSON-RPC, same signed txs (anvil)", *rate(tp["raw_ops_per_s"])],
                [f"ratio SDK / raw (target ≥ {tp['target_ratio']})",
                 f"{tp['ratio']:.2f} " + ("ok" if tp["meets_target"] else "BELOW TARGET"), ""],
                ["SDK, one call at a time (anvil)", *rate(tp["sdk_sequential_ops_per_s"])],
                ["SDK, pipelined (embedded chain)", *rate(tp["embedded_ops_per_s"])],
            ],
        ))
        tables.append(f"[dim]operation: {tp['operation_note']}[/]")
    bulk = result.get("bulk")
    if bulk:
        verdict = "ok" if bulk["meets_target"] else "BELOW TARGET"
        tables.append(out.table(
            f"Bulk writes: {bulk['transactions']:,} independent registrations by {bulk['suppliers']} suppliers "
            f"({bulk['rounds']} rounds, best of each)",
            ["measure", "tx/s", "target"],
            [
                ["SDK bulk path: send_batched + wait_all + ids from receipts", f"{bulk['sdk_tx_per_s']:,.0f}", ""],
                ["ceiling: the same signed bytes as one JSON-RPC batch", f"{bulk['ceiling_tx_per_s']:,.0f}", ""],
                ["ratio SDK / ceiling", f"{bulk['ratio']:.2f} {verdict}", f"≥ {bulk['target_ratio']}"],
                ["signing alone (included in the SDK figure)",
                 f"{bulk['signing_tx_per_s']:,.0f} ({bulk['signing_us_per_tx']:,.0f} µs/tx)", ""],
            ],
        ))
    ix = result.get("indexer")
    if ix:
        ok = "ok" if ix["meets_target"] else "BELOW TARGET"
        tables.append(out.table(
            f"Indexer: backfill of {ix['events']:,} events ({ix['blocks']:,} blocks) from anvil into SQLite",
            ["measure", "value", "target"],
            [
                ["indexed events/s", f"{ix['events_per_s']:,.0f}", f"≥ {ix['target_events_per_s']:,}"],
                ["raw eth_getLogs events/s, same range", f"{ix['raw_events_per_s']:,.0f}", ""],
                ["ratio indexed / raw", f"{ix['ratio']:.3f} {ok}", f"≥ {ix['target_ratio']}"],
                *_postgres_rows(ix),
                *([["embedded chain: index s / produce s",
                    f"{ix['embedded_index_s']} / {ix['embedded_produce_s']} = {ix['embedded_index_ratio']:.3f} "
                    + ("ok" if ix["embedded_keeps_up"] else "FALLS BEHIND"), "≤ 1.0"]]
                  if "embedded_index_s" in ix else []),
            ],
        ))
    mem = result.get("memory")
    if mem:
        tables.append(out.table(
            f"Memory: {mem['what']} (growth ×{mem['growth']})", ["events", "peak RSS (MiB)"],
            [[f"{m['events']:,}", f"{m['peak_rss_mib']:,.1f}"] for m in mem["sizes"]],
        ))
    api = result.get("api")
    if api:
        tables.extend(_api_tables(out, api))
    web = result.get("web")
    if web:
        tables.append(out.table(
            f"Web app: server render of the first page with {web['rows']:,} rows behind it "
            f"(target ≤ {web['target_ms']:,.0f} ms; {web['how']})",
            ["page", "path", "p50 ms", "max ms", "KiB"],
            [[label, p["path"], f"{p['p50_ms']:.1f}", f"{p['max_ms']:.1f}", f"{p['bytes'] / 1024:,.1f}"]
             for label, p in web["pages"].items()]
            + [["all within target", "", "ok" if web["meets_target"] else "OVER TARGET", "", ""]],
        ))
    meta = result.get("meta", {})
    machine = meta.get("machine", {})
    if machine.get("ecc_backend") == "NativeECCBackend":
        tables.append("[yellow]signing used eth-keys' pure-Python backend (~3 ms per signature): install coincurve "
                      "(a dependency of scf-ledger) for the SDK's real throughput[/]")
    tables.append(f"[dim]machine: {machine.get('cpus')} CPUs ({machine.get('cpu', '?')}), "
                  f"{machine.get('memory_gib', '?')} GiB, Python {machine.get('python')}, load average "
                  f"{machine.get('load_average_1m')} -> {meta.get('load_average_1m_at_end')}; "
                  f"node: {meta.get('node')}; took {meta.get('duration_s')} s[/]")
    return tables


def _api_tables(out: Any, api: dict[str, Any]) -> list[Any]:
    """The API load table (client and server latency side by side) and the overload step."""
    rows = []
    for name, entry in api.items():
        if not isinstance(entry, dict) or "by_rows" not in entry:
            continue
        label = entry["path"] + (" (each request another party)" if name == "positions_parties" else "")
        for size, run in entry["by_rows"].items():
            rows.append([label, f"{int(size):,}", f"{run['p50_ms']:.1f}", f"{run['p99_ms']:.1f}",
                         f"{run.get('server_p99_ms', float('nan')):.1f}", f"{run['achieved_rps']:,.0f}",
                         str(run["errors"]), f"{run.get('generator_cpu_share', 0):.2f}",
                         f"{entry.get('max_rps', '-')}" if size == str(entry["rows"]) else ""])
    tables = [out.table(
        f"API at {api['offered_rps']} req/s offered ({api['load']}); target p99 ≤ {api['target_p99_ms']:.0f} ms, "
        f"max rate at p99 ≤ {api['max_rps_p99_ms']:.0f} ms; server p99 from the Server-Timing header",
        ["endpoint", "rows", "p50 ms", "p99 ms", "server p99 ms", "req/s", "errors", "generator CPU",
         "max req/s"], rows,
    )]
    over = api.get("overload")
    if over:
        def statuses(counts: dict[str, int]) -> str:
            return ", ".join(f"{code}: {n:,}" for code, n in counts.items())

        recovered = over["recovered_after_s"]
        tables.append(out.table(
            f"Overload: {over['path']} at {over['offered_rps']:,.0f} req/s for {over['seconds']:.0f} s "
            f"(2 × the most it served, {over['max_rps']:,.0f} req/s), then "
            f"{over['recovery_rps']:,.0f} req/s",
            ["measure", "value"],
            [["answers during overload", statuses(over["statuses"])],
             ["p99 of the 200s during overload (ms)", f"{over['served_p99_ms']}"],
             ["answers after the load dropped", statuses(over["recovery_statuses"])],
             ["all answers 200 within target again after",
              "never (within the step)" if recovered is None else f"{recovered:.2f} s"],
             ["no 500, no unanswered request, recovered within 1 s", "ok" if over["meets_target"] else "NO"]],
        ))
    return tables
