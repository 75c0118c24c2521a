"""A credit line's utilisation over time, from its indexed history (draws, repayments, limit changes)."""

from __future__ import annotations

from markupsafe import Markup

from gateway.models.creditlines import CreditLinePublic
from gateway.web import charts

#: events that carry the principal outstanding after them
_PRINCIPAL = ("CreditLineDrawn", "CreditLineRepaid", "CreditLineDefaulted", "CreditLineRecovered",
              "CreditLineLimitReduced")


def utilisation_chart(line: CreditLinePublic, now: int) -> Markup:
    """Used and limit as step lines, from the line's opening to now (or its closing)."""
    used: list[tuple[int, int]] = []
    limit: list[tuple[int, int]] = []
    for ev in line.history:
        args = ev.args
        if ev.name == "CreditLineOpened":
            limit.append((ev.block_time, int(args["limit"])))
            used.append((ev.block_time, 0))
        if ev.name == "CreditLineLimitReduced":
            limit.append((ev.block_time, int(args["new_limit"])))
        if ev.name in _PRINCIPAL and "principal" in args:
            used.append((ev.block_time, int(args["principal"])))
    until = line.closed_at or now
    peak = max((u for _, u in used), default=0)
    return charts.over_time(
        f"Credit line {line.id}: utilisation over time", [charts.Line("Used", used, step=True),
                                                         charts.Line("Limit", limit, step=True, dashed=True)],
        charts.money, axis=lambda v: charts.compact(int(v)), until=until, value_head="Amount",
        desc=f"{len(used)} changes; used now {charts.money(line.used_units)} of {charts.money(line.limit_units)}, "
             f"at most {charts.money(peak)}.")
