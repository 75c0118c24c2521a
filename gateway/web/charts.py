"""Charts drawn on the server as inline SVG: no script, no library, nothing fetched — they render offline, print,
and come with the page's htmx swap like any other markup.

Each chart is a ``<figure>``: the SVG is an image with a title and a one-sentence description (its accessible name),
and the numbers behind it follow in a table inside ``<details>``, so a screen-reader or keyboard user gets the data
rather than a picture of it. Amounts are integers in cents throughout; only the axis labels are shortened.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from markupsafe import Markup

from sdk.money import UNIT

W, H = 720, 260  # the drawing's own coordinates; CSS scales it to the column
LEFT, RIGHT, TOP, BOTTOM = 76, 16, 14, 46
COLOURS = ("#0b57a4", "#c2410c", "#15803d", "#7c3aed", "#a16207")
_ids = itertools.count(1)


def money(units: int) -> str:
    sign = "-" if units < 0 else ""
    whole, cents = divmod(abs(int(units)), UNIT)
    return f"{sign}{whole:,}.{cents:02d}"


def compact(units: int) -> str:
    """An axis label: 1.5M, 250k, 40 (whole currency units)."""
    value = units / UNIT
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}" if value else "0"


def percent(bps: int) -> str:
    return f"{bps / 100:.2f}%"


def day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%d %b %Y")


def moment(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%d %b %H:%M")


def _nice_ceiling(value: float) -> float:
    """The top of the axis: the value rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = float(10 ** (len(str(int(value))) - 1))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _ticks(top: float, n: int = 4) -> list[float]:
    return [top * i / n for i in range(n + 1)]


def _frame(title: str, desc: str, body: list[str], table: str, uid: str, height: int = H) -> Markup:
    svg = (f'<svg viewBox="0 0 {W} {height}" role="img" aria-labelledby="{uid}-t {uid}-d" class="chart" '
           f'preserveAspectRatio="xMinYMin meet"><title id="{uid}-t">{escape(title)}</title>'
           f'<desc id="{uid}-d">{escape(desc)}</desc>{"".join(body)}</svg>')
    return Markup(f'<figure class="chart">{svg}<figcaption>{escape(title)}</figcaption>'
                  f'<details><summary>The numbers behind “{escape(title)}”</summary>{table}</details></figure>')


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    th = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    trs = "".join(f'<tr><th scope="row">{escape(r[0])}</th>'
                  + "".join(f'<td class="num">{escape(c)}</td>' for c in r[1:]) + "</tr>" for r in rows)
    return (f'<table><caption class="sr-only">{escape(caption)}</caption><thead><tr>{th}</tr></thead>'
            f"<tbody>{trs}</tbody></table>")


def _y_axis(top: float, fmt: Callable[[float], str], x0: int = LEFT, x1: int = W - RIGHT) -> list[str]:
    out = []
    plot_h = H - TOP - BOTTOM
    for tick in _ticks(top):
        y = TOP + plot_h - plot_h * tick / top
        out.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                   f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{escape(fmt(tick))}</text>')
    return out


def _legend(items: Sequence[tuple[str, str]], dashed: Sequence[bool] = ()) -> list[str]:
    out, x = [], LEFT
    for i, (label, colour) in enumerate(items):
        dash = ' stroke-dasharray="6 4"' if i < len(dashed) and dashed[i] else ""
        out.append(f'<line x1="{x}" x2="{x + 18}" y1="{H - 10}" y2="{H - 10}" stroke="{colour}" '
                   f'stroke-width="4"{dash}/>'
                   f'<text x="{x + 24}" y="{H - 6}" class="tick">{escape(label)}</text>')
        x += 34 + 7 * len(label)
    return out


# ------------------------------------------------------------------------------------------------ bars
@dataclass(frozen=True)
class Series:
    key: str
    label: str


def ladder(title: str, buckets: Sequence[tuple[str, dict[str, int]]], series: Sequence[Series],
           desc: str = "") -> Markup:
    """Stacked bars: one per bucket (a week or a month), one colour per series, amounts in cents."""
    uid = f"chart{next(_ids)}"
    totals = [sum(values.values()) for _, values in buckets]
    top = _nice_ceiling(max(totals, default=0) / UNIT) * UNIT
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    body = _y_axis(top, lambda v: compact(int(v)))
    slot = plot_w / max(len(buckets), 1)
    bar = min(48.0, slot * 0.7)
    every = max(1, int(len(buckets) / 12 + 0.999))  # at most 12 labels under the axis
    for i, (label, values) in enumerate(buckets):
        x = LEFT + slot * i + (slot - bar) / 2
        base = TOP + plot_h
        for n, s in enumerate(series):
            units = values.get(s.key, 0)
            if units <= 0:
                continue
            h = plot_h * units / top
            base -= h
            body.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                        f'fill="{COLOURS[n % len(COLOURS)]}"><title>{escape(label)}, {escape(s.label)}: '
                        f'{money(units)}</title></rect>')
        if i % every == 0:
            body.append(f'<text x="{x + bar / 2:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" class="tick">'
                        f"{escape(label)}</text>")
    if len(series) > 1:
        body += _legend([(s.label, COLOURS[n % len(COLOURS)]) for n, s in enumerate(series)])
    head = ["Period", *(s.label for s in series), "Total"]
    rows = [[label, *(money(values.get(s.key, 0)) for s in series), money(total)]
            for (label, values), total in zip(buckets, totals, strict=True)]
    summary = desc or (f"{len(buckets)} periods; {money(sum(totals))} in all, "
                       f"the most in one period {money(max(totals, default=0))}.")
    return _frame(title, summary, body, _table(title, head, rows), uid)


def against_limit(title: str, rows: Sequence[tuple[str, int, int]], desc: str = "") -> Markup:
    """Horizontal bars of use against a limit, one per row (label, used, limit); a bar turns amber at 80% of its
    limit and red beyond it; the limit is a dark tick."""
    uid = f"chart{next(_ids)}"
    label_w = 220
    row_h = 30
    height = TOP + row_h * max(len(rows), 1) + 34
    top = _nice_ceiling(max((max(u, lim) for _, u, lim in rows), default=0) / UNIT) * UNIT
    plot_w = W - label_w - RIGHT
    body = []
    for tick in _ticks(top):
        x = label_w + plot_w * tick / top
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{height - 30}" class="grid"/>'
                    f'<text x="{x:.1f}" y="{height - 14}" text-anchor="middle" class="tick">'
                    f"{escape(compact(int(tick)))}</text>")
    table_rows = []
    for i, (label, used, limit) in enumerate(rows):
        y = TOP + row_h * i
        share = used * 10_000 // limit if limit else None
        colour = "#a10d0d" if limit and used > limit else "#b45309" if share is not None and share >= 8_000 \
            else COLOURS[0]
        short = label if len(label) <= 32 else label[:31] + "…"
        body.append(f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" class="tick">{escape(short)}</text>'
                    f'<rect x="{label_w}" y="{y + 6}" width="{plot_w * used / top:.1f}" height="18" fill="{colour}">'
                    f"<title>{escape(label)}: {money(used)} used of {money(limit)}</title></rect>")
        if limit:
            x = label_w + plot_w * limit / top
            body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 2}" y2="{y + 28}" stroke="#1b1f24" '
                        f'stroke-width="3"/>')
        table_rows.append([label, money(used), money(limit), percent(share) if share is not None else "no limit"])
    over = sum(1 for _, u, lim in rows if lim and u > lim)
    summary = desc or f"{len(rows)} rows; {over} above their limit."
    return _frame(title, summary, body, _table(title, ["Who", "Used", "Limit", "Share of limit"], table_rows), uid,
                  height)


# ------------------------------------------------------------------------------------------------ lines
@dataclass(frozen=True)
class Line:
    label: str
    points: Sequence[tuple[int, int]]  # (unix time, value), in time order
    step: bool = False  # the value holds until the next point (a balance), rather than moving smoothly (a price)
    dashed: bool = False


def over_time(title: str, lines: Sequence[Line], fmt: Callable[[int], str], *, axis: Callable[[float], str],
              until: int | None = None, desc: str = "", value_head: str = "Value") -> Markup:
    """Lines against time; `fmt` writes a value in the table and tooltips, `axis` on the axis. A step line is
    carried on to `until` (now), so a balance shows as held up to today."""
    uid = f"chart{next(_ids)}"
    times = [t for line in lines for t, _ in line.points] + ([until] if until else [])
    values = [v for line in lines for _, v in line.points]
    t0, t1 = (min(times), max(times)) if times else (0, 1)
    if t1 == t0:
        t1 = t0 + 86_400
    top = _nice_ceiling(max(values, default=0) * 1.05) if values else 1.0
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def xy(t: int, v: int) -> tuple[float, float]:
        return LEFT + plot_w * (t - t0) / (t1 - t0), TOP + plot_h - plot_h * v / top

    body = _y_axis(top, axis)
    when = moment if t1 - t0 < 3 * 86_400 else day  # within days, the time of day tells the points apart
    for i in range(5):
        t = t0 + (t1 - t0) * i // 4
        x = LEFT + plot_w * i / 4
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        body.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="{anchor}" class="tick">{when(t)}</text>')
    rows: list[tuple[int, list[str]]] = []
    for n, line in enumerate(lines):
        colour = COLOURS[n % len(COLOURS)]
        pts: list[tuple[float, float]] = []
        for j, (t, v) in enumerate(line.points):
            if line.step and j:
                pts.append(xy(t, line.points[j - 1][1]))
            pts.append(xy(t, v))
            rows.append((t, [when(t), line.label, fmt(v)]))
        if line.step and line.points and until and until > line.points[-1][0]:
            pts.append(xy(until, line.points[-1][1]))
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        if pts:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
        if not line.step and not line.dashed:
            for t, v in line.points:
                x, y = xy(t, v)
                body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{when(t)}, '
                            f"{escape(line.label)}: {escape(fmt(v))}</title></circle>")
    body += _legend([(line.label, COLOURS[n % len(COLOURS)]) for n, line in enumerate(lines)],
                    [line.dashed for line in lines])
    rows.sort(key=lambda r: r[0])
    summary = desc or f"{len(lines)} series from {day(t0)} to {day(t1)}."
    return _frame(title, summary, body, _table(title, ["Date", "Series", value_head], [r for _, r in rows]), uid)
