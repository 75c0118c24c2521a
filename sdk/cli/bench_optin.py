"""The opt-in runs of `scf bench` (long or large, so never part of the normal run): ``--soak`` (sdk.cli.bench_soak)
and ``--rows`` (sdk.cli.bench_scale). Each writes one JSON object, prints its tables, and fails loudly, naming
what went wrong."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from sdk.cli.common import Output, info, progress


def run_optin(*, soak: bool, soak_seconds: float, rows: list[int] | None, database_url: str | None, out: Path,
              as_json: bool, scale_seconds: float = 5.0) -> None:
    """Run the soak and/or the scale runs; write `out`; exit 1 when one failed."""
    result: dict[str, Any] = {"meta": {"started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                       "command": _command(soak, soak_seconds, rows, database_url)}}
    failures: dict[str, str] = {}
    steps = (2 if soak else 0) + (2 * len(rows) if rows else 0)
    with progress("benchmarks", steps or None, enabled=not as_json) as advance:
        def step(text: str) -> None:
            advance(1, text)

        if rows:
            from sdk.cli.bench_scale import measure_scale

            info(f"scale: {', '.join(f'{n:,}' for n in sorted(set(rows)))} receivables in "
                 f"{'PostgreSQL' if database_url else 'SQLite'}…")
            try:
                result["scale"] = scale = measure_scale(rows, step, database_url, seconds=scale_seconds)
                if scale.get("errors"):
                    failures["scale"] = "failed requests: " + "; ".join(scale["errors"][:5])
            except Exception as exc:  # noqa: BLE001 - named below, and the run fails
                failures["scale"] = f"{type(exc).__name__}: {str(exc)[:1500]}"
        if soak:
            from sdk.cli.bench_soak import SoakFailed
            from sdk.cli.bench_soak import soak as run_soak

            info(f"soak: {soak_seconds:,.0f} s of mixed load (after a warm-up)…")
            try:
                result["soak"] = run_soak(soak_seconds, step, database_url)
            except SoakFailed as exc:
                result["soak"] = exc.result
                failures["soak"] = "; ".join(exc.problems)[:3000]
            except Exception as exc:  # noqa: BLE001
                failures["soak"] = f"{type(exc).__name__}: {str(exc)[:1500]}"
    if failures:
        result["failures"] = failures
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    output = Output(as_json)
    if as_json:
        output.json(result)
    else:
        for table in tables(output, result):
            output.print(table)
    info(f"wrote {out}")
    for name, text in failures.items():
        typer.echo(f"scf bench: section {name} FAILED: {text}", err=True)
    if failures:
        raise typer.Exit(1)


def _command(soak: bool, soak_seconds: float, rows: list[int] | None, database_url: str | None) -> str:
    parts = ["scf bench"]
    if soak:
        parts += ["--soak", f"--soak-seconds {soak_seconds:g}"]
    for n in rows or []:
        parts.append(f"--rows {n}")
    if database_url:
        parts.append("--database-url <url>")
    return " ".join(parts)


def tables(out: Output, result: dict[str, Any]) -> list[Any]:
    shown: list[Any] = []
    scale = result.get("scale")
    if scale:
        sizes = [str(n) for n in scale["sizes"]]
        rows = []
        for label, entry in scale["endpoints"].items():
            cells = [label]
            for size in sizes:
                run = entry["by_rows"].get(size)
                cells.append(f"{run['p50_ms']:.1f} / {run['p99_ms']:.1f}" + (f" ({run['errors']} err)"
                                                                             if run["errors"] else "")
                             if run else "-")
            cells.append(f"×{entry['p99_growth']}" if entry.get("p99_growth") is not None else "-")
            rows.append(cells)
        rows.append(["API peak RSS (MiB)", *[f"{scale['api_peak_rss_mib'].get(s, float('nan')):,.1f}"
                                             for s in sizes], f"×{scale['api_rss_growth']}"])
        if scale.get("indexer"):
            rows.append(["indexer peak RSS (MiB), +1,000 receivables", *[
                f"{scale['indexer'][s]['peak_rss_mib']:,.1f}" for s in sizes], f"×{scale['indexer_rss_growth']}"])
        rows.append(["seeding (s)", *[f"{scale['seeding'][s]['seconds']:,.1f}" for s in sizes], ""])
        shown.append(out.table(
            f"API over a growing book ({scale['database']}): p50 / p99 ms at {scale['rate_rps']} req/s offered, "
            f"{scale['seconds_per_run']:g} s per endpoint (open loop)",
            ["endpoint", *[f"{int(s):,} rows" for s in sizes], f"p99 {int(sizes[0]):,} → {int(sizes[-1]):,}"],
            rows))
    soak = result.get("soak")
    if soak and "processes" in soak:
        rows = []
        for name, entry in soak["processes"].items():
            for what in ("rss_mib", "fds", "db_connections"):
                f = entry[what]
                rows.append([name, what, f"{f['start']:,}", f"{f['end']:,}", f"{f['growth']:+,}", f"≤ {f['bound']}"])
            rows.append([name, "tracebacks in the log", "", str(entry["tracebacks"]), "", "0"])
        shown.append(out.table(
            f"Soak: {soak['seconds']:,.0f} s of mixed load after {soak['warmup_seconds']:.0f} s of warm-up "
            f"({soak['database']}; {'ok' if soak['ok'] else 'FAILED'})",
            ["process", "figure", "start", "end", "growth", "bound"], rows))
        calls = soak["calls"]
        shown.append(out.table(
            "Soak: calls", ["kind", "requests", "p50 ms", "p99 ms", "failed"],
            [[k, f"{v['requests']:,}", f"{v['p50_ms']:.1f}", f"{v['p99_ms']:.1f}", str(v["failed"])]
             for k, v in calls.items()]
            + [["stream", f"{soak['stream']['connections']} connections", f"{soak['stream']['events']:,} events",
                "", ""],
               ["chain", f"{soak['chain']['lifecycles']} lifecycles", f"{soak['chain']['blocks']:,} blocks",
                f"lag {soak['chain']['final_lag_blocks']}", ""]]))
    return shown
